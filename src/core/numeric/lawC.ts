// Law (C) along a run, at the resolution of the steps. For a symmetric generator A, law (D) gives
// the exact conditional mean of one step's change of the charge C = θᵀAθ:
//     E[C_{t+1} − C_t | θ_t] = ((1 − η_tγ)² − 1)·C_t + η_t²·(κ tr(AΣ(θ_t)) + ∇Lᵀ A ∇L(θ_t)),
// the continuous-time law (C), dC/dt = −2γC + η(κ tr(AΣ_B) + ∇LᵀA∇L) with t = η·steps, plus its
// η²γ²C discretisation term. Summed along each chain's own path it predicts the mean charge with no
// error of order η at all: measured − predicted is a martingale (mean 0, SE from the chains). For
// a translation, vᵀθ_{t+1} = (1 − η_tγ) vᵀθ_t exactly. The expectations are exact where the loss is
// polynomial in the data (or the data set is small), else a fixed-sample Monte Carlo estimate.
import { hasScalarView, Model, TrainSpec } from '../lang/model';
import { gradient } from '../expr/diff';
import { compileEvaluator } from '../expr/codegen';
import { expectedNodes } from '../analysis/expectation';
import { KernelSymmetry } from './kernel';
import { FormTable, sparseForm } from '../analysis/forms';
import { fixedExamples } from './probes';
import { gradientFunction } from '../analysis/gradientFn';

/** Without a closed form, each evaluation averages over this many fixed examples. */
const MC_DRIFT_SAMPLES = 32;
/** A finite data set up to this size is averaged whole (then the law is exact). */
const DATASET_WHOLE_MAX = 256;

export interface LawCPredictor {
  /** True when the expectations are exact (closed form or the whole finite data set). */
  exact: boolean;
  /** Work of one evaluation (operations, roughly), to weigh it against the steps between records. */
  cost: number;
  /**
   * Expected change of each charge over one step from θ at learning rate `lr` (law (D) in
   * expectation), written into `out`; `drift` receives law (C)'s dC/dt (per unit t = η·steps).
   */
  increments(theta: Float64Array, lr: number, out: Float64Array, drift: Float64Array): void;
}

export const LAW_C_DESCRIPTION =
  'law (C) summed step by step along every chain: C(θ₀) + Σ_t E[C_{t+1} − C_t | θ_t], with E[ΔC | θ] = ((1 − ηγ)² − 1)C + η²(κ tr(AΣ) + ∇LᵀA∇L) ' +
  '(the continuous-time law dC/dt = −2γC + η tr(AΣ_B) + η∇LᵀA∇L plus its η²γ²C term): exact in expectation at every order of η. ' +
  'Evaluated at every step early on, then every 1/64 of the elapsed steps and at every record point where that is cheap, summed by the trapezoid rule with its endpoint correction; a record point between grid points extrapolates the last two linearly.';

export function lawCPredictor(model: Model, syms: KernelSymmetry[], spec: TrainSpec, kappa: number, rows?: Float64Array): LawCPredictor {
  const n = model.components.length;
  const forms = syms.map(sparseForm);
  const table = new FormTable(forms);
  // θᵀAθ or vᵀθ, as the table has it.
  const quadratic = table.quad;
  const gamma = spec.weightDecay;
  const c = new Float64Array(syms.length);
  const gAg = new Float64Array(syms.length);
  const finish = (th: Float64Array, lr: number, meanG: Float64Array, meanQ: ArrayLike<number>, out: Float64Array, drift: Float64Array) => {
    table.evaluate(th, c);
    table.evaluate(meanG, gAg);
    const f = 1 - lr * gamma;
    for (let k = 0; k < syms.length; k++) {
      if (quadratic[k] !== 1) {
        out[k] = -lr * gamma * c[k];
        drift[k] = -gamma * c[k];
        continue;
      }
      const noise = kappa * (meanQ[k] - gAg[k]) + gAg[k]; // κ tr(AΣ) + ∇LᵀA∇L, since E[gᵀAg] = tr(AΣ) + ∇LᵀA∇L
      out[k] = (f * f - 1) * c[k] + lr * lr * noise;
      drift[k] = -2 * gamma * c[k] + lr * noise;
    }
  };
  // Exact: E[∇ℓ] and E[∇ℓᵀA∇ℓ] as closed forms in θ (small models, polynomial in the data).
  if (hasScalarView(model) && !rows) {
    const g = model.graph;
    const grads = gradient(g, model.loss, model.paramNodes);
    // q_k = ∇ℓᵀA_k∇ℓ from the form's terms (c·∂_i ℓ·∂_j ℓ, off-diagonal pairs already doubled).
    const qNodes = forms.map((f, k) => {
      let acc = g.constant(0);
      if (quadratic[k] === 1) for (let e = 0; e < f.c.length; e++) acc = g.add(acc, g.mul(g.constant(f.c[e]), g.mul(grads[f.i[e]], grads[f.j[e]])));
      return acc;
    });
    const exact = expectedNodes(model, [...grads, ...qNodes]);
    if (exact) {
      const ev = compileEvaluator(g, exact);
      const buf = new Float64Array(exact.length);
      const none = new Float64Array(0);
      return {
        exact: true,
        cost: g.reachable(exact).length + 2 * table.terms,
        increments: (th, lr, out, drift) => {
          ev(th, none, buf);
          finish(th, lr, buf.subarray(0, n), buf.subarray(n), out, drift);
        },
      };
    }
  }
  // Otherwise the average over fixed examples (the whole data set when it is small): per-example
  // gradients, and every q_k = ∇ℓᵀA_k∇ℓ in one pass of the form table.
  const dim = model.dataComponents.length;
  const { sample, count } = fixedExamples(model, MC_DRIFT_SAMPLES, 99, rows, DATASET_WHOLE_MAX);
  const fn = gradientFunction(model);
  const z = new Float64Array(dim);
  const q = new Float64Array(syms.length);
  const meanG = new Float64Array(n);
  const meanQ = new Float64Array(syms.length);
  return {
    exact: rows !== undefined && count === rows.length / Math.max(1, dim),
    cost: count * (model.tgraph.entries + n + table.terms) + 2 * table.terms,
    increments: (th, lr, out, drift) => {
      meanG.fill(0);
      meanQ.fill(0);
      // Sums first, one division at the end; the gradient is read where the evaluator put it
      // (out[1…n]): at 50 890 parameters the copies cost as much as the forms.
      const g = fn.out;
      for (let e = 0; e < count; e++) {
        for (let k = 0; k < dim; k++) z[k] = sample[e * dim + k];
        fn.evaluate(th, z, g);
        for (let i = 0; i < n; i++) meanG[i] += g[i + 1];
        table.evaluate(g, q, 1);
        for (let k = 0; k < q.length; k++) if (quadratic[k] === 1) meanQ[k] += q[k];
      }
      for (let i = 0; i < n; i++) meanG[i] /= count;
      for (let k = 0; k < q.length; k++) meanQ[k] /= count;
      finish(th, lr, meanG, meanQ, out, drift);
    },
  };
}

/**
 * Per-chain running sum of the expected increments on a grid of steps t_0 < t_1 < …: every step
 * is exact (Σ over a unit interval is its left value), a longer interval h uses the trapezoid rule
 * with the Euler–Maclaurin endpoint term, Σ_{t=a}^{b−1} d_t ≈ h(d_a + d_b)/2 − (d_b − d_a)/2, exact
 * for d linear in t. A second sum over every other grid point gives Richardson's estimate of the
 * quadrature error, |fine − coarse|/3. Between grid points (a record point that is not on the grid)
 * the sum goes on with the increments extrapolated linearly from the last two grid points.
 */
export class LawCAccumulator {
  readonly fine: Float64Array;
  private readonly coarse: Float64Array;
  /** Increments at the last grid point. */
  private readonly last: Float64Array;
  /** Increments at the last point of the coarse grid (every other grid point). */
  private readonly prev: Float64Array;
  /** Per step: the increments' slope over the last interval, and their curvature (below). */
  private readonly slope: Float64Array;
  private readonly curvature: Float64Array;
  /** The latest of the two slope changes curvature is the larger of. */
  private readonly lastBend: Float64Array;
  private lastStep = 0;
  private lastH = 0;
  private prevStep = 0;
  private points = 0;
  /** The fine sum's last interval, to close the coarse sum at an odd grid point. */
  private readonly lastInterval: Float64Array;

  constructor(private readonly m: number) {
    this.fine = new Float64Array(m);
    this.coarse = new Float64Array(m);
    this.last = new Float64Array(m);
    this.prev = new Float64Array(m);
    this.slope = new Float64Array(m);
    this.curvature = new Float64Array(m);
    this.lastBend = new Float64Array(m);
    this.lastInterval = new Float64Array(m);
  }

  /** Adds the grid point `step` with per-step expected increments `d`. */
  add(step: number, d: Float64Array): void {
    if (this.points > 0) {
      const h = step - this.lastStep;
      for (let k = 0; k < this.m; k++) {
        const seg = h === 1 ? this.last[k] : (h * (this.last[k] + d[k])) / 2 - (d[k] - this.last[k]) / 2;
        this.fine[k] += seg;
        this.lastInterval[k] = seg;
        // The curvature per step² from the change of slope between the last two intervals, kept
        // as the larger of the last two such changes (one alone vanishes where d″ changes sign).
        const slope = (d[k] - this.last[k]) / h;
        if (this.points > 1) {
          const bend = Math.abs(slope - this.slope[k]) / ((h + this.lastH) / 2);
          this.curvature[k] = Math.max(bend, this.lastBend[k]);
          this.lastBend[k] = bend;
        }
        this.slope[k] = slope;
      }
      this.lastH = h;
      // Every second point closes an interval of the coarse grid (from two points back).
      if (this.points % 2 === 0) {
        const H = step - this.prevStep;
        for (let k = 0; k < this.m; k++) this.coarse[k] += H === 1 ? this.prev[k] : (H * (this.prev[k] + d[k])) / 2 - (d[k] - this.prev[k]) / 2;
      }
    }
    if (this.points % 2 === 0) {
      this.prev.set(d);
      this.prevStep = step;
    }
    this.last.set(d);
    this.lastStep = step;
    this.points++;
  }

  /**
   * The predicted sum of charge k's increments from the start to `step` (at or after the last grid
   * point a): the grid's sum, plus Σ_{t=a}^{step−1} (d_a + s·(t − a)) with s the last interval's slope.
   */
  sumTo(k: number, step: number): number {
    const m = step - this.lastStep;
    if (this.points === 0 || m <= 0) return this.fine[k];
    return this.fine[k] + m * this.last[k] + (this.slope[k] * m * (m - 1)) / 2;
  }

  /**
   * The error estimate of sumTo(k, step): Richardson's estimate of the grid's quadrature error plus
   * the extrapolation's (0 on the grid).
   */
  quadratureError(k: number, step = this.lastStep): number {
    const coarseNow = this.points % 2 === 0 ? this.coarse[k] + this.lastInterval[k] : this.coarse[k];
    return Math.abs(this.fine[k] - coarseNow) / 3 + this.extrapolationError(k, step);
  }

  /**
   * The extrapolation's error m steps past the last grid point: with d = d_a + d′τ + d″τ²/2 and the
   * slope s = d′ − d″h/2 of the last interval (h steps), Σ_{τ<m} d − (m·d_a + s·m(m − 1)/2) =
   * d″·(h·m(m − 1)/4 + m(m − 1)(2m − 1)/12); d″ from the recent slope changes, doubled for safety.
   */
  extrapolationError(k: number, step: number): number {
    const m = step - this.lastStep;
    if (m <= 1) return 0;
    return 2 * this.curvature[k] * ((this.lastH * m * (m - 1)) / 4 + (m * (m - 1) * (2 * m - 1)) / 12);
  }
}

/** The next step at which to evaluate the increments: every step early, then every t/64 steps. */
export function nextGridStep(t: number): number {
  return t + Math.max(1, Math.floor(t / 64));
}
