// The expected loss L(θ) = E_z ℓ(θ; z) and its gradient, as exactly as the file allows: a closed
// form where the loss is polynomial in data with known moments (expectation.ts), the exact average
// over a finite data set, else the average over a fixed seeded sample of examples (an estimate,
// the same at every call so that flows and solves are deterministic).
import { Model } from '../lang/model';
import { gradient } from '../expr/diff';
import { compileAveragedEvaluator, compileEvaluator } from '../expr/codegen';
import { expectedNodes } from './expectation';
import { datasetRows, drawExample } from './points';
import { Rng, STREAM_ANALYSIS } from '../numeric/rng';

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

export function expectedGradient(model: Model, sampleSize = 2048, seed = 4242): ExpectedGradient {
  const g = model.graph;
  const n = model.components.length;
  const dim = model.dataComponents.length;
  const grads = gradient(g, model.loss, model.paramNodes);
  const rows = datasetRows(model);
  const exact = rows ? undefined : expectedNodes(model, [model.loss, ...grads]);
  if (exact) {
    const ev = compileEvaluator(g, exact);
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
  const ev = compileAveragedEvaluator(g, [model.loss, ...grads], dim);
  const out = new Float64Array(1 + n);
  let sample: Float64Array;
  let count: number;
  let method: ExpectationMethod;
  if (rows && rows.length / Math.max(1, dim) <= DATASET_WHOLE_MAX) {
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
