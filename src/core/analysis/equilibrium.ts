// Noise equilibrium on a symmetry orbit (THEORY.md §4). For symmetric A with eigenpairs (a_k, q_k),
// along θ_λ = e^{λA}θ the charge and the noise term are sums of exponentials:
//   C(θ_λ) = Σ_k a_k e^{2λa_k} c_k,          c_k = (q_kᵀθ)²
//   tr(A Σ(θ_λ)) = Σ_k a_k e^{−2λa_k} s_k,   s_k = q_kᵀ Σ(θ) q_k
// so the drift G(λ) = −2γ C(θ_λ) + η κ tr(A Σ(θ_λ)) (κ = 1/B, or the without-replacement factor)
// is strictly decreasing; its root λ* is found by bracketing and bisection to machine precision.
import { SymEig, symmetricEigen } from './linalg';

export interface OrbitTerms {
  a: number[];
  c: number[];
  s: number[];
  eig: SymEig;
}

export function orbitTerms(A: number[][], theta: ArrayLike<number>, cov: number[][]): OrbitTerms {
  const eig = symmetricEigen(A);
  const n = A.length;
  const c = eig.vectors.map((q) => {
    let d = 0;
    for (let i = 0; i < n; i++) d += q[i] * theta[i];
    return d * d;
  });
  const s = eig.vectors.map((q) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      let row = 0;
      for (let j = 0; j < n; j++) row += cov[i][j] * q[j];
      acc += q[i] * row;
    }
    return Math.max(0, acc);
  });
  return { a: eig.values, c, s, eig };
}

/** G(λ) for given terms, learning rate η, noise factor κ (= 1/B ...) and weight decay γ. */
export function drift(t: OrbitTerms, lambda: number, eta: number, kappa: number, gamma: number): number {
  let charge = 0;
  let noise = 0;
  for (let k = 0; k < t.a.length; k++) {
    const a = t.a[k];
    if (Math.abs(a) < 1e-12) continue;
    charge += a * Math.exp(2 * lambda * a) * t.c[k];
    noise += a * Math.exp(-2 * lambda * a) * t.s[k];
  }
  return -2 * gamma * charge + eta * kappa * noise;
}

export type EquilibriumOutcome =
  | { kind: 'root'; lambda: number }
  | { kind: 'grows'; reason: string }
  | { kind: 'shrinks'; reason: string }
  | { kind: 'flat'; reason: string };

export function solveEquilibrium(t: OrbitTerms, eta: number, kappa: number, gamma: number): EquilibriumOutcome {
  const amax = Math.max(...t.a.map(Math.abs), 0);
  if (amax < 1e-12) return { kind: 'flat', reason: 'the generator is zero' };
  const limit = 300 / (2 * amax); // keep every exponential below e^300
  const G = (l: number) => drift(t, l, eta, kappa, gamma);
  const g0 = G(0);
  const scale = Math.abs(eta * kappa) * t.s.reduce((x, y) => x + Math.abs(y), 0) + Math.abs(2 * gamma) * t.c.reduce((x, y) => x + Math.abs(y), 0);
  if (scale === 0 || (Math.abs(G(-1)) <= 1e-300 && Math.abs(G(1)) <= 1e-300 && g0 === 0)) {
    return { kind: 'flat', reason: 'no noise and no weight decay act along this orbit: every point of it is stationary' };
  }
  if (g0 === 0) return { kind: 'root', lambda: 0 };
  // G decreases: look right if G(0) > 0, left otherwise.
  let lo = 0;
  let hi = 0;
  let step = 0.25 / amax;
  if (g0 > 0) {
    while (G(hi) > 0) {
      lo = hi;
      hi += step;
      step *= 2;
      if (hi > limit) return { kind: 'grows', reason: 'the noise increases the charge at every point of the orbit (no balancing force, e.g. a scaling symmetry without weight decay): there is no equilibrium' };
    }
  } else {
    while (G(lo) < 0) {
      hi = lo;
      lo -= step;
      step *= 2;
      if (lo < -limit) return { kind: 'shrinks', reason: 'the drift decreases the charge at every point of the orbit: there is no equilibrium' };
    }
  }
  for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo) + Math.abs(hi)); it++) {
    const mid = 0.5 * (lo + hi);
    if (G(mid) > 0) lo = mid;
    else hi = mid;
  }
  return { kind: 'root', lambda: 0.5 * (lo + hi) };
}

/** e^{λA} θ through the eigendecomposition. */
export function orbitPoint(t: OrbitTerms, theta: ArrayLike<number>, lambda: number): number[] {
  const n = theta.length;
  const out = new Array<number>(n).fill(0);
  t.eig.vectors.forEach((q, k) => {
    let d = 0;
    for (let i = 0; i < n; i++) d += q[i] * theta[i];
    const f = Math.exp(lambda * t.a[k]) * d;
    for (let i = 0; i < n; i++) out[i] += f * q[i];
  });
  return out;
}

/** θᵀAθ, reported as 0 when it is at the rounding level of its terms (u² = w² exactly, not −1.7e-16). */
export function quadraticCharge(A: number[][], x: ArrayLike<number>): number {
  let c = 0;
  let scale = 0;
  for (let i = 0; i < A.length; i++) {
    const row = A[i];
    for (let j = 0; j < row.length; j++) {
      if (row[j] === 0) continue;
      const t = x[i] * row[j] * x[j];
      c += t;
      scale += Math.abs(t);
    }
  }
  return Math.abs(c) <= 1e-12 * scale ? 0 : c;
}

export type OrbitEquilibrium =
  | { kind: 'root'; lambda: number; point: number[]; chargeInitial: number; chargeEquilibrium: number }
  | Exclude<EquilibriumOutcome, { kind: 'root' }>;

/** The noise equilibrium on the orbit of θ for generator A, noise Σ(θ) and SGD constants η, κ, γ. */
export function equilibriumOnOrbit(A: number[][], theta: ArrayLike<number>, cov: number[][], eta: number, kappa: number, gamma: number): OrbitEquilibrium {
  const terms = orbitTerms(A, theta, cov);
  const sol = solveEquilibrium(terms, eta, kappa, gamma);
  if (sol.kind !== 'root') return sol;
  const point = orbitPoint(terms, theta, sol.lambda);
  return { kind: 'root', lambda: sol.lambda, point, chargeInitial: quadraticCharge(A, theta), chargeEquilibrium: quadraticCharge(A, point) };
}
