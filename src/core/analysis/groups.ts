// Symmetry groups found at the level of tensor axes (THEORY.md §1, TENSOR-ENGINE.md): the unknowns
// are a k×k matrix per shared index (axis class), a coefficient per tensor and a translation per
// tensor axis, not a generator over all n components, so the search runs at network sizes.
//  - Each axis class (the hidden index of W U, a hidden layer's neurons) is tested for the diagonal
//    generators e_j e_jᵀ one by one (rescaling of each neuron), the rest by a null-space solve, and
//    for the whole of GL(k) with a random symmetric M (a random element of a proper subspace of the
//    symmetric matrices fails with probability one).
//  - Whole tensors: scalings and rescalings between tensors (the null space of ⟨T_p, ∇_p ℓ⟩),
//    kept only when not already a combination of the axis generators.
//  - Translations: the all-ones direction along an axis of a tensor (softmax logits).
// Every candidate is re-checked at fresh points within its own rounding-error bound (tensor running
// error analysis) and proved on the tensor graph where a calculus applies (groupProofs.ts).
import { Model, ParamInfo } from '../lang/model';
import { axisClasses, AxisClass, AxisMember } from '../tensor/axes';
import { evaluateBounds } from '../tensor/bounds';
import { gradientTensors, layoutOf } from '../tensor/evaluate';
import { Rng, STREAM_ANALYSIS } from '../util/rng';
import { SparseForm } from './forms';
import { datasetRows, drawExample, initialPoint } from './points';
import { gradientFunction, GradientFn } from './gradientFn';
import { dot, nullSpace, orthonormalize, pseudoSolve, rref, snapVector } from './linalg';
import { diagonalOf, entryIndex, fieldOf, formOf, GeneratorSpec, restSize } from './generators';
import { proveCovariance, proveTensorHomogeneity } from './groupProofs';
import type { SymmetryKind } from './symmetries';

const U = 2 ** -53;

export type GroupStructure =
  /** Every symmetric M on the class: GL(k) (k(k+1)/2 charges, the entries of Q). */
  | { type: 'gl'; index: string; size: number; members: AxisMember[] }
  /** Diagonal M only, spanned by `vectors` (identity rows: rescaling of each index value). */
  | { type: 'diagonal'; index: string; size: number; members: AxisMember[]; vectors: number[][] }
  /** Scalings of whole tensors, one coefficient per parameter tensor per generator. */
  | { type: 'tensors'; vectors: number[][] }
  /** Translations: all-ones along an axis of a tensor (one generator per entry of its other axis), or along several tensors together. */
  | { type: 'shift'; families: ShiftFamily[]; combos: number[][] }
  /** Generators the component-level search found that no tensor-level group explains (indices into `symmetries`). */
  | { type: 'components'; symmetries: number[] };

export interface ShiftFamily {
  param: number;
  axis: number | null;
  /** Entries of the other axis whose line is shifted (all but one when the other axis' family also holds). */
  ats: number[];
}

export interface Group {
  name: string;
  kind: SymmetryKind;
  /** Number of independent charges (generators). */
  dimension: number;
  tensors: string[];
  status: 'proved' | 'numerical';
  proof?: 'homogeneity' | 'covariance' | 'nerdamer';
  /** Why a group is only numerical. */
  proofNote?: string;
  structure: GroupStructure;
  /** Largest relative residual of the symmetry condition at the re-check points. */
  residual: number;
}

interface Sample {
  theta: Float64Array;
  z: Float64Array;
  grad: Float64Array;
}

/** Points at which candidates are found (gradients) and re-checked (gradients with error bounds). */
class Points {
  readonly samples: Sample[] = [];
  private readonly rng = new Rng(20240917, 0, STREAM_ANALYSIS);
  private readonly init: Float64Array;
  private readonly rows: Float64Array | undefined;
  private fresh?: { theta: Float64Array; grad: Float64Array; err: Float64Array }[];

  constructor(
    private readonly model: Model,
    private readonly fn: GradientFn,
  ) {
    this.init = initialPoint(model);
    this.rows = datasetRows(model);
  }

  private draw(rng: Rng, near: boolean, theta: Float64Array, z: Float64Array): void {
    for (let i = 0; i < theta.length; i++) theta[i] = near ? this.init[i] + 0.5 * rng.normal() : rng.normal();
    drawExample(this.model, rng, z, this.rows);
  }

  /** At least `count` finite samples (fewer only when the loss is rarely finite). */
  ensure(count: number): Sample[] {
    const n = this.model.components.length;
    let attempts = 0;
    while (this.samples.length < count && attempts < count * 20) {
      attempts++;
      const theta = new Float64Array(n);
      const z = new Float64Array(this.model.dataComponents.length);
      this.draw(this.rng, attempts % 2 === 0, theta, z);
      this.fn.evaluate(theta, z, this.fn.out);
      if (!this.fn.out.every(Number.isFinite)) continue;
      this.samples.push({ theta, z, grad: this.fn.out.slice(1) });
    }
    return this.samples;
  }

  /** Fresh points with the gradient's running error bound, drawn once. */
  recheck(): { theta: Float64Array; grad: Float64Array; err: Float64Array }[] {
    if (this.fresh) return this.fresh;
    const n = this.model.components.length;
    const count = n > 20000 ? 24 : 64;
    const rng = new Rng(777, 1, STREAM_ANALYSIS);
    const g = this.model.tgraph;
    const grads = gradientTensors(this.model);
    const layout = layoutOf(this.model);
    const out: { theta: Float64Array; grad: Float64Array; err: Float64Array }[] = [];
    let attempts = 0;
    while (out.length < count && attempts < count * 20) {
      attempts++;
      const theta = new Float64Array(n);
      const z = new Float64Array(this.model.dataComponents.length);
      this.draw(rng, attempts % 2 === 0, theta, z);
      const b = evaluateBounds(g, grads, layout, theta, z);
      const grad = new Float64Array(n);
      const err = new Float64Array(n);
      this.model.params.forEach((p, k) => {
        grad.set(b.value[k], p.offset);
        err.set(b.error[k], p.offset);
      });
      if (!grad.every(Number.isFinite) || !err.every(Number.isFinite)) continue;
      out.push({ theta, grad, err });
    }
    this.fresh = out;
    return out;
  }
}

/**
 * Re-check of a generator (its charge form) at the fresh points: |Σ f_i g_i| (f = Aθ or v) must be
 * within the rounding error of its own evaluation at every point. Returns the largest relative
 * residual, or undefined when a point fails.
 */
export function recheckForm(form: SparseForm, pts: { theta: Float64Array; grad: Float64Array; err: Float64Array }[], n: number): number | undefined {
  if (pts.length === 0) return undefined;
  let worst = 0;
  for (const p of pts) {
    const { f, abs, terms } = fieldOf(form, p.theta, n);
    let num = 0;
    let scale = 0;
    let bound = 0;
    for (let i = 0; i < n; i++) {
      if (abs[i] === 0) continue;
      const fErr = (terms[i] + 1) * U * abs[i];
      const g = p.grad[i];
      num += f[i] * g;
      scale += Math.abs(f[i] * g);
      bound += Math.abs(f[i]) * p.err[i] + fErr * Math.abs(g) + fErr * p.err[i];
    }
    bound += (n + 1) * U * scale;
    if (!(Math.abs(num) <= bound)) return undefined;
    worst = Math.max(worst, scale === 0 ? 0 : Math.abs(num) / scale);
  }
  return worst;
}

/** Sum over the rest index of T·G along member's axis, entry i: the diagonal of X = Σ s T_(a) G_(a)ᵀ. */
function classDiagonal(
  params: ParamInfo[],
  members: AxisMember[],
  size: number,
  theta: ArrayLike<number>,
  grad: ArrayLike<number>,
): { x: Float64Array; scale: Float64Array } {
  const x = new Float64Array(size);
  const scale = new Float64Array(size);
  for (const m of members) {
    const p = params[m.param];
    const rest = restSize(p, m.axis);
    for (let i = 0; i < size; i++) {
      for (let r = 0; r < rest; r++) {
        const e = entryIndex(p, m.axis, i, r);
        const t = theta[e] * grad[e];
        x[i] += m.sign * t;
        scale[i] += Math.abs(t);
      }
    }
  }
  return { x, scale };
}

/** Which tensors a class's members are, in declaration order, for names. */
function memberNames(params: ParamInfo[], members: AxisMember[]): string[] {
  return [...new Set(members.map((m) => params[m.param].name))];
}

function indexName(params: ParamInfo[], members: AxisMember[]): string {
  return `the hidden index of ${memberNames(params, members).join(', ')}`;
}

function diagonalSpec(members: AxisMember[], size: number, v: number[]): GeneratorSpec {
  return { axes: [{ members, size, entries: v.flatMap((x, i) => (x !== 0 ? [[i, i, x] as [number, number, number]] : [])) }] };
}

function randomSymmetric(size: number, rng: Rng): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < size; i++) for (let j = i; j < size; j++) out.push([i, j, rng.normal()]);
  return out;
}

/** Flattened diagonal of a diagonal generator (for spans across kinds). */
function flatDiagonal(params: ParamInfo[], n: number, spec: GeneratorSpec): Float64Array {
  return diagonalOf(formOf(params, spec), n);
}

/**
 * A span of sparse vectors over the n components (the diagonals of accepted generators, each on a
 * few slices): membership by the Gram matrix, so nothing costs n × (number of vectors)².
 */
class SparseSpan {
  private readonly idx: Int32Array[] = [];
  private readonly val: Float64Array[] = [];
  private readonly gram: number[][] = [];

  private static sparse(d: Float64Array): [Int32Array, Float64Array] {
    const is: number[] = [];
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) is.push(i);
    return [Int32Array.from(is), Float64Array.from(is, (i) => d[i])];
  }

  private coefficients(d: Float64Array): number[] {
    return this.idx.map((ix, a) => {
      let s = 0;
      const v = this.val[a];
      for (let t = 0; t < ix.length; t++) s += v[t] * d[ix[t]];
      return s;
    });
  }

  /** ‖d − projection of d on the span‖ ≤ tol·‖d‖. */
  contains(d: Float64Array, tol = 1e-6): boolean {
    let dd = 0;
    for (let i = 0; i < d.length; i++) dd += d[i] * d[i];
    if (dd === 0) return true;
    if (this.idx.length === 0) return false;
    const b = this.coefficients(d);
    const c = pseudoSolve(this.gram, b);
    const r2 = dd - dot(b, c);
    return r2 <= tol * tol * dd;
  }

  add(d: Float64Array): void {
    const b = this.coefficients(d);
    const [ix, v] = SparseSpan.sparse(d);
    let dd = 0;
    for (const x of v) dd += x * x;
    this.gram.forEach((row, a) => row.push(b[a]));
    this.gram.push([...b, dd]);
    this.idx.push(ix);
    this.val.push(v);
  }
}

/** Largest number of unknowns solved by a dense null space (SVD) per class; beyond, one by one only. */
const MAX_DENSE_UNKNOWNS = 200;

export interface GroupSearch {
  groups: Group[];
  /** Generators of every group, in group order (for the flat list and for spans). */
  generators: { group: number; spec: GeneratorSpec; label: string }[];
}

export function findGroups(model: Model, fn: GradientFn = gradientFunction(model)): GroupSearch {
  const n = model.components.length;
  const params = model.params;
  const g = model.tgraph;
  const groups: Group[] = [];
  const generators: GroupSearch['generators'] = [];
  if (n === 0) return { groups, generators };
  const pts = new Points(model, fn);
  const samples = pts.ensure(48);
  if (samples.length < 8) return { groups, generators }; // the loss is not finite almost anywhere
  const rng = new Rng(31337, 2, STREAM_ANALYSIS);
  const diagSpan = new SparseSpan(); // flattened diagonals of accepted exponential generators

  const addGroup = (gr: Group, gens: { spec: GeneratorSpec; label: string }[]) => {
    groups.push(gr);
    for (const x of gens) generators.push({ group: groups.length - 1, ...x });
  };

  // ---- axis classes ---------------------------------------------------------------------------
  for (const cls of axisClasses(g, [model.tloss])) {
    if (cls.pinned || cls.conflict) continue;
    const found = classGroup(model, cls, pts, rng);
    if (!found) continue;
    addGroup(found.group, found.gens);
    const diagVectors =
      found.group.structure.type === 'gl'
        ? Array.from({ length: cls.size }, (_, i) => unit(cls.size, i))
        : (found.group.structure as { vectors: number[][] }).vectors;
    for (const v of diagVectors) diagSpan.add(flatDiagonal(params, n, diagonalSpec(cls.members, cls.size, v)));
  }

  // ---- scalings of whole tensors -----------------------------------------------------------------
  const P = params.length;
  const tensorRows = pts.ensure(2 * P + 24).map((s) =>
    normalized(
      params.map((p) => {
        let t = 0;
        for (let i = p.offset; i < p.offset + p.size; i++) t += s.theta[i] * s.grad[i];
        return t;
      }),
    ),
  );
  const tensorVecs: number[][] = [];
  for (const raw of rref(nullSpace(tensorRows, P))) {
    const v = snapVector(raw).v;
    const spec: GeneratorSpec = { scalings: v.flatMap((c, p) => (c !== 0 ? [{ param: p, coef: c }] : [])) };
    const d = flatDiagonal(params, n, spec);
    if (diagSpan.contains(d)) continue;
    const residual = recheckForm(formOf(params, spec), pts.recheck(), n);
    if (residual === undefined) continue;
    diagSpan.add(d);
    tensorVecs.push(v);
  }
  if (tensorVecs.length > 0) {
    const proved = tensorVecs.every((v) =>
      proveTensorHomogeneity(g, model.tloss, params, flatDiagonal(params, n, { scalings: v.map((c, p) => ({ param: p, coef: c })) })),
    );
    const involved = params.filter((_, p) => tensorVecs.some((v) => v[p] !== 0)).map((p) => p.name);
    const scaling = tensorVecs.length === 1 && tensorVecs[0].every((c) => c >= 0);
    addGroup(
      {
        name: scaling ? `scaling of ${involved.join(', ')}` : `rescaling of ${involved.join(', ')}`,
        kind: scaling ? 'scaling' : 'rescaling',
        dimension: tensorVecs.length,
        tensors: involved,
        status: proved ? 'proved' : 'numerical',
        proof: proved ? 'homogeneity' : undefined,
        proofNote: proved ? undefined : 'holds at every re-check point within rounding; the homogeneity calculus could not prove it',
        structure: { type: 'tensors', vectors: tensorVecs },
        residual: 0,
      },
      tensorVecs.map((v) => ({ spec: { scalings: v.flatMap((c, p) => (c !== 0 ? [{ param: p, coef: c }] : [])) }, label: '' })),
    );
  }

  // ---- translations ------------------------------------------------------------------------------
  const shift = shiftGroups(model, pts, rng);
  for (const s of shift) addGroup(s.group, s.gens);
  return { groups, generators };
}

function unit(k: number, i: number): number[] {
  const v = new Array<number>(k).fill(0);
  v[i] = 1;
  return v;
}

function normalized(row: number[]): number[] {
  const nrm = Math.sqrt(dot(row, row));
  return nrm > 0 ? row.map((x) => x / nrm) : row;
}

function projectOut(v: number[], span: number[][]): number[] {
  const r = [...v];
  for (const q of span) {
    const d = dot(r, q);
    for (let i = 0; i < r.length; i++) r[i] -= d * q[i];
  }
  return r;
}

function residualNorm(v: number[], span: number[][]): number {
  const r = projectOut(v, span);
  return Math.sqrt(dot(r, r));
}

/** The group of one axis class: GL(k), diagonal rescalings, or nothing. */
function classGroup(model: Model, cls: AxisClass, pts: Points, rng: Rng): { group: Group; gens: { spec: GeneratorSpec; label: string }[] } | undefined {
  const params = model.params;
  const n = model.components.length;
  const k = cls.size;
  const members = cls.members;
  const tensors = memberNames(params, members);
  const index = indexName(params, members);

  // GL(k): a random symmetric M (only for a class no data or constant reaches).
  if (k >= 2 && !cls.touchesConstant) {
    const M = randomSymmetric(k, rng);
    const residual = recheckForm(formOf(params, { axes: [{ members, size: k, entries: M }] }), pts.recheck(), n);
    if (residual !== undefined) {
      const proved = proveCovariance(model.tgraph, model.tloss, members);
      const gens: { spec: GeneratorSpec; label: string }[] = [];
      for (let i = 0; i < k; i++)
        for (let j = i; j < k; j++) gens.push({ spec: { axes: [{ members, size: k, entries: [[i, j, i === j ? 1 : 0.5]] }] }, label: `Q[${i},${j}]` });
      return {
        group: {
          name: `GL(${k}) on ${index}`,
          kind: 'linear',
          dimension: (k * (k + 1)) / 2,
          tensors,
          status: proved ? 'proved' : 'numerical',
          proof: proved ? 'covariance' : undefined,
          proofNote: proved ? undefined : 'holds at every re-check point within rounding; the covariance calculus could not prove it',
          structure: { type: 'gl', index, size: k, members },
          residual,
        },
        gens,
      };
    }
  }

  // Diagonal generators: each e_j on its own first, then a null space over the others.
  const samples = pts.ensure(48);
  const single: boolean[] = new Array<boolean>(k).fill(true);
  for (const s of samples) {
    const { x, scale } = classDiagonal(params, members, k, s.theta, s.grad);
    for (let i = 0; i < k; i++) if (Math.abs(x[i]) > 1e-9 * scale[i]) single[i] = false;
  }
  const vectors: number[][] = [];
  for (let i = 0; i < k; i++) if (single[i]) vectors.push(unit(k, i));
  const rest = single.flatMap((ok, i) => (ok ? [] : [i]));
  if (rest.length > 0 && rest.length <= MAX_DENSE_UNKNOWNS) {
    const rows = pts.ensure(2 * rest.length + 24).map((s) => {
      const { x } = classDiagonal(params, members, k, s.theta, s.grad);
      return normalized(rest.map((i) => x[i]));
    });
    for (const raw of rref(nullSpace(rows, rest.length))) {
      const v = new Array<number>(k).fill(0);
      snapVector(raw).v.forEach((c, t) => (v[rest[t]] = c));
      vectors.push(v);
    }
  }
  if (vectors.length === 0) return undefined;
  // Re-check the span with a random combination, and each generator on its own if that fails.
  const combo = new Array<number>(k).fill(0);
  for (const v of vectors) {
    const c = rng.normal();
    v.forEach((x, i) => (combo[i] += c * x));
  }
  let residual = recheckForm(formOf(params, diagonalSpec(members, k, combo)), pts.recheck(), n);
  let kept = vectors;
  if (residual === undefined) {
    kept = [];
    residual = 0;
    for (const v of vectors) {
      const r = recheckForm(formOf(params, diagonalSpec(members, k, v)), pts.recheck(), n);
      if (r === undefined) continue;
      kept.push(v);
      residual = Math.max(residual, r);
    }
    if (kept.length === 0) return undefined;
  }
  const proved = kept.every((v) => proveTensorHomogeneity(model.tgraph, model.tloss, params, flatDiagonal(params, n, diagonalSpec(members, k, v))));
  const each = kept.length === k && kept.every((v, i) => v[i] === 1 && v.every((x, j) => j === i || x === 0));
  const unitsOnly = kept.every((v) => v.filter((x) => x !== 0).length === 1);
  const covector = members.filter((m) => m.sign < 0);
  const against =
    covector.length > 0 && covector.length < members.length
      ? ` (${memberNames(
          params,
          members.filter((m) => m.sign > 0),
        ).join(', ')} against ${memberNames(params, covector).join(', ')})`
      : ` (${tensors.join(', ')})`;
  const neuronList = kept.map((v) => v.findIndex((x) => x !== 0));
  const name = each
    ? k === 1
      ? `rescaling of the hidden neuron${against}`
      : `rescaling of each hidden neuron${against}`
    : unitsOnly
      ? `rescaling of hidden neurons ${neuronList.join(', ')}${against}`
      : `rescalings along ${index}`;
  return {
    group: {
      name,
      kind: kept.every((v) => v.every((x) => x >= 0)) && members.every((m) => m.sign > 0) ? 'scaling' : 'rescaling',
      dimension: kept.length,
      tensors,
      status: proved ? 'proved' : 'numerical',
      proof: proved ? 'homogeneity' : undefined,
      proofNote: proved ? undefined : 'holds at every re-check point within rounding; the homogeneity calculus could not prove it',
      structure: { type: 'diagonal', index, size: k, members, vectors: kept },
      residual,
    },
    gens: kept.map((v) => ({ spec: diagonalSpec(members, k, v), label: unitsOnly ? `Q[${v.findIndex((x) => x !== 0)}]` : '' })),
  };
}

/** Below this fraction of a point's largest gradient entry, a sum of gradient entries is rounding residue. */
const SATURATED = 1e-12;

function gradientScale(grad: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < grad.length; i++) m = Math.max(m, Math.abs(grad[i]));
  return m;
}

/** Translations along tensor axes, and whole-tensor shifts of several tensors together. */
function shiftGroups(model: Model, pts: Points, rng: Rng): { group: Group; gens: { spec: GeneratorSpec; label: string }[] }[] {
  const params = model.params;
  const n = model.components.length;
  const bounded = pts.recheck();
  const families: ShiftFamily[] = [];
  const out: { group: Group; gens: { spec: GeneratorSpec; label: string }[] }[] = [];
  const lineSums = (p: ParamInfo, axis: number, grad: ArrayLike<number>) => {
    const other = restSize(p, axis);
    const sums = new Float64Array(other);
    const abs = new Float64Array(other);
    for (let r = 0; r < other; r++) {
      for (let i = 0; i < p.shape[axis]; i++) {
        const gi = grad[entryIndex(p, axis, i, r)];
        sums[r] += gi;
        abs[r] += Math.abs(gi);
      }
    }
    return { sums, abs };
  };
  params.forEach((p, pi) => {
    const axes = p.shape.length === 0 ? [null] : p.shape.map((_, a) => a);
    const passed: number[] = [];
    for (const axis of axes) {
      let ok = true;
      let signal = false;
      // Points with the gradient's rounding-error bound: at a saturated softmax an entry 1 − 1 = 0
      // stands beside 1e-30s, so the line's sum is those tiny terms, uncancelled, yet within the
      // entries' rounding error: a sum counts against the family only beyond that bound.
      for (const s of bounded) {
        if (axis === null) {
          if (Math.abs(s.grad[p.offset]) > s.err[p.offset]) ok = false;
          continue;
        }
        const { sums, abs } = lineSums(p, axis, s.grad);
        const { abs: errs } = lineSums(p, axis, s.err);
        for (let r = 0; r < sums.length; r++) {
          if (abs[r] > 0) signal = true;
          if (Math.abs(sums[r]) > 1e-9 * abs[r] + 4 * errs[r]) ok = false;
        }
      }
      void signal;
      if (!ok) continue;
      const other = axis === null ? 1 : restSize(p, axis);
      // The all-ones tensor lies in both axis families of a matrix: count it once.
      const ats = Array.from({ length: other }, (_, r) => r).slice(0, passed.length > 0 ? other - 1 : other);
      const c = ats.map(() => rng.normal());
      const spec: GeneratorSpec = { shifts: ats.map((r, t) => ({ param: pi, axis, at: r, coef: c[t] })) };
      if (ats.length === 0 || recheckForm(formOf(params, spec), pts.recheck(), n) === undefined) continue;
      if (axis !== null) passed.push(axis);
      families.push({ param: pi, axis, ats });
    }
  });
  // Several whole tensors shifted together (a loss that sees only b − c, say).
  const P = params.length;
  const rows = pts
    .ensure(2 * P + 24)
    .map((s) => {
      const row = params.map((p) => {
        let t = 0;
        for (let i = p.offset; i < p.offset + p.size; i++) t += s.grad[i];
        return t;
      });
      // Rows of rounding residue only (a point where every gradient vanishes to rounding, as at a
      // saturated softmax) would impose false constraints.
      return Math.hypot(...row) > SATURATED * gradientScale(s.grad) && gradientScale(s.grad) > SATURATED ? normalized(row) : undefined;
    })
    .filter((r): r is number[] => r !== undefined);
  const alone = new Set(families.map((f) => f.param));
  const known = [...alone].map((p) => unit(P, p));
  const span = orthonormalize(known);
  const combos: number[][] = [];
  for (const raw of rref(nullSpace(rows, P))) {
    // Entries at rounding level relative to the largest are zeros the SVD did not hit exactly.
    const big = Math.max(...raw.map(Math.abs));
    const v = snapVector(raw.map((c) => (Math.abs(c) <= 1e-9 * big ? 0 : c))).v;
    const r = residualNorm(v, span);
    if (r <= 1e-6 * Math.sqrt(dot(v, v))) continue;
    const spec: GeneratorSpec = { shifts: v.flatMap((c, p) => (c !== 0 ? [{ param: p, axis: null, coef: c }] : [])) };
    if (recheckForm(formOf(params, spec), pts.recheck(), n) === undefined) continue;
    span.push(normalized(projectOut(v, span)));
    combos.push(v);
  }
  for (const f of families) {
    const p = params[f.param];
    const gens = f.ats.map((r) => ({ spec: { shifts: [{ param: f.param, axis: f.axis, at: r, coef: 1 }] }, label: '' }));
    const what =
      f.axis === null
        ? `${p.name} (it does not enter the loss)`
        : p.shape.length === 1
          ? `${p.name} by a constant (${p.name} → ${p.name} + c·1)`
          : f.axis === 0
            ? `${p.name} along its rows (${p.name} → ${p.name} + 1cᵀ: every column shifted by its own constant)`
            : `${p.name} along its columns (${p.name} → ${p.name} + c1ᵀ: every row shifted by its own constant)`;
    out.push({
      group: {
        name: `translation of ${what}`,
        kind: 'translation',
        dimension: gens.length,
        tensors: [p.name],
        status: 'numerical',
        proofNote: 'translations are re-checked at fresh points within rounding; no tensor-level calculus proves them',
        structure: { type: 'shift', families: [f], combos: [] },
        residual: 0,
      },
      gens,
    });
  }
  if (combos.length > 0) {
    const involved = params.filter((_, p) => combos.some((v) => v[p] !== 0)).map((p) => p.name);
    out.push({
      group: {
        name: `translation of ${involved.join(', ')} together`,
        kind: 'translation',
        dimension: combos.length,
        tensors: involved,
        status: 'numerical',
        proofNote: 'translations are re-checked at fresh points within rounding; no tensor-level calculus proves them',
        structure: { type: 'shift', families: [], combos },
        residual: 0,
      },
      gens: combos.map((v) => ({ spec: { shifts: v.flatMap((c, p) => (c !== 0 ? [{ param: p, axis: null, coef: c }] : [])) }, label: '' })),
    });
  }
  return out;
}
