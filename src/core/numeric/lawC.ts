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
import { evalForm, isQuadratic, sparseForm } from '../analysis/forms';
import { fixedExamples } from './probes';
import { gradientFunction } from '../analysis/gradientFn';

/** Without a closed form, each evaluation averages over this many fixed examples. */
const MC_DRIFT_SAMPLES = 32;
/** A finite data set up to this size is averaged whole (then the law is exact). */
const DATASET_WHOLE_MAX = 256;

export interface LawCPredictor {
  /** True when the expectations are exact (closed form or the whole finite data set). */
  exact: boolean;
  /**
   * Expected change of each charge over one step from θ at learning rate `lr` (law (D) in
   * expectation), written into `out`; `drift` receives law (C)'s dC/dt (per unit t = η·steps).
   */
  increments(theta: Float64Array, lr: number, out: Float64Array, drift: Float64Array): void;
}

export const LAW_C_DESCRIPTION =
  'law (C) summed step by step along every chain: C(θ₀) + Σ_t E[C_{t+1} − C_t | θ_t], with E[ΔC | θ] = ((1 − ηγ)² − 1)C + η²(κ tr(AΣ) + ∇LᵀA∇L) ' +
  '(the continuous-time law dC/dt = −2γC + η tr(AΣ_B) + η∇LᵀA∇L plus its η²γ²C term): exact in expectation at every order of η. ' +
  'Evaluated at every step early on and then at least every 1/64 of the elapsed steps, summed by the trapezoid rule with its endpoint correction.';

export function lawCPredictor(model: Model, syms: KernelSymmetry[], spec: TrainSpec, kappa: number, rows?: Float64Array): LawCPredictor {
  const n = model.components.length;
  const forms = syms.map(sparseForm);
  const quadratic = syms.map(isQuadratic);
  const gamma = spec.weightDecay;
  const finish = (th: Float64Array, lr: number, meanG: ArrayLike<number>, meanQ: ArrayLike<number>, out: Float64Array, drift: Float64Array) => {
    for (let k = 0; k < syms.length; k++) {
      const c = evalForm(forms[k], th);
      if (!quadratic[k]) {
        out[k] = -lr * gamma * c;
        drift[k] = -gamma * c;
        continue;
      }
      const gAg = evalForm(forms[k], meanG);
      const noise = kappa * (meanQ[k] - gAg) + gAg; // κ tr(AΣ) + ∇LᵀA∇L, since E[gᵀAg] = tr(AΣ) + ∇LᵀA∇L
      const f = 1 - lr * gamma;
      out[k] = (f * f - 1) * c + lr * lr * noise;
      drift[k] = -2 * gamma * c + lr * noise;
    }
  };
  // Exact: E[∇ℓ] and E[∇ℓᵀA∇ℓ] as closed forms in θ (small models, polynomial in the data).
  if (hasScalarView(model) && !rows && syms.every((s) => s.matrix || s.direction)) {
    const g = model.graph;
    const grads = gradient(g, model.loss, model.paramNodes);
    const qNodes = syms.map((s) => {
      if (!s.matrix) return g.constant(0);
      let acc = g.constant(0);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) if (s.matrix[i][j] !== 0) acc = g.add(acc, g.mul(g.constant(s.matrix[i][j]), g.mul(grads[i], grads[j])));
      return acc;
    });
    const exact = expectedNodes(model, [...grads, ...qNodes]);
    if (exact) {
      const ev = compileEvaluator(g, exact);
      const buf = new Float64Array(exact.length);
      const none = new Float64Array(0);
      return {
        exact: true,
        increments: (th, lr, out, drift) => {
          ev(th, none, buf);
          finish(th, lr, buf.subarray(0, n), buf.subarray(n), out, drift);
        },
      };
    }
  }
  // Otherwise the average over fixed examples (the whole data set when it is small): per-example
  // gradients, and each q_k = ∇ℓᵀA_k∇ℓ from its sparse form.
  const dim = model.dataComponents.length;
  const { sample, count } = fixedExamples(model, MC_DRIFT_SAMPLES, 99, rows, DATASET_WHOLE_MAX);
  const fn = gradientFunction(model);
  const meanG = new Float64Array(n);
  const meanQ = new Float64Array(syms.length);
  return {
    exact: rows !== undefined && count === rows.length / Math.max(1, dim),
    increments: (th, lr, out, drift) => {
      meanG.fill(0);
      meanQ.fill(0);
      for (let e = 0; e < count; e++) {
        fn.evaluate(th, sample.subarray(e * dim, (e + 1) * dim), fn.out);
        const gr = fn.out.subarray(1);
        for (let i = 0; i < n; i++) meanG[i] += gr[i] / count;
        for (let k = 0; k < syms.length; k++) if (quadratic[k]) meanQ[k] += evalForm(forms[k], gr) / count;
      }
      finish(th, lr, meanG, meanQ, out, drift);
    },
  };
}

/**
 * Per-chain running sum of the expected increments on a grid of steps t_0 < t_1 < …: every step
 * is exact (Σ over a unit interval is its left value), a longer interval h uses the trapezoid rule
 * with the Euler–Maclaurin endpoint term, Σ_{t=a}^{b−1} d_t ≈ h(d_a + d_b)/2 − (d_b − d_a)/2, exact
 * for d linear in t. A second sum over every other grid point gives Richardson's estimate of the
 * quadrature error, |fine − coarse|/3.
 */
export class LawCAccumulator {
  readonly fine: Float64Array;
  private readonly coarse: Float64Array;
  /** Increments at the last grid point and the one before it. */
  private readonly last: Float64Array;
  private readonly prev: Float64Array;
  private lastStep = 0;
  private prevStep = 0;
  private points = 0;
  /** The fine sum's last interval, to close the coarse sum at an odd grid point. */
  private readonly lastInterval: Float64Array;

  constructor(private readonly m: number) {
    this.fine = new Float64Array(m);
    this.coarse = new Float64Array(m);
    this.last = new Float64Array(m);
    this.prev = new Float64Array(m);
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
      }
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

  /** Richardson's estimate of the quadrature error of `fine`, per charge. */
  quadratureError(k: number): number {
    const coarseNow = this.points % 2 === 0 ? this.coarse[k] + this.lastInterval[k] : this.coarse[k];
    return Math.abs(this.fine[k] - coarseNow) / 3;
  }
}

/** The next step at which to evaluate the increments: every step early, then every t/64 steps. */
export function nextGridStep(t: number): number {
  return t + Math.max(1, Math.floor(t / 64));
}
