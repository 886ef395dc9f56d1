// The stationary law of SGD near an isolated minimum θ* (THEORY.md §5), in discrete time: with
// H = ∇²L(θ*) and the minibatch noise κΣ(θ), the fluctuations δ = θ − θ* have the covariance P that
// solves
//     P = (I − ηH) P (I − ηH) + η² κ E[Σ(θ* + δ)],   E[Σ(θ* + δ)] = Σ(θ*) + ½ ∇²Σ[P] + …,
// which for linear regression (Σ quadratic in θ) is exact and is §5's formula, multiplicative noise
// included. ½∇²Σ[P] is taken along P's eigenvectors by second differences of the exact Σ, and the
// equation is iterated to its fixed point. Only where the minimum is isolated (H positive definite:
// no symmetry orbit through it), γ = 0, plain SGD, and Σ is exact (a closed form or a finite data
// set); elsewhere the panel labels a Gaussian fit.
import { Model, TrainSpec } from '../lang/model';
import type { GradientFn } from './gradientFn';
import { noiseCovariance } from './moments';
import { expectedGradient } from './expectedLoss';
import { contractSecondDerivative, curvatureAt, lyapunov } from './fluctuations';
import type { Prediction } from './predictions';
import type { StationaryTheory } from '../numeric/types';

const MAX_COMPONENTS = 64;

export function stationaryTheory(model: Model, fn: GradientFn, spec: TrainSpec, kappa: number, prediction: Prediction): StationaryTheory | undefined {
  const n = model.components.length;
  if (spec.optimizer !== 'sgd' || spec.weightDecay !== 0 || spec.warmup > 0 || !(kappa > 0) || n === 0 || n > MAX_COMPONENTS) return undefined;
  const names = model.components;
  const pointRec = prediction.endPoint ?? (prediction.minimum.converged ? prediction.minimum.point : null);
  if (!pointRec) return undefined;
  const theta = Float64Array.from(names, (c) => pointRec[c]);
  const eg = expectedGradient(model);
  if (eg.method === 'sample') return undefined;
  const c = curvatureAt(eg, theta);
  if (!c || c.normal.some((x) => !x)) return undefined; // not isolated: a flat direction
  const sigmaAt = (x: Float64Array) => {
    const s = noiseCovariance(model, fn, x);
    return s.method === 'monte-carlo' ? undefined : s.cov;
  };
  const sigma0 = sigmaAt(theta);
  if (!sigma0) return undefined;
  const eta = spec.lr;
  // Stability of the mean dynamics: |1 − ηλ| < 1 for every curvature.
  if (c.lambda.some((l) => Math.abs(1 - eta * l) >= 1)) return undefined;
  const kernel = (li: number, lj: number) => (eta * eta * kappa) / (1 - (1 - eta * li) * (1 - eta * lj));
  let P = lyapunov(c, sigma0, kernel);
  for (let it = 0; it < 40; it++) {
    if (!P.to1DArray().every(Number.isFinite) || P.norm('frobenius') > 1e12) return undefined; // the fluctuations diverge
    // E[Σ(θ* + δ)] to second order: Σ + ½∇²Σ[P] (exact when Σ is quadratic in θ), entry by entry.
    let bad = false;
    const curv = contractSecondDerivative(
      (x) => {
        const s = sigmaAt(x);
        if (!s) bad = true;
        return (s ?? sigma0).flat();
      },
      theta,
      P,
    );
    if (bad) return undefined;
    const noise = sigma0.map((row, i) => row.map((v, j) => v + 0.5 * curv[i * n + j]));
    const next = lyapunov(c, noise, kernel);
    const change = next.clone().sub(P).norm('frobenius');
    P = next;
    if (change <= 1e-13 * P.norm('frobenius')) break;
  }
  const cov = P.to2DArray();
  return {
    source: 'discrete-time SGD linearised at the minimum, P = (I − ηH)P(I − ηH) + η²κ E[Σ] (THEORY.md §5; exact for linear regression)',
    mean: Object.fromEntries(names.map((c, i) => [c, theta[i]])),
    var: Object.fromEntries(names.map((c, i) => [c, cov[i][i]])),
    cov,
  };
}
