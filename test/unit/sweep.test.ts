// Sweeps (src/core/numeric/sweep.ts, `noether sweep`): values from text, the keys a sweep accepts,
// and on linear regression the measured stationary variance against the discrete-time theory
// Var[w] = ησ²/(B(2 − ηa(1 + 2/B))) (a = 1, σ² = 0.25, B = 1; examples/linear-regression.loss)
// within standard errors at every learning rate.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseSweepValues, SweepInputError, sweepSource, sweepText } from '../../src/core/numeric/sweep';
import { readExample, ROOT } from './helpers';

const LINEAR = readExample('linear-regression.loss');

test('sweep values: a list, an evenly spaced range A:B:N and a log range; bad text says why', () => {
  assert.deepEqual(parseSweepValues('0.01, 0.02, 0.05'), [0.01, 0.02, 0.05]);
  assert.deepEqual(parseSweepValues('1 2;4'), [1, 2, 4]);
  assert.deepEqual(parseSweepValues('0.1:0.3:3'), [0.1, 0.2, 0.3]);
  assert.deepEqual(parseSweepValues('log 0.001:0.1:3'), [0.001, 0.01, 0.1]);
  assert.deepEqual(parseSweepValues('1:100:3 log'), [1, 10, 100]);
  assert.deepEqual(parseSweepValues('2:4:1'), [2]);
  assert.throws(() => parseSweepValues(''), SweepInputError);
  assert.throws(() => parseSweepValues('0.1, abc'), /`abc` is not a number/);
  assert.throws(() => parseSweepValues('log 0:1:3'), /A > 0/);
  assert.throws(() => parseSweepValues('0:1:2.5'), /whole number/);
  assert.throws(() => parseSweepValues('0:1:51'), /1 to 50/);
  assert.throws(() => parseSweepValues(Array.from({ length: 51 }, (_, i) => i + 1).join(',')), /at most 50/);
});

test("a sweep checks its key and values as the file's own train keys are checked", async () => {
  await assert.rejects(sweepSource(LINEAR, { key: 'beta', values: [0.5], workers: 0 }), /not a numeric key of `sgd`/);
  await assert.rejects(sweepSource(LINEAR, { key: 'sampling', values: [1], workers: 0 }), /not a numeric key/);
  await assert.rejects(sweepSource(LINEAR, { key: 'batch', values: [1.5], workers: 0 }), /whole numbers/);
  await assert.rejects(sweepSource(LINEAR, { key: 'lr', values: [-0.1], workers: 0 }), /must be > 0/);
  await assert.rejects(sweepSource(LINEAR, { key: 'lr', values: [0.1], train: 3, workers: 0 }), /no train line number 3/);
});

test('linear regression across lr: the measured stationary variance agrees with the discrete-time theory within 4 SE', async () => {
  const values = [0.05, 0.1, 0.2];
  const progress: number[] = [];
  const s = await sweepSource(LINEAR, {
    file: 'linear-regression.loss',
    key: 'lr',
    values,
    steps: 40000,
    chains: 16,
    workers: 0,
    onProgress: (p) => progress.push(p.fraction),
  });
  assert.equal(s.cancelled, false);
  assert.deepEqual(s.values, values);
  assert.deepEqual(
    s.points.map((p) => p.lr),
    values,
    'each run used its swept lr',
  );
  assert.ok(s.points.every((p) => p.status === 'completed' && p.chains === 16 && p.steps === 40000));
  assert.ok(progress.length >= 3 && progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1])), 'progress grows to 1');
  assert.equal(progress[progress.length - 1], 1);
  const v = s.quantities.find((q) => q.id === 'var:w');
  assert.ok(v, 'Var[w] is a quantity of the sweep');
  values.forEach((eta, i) => {
    const exact = (eta * 0.25) / (2 - eta * 3);
    assert.ok(Math.abs((v.theory[i] as number) - exact) < 1e-9 * exact, `theory at η = ${eta}: ${v.theory[i]} vs ${exact}`);
    const m = v.measured[i] as number;
    const se = v.stdErr[i] as number;
    assert.ok(se > 0 && se < 0.05 * exact, `a useful standard error at η = ${eta}: ${se}`);
    assert.ok(Math.abs(m - exact) <= 4 * se, `η = ${eta}: measured ${m} ± ${se} against ${exact}`);
  });
  // The variance grows faster than linearly in η (the discrete-time term): the sweep sees it.
  assert.ok((v.measured[2] as number) / (v.measured[0] as number) > 4.5, 'Var grows faster than η');
  const loss = s.quantities.find((q) => q.id === 'loss');
  assert.ok(loss && loss.measured.every((x) => x !== null && x > 0) && loss.theory.every((t) => t === null));
  const text = sweepText(s);
  assert.match(text, /Var\[w\] — measured ± SE against theory/);
  assert.match(text, /lr = 0\.2: .* theory 0\.03571/);
});

test('a cancelled sweep returns the values it finished', async () => {
  const controller = new AbortController();
  const s = await sweepSource(LINEAR, {
    key: 'batch',
    values: [1, 2, 4],
    steps: 2000,
    chains: 2,
    workers: 0,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.index === 1) controller.abort();
    },
  });
  assert.equal(s.cancelled, true);
  assert.deepEqual(s.values, [1]);
  assert.equal(s.points[0].batch, 1);
});

test('noether sweep --json: the result; a bad key is a usage error (exit 2)', () => {
  const bin = path.join(ROOT, 'bin', 'noether.js');
  const r = spawnSync(
    process.execPath,
    [bin, 'sweep', 'examples/linear-regression.loss', '--key', 'batch', '--values', '1:2:2', '--steps', '500', '--chains', '2', '--workers', '0', '--json'],
    { encoding: 'utf8', cwd: ROOT },
  );
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.key, 'batch');
  assert.deepEqual(j.values, [1, 2]);
  assert.deepEqual(
    j.points.map((p: { batch: number }) => p.batch),
    [1, 2],
  );
  assert.ok(j.quantities.some((q: { id: string }) => q.id === 'var:w'));
  const bad = spawnSync(process.execPath, [bin, 'sweep', 'examples/linear-regression.loss', '--key', 'eps', '--values', '1'], { encoding: 'utf8', cwd: ROOT });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a numeric key of `sgd`/);
  const missing = spawnSync(process.execPath, [bin, 'sweep', 'examples/linear-regression.loss', '--key', 'lr'], { encoding: 'utf8', cwd: ROOT });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /needs --key KEY and --values V/);
});
