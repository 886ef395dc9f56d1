// Regression tests for the defects of issue 11 that the core and the protocol can show without
// VS Code (the panel matched by tab label is tested in test/integration/robustness.test.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { datasetRows } from '../../src/core/analysis/points';
import { expandInData, mulPoly, NotPolynomial, numberRing, Poly, WorkBudget } from '../../src/core/analysis/polynomial';
import { componentSpan } from '../../src/core/lang/symbols';
import { isFromWebviewMessage } from '../../src/shared/protocol';
import { modelOf } from './helpers';

test('"Show in editor": a parameter declared after another on one param line is found at its name', () => {
  const source = ['# u and w', 'param u = 1, w = 2', 'param W[2,2] = 0', 'data x ~ normal(0, 1)', 'let y = w*x', 'loss = (u*y + sum(W)*x)^2', ''].join('\n');
  // 1-based spans: `w` is the 14th character of line 2.
  assert.deepEqual(componentSpan(source, 'w'), { line: 2, column: 14, endLine: 2, endColumn: 15 });
  assert.deepEqual(componentSpan(source, 'u'), { line: 2, column: 7, endLine: 2, endColumn: 8 });
  // A tensor's component: its parameter's name.
  assert.deepEqual(componentSpan(source, 'W[1,0]'), { line: 3, column: 7, endLine: 3, endColumn: 8 });
  // Other declarations, and names only used.
  assert.deepEqual(componentSpan(source, 'y'), { line: 5, column: 5, endLine: 5, endColumn: 6 });
  assert.equal(componentSpan(source, 'v'), undefined);
});

test('datasetRows: each seed its own drawn set, and the model is not written to', () => {
  const source = ['param w = 0', 'data x ~ normal(0, 1)', 'dataset size = 6', 'loss = (w*x - x)^2', 'train sgd(lr = 0.1, seed = 1)', ''].join('\n');
  const model = modelOf(source);
  const one = datasetRows(model, 1);
  const two = datasetRows(model, 2);
  assert.ok(one && two);
  assert.notDeepEqual([...two], [...one], 'seed 2 draws another set than seed 1');
  assert.deepEqual([...(datasetRows(modelOf(source), 2) as Float64Array)], [...two], 'the set of seed 2 does not depend on what was drawn before');
  assert.deepEqual([...(datasetRows(model, 1) as Float64Array)], [...one], 'drawn again, the same set');
  assert.deepEqual([...(datasetRows(model) as Float64Array)], [...one], "the default seed is the train line's");
  assert.equal(model.dataset?.rows, undefined, 'the model keeps no drawn rows');
});

test('polynomial expansion: the work budget belongs to one call, not to the module', () => {
  const model = modelOf(['param u = 1', 'param w = 2', 'data x ~ normal(0, 1)', 'data y ~ normal(0, 1)', 'loss = (u*x + w*y)^4', ''].join('\n'));
  const ring = numberRing([1, 2]);
  assert.throws(() => expandInData(model.graph, [model.loss], ring, 1), NotPolynomial, 'a budget of one product is spent at once');
  // Another computation after the one that ran out of its budget has its own.
  const a: Poly<number> = new Map([
    ['0:1', 1],
    ['1:1', 2],
  ]);
  assert.deepEqual([...mulPoly(ring, a, a)].sort(), [
    ['0:1,1:1', 4],
    ['0:2', 1],
    ['1:2', 4],
  ]);
  assert.equal(expandInData(model.graph, [model.loss], ring)[0].size, 5, '(x + 2y)^4 has five terms');
  // Budgets shared explicitly add up, separate ones do not.
  const shared = new WorkBudget(6);
  mulPoly(ring, a, a, shared);
  assert.throws(() => mulPoly(ring, a, a, shared), NotPolynomial);
  mulPoly(ring, a, a, new WorkBudget(6));
});

test('protocol: the refresh command the panel asks for after a reload is a webview command', () => {
  assert.equal(isFromWebviewMessage({ type: 'command', id: 1, command: 'refresh' }), true);
  assert.equal(isFromWebviewMessage({ type: 'command', id: 2, command: 'reload' }), false);
});
