// The discrete-time correction to the noise equilibrium (THEORY.md §9). Law (D) is exact: with
// γ = 0, E[C_{t+1} − C_t] = η² E[ĝᵀAĝ], so at stationarity E[ĝᵀA_kĝ] = 0 for every generator, the
// expectation taken over the stationary fluctuations, not at a point. Around the continuous-time
// equilibrium θ° (a minimum, ∇L = 0) the fluctuations δ = θ − θ° are, to leading order, Gaussian
// with mean μ and covariance P = O(η) across the minimum manifold (a Gaussian closure):
//     P = (I − ηH) P (I − ηH) + η²κ Σ(θ°)          (H = ∇²L(θ°), on the range of H)
//     μ = −H⁺ ½∇³L[P]                                (E[∇L(θ)] = 0 at stationarity)
// and E[ĝᵀA_kĝ] = κ f_k(θ°) + R_k with f_k = tr(A_k Σ) and
//     R_k = tr(H A_k H P) + ½κ ∇²f_k[P] + κ ∇f_k·μ.
// The orbit point moves by ε with M ε = η R (M = −∂G/∂ε, the Jacobian of the joint solve), which
// shifts each charge by K ε (K_kl = 2⟨A_kθ°, A_lθ°⟩); the measured charge also averages the
// fluctuations: E[C_k] = C_k + tr(A_k P) + 2θ°ᵀA_k μ. The sum is the O(η) term the continuous-time
// prediction leaves out. Derivatives along P's eigenvectors are exact second differences of the
// exact (or fixed-sample) Σ and ∇L.
import { Matrix } from 'ml-matrix';
import { ExpectedGradient } from './expectedLoss';
import { contractSecondDerivative, curvatureAt, gradientAt, lyapunov } from './fluctuations';
import { pseudoSolve } from './linalg';

export interface DiscreteShiftInput {
  generators: number[][][];
  /** The continuous-time equilibrium point θ°. */
  theta: ArrayLike<number>;
  eta: number;
  kappa: number;
  eg: ExpectedGradient;
  /** Σ(θ), the per-example gradient covariance. */
  sigma: (theta: Float64Array) => number[][];
}

export interface DiscreteShift {
  /** Predicted stationary mean charge minus the continuous-time equilibrium charge, per generator. */
  shift: number[];
  /** The pieces, for reports: orbit move K ε, and the fluctuation average tr(AP) + 2θᵀAμ. */
  orbit: number[];
  fluctuation: number[];
  /** Covariance of the charges' fluctuations across the minimum, 4 (A_kθ)ᵀ P (A_lθ). */
  chargeCov: number[][];
  /** The stationary mean of θ to first order in η: θ° + Σ ε_k A_k θ° (orbit move) + μ (mean shift). */
  mean: number[];
  /** The stationary covariance P of the fluctuations across the minimum (components × components). */
  cov: number[][];
  /** R_k: E[ĝᵀA_kĝ] − κ tr(A_kΣ(θ°)) over the fluctuations, and its three terms. */
  R: number[];
  terms: { curvature: number[]; noiseCurvature: number[]; meanShift: number[] };
}

function quad(A: number[][], x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) {
    const r = A[i];
    let acc = 0;
    for (let j = 0; j < r.length; j++) if (r[j] !== 0) acc += r[j] * y[j];
    s += x[i] * acc;
  }
  return s;
}

function traceProduct(A: number[][], B: number[][]): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) if (A[i][j] !== 0) s += A[i][j] * B[j][i];
  return s;
}

/** The O(η) discrete-time shift of each charge, or undefined where the closure does not apply. */
export function discreteShift(inp: DiscreteShiftInput): DiscreteShift | undefined {
  const { generators: gens, eta, kappa, eg } = inp;
  const n = inp.theta.length;
  const m = gens.length;
  if (m === 0) return undefined;
  const theta = Float64Array.from(inp.theta);
  const c = curvatureAt(eg, theta);
  if (!c) return undefined;
  if (c.lambda.some((l, i) => c.normal[i] && Math.abs(1 - eta * l) >= 1)) return undefined; // unstable: no stationary state
  const sigma0 = inp.sigma(theta);
  const P = lyapunov(c, sigma0, (li, lj) => (eta * eta * kappa) / (1 - (1 - eta * li) * (1 - eta * lj)));
  const Parr = P.to2DArray();
  const f = (S: number[][]) => gens.map((A) => traceProduct(A, S));
  // ½∇²f_k[P] (f_k = tr(A_kΣ)) and ½∇³L[P].
  const half2f = contractSecondDerivative((x) => f(inp.sigma(x)), theta, P).map((v) => v / 2);
  const half3L = contractSecondDerivative(gradientAt(eg), theta, P).map((v) => v / 2);
  // μ = −H⁺ ½∇³L[P] on the normal directions.
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!c.normal[i]) continue;
    const qi = c.Q.getColumn(i);
    let proj = 0;
    for (let r = 0; r < n; r++) proj += qi[r] * half3L[r];
    for (let r = 0; r < n; r++) mu[r] -= (proj / c.lambda[i]) * qi[r];
  }
  // ∇f_k·μ by a central difference along μ (exact for f quadratic along it).
  const fmuP = f(inp.sigma(Float64Array.from(theta, (x, i) => x + mu[i])));
  const fmuM = f(inp.sigma(Float64Array.from(theta, (x, i) => x - mu[i])));
  // tr(H A H P) = tr(A (H P H)).
  const Hm = new Matrix(c.H);
  const HPH = Hm.mmul(P).mmul(Hm).to2DArray();
  const terms = {
    curvature: gens.map((A) => traceProduct(A, HPH)),
    noiseCurvature: gens.map((_, k) => kappa * half2f[k]),
    meanShift: gens.map((_, k) => kappa * 0.5 * (fmuP[k] - fmuM[k])),
  };
  const R = gens.map((_, k) => terms.curvature[k] + terms.noiseCurvature[k] + terms.meanShift[k]);
  // The orbit move: M ε = η R, M_kl = 2ηκ tr(A_k A_l Σ) (γ = 0); charges move by K ε.
  const Ath = gens.map((A) => Float64Array.from({ length: n }, (_, i) => A[i].reduce((s, a, j) => s + a * theta[j], 0)));
  const K = Ath.map((x) => Ath.map((y) => 2 * x.reduce((s, v, i) => s + v * y[i], 0)));
  const ASigma = gens.map((A) => new Matrix(A).mmul(new Matrix(sigma0)).to2DArray());
  const M = gens.map((A) => gens.map((_, l) => 2 * eta * kappa * traceProduct(A, ASigma[l])));
  // Neutral directions (no noise along them) do not move: the pseudo-inverse leaves them out.
  const eps = pseudoSolve(
    M,
    R.map((r) => eta * r),
    1e-10,
  );
  const orbit = K.map((row) => row.reduce((s, x, l) => s + x * eps[l], 0));
  const fluctuation = gens.map((A) => traceProduct(A, Parr) + 2 * quad(A, theta, mu));
  const shift = orbit.map((o, k) => o + fluctuation[k]);
  if (!shift.every(Number.isFinite)) return undefined;
  const PA = Ath.map((x) => P.mmul(Matrix.columnVector(Array.from(x))).to1DArray());
  const chargeCov = Ath.map((x) => PA.map((y) => 4 * x.reduce((s2, v, i) => s2 + v * y[i], 0)));
  const mean = Array.from(theta, (x, i) => x + mu[i] + Ath.reduce((acc, a, k) => acc + eps[k] * a[i], 0));
  return { shift, orbit, fluctuation, chargeCov, mean, cov: Parr, R, terms };
}
