// The stationary law of a deep scalar chain (paper (a), PAPERS.md §2.4–2.5): for a loss that depends
// on D + 1 scalar parameters only through their product v = u₁···u_{D+1} and is a perfect square
// c·(v·X − Y)² in it, SGD's continuous-time stationary density on the balanced manifold is
//     p(|v|) ∝ |v|^{−3D/(D+1)} g(|v|)^{−1} exp(−(1/T) ∫ (β₁s − β₂) / ((D+1) s^{2D/(D+1)} g(s)) ds),
//     g(s) = α₁s² − 2α₂s + α₃,
// with x̃ = √c·X, ỹ = √c·Y (so the loss is (v x̃ − ỹ)², the paper's convention), α₁ = Var[x̃²],
// α₂ = Cov[x̃², x̃ỹ], α₃ = Var[x̃ỹ], β₁ = E[x̃²], β₂ = E[x̃ỹ] and T = ηκ. For D = 1 it normalises only
// below T_c = β₂/α₃; above, v collapses to 0. The structure is verified numerically at random points
// (the loss sees only the product, and is a perfect square in it), never assumed from the text.
import { Graph } from '../expr/graph';
import { compileEvaluator } from '../expr/codegen';
import { ScalarModel, TrainSpec } from '../lang/model';
import { Rng, STREAM_ANALYSIS } from '../util/rng';
import { expectedNodes } from './expectation';
import { datasetRows, drawExample } from './points';
import { minibatchNoiseFactor } from './predictions';

export interface ChainLaw {
  source: string;
  /** The product the law is for ("u1·u2") and its factors. */
  variable: string;
  factors: string[];
  depth: number;
  /** Effective temperature T = ηκ in the paper's convention (its loss without ½). */
  temperature: number;
  alpha: [number, number, number];
  beta: [number, number];
  /** How the data moments were obtained. */
  moments: 'exact-moments' | 'dataset' | 'monte-carlo';
  /** v collapses to 0 (no normalisable density away from 0): T ≥ T_c for D = 1, or β₂ = 0. */
  collapsed: boolean;
  density: { x: number[]; p: number[] };
  /** Quantiles q10, q25, q50, q75, q90 of v (0 when collapsed). */
  quantiles: number[];
  /** The interior most likely value of v, null where the density has none (it peaks at 0). */
  mode: number | null;
  /** D = 1: the critical temperature in units of η·κ (η/B), null for D ≥ 2 (no sharp transition). */
  tc: number | null;
  mean: number;
}

/** The loss with every parameter node replaced by a constant (one data-only expression). */
function atParams(g: Graph, root: number, theta: number[]): number {
  return g.substitute([root], (n) => (n.op === 'param' ? g.constant(theta[n.index]) : undefined))[0];
}

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300);

export function deepChainLaw(model: ScalarModel, spec: TrainSpec): ChainLaw | { note: string } | undefined {
  const m = model.components.length;
  if (m < 2 || !model.params.every((p) => p.shape.length === 0)) return undefined;
  if (spec.optimizer !== 'sgd') return { note: 'the stationary law of a deep chain is derived for plain SGD' };
  if (spec.weightDecay !== 0) return { note: 'the stationary law of a deep chain is derived here without weight decay' };
  const g = model.graph;
  const ev = compileEvaluator(g, [model.loss]);
  const out = new Float64Array(1);
  const loss = (theta: ArrayLike<number>, z: ArrayLike<number>) => {
    ev(theta, z, out);
    return out[0];
  };
  const rng = new Rng(2718, 4, STREAM_ANALYSIS);
  const rows = datasetRows(model);
  const z = new Float64Array(model.dataComponents.length);
  const at = (v: number) => [v, ...new Array<number>(m - 1).fill(1)];
  // The structure, at random points: ℓ depends on θ only through v, and is c(vX − Y)² in v.
  for (let k = 0; k < 12; k++) {
    drawExample(model, rng, z, rows);
    const theta = Array.from({ length: m }, () => 0.5 + rng.uniform());
    const v = theta.reduce((a, b) => a * b, 1);
    const c = 0.5 + rng.uniform();
    const moved = theta.map((t, i) => (i === 0 ? t * c : i === 1 ? t / c : t));
    if (!close(loss(theta, z), loss(moved, z)) || !close(loss(theta, z), loss(at(v), z))) return undefined;
    const f0 = loss(at(0), z);
    const f1 = loss(at(1), z);
    const fm = loss(at(-1), z);
    const a = (f1 + fm) / 2 - f0;
    const b = (f1 - fm) / 2;
    const scale = Math.abs(f0) + Math.abs(f1) + Math.abs(fm);
    if (Math.abs(loss(at(2), z) - (4 * a + 2 * b + f0)) > 1e-9 * (scale + 1e-300) * 4) return undefined;
    if (Math.abs(b * b - 4 * a * f0) > 1e-8 * (b * b + Math.abs(4 * a * f0)) + 1e-300) return undefined;
    if (a < 0) return undefined;
  }
  // Per-example coefficients: a = x̃², b = −2x̃ỹ; the moments need E[a], E[a²], E[b], E[ab], E[b²].
  const F0 = atParams(g, model.loss, at(0));
  const F1 = atParams(g, model.loss, at(1));
  const Fm = atParams(g, model.loss, at(-1));
  const A = g.sub(g.mul(g.constant(0.5), g.add(F1, Fm)), F0);
  const Bn = g.mul(g.constant(-0.25), g.sub(F1, Fm)); // x̃ỹ = −b/2
  const nodes = [A, Bn, g.mul(A, A), g.mul(A, Bn), g.mul(Bn, Bn)];
  let E: number[] | undefined;
  let method: ChainLaw['moments'] = 'exact-moments';
  if (!model.dataset && model.data.every((d) => d.dists)) {
    const e = expectedNodes(model, nodes);
    if (e) E = e.map((id) => g.constValue(id) as number);
    if (E && !E.every(Number.isFinite)) E = undefined;
  }
  if (!E) {
    const evn = compileEvaluator(g, nodes);
    const o = new Float64Array(nodes.length);
    const acc = new Float64Array(nodes.length);
    const dim = model.dataComponents.length;
    let N: number;
    if (rows) {
      N = rows.length / Math.max(1, dim);
      for (let r = 0; r < N; r++) {
        evn([], rows.subarray(r * dim, (r + 1) * dim), o);
        for (let i = 0; i < o.length; i++) acc[i] += o[i];
      }
      method = 'dataset';
    } else {
      N = 400_000;
      const mc = new Rng(31, 5, STREAM_ANALYSIS);
      for (let r = 0; r < N; r++) {
        drawExample(model, mc, z);
        evn([], z, o);
        for (let i = 0; i < o.length; i++) acc[i] += o[i];
      }
      method = 'monte-carlo';
    }
    E = Array.from(acc, (x) => x / N);
  }
  const [ea, eb, eaa, eab, ebb] = E;
  const alpha: [number, number, number] = [eaa - ea * ea, eab - ea * eb, ebb - eb * eb];
  const beta: [number, number] = [ea, eb];
  const T = spec.lr * minibatchNoiseFactor(model, spec);
  const D = m - 1;
  const names = model.components;
  const law = densityOf(alpha, beta, T, D);
  return {
    source: `paper (a), Theorem 4.2: the continuous-time stationary law of v = ${names.join('·')} on the balanced manifold (depth D = ${D}); discrete-time SGD differs by O(η)`,
    variable: names.join('·'),
    factors: names,
    depth: D,
    temperature: T,
    alpha,
    beta,
    moments: method,
    ...law,
  };
}

type Law = Pick<ChainLaw, 'collapsed' | 'density' | 'quantiles' | 'mode' | 'tc' | 'mean'>;

/** The density of Theorem 4.2 by quadrature on a logarithmic grid, with analytic tails. */
export function densityOf(alpha: [number, number, number], beta: [number, number], T: number, D: number): Law {
  const sign = beta[1] < 0 ? -1 : 1;
  // v < 0 when E[x̃ỹ] < 0: mirror (v → −v flips the sign of α₂ and β₂).
  const a1 = alpha[0];
  const a2 = sign * alpha[1];
  const a3 = alpha[2];
  const b1 = beta[0];
  const b2 = sign * beta[1];
  const tc = D === 1 && a3 > 0 ? b2 / a3 : null;
  const collapsed = !(b2 > 0) || !(T > 0) || (tc !== null && T >= tc);
  const empty: Law = { collapsed: true, density: { x: [], p: [] }, quantiles: [0, 0, 0, 0, 0], mode: null, tc, mean: 0 };
  if (collapsed) return empty;
  const gfun = (s: number) => a1 * s * s - 2 * a2 * s + a3;
  const e = (2 * D) / (D + 1);
  const h = (s: number) => (b1 * s - b2) / ((D + 1) * Math.pow(s, e) * gfun(s));
  const vref = b2 / b1;
  // Grid in t = log v around the minimum: the lower and upper ends get analytic power-law tails.
  const K = 200_000;
  const lo = Math.log(vref) - 36;
  const hi = Math.log(vref) + 36;
  const dt = (hi - lo) / K;
  const logp = new Float64Array(K + 1);
  // ∫ h dv from v_ref, cumulatively outward in both directions (trapezoid in t: dv = v dt).
  const iref = Math.round((Math.log(vref) - lo) / dt);
  const integ = new Float64Array(K + 1);
  const hv = (i: number) => {
    const v = Math.exp(lo + i * dt);
    return h(v) * v;
  };
  for (let i = iref + 1; i <= K; i++) integ[i] = integ[i - 1] + 0.5 * dt * (hv(i - 1) + hv(i));
  for (let i = iref - 1; i >= 0; i--) integ[i] = integ[i + 1] - 0.5 * dt * (hv(i + 1) + hv(i));
  let maxLog = -Infinity;
  for (let i = 0; i <= K; i++) {
    const v = Math.exp(lo + i * dt);
    logp[i] = -((3 * D) / (D + 1)) * Math.log(v) - Math.log(gfun(v)) - integ[i] / T;
    if (logp[i] > maxLog && Number.isFinite(logp[i])) maxLog = logp[i];
  }
  // Mass in t-space: p(v)·v. Tails: below v_lo, p ~ v^k with k the local log-slope (k > −1); above
  // v_hi, p ~ v^−q; their masses are p·v/(k + 1) and p·v/(q − 1).
  const w = new Float64Array(K + 1);
  for (let i = 0; i <= K; i++) w[i] = Math.exp(logp[i] - maxLog + lo + i * dt);
  const slopeLo = (logp[1] - logp[0]) / dt; // d log p / d log v at the lower end
  const slopeHi = (logp[K] - logp[K - 1]) / dt;
  const tailLo = slopeLo > -1 ? w[0] / (slopeLo + 1) : 0;
  const tailHi = slopeHi < -1 ? w[K] / (-slopeHi - 1) : 0;
  const cdf = new Float64Array(K + 1);
  cdf[0] = tailLo;
  for (let i = 1; i <= K; i++) cdf[i] = cdf[i - 1] + 0.5 * dt * (w[i - 1] + w[i]);
  const total = cdf[K] + tailHi;
  // Quantiles of |v|; for v < 0 the q-quantile of v is −(the (1 − q)-quantile of |v|).
  const levels = sign > 0 ? [0.1, 0.25, 0.5, 0.75, 0.9] : [0.9, 0.75, 0.5, 0.25, 0.1];
  const quantiles = levels.map((q) => {
    const target = q * total;
    if (target <= cdf[0]) return sign * Math.exp(lo) * Math.pow(target / cdf[0], 1 / (slopeLo + 1));
    let a = 0;
    let b = K;
    while (b - a > 1) {
      const mid = (a + b) >> 1;
      if (cdf[mid] < target) a = mid;
      else b = mid;
    }
    const f = (target - cdf[a]) / (cdf[b] - cdf[a]);
    return sign * Math.exp(lo + (a + f) * dt);
  });
  // Mean over t-space (v·p(v)·v dt), the upper tail ∝ v^(1−q) being integrable for q > 2.
  let mean = 0;
  for (let i = 1; i <= K; i++) {
    const v0 = Math.exp(lo + (i - 1) * dt);
    const v1 = Math.exp(lo + i * dt);
    mean += 0.5 * dt * (v0 * w[i - 1] + v1 * w[i]);
  }
  mean = (sign * mean) / total;
  // The interior most likely value: the largest local maximum of p(v) (in v, not in log v).
  let mode: number | null = null;
  let best = -Infinity;
  for (let i = 1; i < K; i++) {
    const lv = (j: number) => logp[j];
    if (lv(i) > lv(i - 1) && lv(i) >= lv(i + 1) && lv(i) > best) {
      best = lv(i);
      // Refine by a parabola through the three log-densities.
      const d = (lv(i + 1) - lv(i - 1)) / (2 * (2 * lv(i) - lv(i - 1) - lv(i + 1)));
      mode = sign * Math.exp(lo + (i + d) * dt);
    }
  }
  // The density's picture: 400 points over the central 99.8 % in v.
  const vlo = Math.min(Math.abs(quantiles[0]), Math.abs(quantiles[4])) / 20;
  const vhi = Math.max(Math.abs(quantiles[0]), Math.abs(quantiles[4])) * 4;
  const xs: number[] = [];
  const ps: number[] = [];
  for (let j = 0; j < 400; j++) {
    const v = vlo + ((vhi - vlo) * j) / 399;
    const i = (Math.log(v) - lo) / dt;
    const i0 = Math.max(0, Math.min(K - 1, Math.floor(i)));
    const f = i - i0;
    const lp = logp[i0] * (1 - f) + logp[i0 + 1] * f;
    xs.push(sign * v);
    ps.push(Math.exp(lp - maxLog) / total);
  }
  return { collapsed: false, density: { x: xs, p: ps }, quantiles, mode, tc, mean };
}
