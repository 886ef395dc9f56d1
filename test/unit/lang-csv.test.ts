// `data … from "file.csv"`: loading, every CSV error with its row number, and the CSV example.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { checkSource } from '../../src/core/lang/check';
import { parseCsv, CsvError } from '../../src/core/lang/csv';
import { EXAMPLES, readExample } from './helpers';
import { applyFix, assertRange, check, fmt, lossFn, modelOk, onlyError } from './lang-helpers';

const SRC = 'param w = 1\ndata x, y from "d.csv"\nloss = (w*x - y)^2\n';

test('CSV rows fill the data names in order; a header row is skipped; a vector takes several columns', () => {
  const m = modelOk(SRC, { 'd.csv': 'x,y\n1,2\n3,4.5\n-1e-1,0\n' });
  assert.equal(m.dataset?.kind, 'file');
  assert.equal(m.dataset?.size, 3);
  assert.deepEqual([...(m.dataset?.rows ?? [])], [1, 2, 3, 4.5, -0.1, 0]);
  assert.equal(m.data[0].csv?.file, 'd.csv');
  assert.equal(m.data[0].dists, undefined);
  // Without a header, the first row is data.
  assert.equal(modelOk(SRC, { 'd.csv': '1,2\n3,4\n' }).dataset?.size, 2);
  // Blank lines, comment lines, CRLF, semicolons and tabs.
  const m2 = modelOk(SRC, { 'd.csv': '# made by hand\r\nx;y\r\n\r\n1;2\r\n3\t4\r\n' });
  assert.deepEqual([...(m2.dataset?.rows ?? [])], [1, 2, 3, 4]);
  // A vector name takes as many columns as it has entries; columns are laid out per data vector.
  const v = modelOk('param w[2] = 0\ndata x[2], y from "v.csv"\nloss = (dot(w, x) - y)^2\n', { 'v.csv': 'a,b,y\n1,2,3\n4,5,6\n' });
  assert.deepEqual(v.dataComponents, ['x[0]', 'x[1]', 'y']);
  assert.deepEqual([...(v.dataset?.rows ?? [])], [1, 2, 3, 4, 5, 6]);
  close3(lossFn(v)([0.5, -1], [1, 2, 3]), (0.5 - 2 - 3) ** 2);
});

function close3(a: number, b: number) {
  assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
}

test('two CSV files with the same number of rows are joined column-wise', () => {
  const src = 'param w = 1\ndata x from "x.csv"\ndata y from "y.csv"\nloss = (w*x - y)^2\n';
  const m = modelOk(src, { 'x.csv': 'x\n1\n2\n', 'y.csv': 'y\n10\n20\n' });
  assert.deepEqual([...(m.dataset?.rows ?? [])], [1, 10, 2, 20]);
  const d = onlyError(src, { 'x.csv': 'x\n1\n2\n', 'y.csv': 'y\n10\n' });
  assert.equal(d.message, 'data file "y.csv" has 1 rows but an earlier data file has 2; every file must hold the same examples');
  assertRange(d, [3, 13, 20]);
});

test('a missing file: error on the path with the reason', () => {
  const d = onlyError(SRC);
  assert.equal(d.message, 'cannot read the data file "d.csv": no such file (the path is relative to the .loss file)');
  assertRange(d, [2, 16, 23]);
  // Other read failures keep their message; no readFile at all is an error too, not an exception.
  const r = checkSource(SRC, {
    readFile: () => {
      throw new Error('EACCES: permission denied');
    },
  });
  assert.match(r.diagnostics[0].message, /cannot read the data file "d.csv": EACCES: permission denied/);
  const none = checkSource(SRC);
  assert.equal(none.model, undefined);
  assert.match(none.diagnostics[0].message, /cannot read the data file/);
});

test('a ragged row: its row number (1-based, as the editor counts lines)', () => {
  const d = onlyError(SRC, { 'd.csv': 'x,y\n1,2\n3,4\n5\n7,8\n' });
  assert.equal(d.message, 'data file "d.csv": row 4 has 1 column but the data names need 2');
  assertRange(d, [2, 16, 23]);
  const wide = onlyError(SRC, { 'd.csv': '1,2\n\n3,4,5\n' });
  assert.equal(wide.message, 'data file "d.csv": row 3 has 3 columns but the data names need 2');
  const hdr = onlyError(SRC, { 'd.csv': 'x,y,z\n1,2\n' });
  assert.match(hdr.message, /the header \(row 1\) has 3 columns but the data names need 2/);
});

test('a non-numeric cell: its row and column', () => {
  const d = onlyError(SRC, { 'd.csv': 'x,y\n1,2\n3,abc\n' });
  assert.equal(d.message, 'data file "d.csv": row 3, column 2: "abc" is not a finite number');
  const e = onlyError(SRC, { 'd.csv': '1,2\n,4\n' });
  assert.match(e.message, /row 2, column 1: "" is not a finite number/);
  const inf = onlyError(SRC, { 'd.csv': '1,2\n1e999,4\n' });
  assert.match(inf.message, /row 2, column 1: "1e999" is not a finite number/);
  // A second header-like row is not skipped.
  const h2 = onlyError(SRC, { 'd.csv': 'x,y\nx,y\n1,2\n' });
  assert.match(h2.message, /row 2, column 1: "x" is not a finite number/);
  const empty = onlyError(SRC, { 'd.csv': 'x,y\n\n' });
  assert.equal(empty.message, 'data file "d.csv": the file holds no data rows');
});

test('parseCsv throws only CsvError', () => {
  assert.throws(() => parseCsv('1,2\nx', 2), CsvError);
  assert.deepEqual(parseCsv(' 1 , 2 \n', 2), [[1, 2]]);
});

test('CSV data mixed with `~` data is rejected; `dataset size` larger than the file too', () => {
  const src = 'param w = 1\ndata x, y from "d.csv"\ndata z ~ normal(0, 1)\nloss = (w*x - y - z)^2\n';
  const d = onlyError(src, { 'd.csv': 'x,y\n1,2\n' });
  assert.match(d.message, /^a file that loads data from a data file cannot also draw data with `~`/);
  assertRange(d, [3, 6, 7]);
  const ds = onlyError(SRC + 'dataset size = 10\n', { 'd.csv': 'x,y\n1,2\n' });
  assert.equal(ds.message, 'the data files hold 1 examples, fewer than the 10 asked for');
  assertRange(ds, [4, 16, 18]);
  assert.equal(ds.fix?.replacement, '1');
});

test('`dataset size = N` keeps the first N CSV rows; with a seed a seeded subset in file order', () => {
  const rows = 'x,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${10 * i}`).join('\n') + '\n';
  const first = modelOk(SRC + 'dataset size = 3\n', { 'd.csv': rows });
  assert.deepEqual([...(first.dataset?.rows ?? [])], [0, 0, 1, 10, 2, 20]);
  assert.equal(first.dataset?.selection, 'first');
  assert.equal(first.dataset?.available, 20);
  const a = modelOk(SRC + 'dataset size = 5, seed = 7\n', { 'd.csv': rows });
  const b = modelOk(SRC + 'dataset size = 5, seed = 7\n', { 'd.csv': rows });
  const c = modelOk(SRC + 'dataset size = 5, seed = 8\n', { 'd.csv': rows });
  const xs = (m: typeof a) => [...(m.dataset?.rows ?? [])].filter((_, i) => i % 2 === 0);
  assert.deepEqual(xs(a), xs(b));
  assert.notDeepEqual(xs(a), xs(c));
  assert.equal(a.dataset?.selection, 'seeded');
  // Distinct rows, increasing, each x with its own y.
  assert.ok(xs(a).every((x, i, arr) => i === 0 || x > arr[i - 1]));
  const r = [...(a.dataset?.rows ?? [])];
  for (let i = 0; i < 5; i++) assert.equal(r[2 * i + 1], 10 * r[2 * i]);
  // A seed without data files is an error with a fix that removes it.
  const e = onlyError('param w = 1\ndata x ~ normal(0, 1)\ndataset size = 5, seed = 1\nloss = (w*x)^2\n');
  assert.match(e.message, /a `seed` chooses a subset of a data file's examples/);
  assertRange(e, [3, 17, 27]);
  assert.equal(applyFix('param w = 1\ndata x ~ normal(0, 1)\ndataset size = 5, seed = 1\nloss = (w*x)^2\n', e).split('\n')[2], 'dataset size = 5');
  const k = onlyError(SRC + 'dataset size = 5, sed = 1\n', { 'd.csv': rows });
  assert.match(k.message, /expected `seed = S` after the size, found `sed`/);
});

test('without_replacement is accepted with CSV data (a finite data set)', () => {
  const m = modelOk(SRC + 'train sgd(lr = 0.1, batch = 2, sampling = without_replacement)\n', { 'd.csv': '1,2\n3,4\n5,6\n' });
  assert.equal(m.trains[0].sampling, 'without_replacement');
});

test("a bad CSV error is one error among the file's others (recovery)", () => {
  const errs = check('param w = 1\ndata x, y from "d.csv"\nloss = (w*x - y)^2 + q\ntrain sgd(lr = 0)\n').diagnostics;
  assert.deepEqual(
    errs.map((d) => d.line),
    [2, 3, 4],
    errs.map(fmt).join('\n'),
  );
});

test('examples/csv-regression.loss: 200 rows, one proved rescaling symmetry, Σ from the data set', () => {
  const file = path.join(EXAMPLES, 'csv-regression.loss');
  const readFile = (p: string) => fs.readFileSync(path.resolve(path.dirname(file), p), 'utf8');
  const src = readExample('csv-regression.loss');
  const m = checkSource(src, { readFile }).model;
  assert.ok(m);
  assert.equal(m.dataset?.kind, 'file');
  assert.equal(m.dataset?.size, 200);
  // The data follow y ≈ 1.5 x: the least-squares slope over the file is near 1.5.
  const rows = m.dataset?.rows as Float64Array;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < 200; i++) {
    sxx += rows[2 * i] ** 2;
    sxy += rows[2 * i] * rows[2 * i + 1];
  }
  assert.ok(Math.abs(sxy / sxx - 1.5) < 0.1, `slope ${sxy / sxx}`);
  const r = analyzeSource(src, { readFile });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.symmetries.length, 1);
  const s = r.symmetries[0];
  assert.equal(s.kind, 'rescaling');
  assert.equal(s.status, 'proved');
  assert.deepEqual(s.involves, ['u', 'w']);
  assert.equal(r.noise?.method, 'dataset');
  assert.equal(r.noise?.samples, 200);
  // SGD balances the layers: the equilibrium on the orbit uw = 0.48 has |u| = |w|.
  assert.ok(s.equilibrium);
  const { u, w } = s.equilibrium.point;
  assert.ok(Math.abs(Math.abs(u) - Math.abs(w)) < 1e-6, `u=${u} w=${w}`);
  assert.ok(Math.abs(u * w - 1.6 * 0.3) < 1e-9);
});
