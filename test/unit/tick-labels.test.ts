// Axis tick labels (webview/common/format.ts): a reader's form (20k, 2·10⁵, three significant
// digits), and as many more digits as it takes for neighbouring ticks not to read the same — the
// sweep plot of E[w] ≈ 2 ± 0.003 in the workbench was labelled "2, 2, 2, 1.99".
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fmtTick, fmtTicks } from '../../webview/common/format';

test('fmtTick: k and M, powers of ten, three significant digits', () => {
  assert.equal(fmtTick(20000), '20k');
  assert.equal(fmtTick(2e5), '200k');
  assert.equal(fmtTick(1.5e6), '1.5M');
  assert.equal(fmtTick(2e-4), '2·10⁻⁴');
  assert.equal(fmtTick(-0.0125), '−0.0125');
  assert.equal(fmtTick(1.9984), '2');
});

test('fmtTicks: more digits only where neighbours would read the same', () => {
  assert.deepEqual(fmtTicks([1.994, 1.996, 1.998, 2]), ['1.994', '1.996', '1.998', '2']);
  assert.deepEqual(fmtTicks([1.9995, 2, 2.0005]), ['1.9995', '2', '2.0005']);
  assert.deepEqual(fmtTicks([0, 0.25, 0.5, 0.75, 1]), ['0', '0.25', '0.5', '0.75', '1']);
  assert.deepEqual(fmtTicks([10000, 15000, 20000]), ['10k', '15k', '20k']);
  assert.deepEqual(fmtTicks([100000, 100010, 100020]), ['100k', '100.01k', '100.02k']);
  // Gaps (uPlot passes null for a split it leaves unlabelled) stay empty and do not count.
  assert.deepEqual(fmtTicks([null, 1, undefined, 2]), ['', '1', '', '2']);
});
