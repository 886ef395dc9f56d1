// Per-chain traces: a few chains' own paths at the record points, kept beside the means over all
// chains (the panel draws them thin under mean ± spread, and a phase portrait from their parameters).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { simulateSource, traceSpec } from '../../src/core/numeric/runner';
import { isRunResult, jsonSafe } from '../../src/shared/protocol';
import { readExample } from './helpers';

const src = readExample('two-layer-scalar.loss');

test('traces: chains 0–3 at every record; their mean is the series mean when they are all the chains', async () => {
  const r = (await simulateSource(src, { workers: 0, run: 0, steps: 2000, chains: 4 })).runs[0];
  const traces = r.series.chains;
  assert.ok(traces, 'the run carries traces');
  assert.deepEqual(
    traces.map((t) => t.chain),
    [0, 1, 2, 3],
  );
  const n = r.series.steps.length;
  for (const t of traces) {
    assert.equal(t.loss.length, n);
    assert.equal(t.charges.length, 1);
    assert.equal(t.charges[0].length, n);
    assert.equal(t.theta?.length, 2, 'u and w for a two-component model');
    // The charge u² − w² from the traced parameters.
    for (let k = 0; k < n; k += 97) {
      const [u, w] = [t.theta[0][k], t.theta[1][k]];
      assert.ok(Math.abs(t.charges[0][k] - (u * u - w * w)) < 1e-12, `chain ${t.chain} record ${k}`);
    }
  }
  for (let k = 0; k < n; k++) {
    const m = traces.reduce((a, t) => a + t.charges[0][k], 0) / 4;
    assert.ok(Math.abs(m - r.series.charges[0].mean[k]) < 1e-12 * Math.max(1, Math.abs(m)), `record ${k}: ${m} vs ${r.series.charges[0].mean[k]}`);
    const l = traces.reduce((a, t) => a + t.loss[k], 0) / 4;
    assert.ok(Math.abs(l - r.series.lossMean[k]) < 1e-12 * Math.max(1, Math.abs(l)), `loss at record ${k}`);
  }
  // The last record is each chain's final point.
  traces.forEach((t, c) => assert.deepEqual([t.theta![0][n - 1], t.theta![1][n - 1]], r.finalPerChain![c]));
});

test('traces are the same chains whatever the number of workers', async () => {
  const a = (await simulateSource(src, { workers: 0, run: 0, steps: 1000, chains: 6 })).runs[0];
  const b = (await simulateSource(src, { workers: 2, run: 0, steps: 1000, chains: 6 })).runs[0];
  assert.equal(a.series.chains?.length, 4);
  assert.deepEqual(b.series.chains, a.series.chains);
});

test('traceSpec keeps the traces bounded', () => {
  // A small model: four chains, every charge and component.
  assert.deepEqual(traceSpec(32, 2, 1, 2001), { chains: [0, 1, 2, 3], charges: 1, theta: true });
  // Fewer chains than four.
  assert.deepEqual(traceSpec(2, 2, 1, 2001)?.chains, [0, 1]);
  // A network: no parameters, at most 64 charges.
  const big = traceSpec(32, 50890, 74, 2001);
  assert.deepEqual(big, { chains: [0, 1, 2], charges: 64, theta: false });
  // Long records: fewer chains, and none past the budget.
  assert.equal(traceSpec(32, 18, 6, 10_000)?.chains.length, 1);
  assert.equal(traceSpec(32, 18, 64, 10_000), undefined);
  for (const [chains, comps, charges, records] of [
    [32, 2, 1, 2001],
    [32, 18, 6, 10_000],
    [32, 50890, 74, 2001],
    [8, 32, 64, 2001],
  ]) {
    const s = traceSpec(chains, comps, charges, records);
    const values = s ? s.chains.length * records * (1 + s.charges + (s.theta ? comps : 0)) : 0;
    assert.ok(values <= 400_000, `${values} values for ${[chains, comps, charges, records].join(', ')}`);
  }
});

test('the protocol accepts traces of the series length and refuses others', async () => {
  const r = jsonSafe((await simulateSource(src, { workers: 0, run: 0, steps: 500, chains: 5 })).runs[0]);
  assert.ok(isRunResult(r));
  const t0 = r.series.chains![0];
  const withTraces = (chains: unknown) => ({ ...r, series: { ...r.series, chains } });
  assert.ok(!isRunResult(withTraces([{ ...t0, loss: t0.loss.slice(1) }])), 'a short loss trace');
  assert.ok(!isRunResult(withTraces([{ ...t0, charges: [t0.charges[0].slice(2)] }])), 'a short charge trace');
  assert.ok(!isRunResult(withTraces([{ ...t0, theta: 'u' }])), 'parameters not arrays');
  assert.ok(!isRunResult(withTraces([t0, t0, t0, t0, t0])), 'more than four chains');
  assert.ok(!isRunResult(withTraces([{ ...t0, chain: 0.5 }])), 'a chain number not an integer');
  assert.ok(isRunResult(withTraces(undefined)), 'traces are optional');
});
