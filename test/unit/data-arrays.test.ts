// Binary data files: NumPy .npy (versions 1.0/2.0, every element type read) and IDX (the MNIST
// family), gzipped or not, crafted byte by byte here; malformed ones give a diagnostic at the path
// with the byte offset of the problem and a fix, never an exception.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ArrayFileError, isArrayPath, parseArrayFile } from '../../src/core/lang/arrays';
import { checkSource } from '../../src/core/lang/check';
import { makeReadFile } from '../../src/core/io/files';
import { simulateSource } from '../../src/core/numeric/runner';
import { assertRange, errorsOf, letFn, modelOk, onlyError } from './lang-helpers';
import { Dtype, npy } from './npy';

/** An IDX file of unsigned bytes (type 0x08), as the MNIST files are. */
function idx(values: number[], shape: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values.length);
  const v = new DataView(out.buffer);
  out.set([0, 0, 0x08, shape.length]);
  shape.forEach((d, k) => v.setUint32(4 + 4 * k, d, false));
  out.set(values, 4 + 4 * shape.length);
  return out;
}

const range = (n: number, f: (i: number) => number = (i) => i) => Array.from({ length: n }, (_, i) => f(i));

test('isArrayPath: .npy, .idx, IDX names and .gz are binary; everything else is CSV text', () => {
  for (const p of ['a.npy', 'A.NPY', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte.gz', 'x.idx', 'x.gz', 'd.idx3']) assert.ok(isArrayPath(p), p);
  for (const p of ['d.csv', 'data.txt', 'npy', 'x.npz']) assert.ok(!isArrayPath(p), p);
});

test('.npy: every element type, versions 1.0 and 2.0, 1-D and 2-D, rows read on demand', () => {
  for (const [dtype, vals] of [
    ['<f4', [0.5, -1.25, 3, 1e-3]],
    ['<f8', [0.1, -2, Math.PI, 1e300]],
    ['|u1', [0, 255, 7, 128]],
    ['<i4', [-5, 2 ** 31 - 1, 0, 9]],
    ['<i8', [-5, 2 ** 40, 0, 9]],
  ] as [Dtype, number[]][]) {
    for (const version of [1, 2]) {
      const a = parseArrayFile(npy(vals, [2, 2], dtype, version));
      assert.equal(a.format, 'npy');
      assert.deepEqual([a.rows, a.width], [2, 2]);
      const out = new Float64Array(4);
      a.readRow(1, out, 0);
      a.readRow(0, out, 2);
      const expect = dtype === '<f4' ? vals.map(Math.fround) : vals;
      assert.deepEqual([...out], [expect[2], expect[3], expect[0], expect[1]], `${dtype} v${version}`);
    }
  }
  const labels = parseArrayFile(npy([3, 1, 4], [3], '<i8'));
  assert.deepEqual([labels.rows, labels.width], [3, 1]);
  // Trailing axes are flattened into one example.
  const img = parseArrayFile(npy(range(24), [2, 3, 4], '|u1'));
  assert.deepEqual([img.rows, img.width], [2, 12]);
});

test('IDX: images (3-D) and labels (1-D), plain or gzipped', () => {
  const images = idx(
    range(2 * 3 * 3, (i) => (i * 17) % 256),
    [2, 3, 3],
  );
  for (const bytes of [images, zlib.gzipSync(images)]) {
    const a = parseArrayFile(bytes);
    assert.equal(a.format, 'idx');
    assert.equal(a.gzipped, bytes !== images);
    assert.deepEqual([a.rows, a.width, a.dtype], [2, 9, 'ubyte']);
    const out = new Float64Array(9);
    a.readRow(1, out, 0);
    assert.deepEqual(
      [...out],
      range(9, (i) => ((i + 9) * 17) % 256),
    );
  }
  const npyGz = parseArrayFile(zlib.gzipSync(npy([1, 2, 3], [3])));
  assert.equal(npyGz.format, 'npy');
});

/** The ArrayFileError message of parsing `bytes`. */
function failure(bytes: Uint8Array): string {
  try {
    parseArrayFile(bytes);
  } catch (e) {
    assert.ok(e instanceof ArrayFileError, `not an ArrayFileError: ${String(e)}`);
    return e.message;
  }
  assert.fail('parsed');
}

test('malformed files: each error names the byte offset and a fix, never another exception', () => {
  const good = npy(range(6), [3, 2], '<f8');
  const start = good.length - 48; // where the data begin
  assert.equal(
    failure(good.subarray(0, good.length - 5)),
    `byte ${start}: the header promises shape [3, 2] of <f8 (48 bytes of data) but only 43 bytes follow (truncated file)`,
  );
  assert.match(failure(Buffer.concat([good, Buffer.from([1, 2])])), new RegExp(`^byte ${start + 48}: 2 bytes follow the \\[3, 2\\] array`));
  assert.equal(failure(good.subarray(0, 30)), `byte 10: the header claims ${start - 10} bytes but the file has only 20 after this point (truncated file)`);
  assert.match(failure(good.subarray(0, 7)), /^byte 0: not a NumPy \.npy file|^byte 7: the \.npy header ends early/);
  assert.match(failure(npy([1, 2], [2], '>f4')), /element type '>f4' is not read; the array is big-endian: save x\.astype/);
  assert.match(failure(npy([1, 2, 3, 4], [2, 2], '<f8', 1, true)), /Fortran \(column-major\) order; save numpy\.ascontiguousarray/);
  const v9 = npy([1], [1]);
  v9[6] = 9;
  assert.match(failure(v9), /^byte 6: unsupported \.npy format version 9\.0/);
  const noShape = Buffer.from(npy([1], [1]));
  noShape.write("'shap'", Buffer.from(noShape).indexOf("'shape'"), 'latin1');
  assert.match(failure(noShape), /^byte 10: the \.npy header has no readable 'shape' entry/);
  // A value that is not finite is found when its example is read.
  const withNaN = parseArrayFile(npy([1, NaN], [2]));
  assert.throws(
    () => withNaN.readRow(1, new Float64Array(1), 0),
    (e: Error) => e instanceof ArrayFileError && /^byte \d+: example 1 \(0-based\), entry 0 is NaN, not a finite number/.test(e.message),
  );
  assert.match(failure(Buffer.from('x,y\n1,2\n')), /^byte 0: not a NumPy \.npy file .* nor an IDX file .*starts with 78 2c 79 0a/);
  assert.match(failure(new Uint8Array(0)), /starts with nothing/);
  // IDX: a bad type code, a header cut short, data cut short.
  const im = idx(range(8), [2, 2, 2]);
  const badType = Uint8Array.from(im);
  badType[2] = 0x07;
  assert.match(failure(badType), /^byte 2: IDX type code 0x07 is not one of/);
  assert.match(failure(im.subarray(0, 10)), /^byte 10: the IDX header announces 3 dimensions \(16 header bytes\)/);
  assert.match(failure(im.subarray(0, 20)), /^byte 16: the header promises shape \[2, 2, 2\] of ubyte \(8 bytes of data\) but only 4 bytes follow/);
  const zero = Uint8Array.from([0, 0, 8, 0]);
  assert.match(failure(zero), /^byte 3: the IDX file has 0 dimensions/);
  // gzip: corrupt and truncated streams; positions after decompression are said to be so.
  const gz = zlib.gzipSync(im);
  assert.match(failure(gz.subarray(0, gz.length - 12)), /the compressed data ends early \(a truncated download\?\); decompress it with gunzip/);
  const corrupt = Uint8Array.from(gz);
  corrupt[12] ^= 0xff;
  corrupt[13] ^= 0xff;
  assert.match(failure(corrupt), /gzip data is corrupt|ends early/);
  assert.match(failure(zlib.gzipSync(im.subarray(0, 20))), /^byte 16 \(after decompression\): the header promises/);
});

const SRC_IMG = [
  'param W[3, 4] = 0.1',
  'param b[3] = 0',
  'data pixels[4] from "img.idx"',
  'data label from "lab.npy"',
  'let x = pixels / 255',
  'loss = cross_entropy(W @ x + b, label)',
  '',
].join('\n');

test('a .loss file reads IDX images and .npy labels; `let x = pixels / 255` scales them; dataset size picks examples', () => {
  const files = {
    'img.idx': zlib.gzipSync(
      idx(
        range(40, (i) => (i * 37) % 256),
        [10, 2, 2],
      ),
    ),
    'lab.npy': npy(
      range(10, (i) => i % 3),
      [10],
      '<i8',
    ),
  };
  const m = modelOk(SRC_IMG, files);
  assert.equal(m.dataset?.kind, 'file');
  assert.equal(m.dataset?.size, 10);
  assert.deepEqual(m.dataComponents, ['pixels[0]', 'pixels[1]', 'pixels[2]', 'pixels[3]', 'label']);
  const rows = m.dataset?.rows as Float64Array;
  assert.deepEqual([...rows.subarray(5, 10)], [...range(4, (i) => ((i + 4) * 37) % 256), 1]);
  const x = letFn(m, 'x')(new Array(m.components.length).fill(0), [...rows.subarray(5, 10)]);
  range(4).forEach((i) => assert.ok(Math.abs(x[i] - (((i + 4) * 37) % 256) / 255) < 1e-15, `x[${i}] = ${x[i]}`));
  const first = modelOk(SRC_IMG + 'dataset size = 4\n', files);
  assert.deepEqual([...(first.dataset?.rows ?? [])], [...rows.subarray(0, 20)]);
  const sub = modelOk(SRC_IMG + 'dataset size = 4, seed = 5\n', files);
  const subRows = sub.dataset?.rows as Float64Array;
  // Each chosen example keeps its label: rows of the subset are rows of the file.
  for (let r = 0; r < 4; r++) {
    const row = [...subRows.subarray(5 * r, 5 * r + 5)];
    assert.ok(
      range(10).some((k) => row.every((v, c) => v === rows[5 * k + c])),
      `row ${r} of the subset is no row of the file`,
    );
  }
});

test('binary data errors are diagnostics at the path: shape against the data names, example counts, a bad file', () => {
  const labels = npy(
    range(10, (i) => i % 3),
    [10],
    '<i8',
  );
  const wide = onlyError(SRC_IMG, { 'img.idx': idx(range(90), [10, 3, 3]), 'lab.npy': labels });
  assert.equal(
    wide.message,
    'data file "img.idx" holds an array of shape [10, 3, 3] (10 examples of 9 numbers) but the data names on this line take 4; declare e.g. `data x[9] from …`',
  );
  assertRange(wide, [3, 21, 30]);
  const count = onlyError(SRC_IMG, { 'img.idx': idx(range(40), [10, 2, 2]), 'lab.npy': npy([1, 2], [2], '<i8') });
  assert.equal(count.message, 'data file "lab.npy" has 2 examples but an earlier data file has 10; every file must hold the same examples');
  assertRange(count, [4, 17, 26]);
  const bad = onlyError(SRC_IMG, { 'img.idx': Buffer.from('not data'), 'lab.npy': labels });
  assert.match(bad.message, /^data file "img\.idx": byte 0: not a NumPy \.npy file/);
  const nan = onlyError(SRC_IMG.replace('"lab.npy"', '"lab2.npy"'), { 'img.idx': idx(range(40), [10, 2, 2]), 'lab2.npy': npy([...range(9), NaN], [10]) });
  assert.match(nan.message, /^data file "lab2\.npy": byte \d+: example 9 \(0-based\), entry 0 is NaN/);
  // A reader without byte access (an old caller) is an error at the path, not an exception.
  const r = checkSource(SRC_IMG, { readFile: () => 'text' });
  assert.match(r.diagnostics[0].message, /cannot read the data file "img\.idx": binary data files cannot be read here/);
  // Too large a data set: the fix says to add `dataset size`.
  const big = errorsOf(SRC_IMG.replace('pixels[4]', 'pixels[4096]').replace('W[3, 4]', 'W[3, 4096]'), {
    'img.idx': idx(new Array(4096 * 4100).fill(1), [4100, 64, 64]),
    'lab.npy': npy(new Array(4100).fill(1), [4100]),
  });
  assert.match(big[0].message, /at most 16777216 \(128 MiB\) are kept in memory: add `dataset size = 4095`/);
});

test('files on disk: the regular-file checks apply, binary files reach simulation workers', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-npy-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'img.idx'),
      zlib.gzipSync(
        idx(
          range(40, (i) => (i * 37) % 256),
          [10, 2, 2],
        ),
      ),
    );
    fs.writeFileSync(
      path.join(dir, 'lab.npy'),
      npy(
        range(10, (i) => i % 3),
        [10],
        '<i8',
      ),
    );
    const src = SRC_IMG + 'train sgd(lr = 0.5, batch = 2, steps = 50, chains = 2, seed = 1)\n';
    const readFile = makeReadFile(dir, null);
    assert.ok(checkSource(src, { readFile }).model);
    const sim = await simulateSource(src, { readFile, workers: 2 });
    assert.equal(sim.runs[0].status, 'completed');
    // The translation of the logits (b → b + c·1) is conserved to rounding.
    assert.ok(sim.runs[0].lawResidual < 1e-12, `law (D) residual ${sim.runs[0].lawResidual}`);
    fs.mkdirSync(path.join(dir, 'sub.npy'));
    const d = checkSource(SRC_IMG.replace('lab.npy', 'sub.npy'), { readFile }).diagnostics[0];
    assert.match(d.message, /cannot read the data file "sub\.npy": it is a directory, not a regular file/);
    const outside = checkSource(SRC_IMG, { readFile: makeReadFile(dir, [path.join(dir, 'nowhere')]) }).diagnostics[0];
    assert.match(outside.message, /reading data files outside the workspace is disabled/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
