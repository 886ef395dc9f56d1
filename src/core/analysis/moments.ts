// The gradient-noise covariance Σ(θ) = Cov_z[∇ℓ(θ; z)] at a fixed θ, as exactly as the file allows:
// - a finite data set: the exact average over its N examples;
// - a loss polynomial in the data, with independent data components of known moments (Gaussian,
//   uniform, Bernoulli, Rademacher, constant): exact, by expanding each gradient component as a
//   polynomial in the data and taking raw moments (Isserlis' theorem for the Gaussian case);
// - otherwise Monte Carlo, with standard errors.
import { hasScalarView, Model, ScalarModel } from '../lang/model';
import { gradient } from '../expr/diff';
import { expandInData, expectation, maxDegree, momentTable, mulPoly, NotPolynomial, numberRing, Poly, WorkBudget } from './polynomial';
import { Rng, STREAM_ANALYSIS } from '../util/rng';
import { GradientFn } from './gradientFn';
import { datasetRows, drawFresh } from './points';

export type CovarianceMethod = 'exact-moments' | 'dataset' | 'monte-carlo';

export interface NoiseCovariance {
  method: CovarianceMethod;
  /** Mean gradient ∇L(θ). */
  mean: number[];
  /** Per-example covariance Σ(θ), n × n. */
  cov: number[][];
  /** Monte Carlo only: Σ estimated on independent batches of examples (for standard errors). */
  batches?: { mean: number[]; cov: number[][] }[];
  samples?: number;
}

/** Scalar gradient nodes per model (their expansion in the data is what the exact Σ needs). */
const gradientNodes = new WeakMap<ScalarModel, number[]>();

export function noiseCovariance(model: Model, fn: GradientFn, theta: Float64Array, opts: { mcSamples?: number } = {}): NoiseCovariance {
  const rows = datasetRows(model);
  if (rows) return datasetCovariance(model, fn, theta, rows);
  if (hasScalarView(model)) {
    let nodes = gradientNodes.get(model);
    if (!nodes) {
      nodes = gradient(model.graph, model.loss, model.paramNodes);
      gradientNodes.set(model, nodes);
    }
    const exact = exactCovariance(model, theta, nodes);
    if (exact) return exact;
  }
  // Each sample costs O(n²): keep the Monte Carlo work near 4·10⁷ operations.
  const n = model.components.length;
  return monteCarloCovariance(model, fn, theta, opts.mcSamples ?? Math.max(2000, Math.min(40000, Math.floor(4e7 / (n * n)))));
}

function datasetCovariance(model: Model, fn: GradientFn, theta: Float64Array, rows: Float64Array): NoiseCovariance {
  const n = model.components.length;
  const dim = model.dataComponents.length;
  const N = rows.length / Math.max(1, dim);
  const acc = new Accumulator(n);
  const z = new Float64Array(dim);
  for (let r = 0; r < N; r++) {
    for (let k = 0; k < dim; k++) z[k] = rows[r * dim + k];
    fn.evaluate(theta, z, fn.out);
    acc.add(fn.out.subarray(1));
  }
  return { method: 'dataset', ...acc.result(), samples: N };
}

function monteCarloCovariance(model: Model, fn: GradientFn, theta: Float64Array, samples: number): NoiseCovariance {
  const n = model.components.length;
  const rng = new Rng(1234, 0, STREAM_ANALYSIS);
  const z = new Float64Array(model.dataComponents.length);
  const nb = 10;
  const per = Math.max(2, Math.floor(samples / nb));
  const total = new Accumulator(n);
  const batches: { mean: number[]; cov: number[][] }[] = [];
  for (let b = 0; b < nb; b++) {
    const acc = new Accumulator(n);
    for (let s = 0; s < per; s++) {
      drawFresh(model, rng, z);
      fn.evaluate(theta, z, fn.out);
      const g = fn.out.subarray(1);
      acc.add(g);
      total.add(g);
    }
    batches.push(acc.result());
  }
  return { method: 'monte-carlo', ...total.result(), batches, samples: per * nb };
}

/** Running mean and covariance (population normalisation, as Σ is a property of the distribution). */
class Accumulator {
  private count = 0;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  constructor(private readonly n: number) {
    this.s1 = new Float64Array(n);
    this.s2 = new Float64Array(n * n);
  }
  add(g: ArrayLike<number>): void {
    this.count++;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      this.s1[i] += g[i];
      const gi = g[i];
      for (let j = 0; j < n; j++) this.s2[i * n + j] += gi * g[j];
    }
  }
  result(): { mean: number[]; cov: number[][] } {
    const n = this.n;
    const c = Math.max(1, this.count);
    const mean = Array.from(this.s1, (x) => x / c);
    const cov = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => this.s2[i * n + j] / c - mean[i] * mean[j]));
    return { mean, cov };
  }
}

/** Monomial products the exact Σ may take before we use Monte Carlo instead. */
const EXACT_PAIR_WORK = 300_000;

function exactCovariance(model: ScalarModel, theta: Float64Array, gradNodes: number[]): NoiseCovariance | undefined {
  if (model.data.some((d) => !d.dists)) return undefined;
  const ring = numberRing(theta);
  let polys: Poly<number>[];
  try {
    polys = expandInData(model.graph, gradNodes, ring);
  } catch (e) {
    if (e instanceof NotPolynomial) return undefined;
    throw e;
  }
  const n = polys.length;
  // Σ needs every pairwise product: give up early (Monte Carlo) when their size is beyond budget.
  const sizes = polys.map((p) => p.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const pairWork = (total * total + sizes.reduce((a, b) => a + b * b, 0)) / 2;
  if (pairWork > EXACT_PAIR_WORK) return undefined;
  const moments = momentTable(
    model.data.flatMap((d) => d.dists ?? []),
    2 * maxDegree(polys) + 1,
  );
  const mean = polys.map((p) => expectation(ring, p, moments));
  const cov: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  try {
    const budget = new WorkBudget();
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const c = expectation(ring, mulPoly(ring, polys[i], polys[j], budget), moments) - mean[i] * mean[j];
        cov[i][j] = c;
        cov[j][i] = c;
      }
    }
  } catch (e) {
    if (e instanceof NotPolynomial) return undefined;
    throw e;
  }
  return { method: 'exact-moments', mean, cov };
}
