// The charge at each symmetry's noise equilibrium for one run's η, B, γ (THEORY.md §4), on the
// orbit of chain 0's initial point: what the charges of that run should settle to.
import { Model, TrainSpec } from '../lang/model';
import { gradient } from '../expr/diff';
import { gradientFunction } from '../analysis/symmetries';
import { noiseCovariance } from '../analysis/moments';
import { equilibriumOnOrbit } from '../analysis/equilibrium';
import { KernelSymmetry } from './kernel';

/** The charge at the noise equilibrium for this run's η, B, γ (null when there is none). */
export function predictedEquilibria(model: Model, symmetries: KernelSymmetry[], spec: TrainSpec, kappa: number | null, theta0: Float64Array): (number | null)[] {
  if (!symmetries.some((s) => s.matrix)) return symmetries.map(() => null);
  const fn = gradientFunction(model);
  const noise = noiseCovariance(model, fn, theta0, gradient(model.graph, model.loss, model.paramNodes));
  return symmetries.map((s) => {
    if (!s.matrix) return null;
    const eq = equilibriumOnOrbit(s.matrix, theta0, noise.cov, spec.lr, kappa ?? 1 / spec.batch, spec.weightDecay);
    return eq.kind === 'root' ? eq.chargeEquilibrium : null;
  });
}
