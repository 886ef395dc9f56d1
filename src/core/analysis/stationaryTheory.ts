// The stationary law of SGD near an isolated minimum θ* (THEORY.md §5), in discrete time: with
// H = ∇²L(θ*) and the minibatch noise κΣ(θ), the fluctuations δ = θ − θ* have the covariance P that
// solves
//     P = (I − ηH) P (I − ηH) + η² κ E[Σ(θ* + δ)],   E[Σ(θ* + δ)] = Σ(θ*) + ½ ∇²Σ[P] + …,
// which for linear regression (Σ quadratic in θ) is exact and is §5's formula, multiplicative noise
// included. ½∇²Σ[P] is taken along P's eigenvectors v_m (eigenvalues p_m) by the exact second
// differences Σ(θ* ± √p_m v_m) − 2Σ(θ*), and the equation is iterated to its fixed point. Only
// where the minimum is isolated (H positive definite: no symmetry orbit through it), γ = 0, plain
// SGD, and Σ is exact (a closed form or a finite data set); elsewhere the panel labels a Gaussian fit.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Model, TrainSpec } from '../lang/model';
import { gradient } from '../expr/diff';
import { GradientFn } from './symmetries';
import { noiseCovariance } from './moments';
import { expectedGradient } from './expectedLoss';
import { hessianByDifferences } from './gradientFlow';
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
  const H = hessianByDifferences(eg, theta);
  const eig = new EigenvalueDecomposition(new Matrix(H), { assumeSymmetric: true });
  const lam = eig.realEigenvalues;
  const lmax = Math.max(...lam);
  if (!(lmax > 0) || Math.min(...lam) <= 1e-6 * lmax) return undefined; // not isolated: a flat direction
  const Q = eig.eigenvectorMatrix;
  const gradNodes = gradient(model.graph, model.loss, model.paramNodes);
  const sigmaAt = (x: Float64Array) => {
    const s = noiseCovariance(model, fn, x, gradNodes);
    return s.method === 'monte-carlo' ? undefined : new Matrix(s.cov);
  };
  const sigma0 = sigmaAt(theta);
  if (!sigma0) return undefined;
  const eta = spec.lr;
  // Stability of the mean dynamics: |1 − ηλ| < 1 for every curvature.
  if (lam.some((l) => Math.abs(1 - eta * l) >= 1)) return undefined;
  let noise = sigma0;
  let P = new Matrix(n, n);
  for (let it = 0; it < 40; it++) {
    // Lyapunov solve in H's eigenbasis: P̃_ij = η²κ Σ̃_ij / (1 − (1 − ηλ_i)(1 − ηλ_j)).
    const St = Q.transpose().mmul(noise).mmul(Q);
    const Pt = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Pt.set(i, j, (eta * eta * kappa * St.get(i, j)) / (1 - (1 - eta * lam[i]) * (1 - eta * lam[j])));
    const next = Q.mmul(Pt).mmul(Q.transpose());
    const change = next.clone().sub(P).norm('frobenius');
    P = next;
    if (!P.to1DArray().every(Number.isFinite) || P.norm('frobenius') > 1e12) return undefined; // the fluctuations diverge
    if (change <= 1e-13 * P.norm('frobenius')) break;
    // E[Σ(θ* + δ)] to second order along P's eigenvectors (exact when Σ is quadratic in θ).
    const pe = new EigenvalueDecomposition(P.clone().add(P.transpose()).mul(0.5), { assumeSymmetric: true });
    let corr = new Matrix(n, n);
    let ok = true;
    pe.realEigenvalues.forEach((p, m) => {
      if (!ok || !(p > 0)) return;
      const v = pe.eigenvectorMatrix.getColumn(m);
      const a = Math.sqrt(p);
      const plus = sigmaAt(Float64Array.from(theta, (x, i) => x + a * v[i]));
      const minus = sigmaAt(Float64Array.from(theta, (x, i) => x - a * v[i]));
      if (!plus || !minus) {
        ok = false;
        return;
      }
      corr = corr.add(plus.add(minus).sub(sigma0.clone().mul(2)).mul(0.5));
    });
    if (!ok) return undefined;
    noise = sigma0.clone().add(corr);
  }
  const cov = P.to2DArray();
  return {
    source: 'discrete-time SGD linearised at the minimum, P = (I − ηH)P(I − ηH) + η²κ E[Σ] (THEORY.md §5; exact for linear regression)',
    mean: Object.fromEntries(names.map((c, i) => [c, theta[i]])),
    var: Object.fromEntries(names.map((c, i) => [c, cov[i][i]])),
    cov,
  };
}
