// Theory against simulation for the predictions: where SGD ends (end points of runs longer than the
// reported relaxation, within 4 standard errors over chains plus the stated O(η) term) and law (C)
// at every record point of long runs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { simulateSource } from '../../src/core/numeric/runner';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { readExample } from './helpers';
import { CORRELATED, twoLayerSource } from './linear-net';

const Z = 4;

function meanSe(xs: number[]): { m: number; se: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { m, se: Math.sqrt(v / xs.length) };
}

test('scalar net: SGD ends at u = w = √2 and its charge agrees with the prediction', async () => {
  const src = readExample('two-layer-scalar.loss');
  const run = (await simulateSource(src, { run: 0, steps: 200000, workers: 2 })).runs[0];
  const p = run.prediction!;
  assert.ok(run.steps > 5 * p.relaxationSteps!, 'the run is several relaxation times long');
  assert.equal(run.charges[0].verdict, 'agrees', run.charges[0].verdictNote);
  // The stationary mean of each parameter against the predicted stationary mean (end point + O(η) mean shift).
  for (const c of ['u', 'w']) {
    const xs = run.finalPerChain!.map((th) => th[c === 'u' ? 0 : 1]);
    const { m, se } = meanSe(xs);
    const predicted = p.stationary!.mean[c];
    assert.ok(Math.abs(predicted - Math.SQRT2) < 0.01, `${c}: ${predicted} is √2 up to O(η)`);
    assert.ok(Math.abs(m - predicted) <= Z * se, `${c}: measured ${m} ± ${se} vs predicted ${predicted}`);
  }
});

for (const [k, steps, chains] of [
  [2, 100000, 32],
  [3, 80000, 16],
] as const) {
  test(`GL(${k}), correlated inputs and anisotropic label noise: simulated UᵀU and WWᵀ at the predicted end point, not at the law-of-balance point`, async () => {
    const { Lx, Le, V } = CORRELATED[k];
    const src = twoLayerSource(k, Lx, Le, V, 0.02, steps, chains);
    const p = analyzeSource(src).predictions![0];
    assert.ok(steps > 6 * p.relaxationSteps!, `${steps} steps against a relaxation of ${p.relaxationSteps}`);
    const run = (await simulateSource(src, { workers: 2 })).runs[0];
    assert.equal(run.status, 'completed');
    const names = run.prediction ? Object.keys(run.prediction.endPoint!) : [];
    const at = (th: number[], name: string) => th[names.indexOf(name)];
    // E[UᵀU] to first order in η: the predicted stationary mean plus the fluctuation covariance P.
    const mean = p.stationary!.mean;
    const P = p.stationary!.cov;
    const idx = (name: string) => names.indexOf(name);
    const pairs: { label: string; value: (th: number[]) => number; predicted: number; balance: number }[] = [];
    const bal = p.balance!.point;
    for (let i = 0; i < k; i++) {
      for (let j = i; j < k; j++) {
        const u = (r: number, c: number) => `U[${r},${c}]`;
        const w = (r: number, c: number) => `W[${r},${c}]`;
        let pu = 0;
        let pw = 0;
        let bu = 0;
        let bw = 0;
        for (let r = 0; r < k; r++) {
          pu += mean[u(r, i)] * mean[u(r, j)] + P[idx(u(r, i))][idx(u(r, j))];
          pw += mean[w(i, r)] * mean[w(j, r)] + P[idx(w(i, r))][idx(w(j, r))];
          bu += bal[u(r, i)] * bal[u(r, j)];
          bw += bal[w(i, r)] * bal[w(j, r)];
        }
        pairs.push({
          label: `UᵀU[${i},${j}]`,
          value: (th) => Array.from({ length: k }, (_, r) => at(th, u(r, i)) * at(th, u(r, j))).reduce((a, b) => a + b, 0),
          predicted: pu,
          balance: bu,
        });
        pairs.push({
          label: `WWᵀ[${i},${j}]`,
          value: (th) => Array.from({ length: k }, (_, r) => at(th, w(i, r)) * at(th, w(j, r))).reduce((a, b) => a + b, 0),
          predicted: pw,
          balance: bw,
        });
      }
    }
    let largestBalanceZ = 0;
    for (const q of pairs) {
      const { m, se } = meanSe(run.finalPerChain!.map(q.value));
      assert.ok(Math.abs(m - q.predicted) <= Z * se, `${q.label}: measured ${m} ± ${se} vs predicted ${q.predicted}`);
      largestBalanceZ = Math.max(largestBalanceZ, Math.abs(m - q.balance) / se);
    }
    // The law-of-balance point (THEORY §4's closed form) is not where SGD ends here.
    assert.ok(largestBalanceZ > 5, `the balance point is ${largestBalanceZ.toFixed(1)} SE from the measurement`);
    for (const inv of run.invariants ?? []) assert.equal(inv.verdict, 'agrees', `${inv.text}: ${inv.verdictNote}`);
  });
}

test('law (C) against the measured charge at every record point of long runs, SGD and GD', async () => {
  const src = readExample('two-layer-scalar.loss');
  const [sgd, gd] = (await simulateSource(src, { steps: 200000, workers: 2 })).runs;
  for (const run of [sgd, gd]) {
    const c = run.series.charges[0];
    const res = c.lawResidual!;
    assert.ok(run.series.lawC && /exact in expectation/.test(run.series.lawC));
    for (let k = 0; k < res.mean.length; k++) {
      const se = Number.isFinite(res.se[k]) ? res.se[k] : 0; // one GD chain: the law is deterministic
      const scale = 1e-9 * Math.max(1, Math.abs(c.mean[k]));
      assert.ok(
        Math.abs(res.mean[k]) <= Z * se + res.quadrature[k] + scale,
        `${run.optimizer}, step ${run.series.steps[k]}: measured − predicted ${res.mean[k]} ± ${se} (quadrature ${res.quadrature[k]})`,
      );
    }
  }
  // GD's charge moves only by the η² discretisation term; the prediction follows it exactly.
  const k = gd.series.steps.length - 1;
  assert.ok(Math.abs((gd.series.charges[0].predicted[k] as number) - gd.series.charges[0].mean[k]) < 1e-9);
  assert.ok(Math.abs(gd.series.charges[0].mean[k] - 2.148053) < 1e-5);
});
