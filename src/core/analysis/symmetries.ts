// Symmetry detection (THEORY.md §1): the symmetry condition is linear in the unknown generator,
// so the symmetries are the null space of a matrix with one row per random point (θ_k, z_k).
// Candidates are snapped to small rationals, proved symbolically (proof.ts), and re-checked at
// fresh random points; a candidate that fails both is dropped (a false positive is the worst error).
import { ScalarModel } from '../lang/model';
import { gradientFunction, GradientFn } from './gradientFn';

export { gradientFunction } from './gradientFn';
export type { GradientFn } from './gradientFn';
import { directional, gradient } from '../expr/diff';
import { Rng, STREAM_ANALYSIS } from '../util/rng';
import { drawExample, datasetRows, initialPoint } from './points';
import { dot, nullSpace, orthonormalize, rref, snapVector } from './linalg';
import { proveByHomogeneity, proveByTangents, proveZeroWithNerdamer, takeProofNote } from './proof';
import { evaluateWithErrors, UNIT_ROUNDOFF } from '../expr/errorBound';

import type { ExponentialKind, Generator, Symmetry } from './symmetryTypes';

export type { ExponentialSymmetry, Generator, Symmetry, SymmetryKind } from './symmetryTypes';
export { isExponential } from './symmetryTypes';

/** Full symmetric-generator search up to this many components (n(n+1)/2 unknowns). */
const FULL_SEARCH_MAX_COMPONENTS = 30;
const RECHECK_POINTS = 64;

interface Sample {
  theta: Float64Array;
  z: Float64Array;
  grad: Float64Array;
}

/** Gradients at random points: half near the initial point, half from a standard normal. */
function samplePoints(model: ScalarModel, fn: GradientFn, count: number, rng: Rng): Sample[] {
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

export function findSymmetries(model: ScalarModel, fn: GradientFn = gradientFunction(model)): Symmetry[] {
  const n = model.components.length;
  if (n === 0) return [];
  const rng = new Rng(20240917, 0, STREAM_ANALYSIS);
  const full = n <= FULL_SEARCH_MAX_COMPONENTS;
  const unknowns = full ? (n * (n + 1)) / 2 : n;
  const samples = samplePoints(model, fn, Math.max(2 * unknowns, 2 * n) + 24, rng);
  if (samples.length < n + 4) return []; // the loss is not finite almost anywhere: nothing to find
  const fresh = samplePoints(model, fn, RECHECK_POINTS, new Rng(777, 1, STREAM_ANALYSIS));
  const check = recheck(model, fresh);

  // ---- translations: vᵀ g = 0 ---------------------------------------------------------------
  const transRows = samples.map((s) => normalized(Array.from(s.grad)));
  const translations: Symmetry[] = [];
  for (const raw of rref(nullSpace(transRows, n))) {
    const sym = verify(model, fresh, check, { kind: 'translation', direction: snapVector(raw).v });
    if (sym) translations.push(sym);
  }
  const transDirs = translations.flatMap((t) => (t.direction ? [t.direction] : []));

  // ---- exponential symmetries: (Aθ)ᵀ g = 0 with A symmetric -----------------------------------
  // Unknowns are the entries A_ij, i ≤ j (diagonal first). Diagonal generators (rescalings and
  // scalings) are searched on their own first, so that they are reported as such rather than
  // mixed into off-diagonal combinations; the full search (small models) then adds what is left.
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) pairs.push([i, i]);
  if (full) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  const row = (s: Sample, cols: [number, number][]) =>
    normalized(cols.map(([i, j]) => (i === j ? s.grad[i] * s.theta[i] : s.grad[i] * s.theta[j] + s.grad[j] * s.theta[i])));
  // Generators built only from translation directions, A = v_a v_bᵀ + v_b v_aᵀ, are symmetries
  // too, but their charges are products of the translation charges: they are quotiented out.
  const trivial: number[][] = [];
  for (let a = 0; a < transDirs.length; a++) {
    for (let b = a; b < transDirs.length; b++) {
      const va = transDirs[a];
      const vb = transDirs[b];
      trivial.push(pairs.map(([i, j]) => va[i] * vb[j] + vb[i] * va[j]));
    }
  }
  const exponentials: Symmetry[] = [];
  const kept: number[][] = []; // accepted generators, in pair coordinates
  const accept = (v: number[]) => {
    const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    pairs.forEach(([i, j], k) => {
      A[i][j] = v[k];
      A[j][i] = v[k];
    });
    const sym = verify(model, fresh, check, { kind: classify(A), matrix: A });
    if (sym) {
      exponentials.push(sym);
      kept.push(v);
    }
  };
  const diagonal = pairs.slice(0, n);
  const diagBasis = nullSpace(
    samples.map((s) => row(s, diagonal)),
    n,
  ).map((v) => [...v, ...new Array<number>(pairs.length - n).fill(0)]);
  for (const v of representatives(diagBasis, trivial)) accept(v);
  if (full) {
    const fullBasis = nullSpace(
      samples.map((s) => row(s, pairs)),
      pairs.length,
    );
    for (const v of representatives(fullBasis, [...trivial, ...kept])) accept(v);
  }
  return [...exponentials, ...translations];
}

/**
 * Simple representatives of span(`basis`) modulo span(`known`): the rows of the reduced row echelon
 * form (snapped to small rationals) that are not combinations of `known` and of the rows kept
 * before them. Rows are kept whole (not projected), so a diagonal generator stays diagonal.
 */
function representatives(basis: number[][], known: number[][]): number[][] {
  if (basis.length === 0) return [];
  const span = orthonormalize(known);
  const out: number[][] = [];
  for (const raw of rref(basis)) {
    const v = snapVector(raw).v;
    const residual = [...v];
    for (const q of span) {
      const d = dot(residual, q);
      for (let i = 0; i < residual.length; i++) residual[i] -= d * q[i];
    }
    const r = Math.sqrt(dot(residual, residual));
    if (r <= 1e-6 * Math.sqrt(dot(v, v))) continue;
    span.push(residual.map((x) => x / r));
    out.push(v);
  }
  return out;
}

function classify(A: number[][]): ExponentialKind {
  const n = A.length;
  let diagonal = true;
  for (let i = 0; i < n && diagonal; i++) for (let j = 0; j < n; j++) if (i !== j && A[i][j] !== 0) diagonal = false;
  if (!diagonal) return 'linear';
  const d = A.map((r, i) => r[i]).filter((x) => x !== 0);
  return d.every((x) => x > 0) || d.every((x) => x < 0) ? 'scaling' : 'rescaling';
}

/** Each re-check point's gradient with a bound on its rounding error (errorBound.ts). */
interface Recheck {
  grad: Float64Array[];
  gradError: Float64Array[];
}

function recheck(model: ScalarModel, fresh: Sample[]): Recheck {
  const grads = gradient(model.graph, model.loss, model.paramNodes);
  const out: Recheck = { grad: [], gradError: [] };
  for (const s of fresh) {
    const b = evaluateWithErrors(model.graph, grads, s.theta, s.z);
    out.grad.push(b.value);
    out.gradError.push(b.error);
  }
  return out;
}

/**
 * Numerical re-check at fresh points, then a symbolic proof; undefined if the candidate fails.
 * The re-check accepts a point only when |Σ f_i g_i| (f = Aθ or v) is within the rounding error
 * of its own evaluation: the running error bound of each g_i, the rounding of f_i, and the sum.
 * A near-symmetry such as (u·w·x − y)² + 10⁻¹²·u² leaves a residual far above that bound.
 */
function verify(model: ScalarModel, fresh: Sample[], check: Recheck, cand: Generator): Symmetry | undefined {
  const n = model.components.length;
  let worst = 0;
  for (let p = 0; p < fresh.length; p++) {
    const theta = fresh[p].theta;
    const g = check.grad[p];
    const ge = check.gradError[p];
    let num = 0;
    let scale = 0;
    let bound = 0;
    for (let i = 0; i < n; i++) {
      let f = 0;
      let fAbs = 0;
      let terms = 0;
      if (cand.direction) {
        f = cand.direction[i];
        fAbs = Math.abs(f);
      } else {
        const r = cand.matrix[i];
        for (let j = 0; j < n; j++) {
          if (r[j] === 0) continue;
          f += r[j] * theta[j];
          fAbs += Math.abs(r[j] * theta[j]);
          terms++;
        }
      }
      // A coefficient like 1/3 is itself rounded: one more unit per term.
      const fErr = (terms + 1) * UNIT_ROUNDOFF * fAbs;
      num += f * g[i];
      scale += Math.abs(f * g[i]);
      bound += Math.abs(f) * ge[i] + fErr * Math.abs(g[i]) + fErr * ge[i];
    }
    bound += (n + 1) * UNIT_ROUNDOFF * scale;
    if (!(Math.abs(num) <= bound)) return undefined;
    worst = Math.max(worst, scale === 0 ? 0 : Math.abs(num) / scale);
  }

  const g = model.graph;
  let proof: Symmetry['proof'];
  takeProofNote(g); // a note from an earlier candidate is not this one's
  const A = cand.matrix;
  const isDiagonal = A !== undefined && A.every((row, i) => row.every((x, j) => i === j || x === 0));
  if (
    A &&
    isDiagonal &&
    proveByHomogeneity(
      g,
      model.loss,
      model.paramNodes,
      A.map((r, i) => r[i]),
    )
  )
    proof = 'homogeneity';
  else {
    const field = model.paramNodes.map((_, i) => {
      if (cand.direction) return g.constant(cand.direction[i]);
      let acc = g.constant(0);
      const row = cand.matrix[i];
      for (let j = 0; j < n; j++) if (row[j] !== 0) acc = g.add(acc, g.mul(g.constant(row[j]), model.paramNodes[j]));
      return acc;
    });
    const pts = fresh.slice(0, 3).map((s) => ({ theta: s.theta, z: s.z }));
    if (proveByTangents(g, model.loss, model.paramNodes, field, pts)) proof = 'nerdamer';
    else if (proveZeroWithNerdamer(g, directional(g, model.loss, model.paramNodes, field))) proof = 'nerdamer';
  }
  return { ...cand, status: proof ? 'proved' : 'numerical', proof, proofNote: proof ? undefined : takeProofNote(g), residual: worst };
}

function normalized(row: number[]): number[] {
  let s = 0;
  for (const x of row) s += x * x;
  const nrm = Math.sqrt(s);
  return nrm > 0 ? row.map((x) => x / nrm) : row;
}
