// The largest eigenvalue of a symmetric operator known only through products v ↦ Hv: Lanczos with
// full reorthogonalisation. For the Hessian of a few hundred components this takes tens of
// Hessian-vector products instead of the dense Hessian's n, and no n³ eigendecomposition.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { dot } from './linalg';

export interface LanczosOptions {
  /** Largest Krylov dimension (default min(n, 150)). */
  maxIterations?: number;
  /** Stop when the top Ritz value moves less than this, relative to the spectrum's scale, over three checks. */
  tol?: number;
}

/**
 * λ_max of the symmetric operator `apply` (out ← H v) on ℝⁿ, or null when a product is not finite.
 * The start vector is fixed (a deterministic irrational sequence), so the result is reproducible;
 * it is orthogonal to no eigenvector of interest in practice, and a breakdown (an invariant Krylov
 * space) restarts from a vector orthogonal to the space found so far.
 */
export function largestEigenvalue(apply: (v: Float64Array, out: Float64Array) => void, n: number, opts: LanczosOptions = {}): number | null {
  if (n === 0) return null;
  const maxIter = Math.min(n, opts.maxIterations ?? 150);
  const tol = opts.tol ?? 1e-10;
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = Float64Array.from({ length: n }, (_, i) => 1 + ((((i + 1) * 0.6180339887498949) % 1) - 0.5));
  normalize(q);
  const w = new Float64Array(n);
  let last = NaN;
  let stable = 0;
  for (let k = 0; k < maxIter; k++) {
    Q.push(q);
    apply(q, w);
    if (!w.every(Number.isFinite)) return null;
    const a = dot(w, q);
    alpha.push(a);
    // Full reorthogonalisation (twice is enough): w ⟂ every Lanczos vector so far.
    for (let pass = 0; pass < 2; pass++)
      for (const u of Q) {
        const c = dot(w, u);
        for (let i = 0; i < n; i++) w[i] -= c * u[i];
      }
    let b = Math.sqrt(dot(w, w));
    const top = ritzMax(alpha, beta);
    const scale = Math.max(...alpha.map(Math.abs), ...beta, Math.abs(top), Number.MIN_VALUE);
    if (Math.abs(top - last) <= tol * scale) stable++;
    else stable = 0;
    last = top;
    if (stable >= 3 || k === maxIter - 1) return top;
    if (b <= 1e-12 * scale) {
      // The Krylov space is invariant: continue from a fresh direction orthogonal to it.
      const r = Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * (i + 1) * (k + 2)));
      for (let pass = 0; pass < 2; pass++)
        for (const u of Q) {
          const c = dot(r, u);
          for (let i = 0; i < n; i++) r[i] -= c * u[i];
        }
      if (Math.sqrt(dot(r, r)) <= 1e-12) return top;
      w.set(r);
      b = 0;
      normalize(w);
      beta.push(0);
    } else {
      beta.push(b);
      for (let i = 0; i < n; i++) w[i] /= b;
    }
    q = Float64Array.from(w);
  }
  return last;
}

/** Largest eigenvalue of the tridiagonal matrix with diagonal α and off-diagonal β. */
function ritzMax(alpha: number[], beta: number[]): number {
  const k = alpha.length;
  if (k === 1) return alpha[0];
  const T = alpha.map((a, i) => alpha.map((_, j) => (i === j ? a : Math.abs(i - j) === 1 ? beta[Math.min(i, j)] : 0)));
  return Math.max(...new EigenvalueDecomposition(new Matrix(T), { assumeSymmetric: true }).realEigenvalues);
}

function normalize(v: Float64Array): void {
  const s = Math.sqrt(dot(v, v));
  for (let i = 0; i < v.length; i++) v[i] /= s;
}
