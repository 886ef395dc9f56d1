// Fluctuations across a minimum, shared by the slow drift (slowDrift.ts), the discrete-time shift
// (discreteShift.ts) and the stationary law (stationaryTheory.ts): the Hessian's eigenbasis with its
// normal (curved) directions, a covariance solving a Lyapunov equation there, and second
// derivatives contracted with it.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ExpectedGradient } from './expectedLoss';
import { hessianByDifferences } from './gradientFlow';

export interface Curvature {
  H: number[][];
  /** Eigenvalues and eigenvectors (columns of Q) of H. */
  lambda: number[];
  Q: Matrix;
  /** Directions across the minimum manifold: eigenvalue above 1e-8 of the largest. */
  normal: boolean[];
}

export function curvatureAt(eg: ExpectedGradient, x: Float64Array): Curvature | undefined {
  const H = hessianByDifferences(eg, x);
  if (!H.every((r) => r.every(Number.isFinite))) return undefined;
  const e = new EigenvalueDecomposition(new Matrix(H), { assumeSymmetric: true });
  const lambda = e.realEigenvalues;
  const lmax = Math.max(...lambda);
  if (!(lmax > 0)) return undefined;
  return { H, lambda, Q: e.eigenvectorMatrix, normal: lambda.map((l) => l > 1e-8 * lmax) };
}

/**
 * P = Q (Σ̃ ∘ K) Qᵀ on the normal directions, Σ̃ = QᵀΣQ, K_ij = kernel(λ_i, λ_j): the solution of a
 * Lyapunov equation in H's eigenbasis (continuous HP + PH = Σ: kernel 1/(λ_i + λ_j); discrete
 * P = (I − ηH)P(I − ηH) + η²κΣ: kernel η²κ/(1 − (1 − ηλ_i)(1 − ηλ_j))).
 */
export function lyapunov(c: Curvature, sigma: number[][], kernel: (li: number, lj: number) => number): Matrix {
  const n = c.lambda.length;
  const St = c.Q.transpose().mmul(new Matrix(sigma)).mmul(c.Q);
  const Pt = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    if (!c.normal[i]) continue;
    for (let j = 0; j < n; j++) if (c.normal[j]) Pt.set(i, j, St.get(i, j) * kernel(c.lambda[i], c.lambda[j]));
  }
  const P = c.Q.mmul(Pt).mmul(c.Q.transpose());
  return P.add(P.transpose()).mul(0.5);
}

/**
 * Σ_m p_m ∂²f/∂v_m² for P = Σ_m p_m v_m v_mᵀ (eigen-decomposition), i.e. ∇²f[P] for each output of
 * a vector function f, by central second differences with a small step (exact for f quadratic
 * along each v_m, to O(step²) otherwise).
 */
export function contractSecondDerivative(f: (x: Float64Array) => ArrayLike<number>, x: Float64Array, P: Matrix): number[] {
  const n = x.length;
  const f0 = Array.from(f(x));
  const out = new Array<number>(f0.length).fill(0);
  const step = 1e-3 * Math.max(1, Math.sqrt(x.reduce((s, v) => s + v * v, 0)));
  const e = new EigenvalueDecomposition(P, { assumeSymmetric: true });
  e.realEigenvalues.forEach((p, q) => {
    if (!(p > 0)) return;
    const v = e.eigenvectorMatrix.getColumn(q);
    const fp = f(Float64Array.from(x, (xi, i) => xi + step * v[i]));
    const fm = f(Float64Array.from(x, (xi, i) => xi - step * v[i]));
    for (let k = 0; k < out.length; k++) out[k] += (p * (fp[k] + fm[k] - 2 * f0[k])) / (step * step);
  });
  void n;
  return out;
}

/** ∇L at x (a fresh array), for contractSecondDerivative. */
export function gradientAt(eg: ExpectedGradient): (x: Float64Array) => Float64Array {
  return (x) => {
    const g = new Float64Array(x.length);
    eg.evaluate(x, g);
    return g;
  };
}
