// Symmetry groups at the level of tensor axes: found, verified, proved and named at network sizes,
// with charges and laws in matrix form; near-symmetries are rejected at every size.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { checkSource } from '../../src/core/lang/check';
import { findGroups } from '../../src/core/analysis/groups';
import { proveCovariance, proveTensorHomogeneity } from '../../src/core/analysis/groupProofs';
import { axisClasses } from '../../src/core/tensor/axes';
import { diagonalOf, formOf } from '../../src/core/analysis/generators';
import { evalForm } from '../../src/core/analysis/forms';
import { initialPoint } from '../../src/core/analysis/points';

function mlp(inp: number, hidden: number, out: number, extra = ''): string {
  return [
    `param W1[${hidden}, ${inp}] ~ normal(0, 0.3)`,
    `param b1[${hidden}] ~ normal(0, 0.1)`,
    `param W2[${out}, ${hidden}] ~ normal(0, 0.3)`,
    `data x[${inp}] ~ normal(0, 1)`,
    `data y[${out}] ~ normal(0, 1)`,
    `loss = norm2(W2 @ relu(W1 @ x + b1) - y) / 2${extra}`,
    'train sgd(lr = 0.01, batch = 4, steps = 100, chains = 2, seed = 1)',
  ].join('\n');
}

function linear(inp: number, hidden: number, out: number, extra = ''): string {
  return [
    `param U[${hidden}, ${inp}] ~ normal(0, 0.3)`,
    `param W[${out}, ${hidden}] ~ normal(0, 0.3)`,
    `data x[${inp}] ~ normal(0, 1)`,
    `data y[${out}] ~ normal(0, 1)`,
    `loss = norm2(W @ (U @ x) - y) / 2${extra}`,
    'train sgd(lr = 0.01, batch = 4, steps = 100, chains = 2, seed = 1)',
  ].join('\n');
}

test('a ReLU MLP beyond the component search: rescaling of each hidden neuron, proved, with its charge in slice form', () => {
  const r = analyzeSource(mlp(50, 40, 5));
  assert.equal(r.components.length, 50 * 40 + 40 + 5 * 40);
  assert.equal(r.groups.length, 1, r.groups.map((g) => g.name).join('; '));
  const g = r.groups[0];
  assert.match(g.name, /^rescaling of each hidden neuron \(W1, b1 against W2\)$/);
  assert.equal(g.kind, 'rescaling');
  assert.equal(g.dimension, 40);
  assert.equal(g.status, 'proved');
  assert.equal(g.proof, 'homogeneity');
  assert.equal(g.charge.text, 'Q_j = ‖W1[j,:]‖² + b1[j]² − ‖W2[:,j]‖² for each j');
  assert.match(g.laws.sgdStep, /Q_j\(θₜ₊₁\) = Q_j\(θₜ\) \+ η²·\(‖ĝ_W1\[j,:\]‖² \+ ĝ_b1\[j\]² − ‖ĝ_W2\[:,j\]‖²\)/);
  assert.equal(g.symmetries.length, 40);
  assert.equal(g.unlisted, 0);
  // Each listed generator's charge is its neuron's entry of Q, and its compact form evaluates to it.
  const s3 = r.symmetries[g.symmetries[3]];
  assert.equal(s3.charge.text, 'Q[3] = ‖W1[3,:]‖² + b1[3]² − ‖W2[:,3]‖²');
  const model = checkSource(mlp(50, 40, 5)).model!;
  const theta = initialPoint(model);
  const direct = (() => {
    let q = 0;
    for (let i = 0; i < 50; i++) q += theta[3 * 50 + i] ** 2;
    q += theta[2000 + 3] ** 2;
    for (let o = 0; o < 5; o++) q -= theta[2040 + o * 40 + 3] ** 2;
    return q;
  })();
  const viaForm = evalForm(formOf(model.params, s3.action!), theta);
  assert.ok(Math.abs(viaForm - direct) <= 1e-12 * Math.abs(direct), `${viaForm} vs ${direct}`);
});

test('a two-layer linear net beyond the component search: GL(k) on the hidden index, Q = U Uᵀ − Wᵀ W, summarised', () => {
  const r = analyzeSource(linear(30, 12, 30));
  assert.equal(r.groups.length, 1, r.groups.map((g) => g.name).join('; '));
  const g = r.groups[0];
  assert.equal(g.name, 'GL(12) on the hidden index of U, W');
  assert.equal(g.kind, 'linear');
  assert.equal(g.dimension, 78);
  assert.equal(g.status, 'proved');
  assert.equal(g.proof, 'covariance');
  assert.equal(g.charge.text, 'Q = U Uᵀ − Wᵀ W');
  assert.equal(g.charge.tex, 'Q = U U^{\\top} - W^{\\top} W');
  assert.match(g.laws.sgdStep, /Q\(θₜ₊₁\) = Q\(θₜ\) \+ η²·\(ĝ_U ĝ_Uᵀ − ĝ_Wᵀ ĝ_W\)/);
  assert.match(g.laws.sgdContinuous, /dQ\/dt = η·\(1\/B\)·E_z\[δ_U δ_Uᵀ − δ_Wᵀ δ_W\] \+ η·\(∇_UL ∇_ULᵀ − ∇_WLᵀ ∇_WL\)/);
  assert.equal(g.symmetries.length + g.unlisted, 78);
  assert.deepEqual(
    g.symmetries.map((i) => r.symmetries[i].label),
    ['Q[0,0]', 'Q[1,1]', 'Q[0,1]'],
  );
  assert.equal(r.symmetries[g.symmetries[2]].charge.text, 'Q[0,1] = U[0,:]·U[1,:] − W[:,0]·W[:,1]');
});

test('a small net past the full search (4×8 hidden layer) gets its GL(4) back in the flat list', () => {
  const src = linear(8, 4, 3);
  const r = analyzeSource(src);
  assert.equal(r.components.length, 44);
  const g = r.groups.find((x) => x.name === 'GL(4) on the hidden index of U, W');
  assert.ok(g, r.groups.map((x) => x.name).join('; '));
  assert.equal(g.dimension, 10);
  // The component search finds the 4 diagonal generators; the group adds the 6 off-diagonal ones.
  const exp = r.symmetries.filter((s) => s.kind !== 'translation');
  assert.equal(exp.length, 10);
  assert.ok(exp.every((s) => s.group === r.groups.indexOf(g)));
  assert.equal(exp.filter((s) => s.kind === 'linear').length, 6);
});

test('a deep linear net: one GL group per hidden index, and the flat list reads group by group', () => {
  const src = [
    'param W1[4, 3] ~ normal(0, 0.5)',
    'param W2[5, 4] ~ normal(0, 0.5)',
    'param W3[2, 5] ~ normal(0, 0.5)',
    'data x[3] ~ normal(0, 1)',
    'data y[2] ~ normal(0, 1)',
    'loss = norm2(W3 @ (W2 @ (W1 @ x)) - y) / 2',
  ].join('\n');
  const r = analyzeSource(src);
  assert.deepEqual(
    r.groups.map((g) => [g.name, g.dimension, g.status]),
    [
      ['GL(4) on the hidden index of W1, W2', 10, 'proved'],
      ['GL(5) on the hidden index of W2, W3', 15, 'proved'],
    ],
  );
  assert.equal(r.symmetries.length, 25);
  assert.deepEqual(
    r.groups.map((g) => g.charge.text),
    ['Q = W1 W1ᵀ − W2ᵀ W2', 'Q = W2 W2ᵀ − W3ᵀ W3'],
  );
});

test('softmax logits: translations along the output index; dot(a, relu(v x)) contracts like a product', () => {
  const src = [
    'param W1[6, 4] ~ normal(0, 0.5)',
    'param W2[3, 6] ~ normal(0, 0.5)',
    'param b2[3] = 0',
    'data x[4] ~ normal(0, 1)',
    'data c ~ bernoulli(0.5)',
    'let z = W2 @ relu(W1 @ x) + b2',
    'loss = log(sum(exp(z))) - (c*z[1] + (1 - c)*z[0])',
  ].join('\n');
  const { groups } = findGroups(checkSource(src).model!);
  const names = groups.map((g) => g.name);
  assert.ok(names.includes('rescaling of each hidden neuron (W1 against W2)'), names.join('; '));
  const t = groups.filter((g) => g.kind === 'translation');
  assert.deepEqual(t.map((g) => [g.tensors.join(','), g.dimension]).sort(), [
    ['W2', 6],
    ['b2', 1],
  ]);
  const relu = findGroups(
    checkSource('param v[3, 2] ~ normal(0, 1)\nparam a[3] ~ normal(0, 1)\ndata x[2] ~ normal(0, 1)\nloss = dot(a, relu(v @ x))^2\n').model!,
  );
  assert.deepEqual(
    relu.groups.map((g) => g.name),
    ['rescaling of each hidden neuron (v against a)'],
  );
});

test('near-symmetries are rejected at network size: the residual is above the rounding bound', () => {
  // A tiny term breaks GL(12) and every rescaling; a relu net loses its rescalings to a cubic term.
  assert.deepEqual(
    findGroups(checkSource(linear(30, 12, 30, ' + 1e-9 * norm2(U)')).model!).groups.map((g) => g.name),
    [],
  );
  const broken = findGroups(checkSource(mlp(20, 10, 3, ' + 1e-9 * sum(b1 * b1 * b1)')).model!).groups;
  assert.deepEqual(
    broken.map((g) => g.name),
    [],
  );
  // tanh is not homogeneous: no rescaling, and nothing else.
  const tanh = 'param W1[5, 4] ~ normal(0, 1)\nparam W2[2, 5] ~ normal(0, 1)\ndata x[4] ~ normal(0, 1)\nloss = norm2(W2 @ tanh(W1 @ x)) / 2\n';
  assert.deepEqual(findGroups(checkSource(tanh).model!).groups, []);
});

test('the proof calculi: covariance holds for W U, not through relu; homogeneity holds for relu, not tanh', () => {
  const lin = checkSource(linear(3, 2, 3)).model!;
  const cls = axisClasses(lin.tgraph, [lin.tloss]).find((c) => !c.pinned)!;
  assert.equal(cls.size, 2);
  assert.ok(proveCovariance(lin.tgraph, lin.tloss, cls.members));
  const reluModel = checkSource(mlp(3, 2, 3)).model!;
  const rc = axisClasses(reluModel.tgraph, [reluModel.tloss]).find((c) => !c.pinned)!;
  assert.equal(proveCovariance(reluModel.tgraph, reluModel.tloss, rc.members), false);
  const neuron0 = diagonalOf(formOf(reluModel.params, { axes: [{ members: rc.members, size: 2, entries: [[0, 0, 1]] }] }), reluModel.components.length);
  assert.ok(proveTensorHomogeneity(reluModel.tgraph, reluModel.tloss, reluModel.params, neuron0));
  const tanhModel = checkSource(mlp(3, 2, 3).replace('relu(', 'tanh(')).model!;
  assert.equal(proveTensorHomogeneity(tanhModel.tgraph, tanhModel.tloss, tanhModel.params, neuron0), false);
});

test('analysis of large files is bounded: a 784-64-10 MLP and a 100-50-100 linear net', () => {
  for (const [src, name, budget] of [
    [mlp(784, 64, 10), 'rescaling of each hidden neuron (W1, b1 against W2)', 60_000],
    [linear(100, 50, 100), 'GL(50) on the hidden index of U, W', 60_000],
  ] as [string, string, number][]) {
    const started = process.cpuUsage();
    const r = analyzeSource(src);
    const cpu = process.cpuUsage(started);
    assert.ok((cpu.user + cpu.system) / 1000 < budget, `${name}: ${(cpu.user + cpu.system) / 1000} ms of CPU`);
    assert.deepEqual(
      r.groups.map((g) => g.name),
      [name],
    );
    assert.equal(r.groups[0].status, 'proved');
  }
});

test('a file with no symmetric generator at 600 components: no groups, no warning, a reason for no prediction', () => {
  const src = 'param w[30, 20] ~ normal(0, 1)\ndata x[20] ~ normal(0, 1)\nloss = norm2(w @ x) / 2\ntrain sgd(lr = 0.01, batch = 1, steps = 10, chains = 1)\n';
  const r = analyzeSource(src);
  assert.equal(r.components.length, 600);
  assert.deepEqual(r.groups, []);
  assert.deepEqual(r.symmetries, []);
  assert.ok(!r.diagnostics.some((d) => d.severity === 'warning'));
  assert.match(r.predictions![0].reason, /limited to 400 parameter components/);
});

test('softmax translations are found where most points saturate (1 − 1 = 0 beside 1e-30s is rounding, not a violation)', () => {
  // Logits of size ~100 at the random points: the softmax is one-hot to rounding at most of them, so
  // a line of ∂ℓ/∂b sums to the uncancelled tiny terms. Before the rounding bound was used, neither
  // the logit shift nor the column shifts of W were reported.
  const a = analyzeSource(
    'param W[3, 2] ~ normal(0, 1)\nparam b[3] ~ normal(0, 1)\ndata x[2] ~ normal(0, 40)\nlet z = W @ x + b\nloss = log(sum(exp(z))) - z[0]\ntrain sgd(lr = 0.01, batch = 1, steps = 100, chains = 1)\n',
  );
  const byName = a.groups.map((g) => [g.name, g.kind, g.dimension]);
  assert.deepEqual(byName, [
    ['translation of W along its rows (W → W + 1cᵀ: every column shifted by its own constant)', 'translation', 2],
    ['translation of b by a constant (b → b + c·1)', 'translation', 1],
  ]);
});
