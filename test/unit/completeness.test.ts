// All conservation laws of gradient flow (THEORY.md §8, Marcotte, Gribonval & Peyré 2023): the count
// n − dim Lie(F)(θ) against the paper's results, and a law no linear symmetry explains.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { ConservationLaws } from '../../src/core/analysis/completeness';
import { isAnalysisResult } from '../../src/shared/protocol';

function laws(src: string): ConservationLaws {
  const r = analyzeSource(src);
  assert.ok(isAnalysisResult(JSON.parse(JSON.stringify(r))), 'the analysis with its count passes the protocol');
  const c = r.conservationLaws;
  assert.ok(c && 'count' in c, JSON.stringify(c));
  return c;
}

test('two-layer linear nets: r(r + 1)/2 conservation laws for hidden width r, all from GL(r)', () => {
  for (const [d, r, o] of [
    [3, 2, 2],
    [2, 3, 2],
    [2, 1, 3],
  ]) {
    const c = laws(
      `param U[${r}, ${d}] ~ normal(0, 1)\nparam W[${o}, ${r}] ~ normal(0, 1)\ndata x[${d}] ~ normal(0, 1)\ndata y[${o}] ~ normal(0, 1)\nloss = norm2(W @ (U @ x) - y) / 2\n`,
    );
    assert.equal(c.count, (r * (r + 1)) / 2, `d=${d} r=${r} o=${o}: ${c.summary}`);
    assert.equal(c.fromSymmetries, c.count);
    assert.match(c.summary, /are all the conservation laws|is all the conservation laws/);
    assert.ok(c.smallestAccepted > 1e3 * c.largestRejected, `rank gap ${c.smallestAccepted} vs ${c.largestRejected}`);
    assert.equal(c.clearGap, true);
  }
});

test('two-layer ReLU nets: one conservation law per hidden neuron', () => {
  for (const h of [2, 3]) {
    const c = laws(
      `param V[${h}, 2] ~ normal(0, 1)\nparam a[${h}] ~ normal(0, 1)\ndata x[2] ~ normal(0, 1)\ndata y ~ normal(0, 1)\nloss = (dot(a, relu(V @ x)) - y)^2 / 2\n`,
    );
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

test('brackets that vanish in exact arithmetic are not rank: a width-3 factorisation of a scalar has 2·3 − 1 laws, 5 of the 9 GL(3) charges independent', () => {
  // g = (u·v)x: every per-example gradient is a multiple of (v, u), so Lie(F) is that one field and
  // its brackets are rounding noise; the GL(3) charges uᵢuⱼ − vᵢvⱼ, uᵢvⱼ − … have rank 5 as functions.
  const c = laws('param u[3] ~ normal(0, 1)\nparam v[3] ~ normal(0, 1)\ndata x ~ normal(0, 1)\nloss = (dot(u, v) * x - x)^2\n');
  assert.equal(c.rank, 1, c.summary);
  assert.equal(c.count, 5);
  assert.equal(c.fromSymmetries, 5);
  assert.ok(c.vanished > 0, 'the brackets were tried and found to vanish to rounding');
});

test('ReLU nets with biases and several outputs: one law per hidden neuron, found at a point where every neuron is alive', () => {
  // The start kills neuron 2 for almost every input (its bias −3 against x ~ N(0, 1)): at that point
  // its five parameters look conserved. The rank is the largest over points, so random points fix it.
  const src =
    'param W1[3, 2] = [[0.3, -0.2], [0.5, 0.1], [-0.4, 0.7]]\nparam b1[3] = [0.1, -3, 0.3]\nparam W2[2, 3] = [[0.2, 0.4, -0.1], [0.6, -0.3, 0.2]]\n' +
    'data x[2] ~ normal(0, 1)\ndata e[2] ~ normal(0, 0.1)\nloss = norm2(W2 @ relu(W1 @ x + b1) - (x + e)) / 2\n';
  const c = laws(src);
  assert.equal(c.count, 3, c.summary);
  assert.equal(c.fromSymmetries, 3);
  // Deep linear chains: one GL(2) per hidden index, 3 independent charges each, and nothing else.
  const deep = laws(
    'param A[2, 2] ~ normal(0, 1)\nparam B[2, 2] ~ normal(0, 1)\nparam C[2, 2] ~ normal(0, 1)\ndata x[2] ~ normal(0, 1)\nloss = norm2(C @ (B @ (A @ x)) - x) / 2\n',
  );
  assert.equal(deep.count, 6, deep.summary);
  assert.equal(deep.fromSymmetries, 6);
});
