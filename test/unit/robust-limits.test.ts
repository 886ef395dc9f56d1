// Bounded work for large legal files (issue 10, items 4 and 6): the scalar engine's size limit, the
// data set's memory, the number of train lines, and the editor's quick check.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkSource, MAX_DATASET_VALUES, MAX_SCALAR_OPERATIONS, MAX_TRAIN_LINES, QUICK_CHECK_MAX_NODES } from '../../src/core/lang/check';
import { simulateSource } from '../../src/core/numeric/runner';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { applyFix, errorsOf, fmt, onlyError } from './lang-helpers';

/** A two-layer tanh network k × k: about 6k² scalar operations in its loss. */
function tanhNet(k: number): string {
  return `param W[${k},${k}] ~ normal(0, 0.1)\nparam V[${k},${k}] ~ normal(0, 0.1)\ndata x[${k}] ~ normal(0, 1)\nloss = sum((V@tanh(W@x) - x)^2)\ntrain sgd(lr = 0.001, steps = 4, chains = 2)\n`;
}

test('a loss past MAX_SCALAR_OPERATIONS is an error at the loss expression, not a stack overflow', () => {
  const src = tanhNet(80); // 38719 operations: its Hessian-vector product overflowed the stack
  const d = onlyError(src);
  assert.match(d.message, new RegExp(`^this model is too large for the scalar engine: 38719 operations, limit ${MAX_SCALAR_OPERATIONS} `));
  assert.deepEqual([d.line, d.column, d.endLine, d.endColumn], [4, 8, 4, 32]);
  // The CLI's analysis reports it as an error of the file (exit 1), not an internal error.
  const a = analyzeSource(src);
  assert.deepEqual(a.diagnostics.map((x) => x.severity), ['error']);
});

test('the largest tanh network under the limit analyses and simulates in worker threads and in this thread', async () => {
  const src = tanhNet(57); // 19607 operations
  assert.deepEqual(errorsOf(src).map(fmt), []);
  const a = analyzeSource(src);
  assert.equal(a.components.length, 2 * 57 * 57);
  for (const workers of [0, 2]) {
    const r = await simulateSource(src, { workers, analysis: a });
    assert.equal(r.runs[0].steps, 4);
    assert.ok(Number.isFinite(r.runs[0].series.lossMean[0]), `workers ${workers}`);
  }
});

test('`dataset size` × data components is bounded by MAX_DATASET_VALUES, with the largest size as the fix', () => {
  const src = 'param w[4] ~ normal(0, 1)\ndata x[4096] ~ normal(0, 1)\ndataset size = 10000\nloss = sum(x) * sum(w)^2\n';
  const d = onlyError(src);
  assert.equal(
    d.message,
    `the data set would hold 10000 examples × 4096 data components = 40960000 numbers; at most ${MAX_DATASET_VALUES} (128 MiB) are kept in memory, so at most 4096 examples here`,
  );
  assert.deepEqual([d.line, d.column, d.endColumn], [3, 16, 21]);
  assert.deepEqual(errorsOf(applyFix(src, d)).map(fmt), []);
});

test(`at most ${MAX_TRAIN_LINES} train lines: one error on the first line past the limit`, () => {
  const trains = Array.from({ length: MAX_TRAIN_LINES + 3 }, (_, i) => `train sgd(lr = 0.01, seed = ${i})`).join('\n');
  const src = `param w = 1\ndata x ~ normal(0, 1)\nloss = (w*x)^2\n${trains}\n`;
  const d = onlyError(src);
  assert.equal(d.message, `at most ${MAX_TRAIN_LINES} \`train\` lines per file (each is a run with its own worker threads); this one and the 2 after it are 3 too many: split them over several files`);
  assert.equal(d.line, 4 + MAX_TRAIN_LINES);
  const ok = `param w = 1\ndata x ~ normal(0, 1)\nloss = (w*x)^2\n${trains.split('\n').slice(0, MAX_TRAIN_LINES).join('\n')}\n`;
  assert.equal(checkSource(ok).model?.trains.length, MAX_TRAIN_LINES);
});

test('the quick check reads no data file and stops lowering past its budget', () => {
  let reads = 0;
  const csv = 'param u = 1\ndata x, y from "d.csv"\nloss = (u*x - y)^2\ntrain sgd(lr = 0.1, batch = 2)\n';
  const quick = checkSource(csv, { quick: true, readFile: () => (reads++, 'x,y\n1,2\n') });
  assert.equal(reads, 0);
  assert.deepEqual(quick.diagnostics, []);
  assert.equal(quick.model, undefined);
  assert.deepEqual(quick.incomplete, ['data-files']);
  // `without_replacement` needs a finite data set: the CSV counts as one without being read.
  assert.deepEqual(checkSource(csv.replace('batch = 2', 'sampling = without_replacement'), { quick: true }).diagnostics, []);
  // Errors that do not need the file are still reported.
  assert.match(checkSource(csv.replace('(u*x', '(q*x'), { quick: true }).diagnostics[0].message, /unknown name `q`/);

  // A large loss: the quick check stops early (no error of its own), the full check goes on.
  const big = tanhNet(100); // 60399 operations
  const t0 = performance.now();
  const q = checkSource(big, { quick: true });
  const quickMs = performance.now() - t0;
  assert.deepEqual(q.incomplete, ['size']);
  assert.deepEqual(q.diagnostics, []);
  // Errors before the budget ran out are reported.
  assert.match(checkSource(big.replace('steps = 4', 'stepz = 4'), { quick: true }).diagnostics[0]?.message ?? '', /unknown key `stepz`/);
  const full = checkSource(big);
  assert.match(full.diagnostics[0]?.message ?? '', /too large for the scalar engine/);
  assert.ok(QUICK_CHECK_MAX_NODES < 60399);
  assert.ok(quickMs < 2000, `${quickMs} ms`);
});

test('a matrix product past the graph limit is refused before it is built, at its statement, in the quick and the full check', () => {
  // 120×120 @ 120×120: 3.5·10⁶ nodes, which took 11 s to build before being refused.
  const src = 'param W[120, 120] ~ normal(0, 1)\ndata x ~ normal(0, 1)\nlet A = W @ W\nloss = sum(A) * x\n';
  for (const quick of [false, true]) {
    const t0 = performance.now();
    const r = checkSource(src, { quick });
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `${ms} ms (quick: ${quick})`);
    const d = r.diagnostics.find((x) => x.severity === 'error');
    assert.match(d?.message ?? '', /^the problem is too large to analyse: lowering it takes more than 500000 scalar operations \(a loss may have at most 20000\)/);
    assert.equal(d?.line, 3);
  }
});
