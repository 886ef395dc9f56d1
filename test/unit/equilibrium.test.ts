// Noise equilibria and the exact noise covariance.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { readExample } from './helpers';

test('scalar two-layer net: the equilibrium is u² = w² with u·w kept', () => {
  const r = analyzeSource(readExample('two-layer-scalar.loss'));
  const e = r.symmetries[0].equilibrium!;
  assert.ok(e);
  assert.equal(r.noise?.method, 'exact-moments');
  const { u, w } = e.point;
  assert.ok(Math.abs(u * u - w * w) < 1e-12, `u² − w² = ${u * u - w * w}`);
  assert.ok(Math.abs(u * w - 1.5 * 0.2) < 1e-12);
  // Closed form: λ* = ¼ log(Σ_uu / Σ_ww) = ¼ log(w² / u²) at the start, since Σ_uu ∝ w², Σ_ww ∝ u².
  assert.ok(Math.abs(e.lambda - 0.25 * Math.log((0.2 * 0.2) / (1.5 * 1.5))) < 1e-12);
});

test('scale invariance: no equilibrium without weight decay, one with it', () => {
  const src = readExample('scale-invariant.loss');
  const r = analyzeSource(src);
  assert.equal(r.symmetries[0].equilibrium, null);
  assert.match(r.symmetries[0].equilibriumNote ?? '', /no equilibrium/);
  const withDecay = analyzeSource(src.replace(/^train sgd\(lr = 0.05, batch = 1, steps = 20000, chains = 16, seed = 5\)\n/m, ''));
  const e = withDecay.symmetries[0].equilibrium!;
  assert.ok(e, 'weight decay gives an equilibrium');
  // At the root 2γ‖w‖² = η tr Σ_B(θ*); tr Σ on the orbit scales as e^{-2λ}.
  assert.ok(e.chargeEquilibrium > 0);
});

test('a loss that is not polynomial in the data uses Monte Carlo with a standard error', () => {
  const src = 'param u = 1.2\nparam w = 0.4\ndata x ~ normal(0,1)\nloss = log(1 + exp(-u*w*x))\ntrain sgd(lr = 0.1)\n';
  const r = analyzeSource(src);
  assert.equal(r.noise?.method, 'monte-carlo');
  const e = r.symmetries[0].equilibrium!;
  assert.ok(e.lambdaStdErr !== undefined && e.lambdaStdErr > 0 && e.lambdaStdErr < 0.05, `se ${e.lambdaStdErr}`);
  // Σ_uu/Σ_ww = w²/u² here too, so λ* = ¼ log(w²/u²) exactly; the estimate must be within 4 SE.
  const exact = 0.25 * Math.log((0.4 * 0.4) / (1.2 * 1.2));
  assert.ok(Math.abs(e.lambda - exact) < 4 * e.lambdaStdErr! + 1e-9, `${e.lambda} vs ${exact} ± ${e.lambdaStdErr}`);
});

test('a finite data set uses the exact average over it', () => {
  const r = analyzeSource(readExample('finite-dataset.loss'));
  assert.equal(r.noise?.method, 'dataset');
  assert.equal(r.noise?.samples, 64);
  const { u, w } = r.symmetries[0].equilibrium!.point;
  assert.ok(Math.abs(u * u - w * w) < 1e-12);
});

test('anisotropic two-layer net: the equilibrium is not norm balance', () => {
  const r = analyzeSource(readExample('anisotropic-two-layer.loss'));
  assert.equal(r.symmetries.length, 3);
  for (const s of r.symmetries) assert.ok(s.equilibrium, `${s.kind} has an equilibrium`);
});

test('a file with more components than the analysis handles gets a warning, not an out-of-memory', () => {
  const src = 'param w[30, 20] ~ normal(0, 1)\ndata x[20] ~ normal(0, 1)\nloss = norm2(w @ x) / 2\n';
  const started = Date.now();
  const r = analyzeSource(src);
  assert.ok(Date.now() - started < 5000);
  assert.equal(r.components.length, 600);
  assert.deepEqual(r.symmetries, []);
  assert.ok(r.diagnostics.some((d) => d.severity === 'warning' && /limited to 400 parameter components/.test(d.message)));
});
