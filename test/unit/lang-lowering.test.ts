// Lowering of checked `.loss` files to the scalar graph, verified by evaluating the compiled graph
// at concrete parameter and data vectors against hand computations.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { close, letFn, lossFn, modelOk } from './lang-helpers';
import { hasScalarView } from '../../src/core/lang/model';

test('tensor components are flattened row-major and named U[i,j]', () => {
  const m = modelOk('param a = 1, U[2, 3] = 0, v[2] = 0\ndata x[3] ~ normal(0, 1)\ndata s ~ normal(0, 1)\nloss = sum(U @ x) * a * s + sum(v)\n');
  assert.deepEqual(m.components, ['a', 'U[0,0]', 'U[0,1]', 'U[0,2]', 'U[1,0]', 'U[1,1]', 'U[1,2]', 'v[0]', 'v[1]']);
  assert.deepEqual(m.dataComponents, ['x[0]', 'x[1]', 'x[2]', 's']);
  assert.deepEqual(
    m.params.map((p) => [p.name, p.offset, p.size, p.shape]),
    [
      ['a', 0, 1, []],
      ['U', 1, 6, [2, 3]],
      ['v', 7, 2, [2]],
    ],
  );
  assert.deepEqual(
    m.data.map((d) => [d.name, d.offset, d.size]),
    [
      ['x', 0, 3],
      ['s', 3, 1],
    ],
  );
  // Tensor graph: one node per parameter and data tensor, with its shape.
  assert.deepEqual(
    m.paramTensors.map((id) => m.tgraph.nodes[id]),
    [
      { op: 'param', index: 0, shape: [] },
      { op: 'param', index: 1, shape: [2, 3] },
      { op: 'param', index: 2, shape: [2] },
    ],
  );
  assert.deepEqual(
    m.dataTensors.map((id) => m.tgraph.shape(id)),
    [[3], []],
  );
  // Scalar view (a small model): each component node is the parameter / data input of that index.
  assert.ok(hasScalarView(m));
  assert.equal(m.paramNodes.length, 9);
  assert.equal(m.dataNodes.length, 4);
  m.paramNodes.forEach((id, i) => assert.deepEqual(m.graph.nodes[id], { op: 'param', index: i }));
  m.dataNodes.forEach((id, i) => assert.deepEqual(m.graph.nodes[id], { op: 'data', index: i }));
});

test('initial values: numbers, nested lists row-major, scalar broadcast, distributions per entry', () => {
  const m = modelOk('param U[2, 2] = [[1, 2], [3, 4]], b[3] = 0.5, c ~ uniform(-1, 2), s[2] ~ normal(1, [0.1, 0.2])\nloss = sum(U) + sum(b) + c + sum(s)\n');
  assert.deepEqual(m.params[0].init, { kind: 'value', values: [1, 2, 3, 4] });
  assert.deepEqual(m.params[1].init, { kind: 'value', values: [0.5, 0.5, 0.5] });
  assert.deepEqual(m.params[2].init, { kind: 'dist', dists: [{ kind: 'uniform', lo: -1, hi: 2 }] });
  assert.deepEqual(m.params[3].init, {
    kind: 'dist',
    dists: [
      { kind: 'normal', mean: 1, std: 0.1 },
      { kind: 'normal', mean: 1, std: 0.2 },
    ],
  });
  const d = modelOk('param w\nloss = w^2\n');
  assert.deepEqual(d.params[0].init, { kind: 'dist', dists: [{ kind: 'normal', mean: 0, std: 1 }] });
});

test('data distributions of every kind', () => {
  const m = modelOk(
    'param w = 1\ndata a ~ normal(1, 2)\ndata b ~ uniform(0, 3)\ndata c ~ bernoulli(0.25)\ndata d ~ rademacher()\ndata e ~ const(7)\nloss = w*(a+b+c+d+e)\n',
  );
  assert.deepEqual(
    m.data.map((x) => x.dists),
    [
      [{ kind: 'normal', mean: 1, std: 2 }],
      [{ kind: 'uniform', lo: 0, hi: 3 }],
      [{ kind: 'bernoulli', p: 0.25 }],
      [{ kind: 'rademacher' }],
      [{ kind: 'const', value: 7 }],
    ],
  );
  assert.equal(m.dataset, undefined);
});

test('scalar arithmetic, precedence and -x^2 evaluate as written', () => {
  const m = modelOk('param a = 1, b = 2\ndata x ~ normal(0, 1)\nloss = -a^2 + b^3^0.5 * x - a / b / x + 2^-a + (a - b)^2 / 2\n');
  const L = lossFn(m);
  for (const [a, b, x] of [
    [1.3, 2.1, 0.7],
    [-0.4, 1.7, -2.2],
  ]) {
    const want = -(a ** 2) + b ** (3 ** 0.5) * x - a / b / x + 2 ** -a + (a - b) ** 2 / 2;
    close(L([a, b], [x]), want);
  }
});

test('elementwise functions, max/min and the graph they lower to', () => {
  const m = modelOk(
    'param w = 0.3, v = -0.8\nloss = exp(w) + log(w + 2) + sqrt(w + 1) + abs(v) + tanh(v) + sigmoid(v) + relu(v) + relu(w) + softplus(v) + sin(w) + cos(v) + max(w, v) + min(w, v)\n',
  );
  const L = lossFn(m);
  const f = (w: number, v: number) =>
    Math.exp(w) +
    Math.log(w + 2) +
    Math.sqrt(w + 1) +
    Math.abs(v) +
    Math.tanh(v) +
    1 / (1 + Math.exp(-v)) +
    Math.max(v, 0) +
    Math.max(w, 0) +
    Math.log1p(Math.exp(v)) +
    Math.sin(w) +
    Math.cos(v) +
    Math.max(w, v) +
    Math.min(w, v);
  close(L([0.3, -0.8]), f(0.3, -0.8));
  close(L([-0.5, 1.2]), f(-0.5, 1.2));
});

test('matrix @ vector, vector @ matrix, vector @ vector (a scalar), matrix @ matrix', () => {
  const U = [
    [1, 2, 3],
    [4, 5, 6],
  ];
  const src = [
    'param U[2, 3] = 0',
    'data x[3] ~ normal(0, 1)',
    'data y[2] ~ normal(0, 1)',
    'let Ux = U @ x',
    'let yU = y @ U',
    'let xx = x @ x',
    'let UUt = U @ transpose(U)',
    'let UtU = transpose(U) @ U',
    'loss = sum(Ux) + sum(yU) + xx + sum(UUt) + sum(UtU)',
  ].join('\n');
  const m = modelOk(src);
  const p = U.flat();
  const x = [0.5, -1, 2];
  const y = [3, -0.25];
  const d = [...x, ...y];
  assert.deepEqual(
    m.lets.map((l) => [l.name, l.value.shape]),
    [
      ['Ux', [2]],
      ['yU', [3]],
      ['xx', []],
      ['UUt', [2, 2]],
      ['UtU', [3, 3]],
    ],
  );
  const Ux = U.map((r) => r.reduce((s, u, j) => s + u * x[j], 0));
  const yU = [0, 1, 2].map((j) => y[0] * U[0][j] + y[1] * U[1][j]);
  const xx = x.reduce((s, v) => s + v * v, 0);
  const UUt = [0, 1].flatMap((i) => [0, 1].map((k) => U[i].reduce((s, u, j) => s + u * U[k][j], 0)));
  const UtU = [0, 1, 2].flatMap((i) => [0, 1, 2].map((k) => U[0][i] * U[0][k] + U[1][i] * U[1][k]));
  assert.deepEqual(letFn(m, 'Ux')(p, d), Ux);
  assert.deepEqual(letFn(m, 'yU')(p, d), yU);
  assert.deepEqual(letFn(m, 'xx')(p, d), [xx]);
  assert.deepEqual(letFn(m, 'UUt')(p, d), UUt);
  assert.deepEqual(letFn(m, 'UtU')(p, d), UtU);
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  close(lossFn(m)(p, d), sum(Ux) + sum(yU) + xx + sum(UUt) + sum(UtU));
});

test('transpose: of a matrix swaps indices; of a vector or scalar is the identity', () => {
  const m = modelOk('param U[2, 3] = 0, v[2] = 0, s = 0\nlet T = transpose(U)\nlet tv = transpose(v)\nlet ts = transpose(s)\nloss = sum(T) + sum(tv) + ts\n');
  assert.equal(m.lets[0].value.shape.join(','), '3,2');
  const p = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  // T[i,j] = U[j,i]: row-major [[1,4],[2,5],[3,6]].
  assert.deepEqual(letFn(m, 'T')(p), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(letFn(m, 'tv')(p), [7, 8]);
  assert.deepEqual(letFn(m, 'ts')(p), [9]);
});

test('sum, mean, norm2 and dot reduce to scalars', () => {
  const m = modelOk(
    'param U[2, 2] = 0, v[2] = 0\nlet s = sum(U)\nlet mu = mean(U)\nlet n = norm2(U)\nlet dv = dot(v, U[1])\nlet dU = dot(U, U)\nloss = s + mu + n + dv + dU\n',
  );
  const p = [1, -2, 3, 0.5, 4, -1];
  assert.deepEqual(
    m.lets.map((l) => l.value.shape.length),
    [0, 0, 0, 0, 0],
  );
  close(letFn(m, 's')(p)[0], 2.5);
  close(letFn(m, 'mu')(p)[0], 0.625);
  close(letFn(m, 'n')(p)[0], 1 + 4 + 9 + 0.25);
  close(letFn(m, 'dv')(p)[0], 4 * 3 + -1 * 0.5);
  close(letFn(m, 'dU')(p)[0], 14.25);
});

test('broadcasting of scalars over tensors, on either side', () => {
  const m = modelOk(
    'param v[3] = 0, a = 0\nlet l = a * v\nlet r = v - a\nlet q = a / v\nlet p = v ^ 2\nlet c = 2 ^ v\nlet mx = max(v, a)\nloss = sum(l + r + q + p + c + mx)\n',
  );
  const p = [1, -2, 4, 0.5];
  const v = p.slice(0, 3);
  const a = 0.5;
  assert.deepEqual(
    letFn(m, 'l')(p),
    v.map((x) => a * x),
  );
  assert.deepEqual(
    letFn(m, 'r')(p),
    v.map((x) => x - a),
  );
  assert.deepEqual(
    letFn(m, 'q')(p),
    v.map((x) => a / x),
  );
  assert.deepEqual(
    letFn(m, 'p')(p),
    v.map((x) => x * x),
  );
  assert.deepEqual(
    letFn(m, 'c')(p),
    v.map((x) => 2 ** x),
  );
  assert.deepEqual(
    letFn(m, 'mx')(p),
    v.map((x) => Math.max(x, a)),
  );
});

test('indexing: a matrix row is a vector, U[i, j] an entry, with 0-based literal indices', () => {
  const m = modelOk('param U[3, 2] = 0\nlet r = U[1]\nlet e = U[2, 0]\nlet rr = U[1][1]\nloss = sum(r) + e + rr\n');
  assert.deepEqual(
    m.lets.map((l) => [l.name, l.value.shape]),
    [
      ['r', [2]],
      ['e', []],
      ['rr', []],
    ],
  );
  const p = [10, 11, 20, 21, 30, 31];
  assert.deepEqual(letFn(m, 'r')(p), [20, 21]);
  assert.deepEqual(letFn(m, 'e')(p), [30]);
  assert.deepEqual(letFn(m, 'rr')(p), [21]);
  close(lossFn(m)(p), 20 + 21 + 30 + 21);
  // A constant-expression index is fine.
  const c = modelOk('param v[3] = 0\nloss = v[3 - 1]\n');
  assert.equal(lossFn(c)([1, 2, 5]), 5);
});

test('lists of expressions build tensors, elementwise ops apply per entry', () => {
  const m = modelOk('param a = 0, b = 0\nlet M = [[a, b], [b * 2, -a]]\nlet u = [a, b] * [b, a]\nloss = sum(M @ u)\n');
  const [a, b] = [1.5, -0.5];
  assert.deepEqual(letFn(m, 'M')([a, b]), [a, b, 2 * b, -a]);
  assert.deepEqual(letFn(m, 'u')([a, b]), [a * b, a * b]);
  const u = [a * b, b * a];
  close(lossFn(m)([a, b]), a * u[0] + b * u[1] + 2 * b * u[0] - a * u[1]);
});

test('a two-layer matrix network, as in examples/two-layer-matrix.loss, at a random point', () => {
  const m = modelOk('param U[2, 3] = 0, W[1, 2] = 0\ndata x[3] ~ normal(0, 1)\ndata y ~ normal(0, 1)\nloss = (sum(W @ (U @ x)) - y)^2 / 2 + 0.1 * norm2(U)\n');
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  for (let t = 0; t < 5; t++) {
    const p = Array.from({ length: 8 }, rnd);
    const d = Array.from({ length: 4 }, rnd);
    const U = [p.slice(0, 3), p.slice(3, 6)];
    const W = p.slice(6, 8);
    const h = U.map((r) => r[0] * d[0] + r[1] * d[1] + r[2] * d[2]);
    const out = W[0] * h[0] + W[1] * h[1];
    const want = (out - d[3]) ** 2 / 2 + 0.1 * p.slice(0, 6).reduce((s, v) => s + v * v, 0);
    close(lossFn(m)(p, d), want);
  }
});

test('lets are shared, not copied: using a let twice lowers it once', () => {
  const m = modelOk('param w = 0\ndata x ~ normal(0, 1)\nlet h = tanh(w * x)\nloss = h * h + h\n');
  const tanhNodes = m.tgraph.nodes.filter((n) => n.op === 'unary' && n.fn === 'tanh');
  assert.equal(tanhNodes.length, 1);
  assert.ok(hasScalarView(m));
  assert.equal(m.graph.nodes.filter((n) => n.op === 'fn' && n.fn === 'tanh').length, 1);
  close(lossFn(m)([0.4], [1.5]), Math.tanh(0.6) ** 2 + Math.tanh(0.6));
});

test('the train specification carries every key, with the documented defaults', () => {
  const m = modelOk(
    'param w = 0\ndata x ~ normal(0, 1)\ndataset size = 50\nloss = (w - x)^2\ntrain sgd(lr = 0.05)\ntrain adam(lr = 1e-3, batch = 8, steps = 100, chains = 4, seed = 3, weight_decay = 0.01, sampling = without_replacement, record_every = 5, beta1 = 0.8, beta2 = 0.99, eps = 1e-6, warmup = 10)\ntrain momentum(lr = 0.1, beta = 0.5)\n',
  );
  const [s, a, mo] = m.trains;
  assert.deepEqual(
    { o: s.optimizer, lr: s.lr, b: s.batch, st: s.steps, c: s.chains, se: s.seed, wd: s.weightDecay, sa: s.sampling, re: s.recordEvery },
    { o: 'sgd', lr: 0.05, b: 1, st: 10000, c: 1, se: 0, wd: 0, sa: 'with_replacement', re: undefined },
  );
  assert.deepEqual(
    {
      o: a.optimizer,
      lr: a.lr,
      b: a.batch,
      st: a.steps,
      c: a.chains,
      se: a.seed,
      wd: a.weightDecay,
      sa: a.sampling,
      re: a.recordEvery,
      b1: a.beta1,
      b2: a.beta2,
      e: a.eps,
      w: a.warmup,
    },
    { o: 'adam', lr: 1e-3, b: 8, st: 100, c: 4, se: 3, wd: 0.01, sa: 'without_replacement', re: 5, b1: 0.8, b2: 0.99, e: 1e-6, w: 10 },
  );
  assert.equal(mo.beta, 0.5);
  assert.equal(mo.span.line, 7);
  assert.deepEqual(m.dataset, { kind: 'sampled', size: 50 });
});
