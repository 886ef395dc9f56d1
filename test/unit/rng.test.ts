// The kernels' inline normal generator (the ziggurat) against the standard normal: moments, the
// probability of every layer boundary and of the tail beyond the ziggurat's base (R = 3.44), each
// within 5 standard errors of its exact value; and the uniform draws it starts from.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { normalInto, ZIGGURAT } from '../../src/core/numeric/kernelCommon';

/** n normals from the kernels' generated code, seeded like a chain. */
function draw(n: number, seed: number): Float64Array {
  const body = `let s0 = ${seed} | 0, s1 = ${seed * 7 + 3} | 0, s2 = ${seed * 13 + 5} | 0, s3 = ${seed * 31 + 11} | 0, rv = 0;
for (let k = 0; k < out.length; k++) { ${normalInto('rv')} out[k] = rv; }`;
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- the generator's own source, as the kernels use it
  const f = new Function('out', 'ZG', body) as (out: Float64Array, zg: Float64Array) => void;
  const out = new Float64Array(n);
  f(out, ZIGGURAT);
  return out;
}

/** Standard normal CDF by Simpson's rule on a fine grid (its error is far below the tolerances). */
function phi(x: number): number {
  const a = -12;
  const steps = 200000;
  const h = (x - a) / steps;
  let s = 0;
  for (let i = 0; i <= steps; i++) {
    const t = a + i * h;
    const w = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    s += w * Math.exp(-0.5 * t * t);
  }
  return (s * h) / 3 / Math.sqrt(2 * Math.PI);
}

test('ziggurat normals: mean, variance, kurtosis and the probabilities of layer edges and the tail within 5 SE', () => {
  const n = 4_000_000;
  const x = draw(n, 12345);
  let m1 = 0;
  let m2 = 0;
  let m4 = 0;
  for (const v of x) {
    m1 += v;
    m2 += v * v;
    m4 += v ** 4;
  }
  m1 /= n;
  m2 /= n;
  m4 /= n;
  // SEs of the sample moments of N(0,1): √(1/n), √(2/n) and √(96/n) for E[x⁴] = 3.
  assert.ok(Math.abs(m1) < 5 / Math.sqrt(n), `mean ${m1}`);
  assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), `variance ${m2}`);
  assert.ok(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / n), `fourth moment ${m4}`);
  // P(|X| > c) at layer edges (rectangle/wedge boundaries) and far in the tail.
  const edges = [ZIGGURAT[120], ZIGGURAT[64], ZIGGURAT[16], ZIGGURAT[2], ZIGGURAT[1], 4];
  for (const c of edges) {
    let k = 0;
    for (const v of x) if (Math.abs(v) > c) k++;
    const p = 2 * (1 - phi(c));
    const se = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(k / n - p) < 5 * se + 1e-12, `P(|X| > ${c.toFixed(4)}) = ${k / n} vs ${p}`);
  }
});

test('ziggurat normals from different seeds are uncorrelated, and successive draws too', () => {
  const n = 1_000_000;
  const a = draw(n, 1);
  const b = draw(n, 2);
  let ab = 0;
  let lag = 0;
  for (let i = 0; i < n; i++) {
    ab += a[i] * b[i];
    if (i > 0) lag += a[i] * a[i - 1];
  }
  assert.ok(Math.abs(ab / n) < 5 / Math.sqrt(n), `cross correlation ${ab / n}`);
  assert.ok(Math.abs(lag / (n - 1)) < 5 / Math.sqrt(n), `lag-1 correlation ${lag / (n - 1)}`);
});
