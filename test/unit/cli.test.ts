// The `noether` CLI: exit codes, JSON shape, no stack traces.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './helpers';

const BIN = path.join(ROOT, 'bin', 'noether.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });

test('analyze --json has the documented shape', () => {
  const r = run('analyze', 'examples/two-layer-scalar.loss', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.file, 'examples/two-layer-scalar.loss');
  assert.deepEqual(j.components, ['u', 'w']);
  assert.deepEqual(j.parameters, [
    { name: 'u', shape: [] },
    { name: 'w', shape: [] },
  ]);
  assert.deepEqual(j.initial, { u: 1.5, w: 0.2 });
  assert.equal(j.symmetries.length, 1);
  const s = j.symmetries[0];
  assert.equal(s.kind, 'rescaling');
  assert.equal(s.status, 'proved');
  assert.deepEqual(s.matrix, [
    [1, 0],
    [0, -1],
  ]);
  assert.equal(s.charge.text, 'u² − w²');
  assert.equal(typeof s.charge.tex, 'string');
  for (const k of ['gradientFlow', 'sgdStep', 'sgdContinuous']) assert.equal(typeof s.laws[k], 'string');
  assert.deepEqual(Object.keys(s.equilibrium.point), ['u', 'w']);
  assert.deepEqual(j.diagnostics, []);
  // predictions: one per train line with noise (the sgd line; the gd line has none).
  assert.equal(j.predictions.length, 1);
  const p = j.predictions[0];
  for (const k of ['run', 'optimizer', 'lr', 'batch', 'weightDecay', 'endPoint', 'charges', 'relaxationSteps', 'status']) assert.ok(k in p, k);
  assert.deepEqual([p.run, p.optimizer, p.lr, p.batch, p.weightDecay, p.status], [0, 'sgd', 0.05, 4, 0, 'equilibrium']);
  assert.deepEqual(Object.keys(p.endPoint), ['u', 'w']);
  assert.equal(p.charges.length, 1);
  assert.equal(typeof p.relaxationSteps, 'number');
});

test('matrix components are named U[i,j] in order', () => {
  const r = run('analyze', 'examples/two-layer-matrix.loss', '--json');
  const j = JSON.parse(r.stdout);
  assert.equal(j.components[1], 'U[0,1]');
  assert.equal(j.components.length, 18);
  assert.equal(j.symmetries[0].matrix.length, 18);
});

test('a file with errors exits 1 and still prints diagnostics as JSON', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-'));
  const f = path.join(dir, 'bad.loss');
  fs.writeFileSync(f, 'param w = 1\nloss = (w2 - 1)^2\n');
  const r = run('analyze', f, '--json');
  assert.equal(r.status, 1);
  const j = JSON.parse(r.stdout);
  assert.equal(j.diagnostics.length, 1);
  assert.deepEqual(
    { line: j.diagnostics[0].line, column: j.diagnostics[0].column, endColumn: j.diagnostics[0].endColumn, severity: j.diagnostics[0].severity },
    { line: 2, column: 9, endColumn: 11, severity: 'error' },
  );
  assert.match(j.diagnostics[0].message, /unknown name `w2`; did you mean `w`\?/);
  const text = run('analyze', f);
  assert.equal(text.status, 1);
  assert.match(text.stderr, /bad\.loss:2:9: error: unknown name/);
  assert.doesNotMatch(text.stderr, /\n\s+at /);
});

test('usage errors exit 2 without a stack trace', () => {
  for (const args of [[], ['frobnicate'], ['analyze'], ['analyze', 'no-such-file.loss'], ['analyze', 'a', 'b'], ['analyze', 'x.loss', '--bogus']]) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage: noether/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test("simulate prints a deep chain's product law as text (its theory has no per-component variances)", () => {
  // u·w·x is a deep chain: stationary.theory is the law of the product, with empty mean/var records.
  const r = spawnSync(process.execPath, [BIN, 'simulate', path.join(ROOT, 'examples', 'two-layer-scalar.loss'), '--steps', '1500', '--chains', '4'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /product u·w, continuous-time law .*mode [\d.]+/);
  assert.match(r.stdout, /quantiles theory vs measured ± SE: q10 [\d.]+ vs [\d.]+ ± [\d.e-]+; q25 /);
});
