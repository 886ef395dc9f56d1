// The .npy/.npz writer (src/core/io/npz.ts; null → NaN is checked through numpy, since our own
// reader refuses NaN in data files) and a run's arrays (src/core/numeric/runArrays.ts):
// read back by our own .npy reader, by Python's zipfile and by numpy (Debian's /usr/bin/python3 with
// python3-numpy, installed by scripts/ensure-python-torch.sh).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32, f8, f8Rows, npyBytes, npzBytes, strings, zipStore } from '../../src/core/io/npz';
import { parseArrayFile } from '../../src/core/lang/arrays';
import { runArrays } from '../../src/core/numeric/runArrays';
import { simulateSource } from '../../src/core/numeric/runner';
import { ROOT } from './helpers';
import { PYTHON, python } from './python';

const numpyMissing = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${PYTHON} cannot import numpy: run scripts/ensure-python-torch.sh`;
})();

function readAll(bytes: Uint8Array): { shape: number[]; values: number[] } {
  const a = parseArrayFile(bytes);
  const out = new Float64Array(a.rows * a.width);
  for (let r = 0; r < a.rows; r++) a.readRow(r, out, r * a.width);
  return { shape: a.shape, values: Array.from(out) };
}

test('npy: float64 and int64 arrays read back with their shape and values; the data starts on a 64-byte boundary', () => {
  const m = f8Rows([
    [1, 2.5, -3],
    [-0.125, 1e300, 5e-324],
  ]);
  const bytes = npyBytes(m);
  const headerLen = new DataView(bytes.buffer).getUint16(8, true);
  assert.equal((10 + headerLen) % 64, 0);
  assert.equal(bytes[10 + headerLen - 1], 0x0a, 'the header ends with a newline');
  const back = readAll(bytes);
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(back.values, [1, 2.5, -3, -0.125, 1e300, 5e-324]);
  const ints = readAll(npyBytes({ dtype: '<i8', shape: [3], data: [0, -7, 2 ** 53 - 1] }));
  assert.deepEqual(ints.values, [0, -7, 2 ** 53 - 1]);
  assert.throws(() => npyBytes({ dtype: '<f8', shape: [2, 2], data: [1, 2, 3] }), /needs 4 elements/);
  assert.throws(() => npyBytes({ dtype: '<i8', shape: [1], data: [0.5] }), /whole number/);
});

test('crc32 is the zip checksum (check value of "123456789")', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('zip: member names, offsets and sizes are where the central directory says; names are unique', () => {
  const a = new Uint8Array([1, 2, 3]);
  const z = zipStore([
    { name: 'a.npy', bytes: a },
    { name: 'ü.npy', bytes: new Uint8Array(0) },
  ]);
  const v = new DataView(z.buffer);
  const end = z.length - 22;
  assert.equal(v.getUint32(end, true), 0x06054b50);
  assert.equal(v.getUint16(end + 10, true), 2);
  const cd = v.getUint32(end + 16, true);
  assert.equal(v.getUint32(cd, true), 0x02014b50);
  assert.equal(v.getUint32(cd + 16, true), crc32(a));
  assert.equal(v.getUint32(v.getUint32(cd + 42, true), true), 0x04034b50);
  assert.deepEqual(Array.from(z.subarray(30 + 5, 30 + 5 + 3)), [1, 2, 3]);
  assert.throws(
    () =>
      zipStore([
        { name: 'x', bytes: a },
        { name: 'x', bytes: a },
      ]),
    /repeated/,
  );
  assert.throws(() => npzBytes({ 'bad/name': f8([1]) }), /invalid array name/);
});

test('npz: numpy.load reads every array with its dtype, shape and values (also strings, NaN, 0-length)', { skip: numpyMissing }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-npz-'));
  const file = path.join(dir, 'a.npz');
  fs.writeFileSync(
    file,
    npzBytes({
      m: f8Rows([
        [1, 2, 3],
        [4, 5, null],
      ]),
      s: strings(['u', 'w[1]', 'θ²']),
      e: f8([]),
      i: { dtype: '<i8', shape: [2, 1], data: [5, -6] },
    }),
  );
  const out = await python([
    '-c',
    `
import json, sys, zipfile, numpy as np
assert zipfile.ZipFile(sys.argv[1]).testzip() is None
z = np.load(sys.argv[1])
m = z['m']
print(json.dumps({'files': sorted(z.files), 'm': [str(m.dtype), list(m.shape), m[0].tolist(), bool(np.isnan(m[1, 2]))],
  's': [str(z['s'].dtype), z['s'].tolist()], 'e': list(z['e'].shape), 'i': [str(z['i'].dtype), z['i'].tolist()]}))
`,
    file,
  ]);
  const j = JSON.parse(out);
  assert.deepEqual(j.files, ['e', 'i', 'm', 's']);
  assert.deepEqual(j.m, ['float64', [2, 3], [1, 2, 3], true]);
  assert.deepEqual(j.s, ['<U4', ['u', 'w[1]', 'θ²']]);
  assert.deepEqual(j.e, [0]);
  assert.deepEqual(j.i, ['int64', [[5], [-6]]]);
});

test("a run's arrays: numpy sees each series with the run's shapes and the same numbers as the JSON result", { skip: numpyMissing }, async () => {
  const source = fs.readFileSync(path.join(ROOT, 'examples', 'two-layer-scalar.loss'), 'utf8');
  const result = await simulateSource(source, { file: 'two-layer-scalar.loss', steps: 400, chains: 3, workers: 0, run: 0 });
  const run = result.runs[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-npz-'));
  const file = path.join(dir, 'run.npz');
  fs.writeFileSync(file, npzBytes(runArrays(result)));
  const out = await python([
    '-c',
    `
import json, sys, numpy as np
z = np.load(sys.argv[1])
nan = lambda a: [None if np.isnan(x) else float(x) for x in np.asarray(a, dtype=float).ravel()]
print(json.dumps({k: [list(z[k].shape)] for k in z.files} | {
  'components': z['components'].tolist(), 'meta': json.loads(str(z['meta'][0])),
  'loss': nan(z['run0_loss_mean'][:5]), 'charge_last': nan(z['run0_charge_mean'][:, -1]),
  'var': nan(z['run0_stationary_var']), 'time_last': float(z['run0_time'][-1]),
  'per_chain': nan(z['run0_final_per_chain'][2]),
}))
`,
    file,
  ]);
  const j = JSON.parse(out);
  const n = run.series.steps.length;
  assert.deepEqual(j.components, ['u', 'w']);
  assert.equal(j.meta.file, 'two-layer-scalar.loss');
  assert.deepEqual([j.meta.runs[0].lr, j.meta.runs[0].steps, j.meta.runs[0].chains], [run.lr, 400, 3]);
  assert.deepEqual(j.run0_steps, [[n]]);
  assert.deepEqual(j.run0_charge_mean, [[run.series.charges.length, n]]);
  assert.deepEqual(j.run0_drift_measured, [[run.series.charges.length, n - 1]]);
  assert.deepEqual(j.run0_stationary_cov, [[2, 2]]);
  assert.deepEqual(j.run0_final_per_chain, [[3, 2]]);
  assert.deepEqual(j.loss, run.series.lossMean.slice(0, 5));
  assert.deepEqual(
    j.charge_last,
    run.series.charges.map((c) => c.mean[n - 1]),
  );
  assert.deepEqual(j.var, [run.stationary.var.u, run.stationary.var.w]);
  assert.equal(j.time_last, run.series.steps[n - 1] * run.lr);
  assert.deepEqual(j.per_chain, run.finalPerChain?.[2]);
});

test('noether simulate --npz F writes the arrays numpy loads, beside the usual output', { skip: numpyMissing }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-npz-'));
  const file = path.join(dir, 'lr.npz');
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'bin', 'noether.js'),
      'simulate',
      'examples/linear-regression.loss',
      '--steps',
      '300',
      '--chains',
      '2',
      '--workers',
      '0',
      '--json',
      '--npz',
      file,
    ],
    { encoding: 'utf8', cwd: ROOT },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /arrays written to/);
  const json = JSON.parse(r.stdout);
  const out = await python([
    '-c',
    'import json, sys, numpy as np; z = np.load(sys.argv[1]); print(json.dumps([z["run0_loss_mean"].tolist(), z["components"].tolist()]))',
    file,
  ]);
  const [loss, components] = JSON.parse(out);
  assert.deepEqual(components, ['w']);
  assert.deepEqual(loss, json.runs[0].series.lossMean);
  const bad = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'noether.js'), 'simulate', 'examples/linear-regression.loss', '--npz'], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--npz needs a value/);
});
