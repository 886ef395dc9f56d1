// Compiled evaluators of a model's tensor graph: the loss and its gradient at (θ, z), averaged
// over a set of examples, and Hessian-vector products. They work at any size (loops, not
// straight-line code) and lay their outputs out like the flattened parameter vector.
import type { Model } from '../lang/model';
import { tensorGradient } from './diff';
import { compileTensorEvaluator, Layout, TensorEvaluator } from './compile';

export function layoutOf(model: Model): Layout {
  return { paramOffset: model.params.map((p) => p.offset), dataOffset: model.data.map((d) => d.offset) };
}

/** Tensor nodes of the per-example gradient, one per parameter tensor (declaration order). */
export function gradientTensors(model: Model): number[] {
  return tensorGradient(model.tgraph, model.tloss, model.paramTensors);
}

/** out[0] = ℓ(θ; z), out[1..n] = ∇ℓ(θ; z) flattened like θ. */
export function compileLossGradient(model: Model): TensorEvaluator {
  return compileTensorEvaluator(model.tgraph, [model.tloss, ...gradientTensors(model)], layoutOf(model)).evaluate;
}
