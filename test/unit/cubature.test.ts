// The expected gradient of large models without a closed form: where the loss is a polynomial of
// degree ≤ 3 in independent (and, at degree 3, symmetric) data, the 2d-point cubature rule is exact.
// Checked against the closed-form expectation of the scalar view on small models, at random θ.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cubaturePoints, expectedGradient } from '../../src/core/analysis/expectedLoss';
import { compileLossGradient, gradientTensors } from '../../src/core/tensor/evaluate';
import { dataDegree } from '../../src/core/tensor/degree';
import { Rng } from '../../src/core/util/rng';
import { modelOf } from './helpers';

const HEAD = 'param W[2, 3] ~ normal(0, 0.5)\nparam v[2] ~ normal(0, 0.5)\n';
const TRAIN = '\ntrain sgd(lr = 0.01, batch = 1, steps = 10, seed = 1)\n';

/** Average of the loss and gradient over the cubature points. */
function cubatureAverage(src: string, theta: Float64Array): { loss: number; grad: Float64Array } | undefined {
  const model = modelOf(src);
  const pts = cubaturePoints(model);
  if (!pts) return undefined;
  const n = model.components.length;
  const d = model.dataComponents.length;
  const ev = compileLossGradient(model);
  const out = new Float64Array(1 + n);
  const grad = new Float64Array(n);
  let loss = 0;
  const count = pts.length / d;
  for (let e = 0; e < count; e++) {
    ev(theta, pts.subarray(e * d, (e + 1) * d), out);
    loss += out[0] / count;
    for (let i = 0; i < n; i++) grad[i] += out[1 + i] / count;
  }
  return { loss, grad };
}

const cases: [string, string, number][] = [
  ['normal data with a mean, squared loss (degree 2)', 'data x[3] ~ normal(0.5, 2)\ndata y ~ normal(1, 0.3)\nloss = (v @ (W @ x) - y)^2 / 2', 2],
  ['uniform and rademacher data, degree 3', 'data x[3] ~ uniform(-1, 2)\ndata s ~ rademacher()\nloss = (v @ (W @ x))^2 * (x[0] + s) / 3', 3],
  ['bernoulli(0.3) data at degree 2 (no symmetry needed)', 'data x[3] ~ bernoulli(0.3)\nloss = norm2(W @ x - v) / 2', 2],
  ['bernoulli(0.5) at degree 3 (symmetric)', 'data x[3] ~ bernoulli(0.5)\nloss = (v @ (W @ x)) * x[1] * x[2]', 3],
];

for (const [name, body, degree] of cases)
  test(`cubature equals the closed-form expectation: ${name}`, () => {
    const src = HEAD + body + TRAIN;
    const model = modelOf(src);
    assert.equal(dataDegree(model.tgraph, [model.tloss, ...gradientTensors(model)]), degree);
    const exact = expectedGradient(model);
    assert.equal(exact.method, 'exact');
    const rng = new Rng(5, 0, 0);
    for (let trial = 0; trial < 3; trial++) {
      const theta = Float64Array.from(model.components, () => rng.normal());
      const g = new Float64Array(theta.length);
      const L = exact.evaluate(theta, g);
      const c = cubatureAverage(src, theta);
      assert.ok(c, 'the rule applies');
      const scale = Math.max(1, Math.abs(L), ...g.map(Math.abs));
      assert.ok(Math.abs(c.loss - L) <= 1e-12 * scale, `loss ${c.loss} vs ${L}`);
      g.forEach((x, i) => assert.ok(Math.abs(c.grad[i] - x) <= 1e-12 * scale, `∂${i}: ${c.grad[i]} vs ${x}`));
    }
  });

test('cubature is refused where it would not be exact', () => {
  const refused = [
    'data x[3] ~ normal(0, 1)\nloss = (v @ (W @ x))^4', // degree 4
    'data x[3] ~ normal(0, 1)\nloss = tanh(v @ (W @ x))', // not a polynomial
    'data x[3] ~ bernoulli(0.3)\nloss = (v @ (W @ x)) * x[1] * x[2]', // degree 3, skewed data
  ];
  for (const body of refused) assert.equal(cubaturePoints(modelOf(HEAD + body + TRAIN)), undefined, body);
});
