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
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ExpectedGradient } from './expectedLoss';
import { hessianByDifferences } from './gradientFlow';

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
  const Hm = hessianByDifferences(eg, theta);
  const he = new EigenvalueDecomposition(new Matrix(Hm), { assumeSymmetric: true });
  const lam = he.realEigenvalues;
  const lmax = Math.max(...lam);
  if (!(lmax > 0)) return undefined;
  const Q = he.eigenvectorMatrix;
  const transverse = lam.map((l) => l > 1e-8 * lmax);
  if (lam.some((l, i) => transverse[i] && Math.abs(1 - eta * l) >= 1)) return undefined; // unstable: no stationary state
  const sigma0 = inp.sigma(theta);
  // P in H's eigenbasis, on the transverse directions.
  const St = Q.transpose().mmul(new Matrix(sigma0)).mmul(Q);
  const Pt = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    if (!transverse[i]) continue;
    for (let j = 0; j < n; j++) {
      if (!transverse[j]) continue;
      Pt.set(i, j, (eta * eta * kappa * St.get(i, j)) / (1 - (1 - eta * lam[i]) * (1 - eta * lam[j])));
    }
  }
  const P = Q.mmul(Pt).mmul(Q.transpose());
  const Parr = P.to2DArray();
  const pe = new EigenvalueDecomposition(P.clone().add(P.transpose()).mul(0.5), { assumeSymmetric: true });
  const f = (S: number[][]) => gens.map((A) => traceProduct(A, S));
  const f0 = f(sigma0);
  // ½∇²f_k[P] and ½∇³L[P] by second differences along P's eigenvectors (step √p_m).
  const half2f = new Array<number>(m).fill(0);
  const half3L = new Float64Array(n);
  const g0 = new Float64Array(n);
  eg.evaluate(theta, g0);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  pe.realEigenvalues.forEach((p, q) => {
    if (!(p > 0)) return;
    const v = pe.eigenvectorMatrix.getColumn(q);
    const a = Math.sqrt(p);
    const plus = Float64Array.from(theta, (x, i) => x + a * v[i]);
    const minus = Float64Array.from(theta, (x, i) => x - a * v[i]);
    const fp = f(inp.sigma(plus));
    const fm = f(inp.sigma(minus));
    for (let k = 0; k < m; k++) half2f[k] += 0.5 * (fp[k] + fm[k] - 2 * f0[k]);
    eg.evaluate(plus, gp);
    eg.evaluate(minus, gm);
    for (let i = 0; i < n; i++) half3L[i] += 0.5 * (gp[i] + gm[i] - 2 * g0[i]);
  });
  // μ = −H⁺ ½∇³L[P] on the transverse directions.
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!transverse[i]) continue;
    const qi = Q.getColumn(i);
    let proj = 0;
    for (let r = 0; r < n; r++) proj += qi[r] * half3L[r];
    for (let r = 0; r < n; r++) mu[r] -= (proj / lam[i]) * qi[r];
  }
  // ∇f_k·μ by a central difference along μ (exact for f quadratic along it).
  const fmuP = f(inp.sigma(Float64Array.from(theta, (x, i) => x + mu[i])));
  const fmuM = f(inp.sigma(Float64Array.from(theta, (x, i) => x - mu[i])));
  const HP = new Matrix(Hm).mmul(P);
  const R = gens.map((A, k) => {
    // tr(H A H P) = tr(A (H P H)).
    const HPH = HP.mmul(new Matrix(Hm)).to2DArray();
    const t1 = traceProduct(A, HPH);
    const t2 = kappa * half2f[k];
    const t3 = kappa * 0.5 * (fmuP[k] - fmuM[k]);
    return t1 + t2 + t3;
  });
  // The orbit move: M ε = η R, M_kl = 2ηκ tr(A_k A_l Σ) (γ = 0); charges move by K ε.
  const Ath = gens.map((A) => Float64Array.from({ length: n }, (_, i) => A[i].reduce((s, a, j) => s + a * theta[j], 0)));
  const ASigma = gens.map((A) => new Matrix(A).mmul(new Matrix(sigma0)).to2DArray());
  const M = gens.map((A, k) => gens.map((_, l) => 2 * eta * kappa * traceProduct(A, ASigma[l])));
  const K = Ath.map((x) => Ath.map((y) => 2 * x.reduce((s, v, i) => s + v * y[i], 0)));
  const me = new EigenvalueDecomposition(new Matrix(M), { assumeSymmetric: true });
  const mv = me.realEigenvalues;
  const mmax = Math.max(...mv.map(Math.abs), 0);
  const eps = new Array<number>(m).fill(0);
  mv.forEach((lv, q) => {
    if (!(lv > 1e-10 * mmax)) return; // neutral directions: the noise does not move the orbit there
    const v = me.eigenvectorMatrix.getColumn(q);
    let proj = 0;
    for (let k = 0; k < m; k++) proj += v[k] * eta * R[k];
    for (let k = 0; k < m; k++) eps[k] += (proj / lv) * v[k];
  });
  const orbit = K.map((row) => row.reduce((s, x, l) => s + x * eps[l], 0));
  const fluctuation = gens.map((A) => traceProduct(A, Parr) + 2 * quad(A, theta, mu));
  const shift = orbit.map((o, k) => o + fluctuation[k]);
  if (!shift.every(Number.isFinite)) return undefined;
  const PA = Ath.map((x) => P.mmul(Matrix.columnVector(Array.from(x))).to1DArray());
  const chargeCov = Ath.map((x) => PA.map((y) => 4 * x.reduce((s2, v, i) => s2 + v * y[i], 0)));
  return { shift, orbit, fluctuation, chargeCov };
}
