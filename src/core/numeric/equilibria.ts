// The charge at each symmetry's noise equilibrium for one run's η, B, γ (THEORY.md §4), on the
// orbit of chain 0's initial point: what the charges of that run should settle to.
import { Model, TrainSpec } from '../lang/model';
import { gradient } from '../expr/diff';
import { gradientFunction } from '../analysis/symmetries';
import { noiseCovariance } from '../analysis/moments';
import { orbitPoint, orbitTerms, solveEquilibrium } from '../analysis/equilibrium';
import { KernelSymmetry } from './kernel';

/** The charge at the noise equilibrium for this run's η, B, γ (null when there is none). */
export function predictedEquilibria(model: Model, symmetries: KernelSymmetry[], spec: TrainSpec, kappa: number | null, theta0: Float64Array): (number | null)[] {
  if (!symmetries.some((s) => s.matrix)) return symmetries.map(() => null);
  const fn = gradientFunction(model);
  const noise = noiseCovariance(model, fn, theta0, gradient(model.graph, model.loss, model.paramNodes));
  return symmetries.map((s) => {
    if (!s.matrix) return null;
    const terms = orbitTerms(s.matrix, theta0, noise.cov);
    const sol = solveEquilibrium(terms, spec.lr, kappa ?? 1 / spec.batch, spec.weightDecay);
    if (sol.kind !== 'root') return null;
    const p = orbitPoint(terms, theta0, sol.lambda);
    let c = 0;
    let scale = 0;
    for (let i = 0; i < p.length; i++) {
      for (let j = 0; j < p.length; j++) {
        c += p[i] * s.matrix[i][j] * p[j];
        scale += Math.abs(p[i] * s.matrix[i][j] * p[j]);
      }
    }
    return Math.abs(c) <= 1e-12 * scale ? 0 : c; // rounding level of its terms: exactly balanced
  });
}

