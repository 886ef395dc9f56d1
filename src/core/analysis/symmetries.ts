// Symmetry detection (THEORY.md §1): the symmetry condition is linear in the unknown generator,
// so the symmetries are the null space of a matrix with one row per random point (θ_k, z_k).
// Candidates are snapped to small rationals, proved symbolically (proof.ts), and re-checked at
// fresh random points; a candidate that fails both is dropped (a false positive is the worst error).
import { Model } from '../lang/model';
import { compileEvaluator, Evaluator } from '../expr/codegen';
import { gradient } from '../expr/diff';
import { Rng, STREAM_ANALYSIS } from '../numeric/rng';
import { drawExample, datasetRows, initialPoint } from './points';
import { complement, nullSpace, orthonormalize, rref, snapVector } from './linalg';
import { proveByHomogeneity, proveByTangents, proveZeroWithNerdamer, takeProofNote } from './proof';
import { directional } from '../expr/diff';

export type SymmetryKind = 'rescaling' | 'scaling' | 'linear' | 'translation';

export interface Symmetry {
  kind: SymmetryKind;
  status: 'proved' | 'numerical';
  /** How the proof was obtained (for the report), when proved. */
  proof?: 'homogeneity' | 'nerdamer';
  /** Why it is not proved, when the symbolic proof stopped at its deadline or budget. */
  proofNote?: string;
  /** Generator A over the components (exponential kinds): θ → e^{λA}θ. */
  matrix?: number[][];
  /** Direction v over the components (translation): θ → θ + λv. */
  direction?: number[];
  /** Largest relative residual of the symmetry condition at the fresh re-check points. */
  residual: number;
}

/** Full symmetric-generator search up to this many components (n(n+1)/2 unknowns). */
const FULL_SEARCH_MAX_COMPONENTS = 30;
const RECHECK_POINTS = 64;
/** Relative residual of (S) accepted as rounding error at the re-check points. */
const RECHECK_TOL = 1e-8;

export interface GradientFn {
  evaluate: Evaluator;
  /** out[0] = loss, out[1..n] = gradient. */
  out: Float64Array;
}

export function gradientFunction(model: Model): GradientFn {
  const g = model.graph;
  const grads = gradient(g, model.loss, model.paramNodes);
  return { evaluate: compileEvaluator(g, [model.loss, ...grads]), out: new Float64Array(1 + grads.length) };
}

interface Sample {
  theta: Float64Array;
  z: Float64Array;
  grad: Float64Array;
}

/** Gradients at random points: half near the initial point, half from a standard normal. */
function samplePoints(model: Model, fn: GradientFn, count: number, rng: Rng): Sample[] {
  const n = model.components.length;
  const init = initialPoint(model);
  const rows = datasetRows(model);
  const z = new Float64Array(model.dataComponents.length);
  const out: Sample[] = [];
  let attempts = 0;
  while (out.length < count && attempts < count * 20) {
    attempts++;
    const theta = new Float64Array(n);
    const near = attempts % 2 === 0;
    for (let i = 0; i < n; i++) theta[i] = near ? init[i] + 0.5 * rng.normal() : rng.normal();
    drawExample(model, rng, z, rows);
    fn.evaluate(theta, z, fn.out);
    const grad = fn.out.slice(1);
    if (!grad.every(Number.isFinite) || !Number.isFinite(fn.out[0])) continue;
    out.push({ theta, z: z.slice(), grad });
  }
  return out;
}

export function findSymmetries(model: Model, fn: GradientFn = gradientFunction(model)): Symmetry[] {
  const n = model.components.length;
  if (n === 0) return [];
  const rng = new Rng(20240917, 0, STREAM_ANALYSIS);
  const full = n <= FULL_SEARCH_MAX_COMPONENTS;
  const unknowns = full ? (n * (n + 1)) / 2 : n;
  const samples = samplePoints(model, fn, Math.max(2 * unknowns, 2 * n) + 24, rng);
  if (samples.length < n + 4) return []; // the loss is not finite almost anywhere: nothing to find
  const fresh = samplePoints(model, fn, RECHECK_POINTS, new Rng(777, 1, STREAM_ANALYSIS));

  // ---- translations: vᵀ g = 0 ---------------------------------------------------------------
  const transRows = samples.map((s) => normalized(Array.from(s.grad)));
  const transBasis = rref(nullSpace(transRows, n));
  const translations: Symmetry[] = [];
  for (const raw of transBasis) {
    const { v } = snapVector(raw);
    const sym = verify(model, fn, fresh, { kind: 'translation', direction: v });
    if (sym) translations.push(sym);
  }
  const transDirs = translations.map((t) => t.direction as number[]);

  // ---- exponential symmetries: (Aθ)ᵀ g = 0 with A symmetric -----------------------------------
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) pairs.push([i, i]);
  if (full) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  const expRows = samples.map((s) =>
    normalized(pairs.map(([i, j]) => (i === j ? s.grad[i] * s.theta[i] : s.grad[i] * s.theta[j] + s.grad[j] * s.theta[i]))),
  );
  let basis = nullSpace(expRows, pairs.length);
  // Generators built only from translation directions (A = v_a v_bᵀ + v_b v_aᵀ) are symmetries
  // too, but their charges are products of the translation charges: leave them out.
  if (transDirs.length > 0) {
    const trivial: number[][] = [];
    for (let a = 0; a < transDirs.length; a++) {
      for (let b = a; b < transDirs.length; b++) {
        trivial.push(pairs.map(([i, j]) => (i === j ? transDirs[a][i] * transDirs[b][i] : transDirs[a][i] * transDirs[b][j] + transDirs[b][i] * transDirs[a][j])));
      }
    }
    basis = complement(basis, orthonormalize(trivial));
  }
  const exponentials: Symmetry[] = [];
  for (const raw of rref(basis)) {
    const { v } = snapVector(raw);
    const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    pairs.forEach(([i, j], k) => {
      A[i][j] = v[k];
      A[j][i] = v[k];
    });
    const sym = verify(model, fn, fresh, { kind: classify(A), matrix: A });
    if (sym) exponentials.push(sym);
  }
  return [...exponentials, ...translations];
}

function classify(A: number[][]): SymmetryKind {
  const n = A.length;
  let diagonal = true;
  for (let i = 0; i < n && diagonal; i++) for (let j = 0; j < n; j++) if (i !== j && A[i][j] !== 0) diagonal = false;
  if (!diagonal) return 'linear';
  const d = A.map((r, i) => r[i]).filter((x) => x !== 0);
  return d.every((x) => x > 0) || d.every((x) => x < 0) ? 'scaling' : 'rescaling';
}

/** Symbolic proof, then numerical re-check at fresh points; undefined if the candidate fails. */
function verify(
  model: Model,
  fn: GradientFn,
  fresh: Sample[],
  cand: { kind: SymmetryKind; matrix?: number[][]; direction?: number[] },
): Symmetry | undefined {
  const n = model.components.length;
  // Numerical re-check: |field · g| relative to Σ |field_i g_i|.
  let worst = 0;
  for (const s of fresh) {
    let num = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      let f = 0;
      if (cand.direction) f = cand.direction[i];
      else {
        const row = (cand.matrix as number[][])[i];
        for (let j = 0; j < n; j++) f += row[j] * s.theta[j];
      }
      num += f * s.grad[i];
      scale += Math.abs(f * s.grad[i]);
    }
    const rel = scale === 0 ? 0 : Math.abs(num) / scale;
    worst = Math.max(worst, rel);
  }
  const holdsNumerically = worst <= RECHECK_TOL;
  if (!holdsNumerically) return undefined;

  const g = model.graph;
  let proof: Symmetry['proof'];
  takeProofNote(g); // a note from an earlier candidate is not this one's
  const A = cand.matrix;
  const isDiagonal = A !== undefined && A.every((row, i) => row.every((x, j) => i === j || x === 0));
  if (A && isDiagonal && proveByHomogeneity(g, model.loss, model.paramNodes, A.map((r, i) => r[i]))) proof = 'homogeneity';
  else {
    const field = model.paramNodes.map((_, i) => {
      if (cand.direction) return g.constant(cand.direction[i]);
      let acc = g.constant(0);
      const row = (A as number[][])[i];
      for (let j = 0; j < n; j++) if (row[j] !== 0) acc = g.add(acc, g.mul(g.constant(row[j]), model.paramNodes[j]));
      return acc;
    });
    const pts = fresh.slice(0, 3).map((s) => ({ theta: s.theta, z: s.z }));
    if (proveByTangents(g, model.loss, model.paramNodes, field, pts)) proof = 'nerdamer';
    else if (proveZeroWithNerdamer(g, directional(g, model.loss, model.paramNodes, field))) proof = 'nerdamer';
  }
  return {
    kind: cand.kind,
    status: proof ? 'proved' : 'numerical',
    proof,
    proofNote: proof ? undefined : takeProofNote(g),
    matrix: cand.matrix,
    direction: cand.direction,
    residual: worst,
  };
}

function normalized(row: number[]): number[] {
  let s = 0;
  for (const x of row) s += x * x;
  const nrm = Math.sqrt(s);
  return nrm > 0 ? row.map((x) => x / nrm) : row;
}
