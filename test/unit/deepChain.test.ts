// The stationary law of deep scalar chains (paper (a), Theorem 4.2; PAPERS.md §2.4–2.8): the
// quadrature against the tabulated moments, quantiles and maximisers, the detection of the form in a
// file (the ½ convention folded into the moments), and discrete SGD against it, extrapolated to η → 0
// at fixed temperature T = η/B from two learning rates (the O(η) bias removed, SEs propagated).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { densityOf, deepChainLaw } from '../../src/core/analysis/deepChainLaw';
import { pooledQuantiles, simulateSource } from '../../src/core/numeric/runner';
import { isSimulationResult } from '../../src/shared/protocol';
import { modelOf, ROOT } from './helpers';

test('D = 1 quadrature reproduces the tabulated quantiles, means and maximisers (α = (2, 2, 3), β = (1, 1))', () => {
  const table: [number, number[], number, number | null][] = [
    [0.05, [0.5476, 0.7174, 0.9107, 1.1184, 1.3388], 0.93763, 0.88641],
    [0.1, [0.2981, 0.5325, 0.8061, 1.0856, 1.3803], 0.84493, 0.80321],
    [0.2, [0.0071, 0.0991, 0.4713, 0.8991, 1.2738], 0.58089, 0.57143],
    [0.25, [], 0.40371, null],
  ];
  for (const [T, q, mean, mode] of table) {
    const r = densityOf([2, 2, 3], [1, 1], T, 1);
    assert.equal(r.collapsed, false);
    q.forEach((x, i) => assert.ok(Math.abs(r.quantiles[i] - x) <= 1.5e-4, `T=${T} q${i}: ${r.quantiles[i]} vs ${x}`));
    assert.ok(Math.abs(r.mean - mean) <= 1e-4, `T=${T} mean ${r.mean} vs ${mean}`);
    if (mode === null) assert.equal(r.mode, null);
    else assert.ok(Math.abs((r.mode as number) - mode) <= 1e-4, `T=${T} mode ${r.mode} vs ${mode}`);
    assert.ok(Math.abs((r.tc as number) - 1 / 3) < 1e-15);
  }
  assert.equal(densityOf([2, 2, 3], [1, 1], 0.34, 1).collapsed, true, 'collapse above T_c = 1/3');
  // D ≥ 2: normalisable at every T, no sharp transition; E[x̃ỹ] < 0 mirrors the law to v < 0.
  const deep = densityOf([2, 2, 3], [1, 1], 0.5, 2);
  assert.equal(deep.collapsed, false);
  assert.equal(deep.tc, null);
  const neg = densityOf([2, -2, 3], [1, -1], 0.05, 1);
  assert.ok(Math.abs(neg.quantiles[0] + 1.3388) < 1.5e-4 && Math.abs(neg.quantiles[4] + 0.5476) < 1.5e-4);
});

test("a file's deep chain is detected from the loss itself, with the ½ folded into the moments; other forms are not", () => {
  const src = fs.readFileSync(path.join(ROOT, 'experiments', 'deep-diagonal-2.loss'), 'utf8');
  const m = modelOf(src);
  const law = deepChainLaw(m, m.trains[0]);
  assert.ok(law && 'density' in law, JSON.stringify(law));
  // y = 0.2x + ε, ε ~ N(0, 2²), ℓ = (vx − y)²/2: T_c = 2·E[xy]/Var[xy] = 2·0.2/4.08 in units of η/B.
  assert.ok(Math.abs((law.tc as number) - 0.4 / 4.08) < 1e-12, `tc ${law.tc}`);
  assert.equal(law.moments, 'exact-moments');
  assert.equal(law.variable, 'u1·u2');
  const three = modelOf(
    'param a = 1\nparam b = 1\nparam c = 1\ndata x ~ normal(0, 1)\ndata e ~ normal(0, 1)\nloss = (a*b*c*x - (x + e))^2\ntrain sgd(lr = 0.01, batch = 1, steps = 10, chains = 1)\n',
  );
  const l3 = deepChainLaw(three, three.trains[0]);
  assert.ok(l3 && 'density' in l3 && l3.depth === 2 && l3.tc === null);
  for (const other of [
    'param u = 1\nparam w = 1\ndata x ~ normal(0, 1)\nloss = (u*w*x - x)^2 + 0.1*u^2\ntrain sgd(lr = 0.01, batch = 1, steps = 10, chains = 1)\n',
    'param u = 1\nparam w = 1\ndata x ~ normal(0, 1)\nloss = tanh(u*w*x) - x\ntrain sgd(lr = 0.01, batch = 1, steps = 10, chains = 1)\n',
  ]) {
    const mo = modelOf(other);
    assert.equal(deepChainLaw(mo, mo.trains[0]), undefined, other);
  }
});

test('SGD on u·w: measured quantiles of v, extrapolated to η → 0 at T = 0.002, agree with the law within 5 SE', async () => {
  const file = (lr: number, batch: number) =>
    `param u = 1\nparam w = 1\ndata x ~ normal(0, 1)\ndata eps ~ normal(0, 1)\nloss = (u*w*x - (x + eps))^2\ntrain sgd(lr = ${lr}, batch = ${batch}, steps = 30000, chains = 48, seed = 9)\n`;
  const [small, large] = await Promise.all([simulateSource(file(0.002, 1), { workers: 1 }), simulateSource(file(0.01, 5), { workers: 1 })]);
  assert.ok(isSimulationResult(JSON.parse(JSON.stringify(small))), 'the result, with its product law, passes the protocol');
  const a = small.runs[0].stationary;
  const b = large.runs[0].stationary;
  assert.ok(a.theory?.quantiles && a.product && b.product);
  assert.ok(Math.abs((a.theory.temperature as number) - 0.002) < 1e-15);
  a.theory.quantiles.forEach((q, i) => {
    // q(η) ≈ q₀ + cη: from η₁ = 0.002 and η₂ = 0.01, q₀ = (5q(η₁) − q(η₂))/4.
    const q1 = a.product!.quantiles[i];
    const q2 = b.product!.quantiles[i];
    const q0 = (5 * q1 - q2) / 4;
    const se = Math.hypot(5 * a.product!.quantileStdErr[i], b.product!.quantileStdErr[i]) / 4;
    assert.ok(Math.abs(q0 - q) <= 5 * se, `q${i}: extrapolated ${q0} ± ${se} vs theory ${q} (measured ${q1}, ${q2})`);
  });
});

test("a bootstrap resample's pooled quantiles, found by bisection, equal those of the pool built and sorted", () => {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  // Chains of unequal lengths, with ties within and across chains.
  const chains = Array.from({ length: 23 }, (_, c) => Array.from({ length: 5 + (c % 7) * 13 }, () => Math.round(rand() * 50) / 10 - 2));
  const sorted = chains.map((c) => Float64Array.from(c).sort());
  const all = Float64Array.from(chains.flat()).sort();
  const levels = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];
  for (let trial = 0; trial < 60; trial++) {
    const times = chains.map(() => Math.floor(rand() * 3));
    if (times.reduce((a, b) => a + b, 0) === 0) times[trial % chains.length] = 1;
    const pool = chains.flatMap((c, i) => Array.from({ length: times[i] }, () => c).flat()).sort((a, b) => a - b);
    const naive = levels.map((p) => {
      const pos = p * (pool.length - 1);
      const i = Math.floor(pos);
      return i + 1 < pool.length ? pool[i] + (pos - i) * (pool[i + 1] - pool[i]) : pool[i];
    });
    assert.deepEqual(pooledQuantiles(sorted, all, times, levels), naive, `resample ${trial}`);
  }
  // One chain of one sample: every quantile is that sample.
  assert.deepEqual(
    pooledQuantiles([Float64Array.of(3)], Float64Array.of(3), [2], levels),
    levels.map(() => 3),
  );
});
