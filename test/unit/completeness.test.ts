// All conservation laws of gradient flow (THEORY.md §8, Marcotte, Gribonval & Peyré 2023): the count
// n − dim Lie(F)(θ) against the paper's results, and a law no linear symmetry explains.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { ConservationLaws } from '../../src/core/analysis/completeness';

function laws(src: string): ConservationLaws {
  const r = analyzeSource(src);
  const c = r.conservationLaws;
  assert.ok(c && 'count' in c, JSON.stringify(c));
  return c as ConservationLaws;
}

test('two-layer linear nets: r(r + 1)/2 conservation laws for hidden width r, all from GL(r)', () => {
  for (const [d, r, o] of [[3, 2, 2], [2, 3, 2], [2, 1, 3]]) {
    const c = laws(`param U[${r}, ${d}] ~ normal(0, 1)\nparam W[${o}, ${r}] ~ normal(0, 1)\ndata x[${d}] ~ normal(0, 1)\ndata y[${o}] ~ normal(0, 1)\nloss = norm2(W @ (U @ x) - y) / 2\n`);
    assert.equal(c.count, (r * (r + 1)) / 2, `d=${d} r=${r} o=${o}: ${c.summary}`);
    assert.equal(c.fromSymmetries, c.count);
    assert.match(c.summary, /are all the conservation laws|is all the conservation laws/);
    assert.ok(c.smallestAccepted > 1e3 * c.largestRejected, `rank gap ${c.smallestAccepted} vs ${c.largestRejected}`);
  }
});

test('two-layer ReLU nets: one conservation law per hidden neuron', () => {
  for (const h of [2, 3]) {
    const c = laws(`param V[${h}, 2] ~ normal(0, 1)\nparam a[${h}] ~ normal(0, 1)\ndata x[2] ~ normal(0, 1)\ndata y ~ normal(0, 1)\nloss = (dot(a, relu(V @ x)) - y)^2 / 2\n`);
    assert.equal(c.count, h, c.summary);
    assert.equal(c.fromSymmetries, h);
  }
});

test('u·(w + 1)·x conserves u² − (w + 1)², which no linear symmetry explains; tanh conserves nothing', () => {
  const c = laws('param u ~ normal(0, 1)\nparam w ~ normal(0, 1)\ndata x ~ normal(0, 1)\ndata y ~ normal(0, 1)\nloss = (u * (w + 1) * x - y)^2 / 2\n');
  assert.equal(c.count, 1);
  assert.equal(c.fromSymmetries, 0);
  assert.match(c.summary, /^1 further conservation law exists that no linear symmetry explains/);
  const t = laws('param a ~ normal(0, 1)\nparam b ~ normal(0, 1)\ndata x ~ normal(0, 1)\ndata y ~ normal(0, 1)\nloss = (a * tanh(b * x) - y)^2 / 2\n');
  assert.equal(t.count, 0, t.summary);
});
