// Charges as sparse forms: θᵀAθ or vᵀθ as their nonzero terms, evaluated without an n×n matrix.
import { Model } from '../lang/model';
import { denseOf, formOf, GeneratorSpec } from './generators';
import type { KernelSymmetry } from './symmetryTypes';

export type { KernelSymmetry } from './symmetryTypes';

/**
 * Dense matrices stay the representation of charges up to this many components: the straight-line
 * kernel (numeric/scalarKernel.ts, UNROLL_MAX) is their only reader. Beyond it a run gets sparse
 * forms (55 dense 400×400 matrices cost a second to hand to a simulation worker).
 */
const DENSE_MAX_COMPONENTS = 64;

/** What a run tracks of one listed symmetry: its dense generator, or the sparse form of its compact one. */
export function kernelSymmetry(
  model: Model,
  s: { matrix?: number[][]; direction?: number[]; action?: GeneratorSpec; form?: { i: number[]; j: number[]; c: number[] } },
): KernelSymmetry {
  const dense = model.components.length <= DENSE_MAX_COMPONENTS;
  if (s.matrix) return dense ? { matrix: s.matrix } : { form: sparseForm({ matrix: s.matrix }) };
  if (s.direction) return { direction: s.direction };
  let form: SparseForm;
  if (s.action) form = formOf(model.params, s.action);
  else if (s.form) form = { i: Int32Array.from(s.form.i), j: Int32Array.from(s.form.j), c: Float64Array.from(s.form.c) };
  else throw new Error('a symmetry without a generator');
  return dense ? denseOf(form, model.components.length) : { form };
}

/** A charge θᵀAθ (or vᵀθ) as its nonzero terms: (i, j, coefficient); j = -1 for linear terms. */
export interface SparseForm {
  i: Int32Array;
  j: Int32Array;
  c: Float64Array;
}

/** θᵀAθ (exponential symmetry) rather than vᵀθ (translation). */
export function isQuadratic(s: KernelSymmetry): boolean {
  if (s.matrix) return true;
  if (s.direction) return false;
  const f = s.form;
  return f.j.every((j) => j >= 0);
}

export function sparseForm(s: KernelSymmetry): SparseForm {
  if (s.form) return s.form;
  const is: number[] = [];
  const js: number[] = [];
  const cs: number[] = [];
  if (s.matrix) {
    s.matrix.forEach((row, i) =>
      row.forEach((a, j) => {
        if (a !== 0 && j >= i) {
          is.push(i);
          js.push(j);
          cs.push(i === j ? a : 2 * a);
        }
      }),
    );
  } else {
    s.direction.forEach((a, i) => {
      if (a !== 0) {
        is.push(i);
        js.push(-1);
        cs.push(a);
      }
    });
  }
  return { i: Int32Array.from(is), j: Int32Array.from(js), c: Float64Array.from(cs) };
}

export function evalForm(f: SparseForm, x: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < f.c.length; k++) s += f.j[k] < 0 ? f.c[k] * x[f.i[k]] : f.c[k] * x[f.i[k]] * x[f.j[k]];
  return s;
}

/**
 * A charge of the analysis' JSON (a dense `matrix` A: θᵀAθ, a `direction` v: vᵀθ, or its sparse
 * `form`) at a point; undefined when the symmetry is given only in compact form (`action`).
 */
export function chargeValue(
  s: { matrix?: number[][]; direction?: number[]; form?: { i: number[]; j: number[]; c: number[] } },
  theta: ArrayLike<number>,
): number | undefined {
  if (s.matrix) {
    let v = 0;
    s.matrix.forEach((row, i) => row.forEach((a, j) => (v += a === 0 ? 0 : a * theta[i] * theta[j])));
    return v;
  }
  if (s.direction) return s.direction.reduce((a, c, i) => a + c * theta[i], 0);
  if (s.form) return evalForm({ i: Int32Array.from(s.form.i), j: Int32Array.from(s.form.j), c: Float64Array.from(s.form.c) }, theta);
  return undefined;
}

/**
 * Many charges as one table, terms grouped by charge (charge k owns terms starts[k]…starts[k+1]−1):
 * one monomorphic pass over typed arrays evaluates them all, several times faster than a form at a
 * time. The SGD kernel's law (D) check and law (C)'s predictor read it.
 */
export class FormTable {
  readonly I: Int32Array;
  readonly J: Int32Array;
  readonly C: Float64Array;
  readonly starts: Int32Array;
  /** 1 for θᵀAθ, 0 for vᵀθ (a form is one or the other). */
  readonly quad: Uint8Array;

  constructor(forms: SparseForm[]) {
    const terms = forms.reduce((t, f) => t + f.c.length, 0);
    this.I = new Int32Array(terms);
    this.J = new Int32Array(terms);
    this.C = new Float64Array(terms);
    this.starts = new Int32Array(forms.length + 1);
    this.quad = new Uint8Array(forms.length);
    forms.forEach((f, k) => {
      const e = this.starts[k];
      this.I.set(f.i, e);
      this.J.set(f.j, e);
      this.C.set(f.c, e);
      this.starts[k + 1] = e + f.c.length;
      this.quad[k] = f.j.every((j) => j >= 0) ? 1 : 0;
    });
  }

  get charges(): number {
    return this.quad.length;
  }

  get terms(): number {
    return this.C.length;
  }

  /** out[k] = charge k at the point x[at], x[at + 1], …, for every charge. */
  evaluate(x: Float64Array, out: Float64Array, at = 0): void {
    const { I, J, C, starts, quad } = this;
    for (let k = 0; k < quad.length; k++) {
      let v = 0;
      const e1 = starts[k + 1];
      if (quad[k] === 1) for (let e = starts[k]; e < e1; e++) v += C[e] * x[at + I[e]] * x[at + J[e]];
      else for (let e = starts[k]; e < e1; e++) v += C[e] * x[at + I[e]];
      out[k] = v;
    }
  }
}
