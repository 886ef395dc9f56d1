// The expected loss L(θ) = E_z ℓ(θ; z) and its gradient, as exactly as the file allows: a closed
// form where the loss is polynomial in data with known moments (expectation.ts), the exact average
// over a finite data set, else the average over a fixed seeded sample of examples (an estimate,
// the same at every call so that flows and solves are deterministic).
import { hasScalarView, Model } from '../lang/model';
import { gradient } from '../expr/diff';
import { compileAveragedEvaluator, compileEvaluator } from '../expr/codegen';
import { compileLossGradient } from '../tensor/evaluate';
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
