// The expected loss L(θ) = E_z ℓ(θ; z) and its gradient, as exactly as the file allows: a closed
// form where the loss is polynomial in data with known moments (expectation.ts), the exact average
// over a finite data set, else the average over a fixed seeded sample of examples (an estimate,
// the same at every call so that flows and solves are deterministic).
import { hasScalarView, Model } from '../lang/model';
import { gradient } from '../expr/diff';
import { compileAveragedEvaluator, compileEvaluator } from '../expr/codegen';
import { compileLossGradient, gradientTensors } from '../tensor/evaluate';
import { dataDegree } from '../tensor/degree';
import { ComponentDist } from '../lang/distributions';
import { expectedNodes } from './expectation';
import { datasetRows, drawExample } from './points';
import { Rng, STREAM_ANALYSIS } from '../util/rng';

export type ExpectationMethod = 'exact' | 'dataset' | 'sample';

export interface ExpectedGradient {
  method: ExpectationMethod;
  /** Examples averaged per evaluation (dataset or sample). */
  examples?: number;
  /** Writes ∇L(θ) into `grad` and returns L(θ). */
  evaluate(theta: ArrayLike<number>, grad: Float64Array): number;
}

/** Largest finite data set averaged whole; beyond it a fixed sample of its rows is used. */
const DATASET_WHOLE_MAX = 4096;
/** Straight-line code from the scalar view up to this many components; loops beyond. */
const STRAIGHT_LINE_MAX_COMPONENTS = 64;

export function expectedGradient(model: Model, sampleSize = 2048, seed = 4242): ExpectedGradient {
  const n = model.components.length;
  const dim = model.dataComponents.length;
  const rows = datasetRows(model);
  const view = hasScalarView(model) ? model : undefined;
  const exactGrads = view && !rows ? gradient(view.graph, view.loss, view.paramNodes) : [];
  const exact = view && !rows ? expectedNodes(view, [view.loss, ...exactGrads]) : undefined;
  if (view && exact) {
    const ev = compileEvaluator(view.graph, exact);
    const out = new Float64Array(1 + n);
    const none = new Float64Array(0);
    return {
      method: 'exact',
      evaluate: (theta, grad) => {
        ev(theta, none, out);
        for (let i = 0; i < n; i++) grad[i] = out[1 + i];
        return out[0];
      },
    };
  }
  let sample: Float64Array;
  let count: number;
  let method: ExpectationMethod;
  const cubature = rows ? undefined : cubaturePoints(model);
  if (cubature) {
    sample = cubature;
    count = 2 * dim;
    method = 'exact';
  } else if (rows && rows.length / Math.max(1, dim) <= DATASET_WHOLE_MAX) {
    sample = rows;
    count = rows.length / Math.max(1, dim);
    method = 'dataset';
  } else {
    count = sampleSize;
    sample = new Float64Array(count * dim);
    const rng = new Rng(seed, 0, STREAM_ANALYSIS);
    const z = new Float64Array(dim);
    for (let e = 0; e < count; e++) {
      drawExample(model, rng, z, rows);
      sample.set(z, e * dim);
    }
    method = 'sample';
  }
  const out = new Float64Array(1 + n);
  const scalar = view && n <= STRAIGHT_LINE_MAX_COMPONENTS ? view : undefined;
  if (scalar) {
    const grads = gradient(scalar.graph, scalar.loss, scalar.paramNodes);
    const ev = compileAveragedEvaluator(scalar.graph, [scalar.loss, ...grads], dim);
    return {
      method,
      examples: count,
      evaluate: (theta, grad) => {
        ev(theta, sample, count, out);
        for (let i = 0; i < n; i++) grad[i] = out[1 + i];
        return out[0];
      },
    };
  }
  // Large models: the tensor evaluator, one example at a time.
  const ev = compileLossGradient(model);
  return {
    method,
    examples: count,
    evaluate: (theta, grad) => {
      grad.fill(0);
      let loss = 0;
      for (let e = 0; e < count; e++) {
        ev(theta, sample.subarray(e * dim, (e + 1) * dim), out);
        loss += out[0];
        for (let i = 0; i < n; i++) grad[i] += out[1 + i];
      }
      for (let i = 0; i < n; i++) grad[i] /= count;
      return loss / count;
    },
  };
}

/**
 * Where the loss and its gradient are polynomials of degree ≤ 3 in data whose components are drawn
 * independently (degree ≤ 2: any distribution; degree 3: each symmetric about its mean), the
 * expectation is exactly the average over the 2d points z = μ ± √d·σ_k e_k: the rule has the
 * data's means, variances, zero covariances and zero third central moments. Returns the points
 * (d per row), or undefined when the rule would not be exact.
 */
export function cubaturePoints(model: Model): Float64Array | undefined {
  const dim = model.dataComponents.length;
  if (dim === 0 || model.data.some((d) => !d.dists)) return undefined;
  const degree = dataDegree(model.tgraph, [model.tloss, ...gradientTensors(model)]);
  if (degree > 3) return undefined;
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (const d of model.data) {
    const dists = d.dists as ComponentDist[];
    for (let k = 0; k < dists.length; k++) {
      const m = moments(dists[k]);
      if (degree === 3 && !m.symmetric) return undefined;
      mean[d.offset + k] = m.mean;
      std[d.offset + k] = m.std;
    }
  }
  const points = new Float64Array(2 * dim * dim);
  const r = Math.sqrt(dim);
  for (let k = 0; k < dim; k++)
    for (const [p, sign] of [
      [2 * k, 1],
      [2 * k + 1, -1],
    ]) {
      points.set(mean, p * dim);
      points[p * dim + k] += sign * r * std[k];
    }
  return points;
}

// Written out rather than derived from rawMoments: m2 − m1² cancels when |mean| ≫ std.
function moments(d: ComponentDist): { mean: number; std: number; symmetric: boolean } {
  switch (d.kind) {
    case 'normal':
      return { mean: d.mean, std: d.std, symmetric: true };
    case 'uniform':
      return { mean: (d.lo + d.hi) / 2, std: (d.hi - d.lo) / Math.sqrt(12), symmetric: true };
    case 'bernoulli':
      return { mean: d.p, std: Math.sqrt(d.p * (1 - d.p)), symmetric: d.p === 0.5 };
    case 'rademacher':
      return { mean: 0, std: 1, symmetric: true };
    case 'const':
      return { mean: d.value, std: 0, symmetric: true };
  }
}
