// Where SGD ends when the group has rotations: the slow drift along the minimum manifold.
//
// At small η, SGD relaxes across the manifold Γ of minima in O(1/η) steps and moves along it in
// O(1/η²) steps. Near x ∈ Γ the fluctuations across Γ have covariance P = ηκ ℒ_H⁻¹(Σ), the solution of
// HP + PH = ηκΣ on the range of H, and their mean force along Γ gives the slow velocity (per unit
// t = η·steps; Katzenberger 1991, Li, Wang & Arora 2021)
//     D(x) = −½ ηκ P_T ∇³L(x)[ℒ_H⁻¹(Σ)],        P_T the projection onto the null space of H.
// Along the symmetry orbit, D = Σ c_a T_a x over the symmetric generators A_k and the rotations
// R_r = [A_k, A_l]. Its charge components are law (C) (dC_k(D) = ηκ tr(A_kΣ) = G_k), but D also has a
// rotation part. When the equilibrium charge matrix is not invariant under the rotations (anisotropic
// label noise, for instance), the points where every G_k vanishes are not stationary: the rotation
// part carries them off and the charges turn. SGD ends where the symmetric part of D vanishes,
// c_sym = 0: a steady rotation at rate ω (the charges turn, their invariants stay), with invariants
// that differ from the law-of-balance point G = 0 by O(1), not by O(η). Measured on a GL(2) net with
// anisotropic label noise: tr Q → −0.041 as η → 0 (predicted −0.0411) against −0.082 where G = 0.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ExpectedGradient } from './expectedLoss';
import { contractSecondDerivative, curvatureAt, gradientAt, lyapunov } from './fluctuations';
import { pseudoSolve } from './linalg';

export interface SlowDriftInput {
  /** Symmetric generators A_k of the exponential symmetries (dense). */
  generators: number[][][];
  /** Rotation generators (antisymmetric) of the group. */
  rotations: number[][][];
  eg: ExpectedGradient;
  /** Σ(x), the per-example gradient covariance. */
  sigma: (x: Float64Array) => number[][];
  eta: number;
  kappa: number;
  /** Weight decay: its pull −γθ along the orbit adds to the drift. */
  gamma: number;
}

export interface SlowDrift {
  /** Coefficients of D on the symmetric generators and on the rotations (per unit t). */
  symmetric: number[];
  rotation: number[];
  /** |part of D that leaves the orbit| / |D|: the manifold of minima is larger than the orbit. */
  offOrbit: number;
}

function matVec(A: number[][], x: ArrayLike<number>): number[] {
  return A.map((r) => {
    let s = 0;
    for (let j = 0; j < r.length; j++) if (r[j] !== 0) s += r[j] * x[j];
    return s;
  });
}

/**
 * The slow velocity D(x) at a minimum x, decomposed on the orbit's generators. `sigmaX` is Σ(x) when
 * the caller has it (on the orbit Σ(gθ) = g^{−ᵀ}Σ(θ)g^{−1}, no new expectation needed).
 */
export function slowDrift(inp: SlowDriftInput, x: Float64Array, sigmaX?: number[][]): SlowDrift | undefined {
  const n = x.length;
  const c = curvatureAt(inp.eg, x);
  if (!c) return undefined;
  const P = lyapunov(c, sigmaX ?? inp.sigma(x), (li, lj) => 1 / (li + lj));
  const d3 = contractSecondDerivative(gradientAt(inp.eg), x, P);
  // D = −½ηκ P_T ∇³L[P] − γ P_T x, P_T the projection onto the null space of H.
  const D = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    if (c.normal[q]) continue;
    const v = c.Q.getColumn(q);
    let pr = 0;
    let px = 0;
    for (let i = 0; i < n; i++) {
      pr += v[i] * d3[i];
      px += v[i] * x[i];
    }
    for (let i = 0; i < n; i++) D[i] -= (0.5 * inp.eta * inp.kappa * pr + inp.gamma * px) * v[i];
  }
  // Least squares D = Σ c_a T_a x over the orbit's tangent vectors.
  const T = [...inp.generators, ...inp.rotations].map((A) => matVec(A, x));
  const dot = (u: ArrayLike<number>, w: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += u[i] * w[i];
    return s;
  };
  const coef = pseudoSolve(
    T.map((u) => T.map((w) => dot(u, w))),
    T.map((u) => dot(u, D)),
  );
  let res = 0;
  for (let i = 0; i < n; i++) res += (D[i] - T.reduce((s, t, k) => s + coef[k] * t[i], 0)) ** 2;
  const nrm = dot(D, D);
  const k0 = inp.generators.length;
  return { symmetric: coef.slice(0, k0), rotation: coef.slice(k0), offOrbit: nrm > 0 ? Math.sqrt(res / nrm) : 0 };
}

/** E = exp(Σ d_k A_k) and E⁻¹ (symmetric) through the eigendecomposition of the sum. */
export function orbitStep(generators: number[][][], d: number[]): { E: Matrix; Einv: Matrix } {
  const n = generators[0].length;
  const S = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => generators.reduce((s, A, k) => s + d[k] * A[i][j], 0)));
  const e = new EigenvalueDecomposition(new Matrix(S), { assumeSymmetric: true });
  const V = e.eigenvectorMatrix;
  const l = e.realEigenvalues;
  return {
    E: V.mmul(Matrix.diag(l.map(Math.exp))).mmul(V.transpose()),
    Einv: V.mmul(Matrix.diag(l.map((v) => Math.exp(-v)))).mmul(V.transpose()),
  };
}

/** A point of the orbit with the group element that reaches it from the base point (and its inverse). */
interface OrbitPoint {
  x: Float64Array<ArrayBuffer>;
  g: Matrix;
  ginv: Matrix;
}

function step(generators: number[][][], d: number[], p: OrbitPoint): OrbitPoint {
  const { E, Einv } = orbitStep(generators, d);
  return { x: Float64Array.from(E.mmul(Matrix.columnVector(Array.from(p.x))).to1DArray()), g: E.mmul(p.g), ginv: p.ginv.mmul(Einv) };
}

export interface SlowEquilibrium {
  point: Float64Array;
  /** ∂c_sym/∂ε: how the symmetric part of the drift changes along the generators (at the point). */
  jacobian: number[][];
  /** Rotation rates at the end point (per unit t): the charges turn, their invariants stay. */
  rotation: number[];
  /** Relaxation rates of the symmetric coordinates towards it (per unit t), slowest first. */
  rates: number[];
  offOrbit: number;
  residual: number;
  iterations: number;
}

/**
 * The orbit point where the symmetric part of the slow drift vanishes, by Newton's method from
 * `start` (the law-of-balance point) with a finite-difference Jacobian along the generators.
 */
export function slowEquilibrium(inp: SlowDriftInput, start: ArrayLike<number>): SlowEquilibrium | undefined {
  const m = inp.generators.length;
  const n = start.length;
  const sigma0 = new Matrix(inp.sigma(Float64Array.from(start)));
  let pt: OrbitPoint = { x: Float64Array.from(start), g: Matrix.eye(n), ginv: Matrix.eye(n) };
  // Σ along the orbit by transformation: Σ(gθ) = g^{−ᵀ} Σ(θ) g^{−1}.
  const at = (p: OrbitPoint) => slowDrift(inp, p.x, p.ginv.transpose().mmul(sigma0).mmul(p.ginv).to2DArray());
  let cur = at(pt);
  const finite = (v: number[]) => v.every(Number.isFinite);
  if (!cur || !finite(cur.symmetric)) return undefined;
  const size = (d: SlowDrift) => Math.max(...d.symmetric.map(Math.abs), 0);
  const ref = Math.max(size(cur), ...cur.rotation.map(Math.abs), 1e-300);
  let J: number[][] = [];
  let it = 0;
  for (; it < 20; it++) {
    const h = 1e-4;
    J = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let l = 0; l < m; l++) {
      const dp = new Array<number>(m).fill(0);
      dp[l] = h;
      const dm = dp.map((v) => -v);
      const up = at(step(inp.generators, dp, pt));
      const dn = at(step(inp.generators, dm, pt));
      if (!up || !dn) return undefined;
      for (let k = 0; k < m; k++) J[k][l] = (up.symmetric[k] - dn.symmetric[k]) / (2 * h);
    }
    // A drift that is not finite near the point (Σ or ∇³L overflowing): no Newton step to take.
    if (!J.every(finite)) return undefined;
    if (size(cur) <= 1e-10 * ref) break;
    // Newton step J δ = −c, least squares (JᵀJ δ = −Jᵀc).
    const JtJ = Array.from({ length: m }, (_, a) => Array.from({ length: m }, (__, b) => J.reduce((s, row) => s + row[a] * row[b], 0)));
    const delta = pseudoSolve(
      JtJ,
      Array.from({ length: m }, (_, a) => -J.reduce((s, row, k) => s + row[a] * (cur as SlowDrift).symmetric[k], 0)),
    );
    // Backtrack on the size of the symmetric part.
    let t = 1;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      const y = step(
        inp.generators,
        delta.map((v) => t * v),
        pt,
      );
      const d = at(y);
      if (d && size(d) < size(cur)) {
        pt = y;
        cur = d;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) break;
  }
  // Relaxation: dε/dt = J ε near the point; rates = −eigenvalues (real parts) of J.
  // Scaled to order one for the eigensolver (its eigenvalues scale back linearly).
  const js = Math.max(1e-300, ...J.map((row) => Math.max(...row.map(Math.abs))));
  const je = new EigenvalueDecomposition(new Matrix(J.map((row) => row.map((v) => v / js))));
  const rates = je.realEigenvalues
    .map((r) => -r * js)
    .filter((r) => r > 0)
    .sort((a, b) => a - b);
  return { point: pt.x, jacobian: J, rotation: cur.rotation, rates, offOrbit: cur.offOrbit, residual: size(cur) / ref, iterations: it };
}
