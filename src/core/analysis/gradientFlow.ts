// Gradient flow dθ/dt = −∇L(θ) from a start to a minimum (THEORY.md §4, "where SGD ends"): at
// small η the loss relaxes fast while the charges move slowly, so SGD first follows gradient flow,
// which conserves every charge, to a minimum. Integrated by the Dormand–Prince 5(4) pair with
// adaptive steps (a stiff start only makes the steps small), until the gradient vanishes to a
// tolerance relative to its size at the start. An explicit method stalls near the minimum at the
// level of its error tolerance (its step is limited by stability there), so the last digits come
// from Newton steps with the pseudo-inverse of the Hessian: they move only across the minimum
// manifold (the symmetry orbits lie in the Hessian's null space), so the charges stay.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ExpectedGradient } from './expectedLoss';

export interface FlowResult {
  point: Float64Array;
  loss: number;
  /** ‖∇L‖∞ at the end. */
  gradNorm: number;
  converged: boolean;
  /** Flow time t reached (t = η·steps for SGD at learning rate η). */
  time: number;
  evaluations: number;
  /** Why the flow stopped when it did not converge. */
  note?: string;
}

export interface FlowOptions {
  /** Stop when ‖∇L‖∞ ≤ gradTol · max(1, ‖∇L(θ₀)‖∞). */
  gradTol?: number;
  rtol?: number;
  atol?: number;
  maxEvaluations?: number;
  /**
   * Wall-clock safety net in milliseconds. The evaluation budget is what normally stops a flow
   * that does not converge, so that the same file gives the same answer on a busy machine.
   */
  maxMillis?: number;
  /** Polish with Newton steps up to this many components (a dense Hessian by differences). */
  newtonMaxComponents?: number;
}

// Dormand–Prince 5(4) tableau.
const A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
const B5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0];
const B4 = [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40];

export function gradientFlow(theta0: ArrayLike<number>, eg: ExpectedGradient, opts: FlowOptions = {}): FlowResult {
  const n = theta0.length;
  const exact = eg.method !== 'sample';
  const gradTol = opts.gradTol ?? (exact ? 1e-12 : 1e-8);
  const rtol = opts.rtol ?? (exact ? 1e-10 : 1e-7);
  const atol = opts.atol ?? rtol * 1e-2;
  const maxEvaluations = opts.maxEvaluations ?? 40_000;
  const deadline = Date.now() + (opts.maxMillis ?? 20_000);
  let y = Float64Array.from(theta0);
  const k = Array.from({ length: 7 }, () => new Float64Array(n));
  const tmp = new Float64Array(n);
  const grad = new Float64Array(n);
  let evaluations = 0;
  const f = (x: Float64Array, out: Float64Array) => {
    const loss = eg.evaluate(x, grad);
    evaluations++;
    for (let i = 0; i < n; i++) out[i] = -grad[i];
    return loss;
  };
  let loss = f(y, k[0]);
  const norm = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const g0 = norm(k[0]);
  const stopAt = gradTol * Math.max(1, g0);
  let t = 0;
  let h = g0 > 0 ? Math.min(1, 0.01 / g0) : 1;
  const result = (converged: boolean, note?: string): FlowResult => ({ point: y, loss, gradNorm: norm(k[0]), converged, time: t, evaluations, note });
  const newtonMax = opts.newtonMaxComponents ?? (exact ? 400 : 100);
  // Hand over to Newton once the flow is this close (relative gradient), if the model is small.
  const handover = n <= newtonMax ? Math.max(stopAt, 1e-7 * Math.max(1, g0)) : stopAt;
  const polish = (): FlowResult => {
    const g = new Float64Array(n);
    let gn = norm(k[0]);
    for (let it = 0; it < 30 && gn > stopAt; it++) {
      const H = hessianByDifferences(eg, y);
      evaluations += 2 * n;
      const eig = new EigenvalueDecomposition(new Matrix(H), { assumeSymmetric: true });
      const ev = eig.realEigenvalues;
      const V = eig.eigenvectorMatrix;
      const emax = Math.max(...ev.map(Math.abs), 0);
      const step = new Float64Array(n);
      ev.forEach((lam, q) => {
        if (!(Math.abs(lam) > 1e-9 * emax)) return; // along the minimum manifold: no move
        const v = V.getColumn(q);
        let proj = 0;
        for (let i = 0; i < n; i++) proj -= v[i] * k[0][i]; // k[0] = −∇L
        for (let i = 0; i < n; i++) step[i] -= (proj / lam) * v[i];
      });
      const next = Float64Array.from(y, (x, i) => x + step[i]);
      const l = eg.evaluate(next, g);
      evaluations++;
      const nn = norm(g);
      if (!(nn < gn)) break; // at rounding level
      y = next;
      loss = l;
      for (let i = 0; i < n; i++) k[0][i] = -g[i];
      gn = nn;
    }
    return gn <= stopAt ? result(true) : result(false, `gradient flow stopped at ‖∇L‖ = ${gn.toExponential(2)} (rounding level of this loss)`);
  };
  if (!Number.isFinite(loss) || !Number.isFinite(g0)) return result(false, 'the loss or its gradient is not finite at the start');
  const yNew = new Float64Array(n);
  let lossNew = loss;
  // A piecewise-smooth loss (relu, abs, max over a finite sample) can have its minimum on a kink,
  // where the gradient never vanishes: stop when the loss no longer decreases and the gradient is
  // small against its start.
  let checkAt = evaluations + 600;
  let lossAtCheck = loss;
  while (true) {
    if (evaluations >= checkAt) {
      if (lossAtCheck - loss <= 1e-13 * Math.abs(loss) + 1e-300 && norm(k[0]) <= 1e-3 * Math.max(1, g0)) {
        return result(true, `stopped where the loss stops decreasing (‖∇L‖ = ${norm(k[0]).toExponential(2)}): a kink of a piecewise-smooth loss`);
      }
      lossAtCheck = loss;
      checkAt = evaluations + 600;
    }
    if (norm(k[0]) <= stopAt) return result(true);
    if (norm(k[0]) <= handover) return polish();
    if (evaluations >= maxEvaluations || Date.now() > deadline) {
      return result(
        false,
        `gradient flow had not reached a minimum at t = ${t.toPrecision(3)} (‖∇L‖ = ${norm(k[0]).toExponential(2)}, ${evaluations} gradient evaluations)`,
      );
    }
    for (let s = 1; s < 7; s++) {
      for (let i = 0; i < n; i++) {
        let acc = y[i];
        for (let r = 0; r < s; r++) acc += h * A[s][r] * k[r][i];
        tmp[i] = acc;
      }
      if (s === 6) {
        yNew.set(tmp);
        lossNew = f(tmp, k[s]);
      } else f(tmp, k[s]);
    }
    // Error estimate of the embedded pair.
    let err = 0;
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let s = 0; s < 7; s++) e += (B5[s] - B4[s]) * k[s][i];
      const sc = atol + rtol * Math.max(Math.abs(y[i]), Math.abs(yNew[i]));
      err = Math.max(err, Math.abs(h * e) / sc);
    }
    if (!Number.isFinite(err)) {
      h /= 10;
      if (h < 1e-300) return result(false, 'the gradient became infinite along the flow');
      continue;
    }
    if (err <= 1) {
      t += h;
      y = Float64Array.from(yNew);
      k[0].set(k[6]); // first same as last
      loss = lossNew;
      if (norm(y) > 1e100) return result(false, 'gradient flow runs off to infinity (the loss has no minimum in that direction)');
    }
    h *= Math.min(5, Math.max(0.2, 0.9 * Math.pow(Math.max(err, 1e-10), -1 / 5)));
  }
}

/** The Hessian of L by central differences of its exact (or fixed-sample) gradient, symmetrised. */
export function hessianByDifferences(eg: ExpectedGradient, theta: Float64Array): number[][] {
  const n = theta.length;
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const x = Float64Array.from(theta);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const h = 1e-5 * Math.max(1, Math.abs(theta[j]));
    x[j] = theta[j] + h;
    eg.evaluate(x, gp);
    x[j] = theta[j] - h;
    eg.evaluate(x, gm);
    x[j] = theta[j];
    for (let i = 0; i < n; i++) H[i][j] = (gp[i] - gm[i]) / (2 * h);
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) H[i][j] = H[j][i] = 0.5 * (H[i][j] + H[j][i]);
  return H;
}
