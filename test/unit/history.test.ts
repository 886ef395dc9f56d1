// The run history's pure part (src/core/numeric/history.ts): downsampled stored runs and the bounds
// (20 runs per file, a byte cap over all files, the newest always kept).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { compactResult, entriesToDrop, HistoryEntry, keptIndices, resultStatus } from '../../src/core/numeric/history';
import { simulateSource } from '../../src/core/numeric/runner';
import { isSimulationResult, jsonSafe } from '../../src/shared/protocol';
import { readExample } from './helpers';

test('kept indices: every k-th and the last, at most max + 1', () => {
  assert.deepEqual(keptIndices(4, 10), [0, 1, 2, 3]);
  assert.deepEqual(keptIndices(10, 4), [0, 3, 6, 9]);
  assert.deepEqual(keptIndices(11, 4), [0, 3, 6, 9, 10]);
  assert.deepEqual(keptIndices(0, 4), []);
});

test('a stored run: series downsampled consistently, still a valid result, statistics untouched', async () => {
  const result = await simulateSource(readExample('two-layer-scalar.loss'), { steps: 3000, chains: 2, workers: 0, run: 0 });
  const n = result.runs[0].series.steps.length;
  assert.ok(n > 100);
  const c = compactResult(result, 50);
  const s = c.runs[0].series;
  const idx = keptIndices(n, 50);
  assert.equal(s.steps.length, idx.length);
  assert.deepEqual(
    s.steps,
    idx.map((i) => result.runs[0].series.steps[i]),
  );
  assert.deepEqual(
    s.charges[0].mean,
    idx.map((i) => result.runs[0].series.charges[0].mean[i]),
  );
  assert.ok(s.lossMean.length === idx.length && s.survivors.length === idx.length && s.charges[0].predicted.length === idx.length);
  assert.ok(s.drift[0].measured.length <= idx.length && s.traceH.length <= idx.length);
  assert.equal(s.steps[s.steps.length - 1], result.runs[0].series.steps[n - 1], 'the last record is kept');
  assert.deepEqual(c.runs[0].stationary, result.runs[0].stationary);
  assert.ok(isSimulationResult(jsonSafe(c)), 'the stored copy passes the protocol');
  assert.equal(resultStatus(c), 'completed');
  assert.equal(resultStatus({ ...c, runs: [{ ...c.runs[0], status: 'diverged' }] }), 'diverged');
});

const entry = (id: string, uri: string, time: number, bytes = 10): HistoryEntry => ({ id, uri, time, bytes, title: 't', status: 'completed', runs: [] });

test('bounds: the oldest past 20 per file go, then the oldest of all past the byte cap; the newest stays', () => {
  const many = Array.from({ length: 23 }, (_, i) => entry(`a${i}`, 'file:///a.loss', i));
  const other = [entry('b0', 'file:///b.loss', 5)];
  assert.deepEqual([...entriesToDrop([...many, ...other])].sort(), ['a0', 'a1', 'a2']);
  const sized = [entry('x', 'u', 1, 60), entry('y', 'v', 2, 30), entry('z', 'u', 3, 30)];
  assert.deepEqual([...entriesToDrop(sized, 20, 70)], ['x']);
  assert.deepEqual([...entriesToDrop([entry('big', 'u', 1, 500)], 20, 70)], [], 'a single run over the cap is kept (the newest)');
});
