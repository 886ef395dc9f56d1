// The exact mean exit time of SGD on n-dimensional linear regression with label-independent data
// (paper (d)'s setting with n outlier Hessian eigenvalues): ℓ = (θᵀx − y)²/2, x ~ N(0, I_n),
// y ~ N(0, 1), batch 1, so H = I (h* = 1), L(θ) = (‖θ‖² + 1)/2 and {L < c·L*} = {‖θ‖² < c − 1}.
//
// The law is invariant under rotations, so r = ‖θ‖ is itself a Markov chain. Rotating θ = r·e₁:
// θ' = θ + η s x with s = y − r x₁, hence
//     ‖θ'‖² = (r + η s x₁)² + η² s² q,   q = ‖x_⊥‖² ~ χ²_{n−1} independent of (x₁, y).
// Given x₁ and q this is a quadratic a s² + 2b s + r² in s ~ N(−r x₁, 1) (a = η²(x₁² + q),
// b = η r x₁), so P(‖θ'‖ < R | x₁, q) is a difference of two normal CDFs at the roots: exact. The
// outer integral over (x₁, q) is done by quadrature (Gauss–Hermite in x₁, Simpson in √q), and the
// mean exit time solves m(r) = 1 + E[m(r') 1{r' < R}] on N cells of [0, R) with cell-averaged
// transition probabilities (as exitStepsForKernel does in 1-D). n = 1 reduces to the 1-D chain
// w' = (1 − ηx²)w + ηxy of experiment 6.
import { Matrix, solve } from 'ml-matrix';
import { erfc, logGamma } from './escape';

/** Φ(x), the standard normal CDF (erfc to 1.2e-7 relative: far below the statistical errors). */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Nodes and weights of Gauss–Hermite quadrature for E over N(0, 1) (Newton on the recurrence). */
export function gaussHermiteNormal(m: number): { x: number[]; w: number[] } {
  // Physicists' nodes t (weight e^{−t²}), then x = √2·t, w/√π.
  const x = new Array<number>(m);
  const w = new Array<number>(m);
  const pim4 = Math.pow(Math.PI, -0.25);
  let z = 0;
  for (let i = 0; i < (m + 1) >> 1; i++) {
    if (i === 0) z = Math.sqrt(2 * m + 1) - 1.85575 * Math.pow(2 * m + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(m, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0] / Math.SQRT2;
    else if (i === 3) z = 1.91 * z - 0.91 * x[1] / Math.SQRT2;
    else z = 2 * z - x[i - 2] / Math.SQRT2;
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = pim4;
      let p2 = 0;
      for (let j = 1; j <= m; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * m) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    x[i] = z * Math.SQRT2;
    x[m - 1 - i] = -z * Math.SQRT2;
    w[i] = 2 / (pp * pp) / Math.sqrt(Math.PI);
    w[m - 1 - i] = w[i];
  }
  return { x, w };
}

/** Beyond ±SURE standard deviations a normal CDF is 0 or 1 to double precision (Φ(−9) ≈ 1e−19). */
const SURE = 9;

export interface RadialExitOptions {
  /** Cells per unit radius (default 30); every radius times this must be an integer. */
  cellsPerUnit?: number;
  /** Gauss–Hermite nodes in x₁ (default 40). */
  hermite?: number;
  /** Simpson intervals in √q (default 48). */
  simpson?: number;
}

/**
 * The exact mean number of steps before ‖θ‖ > R, from θ = 0, for each R of `radii`, of SGD with
 * learning rate η and batch 1 on n-dimensional regression with x ~ N(0, I_n), y ~ N(0, 1)
 * independent (see the header). One grid of cells up to the largest radius serves every radius:
 * each is a cell edge, and the chain stopped at R only sees the cells below it.
 */
export function radialMeanExitSteps(eta: number, n: number, radii: number[], opts: RadialExitOptions = {}): number[] {
  if (!(n >= 1 && Number.isInteger(n))) throw new Error('radialMeanExitSteps: n must be a positive integer');
  const perUnit = opts.cellsPerUnit ?? 30;
  const cellsOf = radii.map((R) => Math.round(R * perUnit));
  if (radii.some((R, i) => !(R > 0) || Math.abs(R * perUnit - cellsOf[i]) > 1e-9 * Math.max(1, R * perUnit))) throw new Error('radialMeanExitSteps: every radius times cellsPerUnit must be a positive integer');
  const N = Math.max(...cellsOf);
  const width = 1 / perUnit;
  const gh = gaussHermiteNormal(opts.hermite ?? 40);
  // q ~ χ²_{n−1} through u = √q, density u^{k−1} e^{−u²/2} / (2^{k/2−1} Γ(k/2)) (k = n − 1 ≥ 1).
  const qNodes: { q: number; w: number }[] = [];
  const k = n - 1;
  if (k === 0) qNodes.push({ q: 0, w: 1 });
  else {
    const M = opts.simpson ?? 48;
    const top = Math.sqrt(k) + 9;
    const h = top / M;
    const logc = -((k / 2 - 1) * Math.LN2 + logGamma(k / 2));
    for (let j = 0; j <= M; j++) {
      const u = j * h;
      const dens = u === 0 ? (k === 1 ? Math.exp(logc) : 0) : Math.exp(logc + (k - 1) * Math.log(u) - (u * u) / 2);
      const sw = ((j === 0 || j === M ? 1 : j % 2 ? 4 : 2) * h) / 3;
      if (dens * sw > 0) qNodes.push({ q: u * u, w: dens * sw });
    }
    // Renormalise: the truncated Simpson sum of a density is 1 up to its own error.
    const tot = qNodes.reduce((acc, nd) => acc + nd.w, 0);
    for (const nd of qNodes) nd.w /= tot;
  }
  // P(‖θ'‖ < e_j) for every edge e_j = j·width from radius r: a row of the cumulative kernel.
  const cumulative = (r: number): Float64Array => {
    const out = new Float64Array(N + 1);
    // full[j]: weight whose landing is certainly inside edge j and every edge above it.
    const full = new Float64Array(N + 2);
    for (let a = 0; a < gh.x.length; a++) {
      const x1 = gh.x[a];
      // x₁ → −x₁ with s → −s leaves ‖θ'‖ unchanged: the nodes pair up (the Hermite rule is symmetric).
      if (x1 < 0) continue;
      const pair = x1 > 0 ? 2 : 1;
      const mu = -r * x1;
      const b = eta * r * x1;
      for (const { q, w } of qNodes) {
        const wt = pair * gh.w[a] * w;
        const A = eta * eta * (x1 * x1 + q);
        if (A === 0) {
          // θ' = θ whatever s: a step that does not move.
          for (let j = 0; j <= N; j++) if (r < j * width) out[j] += wt;
          continue;
        }
        // Below the smallest reachable radius √(r² − b²/A) no edge is reached.
        const floor = r * r - (b * b) / A;
        const j0 = Math.max(1, floor > 0 ? Math.floor(Math.sqrt(floor) / width) : 1);
        for (let j = j0; j <= N; j++) {
          const e = j * width;
          const disc = b * b - A * (r * r - e * e);
          if (disc <= 0) continue;
          const sq = Math.sqrt(disc);
          const lo = (-b - sq) / A - mu;
          const hi = (-b + sq) / A - mu;
          if (lo < -SURE && hi > SURE) {
            full[j] += wt;
            break;
          }
          out[j] += wt * (normalCdf(hi) - normalCdf(lo));
        }
      }
    }
    let acc = 0;
    for (let j = 0; j <= N; j++) {
      acc += full[j];
      out[j] += acc;
    }
    return out;
  };
  const rows = Array.from({ length: N }, (_, i) => cumulative((i + 0.5) * width));
  const start = cumulative(0);
  return cellsOf.map((M) => {
    const K = Matrix.eye(M);
    for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) K.set(i, j, K.get(i, j) - (rows[i][j + 1] - rows[i][j]));
    const m = solve(K, Matrix.ones(M, 1));
    let t = 1;
    for (let j = 0; j < M; j++) t += (start[j + 1] - start[j]) * m.get(j, 0);
    return t;
  });
}
