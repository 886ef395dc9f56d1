// Law (C)'s bookkeeping: all charges as one form table (the same values as one form at a time), and
// the running sum of expected increments on its grid of steps, read at record points between grid
// points by linear extrapolation, each time within its own error estimate.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { evalForm, FormTable, SparseForm } from '../../src/core/analysis/forms';
import { LawCAccumulator, nextGridStep } from '../../src/core/numeric/lawC';
import { Rng } from '../../src/core/util/rng';

test('a form table evaluates every charge as its form does: quadratic, linear and empty ones', () => {
  const rng = new Rng(5, 0, 0);
  const n = 30;
  const form = (terms: number, quadratic: boolean): SparseForm => ({
    i: Int32Array.from({ length: terms }, () => Math.floor(rng.uniform() * n)),
    j: Int32Array.from({ length: terms }, () => (quadratic ? Math.floor(rng.uniform() * n) : -1)),
    c: Float64Array.from({ length: terms }, () => rng.normal()),
  });
  const forms = [form(40, true), form(7, false), form(0, true), form(1, true), form(12, false)];
  const table = new FormTable(forms);
  assert.equal(table.charges, 5);
  assert.equal(table.terms, 60);
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const out = new Float64Array(forms.length);
  table.evaluate(x, out);
  forms.forEach((f, k) => assert.equal(out[k], evalForm(f, x), `charge ${k}`));
});

/**
 * Feeds the accumulator d(t) on its grid only (every step early on, then every t/64, and the last
 * step) and reads it at every record point r. Returns the worst error of the whole sum, the worst
 * error of the extrapolation past the last grid point (beyond a…r−1) and of its own estimate, and
 * how often the extrapolation's error exceeded its estimate.
 */
function sweep(d: (t: number) => number, steps: number, recordEvery: number) {
  const acc = new LawCAccumulator(1);
  const inc = new Float64Array(1);
  let exact = 0;
  let atGrid = 0;
  let nextGrid = 0;
  const out = { worst: 0, worstBeyond: 0, worstEstimate: 0, exceeded: 0, records: 0, total: 0 };
  for (let t = 0; t <= steps; t++) {
    if (t === nextGrid || t === steps) {
      inc[0] = d(t);
      acc.add(t, inc);
      nextGrid = nextGridStep(t);
      atGrid = exact;
    }
    if (t % recordEvery === 0 || t === steps) {
      const beyond = Math.abs(acc.sumTo(0, t) - acc.fine[0] - (exact - atGrid));
      const estimate = acc.extrapolationError(0, t);
      out.records++;
      if (beyond > estimate + 1e-12 * (1 + Math.abs(exact))) out.exceeded++;
      out.worstBeyond = Math.max(out.worstBeyond, beyond);
      out.worstEstimate = Math.max(out.worstEstimate, estimate);
      out.worst = Math.max(out.worst, Math.abs(acc.sumTo(0, t) - exact));
    }
    exact += d(t);
  }
  out.total = exact;
  return out;
}

test('law (C) between grid points: exact for linear increments, within its estimate for curved ones', () => {
  // Linear increments: the trapezoid with its endpoint term and the extrapolation are both exact.
  const lin = sweep((t) => 0.002 - 1e-7 * t, 20000, 7);
  assert.ok(lin.worst <= 1e-9 * Math.abs(lin.total), `linear: worst error ${lin.worst}`);
  assert.ok(lin.worstEstimate <= 1e-12 * Math.abs(lin.total), `linear: estimate ${lin.worstEstimate}`);
  // Constant curvature, and a relaxation (its curvature shrinking, as a charge's drift does on its
  // way to equilibrium): the extrapolation within its estimate at every record point.
  for (const [what, d] of [
    ['quadratic', (t: number) => 0.5 + 1e-4 * t - 3e-8 * t * t],
    ['relaxation', (t: number) => 0.01 + Math.exp(-t / 700)],
    ['slow relaxation', (t: number) => 1 / (1 + t / 50)],
  ] as const) {
    const r = sweep(d, 30000, 11);
    assert.equal(r.exceeded, 0, `${what}: the extrapolation beyond its estimate at ${r.exceeded} of ${r.records} records`);
    assert.ok(r.worstEstimate < 1e-3 * Math.abs(r.total), `${what}: estimate ${r.worstEstimate} of a sum ${r.total}, not a vacuous bound`);
  }
  // An oscillation (d″ changing sign every ~940 steps): the estimate, read from the last two
  // intervals, lags the curvature where it turns, but keeps the error's size.
  const osc = sweep((t) => 0.01 + 0.3 * Math.sin(t / 300), 30000, 11);
  assert.ok(osc.worstBeyond <= 2 * osc.worstEstimate, `oscillation: worst error ${osc.worstBeyond}, worst estimate ${osc.worstEstimate}`);
  assert.ok(osc.exceeded <= 0.05 * osc.records, `oscillation: beyond its estimate at ${osc.exceeded} of ${osc.records} records`);
});
