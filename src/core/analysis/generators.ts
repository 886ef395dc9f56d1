// Symmetry generators in the compact form the tensor-level search finds them: a k×k matrix M acting
// along one index shared by several tensors (U → e^{M}U, W → W e^{−M}), a scaling coefficient per
// tensor, or a translation along an axis of a tensor. The compact form is plain data (it crosses
// worker boundaries and the JSON output); `formOf` expands it to the sparse charge θᵀAθ (or vᵀθ)
// over the flattened components when a kernel or a check needs it, never to an n×n matrix.
import { AxisMember } from '../tensor/axes';
import { ParamInfo } from '../lang/model';
import type { SparseForm } from './forms';
import type { DenseGenerator } from './symmetryTypes';

export type { AxisMember } from '../tensor/axes';

/** M acting along one axis class: every member tensor along its axis (sign −1: as a covector). */
export interface AxisAction {
  members: AxisMember[];
  size: number;
  /** Entries of the symmetric M with i ≤ j: [i, j, M_ij]. */
  entries: [number, number, number][];
}

export interface ShiftAction {
  param: number;
  /** The axis the all-ones vector runs along; null: every entry of the tensor together. */
  axis: number | null;
  /** For a matrix, which entry of the other index is shifted (one generator per entry). */
  at?: number;
  coef: number;
}

export interface GeneratorSpec {
  axes?: AxisAction[];
  /** Per-tensor scaling coefficients: T_p → e^{λ c_p} T_p. */
  scalings?: { param: number; coef: number }[];
  shifts?: ShiftAction[];
}

export function isTranslation(spec: GeneratorSpec): boolean {
  return (spec.shifts?.length ?? 0) > 0;
}

/** Flattened index of entry (i along `axis`, r along the other axis) of a parameter tensor. */
export function entryIndex(p: ParamInfo, axis: number, i: number, r: number): number {
  if (p.shape.length <= 1) return p.offset + i;
  return axis === 0 ? p.offset + i * p.shape[1] + r : p.offset + r * p.shape[1] + i;
}

/** Length of the other axis of a member (1 for vectors). */
export function restSize(p: ParamInfo, axis: number): number {
  return p.shape.length === 2 ? p.shape[1 - axis] : 1;
}

/**
 * The charge of a generator as a sparse form: for exponential generators the terms of θᵀAθ (i ≤ j,
 * cross terms doubled), for translations the terms of vᵀθ (j = −1). A pair of components may appear
 * in several terms (a tensor in two members of one class); every consumer adds them up.
 */
export function formOf(params: ParamInfo[], spec: GeneratorSpec): SparseForm {
  let count = 0;
  for (const ax of spec.axes ?? []) for (const m of ax.members) count += ax.entries.length * restSize(params[m.param], m.axis);
  for (const s of spec.scalings ?? []) count += params[s.param].size;
  for (const s of spec.shifts ?? []) count += s.axis === null ? params[s.param].size : params[s.param].shape[s.axis];
  const I = new Int32Array(count);
  const J = new Int32Array(count);
  const C = new Float64Array(count);
  let t = 0;
  const add = (i: number, j: number, c: number) => {
    if (c === 0) return;
    if (j >= 0 && j < i) [i, j] = [j, i];
    I[t] = i;
    J[t] = j;
    C[t] = c;
    t++;
  };
  for (const ax of spec.axes ?? []) {
    for (const m of ax.members) {
      const p = params[m.param];
      const rest = restSize(p, m.axis);
      for (const [i, j, v] of ax.entries) {
        const c = (i === j ? 1 : 2) * m.sign * v;
        for (let r = 0; r < rest; r++) add(entryIndex(p, m.axis, i, r), entryIndex(p, m.axis, j, r), c);
      }
    }
  }
  for (const s of spec.scalings ?? []) {
    const p = params[s.param];
    for (let i = 0; i < p.size; i++) add(p.offset + i, p.offset + i, s.coef);
  }
  for (const s of spec.shifts ?? []) {
    const p = params[s.param];
    if (s.axis === null) {
      for (let i = 0; i < p.size; i++) add(p.offset + i, -1, s.coef);
    } else {
      const len = p.shape[s.axis];
      for (let i = 0; i < len; i++) add(entryIndex(p, s.axis, i, s.at ?? 0), -1, s.coef);
    }
  }
  return { i: I.subarray(0, t), j: J.subarray(0, t), c: C.subarray(0, t) };
}

/** The diagonal of a generator's A over the flattened components (zero for translations). */
export function diagonalOf(form: SparseForm, n: number): Float64Array {
  const d = new Float64Array(n);
  for (let t = 0; t < form.c.length; t++) if (form.i[t] === form.j[t]) d[form.i[t]] += form.c[t];
  return d;
}

/** Dense A (exponential) or v (translation) from a sparse form, for small models' dense paths. */
export function denseOf(form: SparseForm, n: number): DenseGenerator {
  const linear = form.j.some((j) => j < 0);
  if (linear) {
    const v = new Array<number>(n).fill(0);
    for (let t = 0; t < form.c.length; t++) v[form.i[t]] += form.c[t];
    return { direction: v };
  }
  const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let t = 0; t < form.c.length; t++) {
    const i = form.i[t];
    const j = form.j[t];
    if (i === j) A[i][i] += form.c[t];
    else {
      A[i][j] += form.c[t] / 2;
      A[j][i] += form.c[t] / 2;
    }
  }
  return { matrix: A };
}

/**
 * The field f = Aθ (or v) of a form at θ, with |A||θ| (for rounding bounds) and the number of
 * terms in each entry's sum.
 */
export function fieldOf(form: SparseForm, theta: ArrayLike<number>, n: number): { f: Float64Array; abs: Float64Array; terms: Uint32Array } {
  const f = new Float64Array(n);
  const abs = new Float64Array(n);
  const terms = new Uint32Array(n);
  for (let t = 0; t < form.c.length; t++) {
    const i = form.i[t];
    const j = form.j[t];
    const c = form.c[t];
    if (j < 0) {
      f[i] += c;
      abs[i] += Math.abs(c);
    } else if (i === j) {
      f[i] += c * theta[i];
      abs[i] += Math.abs(c * theta[i]);
      terms[i]++;
    } else {
      f[i] += (c / 2) * theta[j];
      f[j] += (c / 2) * theta[i];
      abs[i] += Math.abs((c / 2) * theta[j]);
      abs[j] += Math.abs((c / 2) * theta[i]);
      terms[i]++;
      terms[j]++;
    }
  }
  return { f, abs, terms };
}
