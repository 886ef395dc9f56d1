// Bounded work for large legal files (issue 10, items 4 and 6): the scalar view's size limit (past
// it the tensor path, never a refusal), the tensor graph's, the data set's memory, the number of
// train lines, and the editor's quick check.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkSource, MAX_DATASET_VALUES, MAX_SCALAR_OPERATIONS, MAX_TRAIN_LINES, QUICK_CHECK_MAX_ENTRIES } from '../../src/core/lang/check';
import { hasScalarView } from '../../src/core/lang/model';
import { simulateSource } from '../../src/core/numeric/runner';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { applyFix, errorsOf, fmt, onlyError } from './lang-helpers';

/** A two-layer tanh network k × k: about 6k² scalar operations in its loss. */
function tanhNet(k: number): string {
  return `param W[${k},${k}] ~ normal(0, 0.1)\nparam V[${k},${k}] ~ normal(0, 0.1)\ndata x[${k}] ~ normal(0, 1)\nloss = sum((V@tanh(W@x) - x)^2)\ntrain sgd(lr = 0.001, steps = 4, chains = 2)\n`;
}

/** 40 parameters and a large data matrix: the full Hessian (up to 40 components) is generated from the scalar view. */
function hessianModel(rows: number): string {
  return `param w[40] ~ normal(0, 0.1)\ndata X[${rows},40] ~ normal(0, 1)\nloss = sum(tanh(X@w)^2)\ntrain sgd(lr = 0.001, steps = 4, chains = 2)\n`;
}

test('a loss past MAX_SCALAR_OPERATIONS gets no scalar view and takes the tensor path: no error, no stack overflow', async () => {
  // 40 components (a scalar view's full Hessian would be generated) and 24439 operations; with 300
  // rows (36639 operations) the straight-line code overflowed a worker's stack.
  const src = hessianModel(200);
  assert.deepEqual(errorsOf(src).map(fmt), []);
  const m = checkSource(src).model!;
  assert.equal(hasScalarView(m), false);
  assert.equal(m.scalarOperations, undefined);
  const a = analyzeSource(src);
  assert.deepEqual(
    a.diagnostics.filter((x) => x.severity === 'error'),
    [],
  );
  for (const workers of [0, 2]) {
    const r = await simulateSource(src, { workers, analysis: a });
    assert.equal(r.runs[0].steps, 4);
    assert.ok(Number.isFinite(r.runs[0].series.lossMean[0]), `workers ${workers}`);
  }
  // Under the limit the same model keeps its scalar view, and says how large it is.
  const small = checkSource(hessianModel(80)).model!;
  assert.ok(hasScalarView(small));
  assert.equal(small.scalarOperations, 9799);
  assert.ok(9799 <= MAX_SCALAR_OPERATIONS);
});

test('a large tanh network (no scalar view) analyses and simulates in worker threads and in this thread', async () => {
  const src = tanhNet(57); // 6498 components: the tensor path
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
  assert.equal(
    d.message,
    `at most ${MAX_TRAIN_LINES} \`train\` lines per file (each is a run with its own worker threads); this one and the 2 after it are 3 too many: split them over several files`,
  );
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

  // A network lowers to a handful of tensor nodes: the quick check completes (no scalar view).
  const net = checkSource(tanhNet(100), { quick: true });
  assert.deepEqual(net.diagnostics, []);
  assert.equal(net.incomplete, undefined);
  // Past QUICK_CHECK_MAX_ENTRIES tensor entries the quick check stops early (no error of its own),
  // the full check goes on.
  const lets = Array.from({ length: 12 }, (_, i) => `let A${i + 1} = A${i} * W + W`).join('\n');
  const big = `param W[300, 300] ~ normal(0, 0.01)\ndata x[300] ~ normal(0, 1)\nlet A0 = W\n${lets}\nloss = norm2(A12 @ x)\ntrain sgd(lr = 0.001, steps = 4)\n`;
  assert.ok(12 * 2 * 300 * 300 > QUICK_CHECK_MAX_ENTRIES);
  const t0 = performance.now();
  const q = checkSource(big, { quick: true });
  const quickMs = performance.now() - t0;
  assert.deepEqual(q.incomplete, ['size']);
  assert.deepEqual(q.diagnostics, []);
  // Errors before the budget ran out, and in train lines, are reported.
  assert.match(checkSource(big.replace('steps = 4', 'stepz = 4'), { quick: true }).diagnostics[0]?.message ?? '', /unknown key `stepz`/);
  const full = checkSource(big);
  assert.deepEqual(full.diagnostics, []);
  assert.ok(full.model);
  assert.ok(quickMs < 2000, `${quickMs} ms`);
});

test('a matrix product past the graph limit is refused before it is built, at its statement, in the quick and the full check', () => {
  // [5000, 1] @ [1, 5000]: 2.5·10⁷ entries, past MAX_GRAPH_ENTRIES; as constants, 2.5·10⁷
  // multiplications and a key of as many numbers would have been computed before the check.
  const col = `[${Array.from({ length: 5000 }, () => '[1]').join(',')}]`;
  const row = `[[${Array.from({ length: 5000 }, () => '1').join(',')}]]`;
  for (const src of [
    'param w = 1\ndata a[5000, 1] ~ normal(0, 1)\ndata b[1, 5000] ~ normal(0, 1)\nlet A = a @ b\nloss = sum(A) * w\n',
    `param w = 1\nlet a = ${col}\nlet b = ${row}\nlet A = a @ b\nloss = sum(A) * w\n`,
  ]) {
    for (const quick of [false, true]) {
      const t0 = performance.now();
      const r = checkSource(src, { quick });
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `${ms} ms (quick: ${quick})`);
      const d = r.diagnostics.find((x) => x.severity === 'error');
      assert.match(d?.message ?? '', /^the problem is too large \(more than 20000000 intermediate values per example\)/);
      assert.equal(d?.line, 4);
    }
  }
});
