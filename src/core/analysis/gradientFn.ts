// The per-example loss and gradient at (θ, z) as one compiled function: straight-line code from the
// scalar view for small models (fastest there), loops over the tensor graph otherwise.
import { hasScalarView, Model } from '../lang/model';
import { compileEvaluator, Evaluator } from '../expr/codegen';
import { gradient } from '../expr/diff';
import { compileLossGradient } from '../tensor/evaluate';

export interface GradientFn {
  evaluate: Evaluator;
  /** out[0] = loss, out[1..n] = gradient. */
  out: Float64Array;
}

/** Straight-line code stays fast (and small) up to about this many components. */
const STRAIGHT_LINE_MAX_COMPONENTS = 64;

export function gradientFunction(model: Model): GradientFn {
  const n = model.components.length;
  if (hasScalarView(model) && n <= STRAIGHT_LINE_MAX_COMPONENTS) {
    const grads = gradient(model.graph, model.loss, model.paramNodes);
    return { evaluate: compileEvaluator(model.graph, [model.loss, ...grads]), out: new Float64Array(1 + n) };
  }
  return { evaluate: compileLossGradient(model), out: new Float64Array(1 + n) };
}
