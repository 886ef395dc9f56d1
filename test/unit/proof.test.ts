// Constants reach nerdamer as exact rationals: never approximated by another number.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rationalText } from '../../src/core/analysis/proof';

test('rationalText is exact: simplest fraction that rounds to the double, else its decimal', () => {
  assert.equal(rationalText(0.1), '(1/10)');
  assert.equal(rationalText(1 / 3), '(1/3)');
  assert.equal(rationalText(-2.5), '-(5/2)');
  assert.equal(rationalText(7), '7');
  assert.equal(rationalText(1e-17), '(1/100000000000000000)');
  assert.equal(rationalText(123456789.123), '(123456789123/1000)');
  assert.equal(rationalText(1.5e-300), `(15/1${'0'.repeat(301)})`);
  for (const v of [0.1, 1 / 3, 1e-17, 123456789.123, Math.PI, 2 ** -40, 6.02e23]) {
    const m = /^-?\(?(\d+)(?:\/(\d+))?\)?$/.exec(rationalText(v)) as RegExpExecArray;
    assert.ok(m, rationalText(v));
    assert.equal(Number(m[1]) / Number(m[2] ?? '1'), v, `${v} → ${rationalText(v)}`);
  }
});
