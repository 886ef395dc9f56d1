// The symmetry finder on every example: the expected span of generators, all proved.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { findSymmetries } from '../../src/core/analysis/symmetries';
import { modelOf, readExample } from './helpers';
import { Matrix, SVD } from 'ml-matrix';

function rank(m: number[][]): number {
  if (m.length === 0) return 0;
  const s = new SVD(new Matrix(m), { autoTranspose: true }).diagonal;
  return s.filter((x) => x > 1e-9 * Math.max(...s)).length;
}

/** Two sets of vectors span one space: equal ranks, and their union adds nothing. */
function sameSpan(a: number[][], b: number[][]): boolean {
  return rank(a) === rank(b) && rank([...a, ...b]) === rank(a);
}

function diag(n: number, entries: Record<number, number>): number[] {
  // Flattened n×n diagonal matrix.
  const m = new Array(n * n).fill(0);
  for (const [i, v] of Object.entries(entries)) m[Number(i) * n + Number(i)] = v;
  return m;
}

const flat = (A: number[][]) => A.flat();

test('scalar two-layer net: one rescaling u² − w²', () => {
  const syms = findSymmetries(modelOf(readExample('two-layer-scalar.loss')));
  assert.equal(syms.length, 1);
  assert.equal(syms[0].kind, 'rescaling');
  assert.equal(syms[0].status, 'proved');
  assert.deepEqual(syms[0].matrix, [
    [1, 0],
    [0, -1],
  ]);
});

test('deep scalar chain: a two-dimensional span of rescalings', () => {
  const syms = findSymmetries(modelOf(readExample('deep-scalar-chain.loss')));
  assert.equal(syms.length, 2);
  assert.ok(syms.every((s) => s.kind === 'rescaling' && s.status === 'proved'));
  assert.ok(
    sameSpan(
      syms.map((s) => flat(s.matrix!)),
      [diag(3, { 0: 1, 1: -1 }), diag(3, { 1: 1, 2: -1 })],
    ),
  );
});

test('two-layer 3×3 linear net: the six symmetric generators of GL(3)', () => {
  const m = modelOf(readExample('two-layer-matrix.loss'));
  const syms = findSymmetries(m);
  assert.equal(syms.length, 6);
  assert.equal(syms.filter((s) => s.kind === 'rescaling').length, 3);
  assert.equal(syms.filter((s) => s.kind === 'linear').length, 3);
  assert.ok(syms.every((s) => s.status === 'proved'));
  // Expected: U -> e^{λB}U, W -> W e^{-λB} for every symmetric B.
  const n = 18;
  const idxU = (i: number, j: number) => i * 3 + j;
  const idxW = (i: number, j: number) => 9 + i * 3 + j;
  const expected: number[][] = [];
  for (let k = 0; k < 3; k++) {
    for (let l = k; l < 3; l++) {
      const A = Array.from({ length: n }, () => new Array(n).fill(0));
      const B = [0, 1, 2].map((i) => [0, 1, 2].map((j) => ((i === k && j === l) || (i === l && j === k) ? 1 : 0)));
      // (Aθ)_U = B U ; (Aθ)_W = -W B
      for (let i = 0; i < 3; i++) for (let c = 0; c < 3; c++) for (let j = 0; j < 3; j++) A[idxU(i, c)][idxU(j, c)] += B[i][j];
      for (let r = 0; r < 3; r++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) A[idxW(r, i)][idxW(r, j)] -= B[j][i];
      expected.push(A.flat());
    }
  }
  assert.ok(
    sameSpan(
      syms.map((s) => flat(s.matrix!)),
      expected,
    ),
  );
});

test('scale-invariant model: scaling of w', () => {
  const syms = findSymmetries(modelOf(readExample('scale-invariant.loss')));
  assert.equal(syms.length, 1);
  assert.equal(syms[0].kind, 'scaling');
  assert.equal(syms[0].status, 'proved');
  assert.deepEqual(syms[0].matrix, [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 0],
  ]);
});

test('relu network: one rescaling per hidden unit', () => {
  const syms = findSymmetries(modelOf(readExample('relu-network.loss')));
  assert.equal(syms.length, 2);
  assert.ok(syms.every((s) => s.kind === 'rescaling' && s.status === 'proved'));
  assert.ok(
    sameSpan(
      syms.map((s) => flat(s.matrix!)),
      [diag(6, { 0: 1, 1: 1, 4: -1 }), diag(6, { 2: 1, 3: 1, 5: -1 })],
    ),
  );
});

test('softmax: translations of logits, nothing else', () => {
  // With cross_entropy(z, c) the translation holds for class labels in 0 … K−1 only (onehot of any
  // other value is 0), which the data's support guarantees but no symbolic identity does: numerical.
  const src = readExample('softmax-translation.loss');
  const syms = findSymmetries(modelOf(src));
  assert.ok(syms.every((s) => s.kind === 'translation' && s.status === 'numerical'));
  assert.ok(
    sameSpan(
      syms.map((s) => s.direction!),
      [
        [1, 0, 1, 0, 0, 0],
        [0, 1, 0, 1, 0, 0],
        [0, 0, 0, 0, 1, 1],
      ],
    ),
  );
  assert.equal(syms.length, 3);
  // Written out for a 0/1 label, the same loss is invariant for every real c: proved.
  const explicit = findSymmetries(modelOf(src.replace(/^loss\s*=.*$/m, 'loss = log(exp(z[0]) + exp(z[1])) - (c*z[1] + (1 - c)*z[0])')));
  assert.ok(explicit.every((s) => s.kind === 'translation' && s.status === 'proved'));
  assert.ok(
    sameSpan(
      explicit.map((s) => s.direction!),
      [
        [1, 0, 1, 0, 0, 0],
        [0, 1, 0, 1, 0, 0],
        [0, 0, 0, 0, 1, 1],
      ],
    ),
  );
});

test('linear regression and the tanh network: no symmetry', () => {
  assert.deepEqual(findSymmetries(modelOf(readExample('linear-regression.loss'))), []);
  assert.deepEqual(findSymmetries(modelOf(readExample('tanh-network.loss'))), []);
});

test('no false positive: near-symmetric losses are rejected', () => {
  // u·w appears with a tiny extra u term: not invariant under (λu, w/λ).
  const src = 'param u = 1\nparam w = 1\ndata x ~ normal(0,1)\nloss = (u*w*x + 1e-3*u - x)^2\n';
  assert.deepEqual(findSymmetries(modelOf(src)), []);
  // tanh breaks homogeneity even though it is odd.
  const src2 = 'param u = 1\nparam w = 1\ndata x ~ normal(0,1)\nloss = (w*tanh(u*x) - x)^2\n';
  assert.deepEqual(findSymmetries(modelOf(src2)), []);
});

test('an unused parameter is a translation (and is not reported as a scaling too)', () => {
  const src = 'param u = 1\nparam z = 2\ndata x ~ normal(0,1)\nloss = (u*x - x)^2\n';
  const syms = findSymmetries(modelOf(src));
  assert.equal(syms.length, 1);
  assert.equal(syms[0].kind, 'translation');
  assert.deepEqual(syms[0].direction, [0, 1]);
});

test('max and abs keep positive homogeneity', () => {
  const src = 'param u = 1\nparam w = 1\ndata x ~ normal(0,1)\nloss = (w*max(u*x, 0) + w*abs(u*x) - x)^2\n';
  const syms = findSymmetries(modelOf(src));
  assert.equal(syms.length, 1);
  assert.equal(syms[0].kind, 'rescaling');
  assert.equal(syms[0].status, 'proved');
});

test('a rescaling that shares a parameter with a translation is found beside it', () => {
  // ŷ = (a·b + a·c)·x: the rescaling diag(1, −1, −1) and the translation (0, 1, −1).
  const syms = findSymmetries(modelOf('param a = 1\nparam b = 0.5\nparam c = 0.3\ndata x ~ normal(0, 1)\nloss = ((a*b + a*c)*x - x)^2\n'));
  assert.equal(syms.length, 2);
  const r = syms.find((s) => s.kind === 'rescaling');
  assert.deepEqual(r?.matrix, [
    [1, 0, 0],
    [0, -1, 0],
    [0, 0, -1],
  ]);
  assert.equal(r?.status, 'proved');
  assert.deepEqual(syms.find((s) => s.kind === 'translation')?.direction, [0, 1, -1]);
});

test('near-symmetry traps: a residual above the evaluation rounding is rejected, one below it is never called proved', () => {
  for (const eps of ['1e-12', '1e-9']) {
    const src = `param u = 1\nparam w = 0.5\ndata x ~ normal(0,1)\ndata y ~ normal(0,1)\nloss = (u*w*x - y)^2 + ${eps}*u^2\n`;
    assert.deepEqual(findSymmetries(modelOf(src)), [], eps);
  }
  // Far below rounding (10⁻²⁴·u²) the term is numerically invisible, but the proof sees it.
  const tiny = findSymmetries(modelOf('param u = 1\nparam w = 0.5\ndata x ~ normal(0,1)\ndata y ~ normal(0,1)\nloss = (u*w*x - y)^2 + 1e-24*u^2\n'));
  assert.equal(tiny.length, 1);
  assert.equal(tiny[0].status, 'numerical');
});

test('GL on non-square layers, matrix chains and attention scores', () => {
  const count = (src: string) => {
    const syms = findSymmetries(modelOf(src));
    assert.ok(syms.every((s) => s.status === 'proved'));
    return { rescaling: syms.filter((s) => s.kind === 'rescaling').length, linear: syms.filter((s) => s.kind === 'linear').length, all: syms.length };
  };
  // GL(2) on the hidden index of U[2,3], W[3,2]: 3 symmetric generators.
  assert.deepEqual(
    count(
      'param U[2, 3] = [[0.5, 0.1, -0.2], [0.3, 0.4, 0.2]]\nparam W[3, 2] = [[0.2, 0.1], [0.5, -0.3], [0.1, 0.7]]\ndata x[3] ~ normal(0, 1)\nloss = norm2(W @ (U @ x) - x) / 2\n',
    ),
    { rescaling: 2, linear: 1, all: 3 },
  );
  // GL(2) × GL(2) on the two hidden indices of C B A x.
  assert.deepEqual(
    count(
      'param A[2, 2] = [[0.5, 0.1], [0.3, 0.4]]\nparam B[2, 2] = [[0.2, 0.1], [0.5, -0.3]]\nparam C[2, 2] = [[0.1, 0.7], [0.2, 0.3]]\ndata x[2] ~ normal(0, 1)\nloss = norm2(C @ (B @ (A @ x)) - x) / 2\n',
    ),
    { rescaling: 4, linear: 2, all: 6 },
  );
  // Attention scores (Wq x)·(Wk z): GL(2) on the shared key/query index.
  assert.deepEqual(
    count(
      'param Wq[2, 3] = [[0.5, 0.1, 0.2], [0.3, 0.4, -0.1]]\nparam Wk[2, 3] = [[0.2, 0.1, 0.3], [0.5, -0.3, 0.2]]\ndata x[3] ~ normal(0, 1)\ndata z[3] ~ normal(0, 1)\ndata y ~ normal(0, 1)\nloss = (dot(Wq @ x, Wk @ z) - y)^2 / 2\n',
    ),
    { rescaling: 2, linear: 1, all: 3 },
  );
});

test('layer normalisation: translations of the pre-activations and of the read-out, proved through the exact 1/3 of mean()', () => {
  const src =
    'param W[3, 2] = [[0.5, 0.1], [0.3, -0.4], [0.2, 0.2]]\nparam a[3] = [0.3, 0.2, 0.1]\ndata x[2] ~ normal(0, 1)\ndata y ~ normal(0,1)\n' +
    'let h = W @ x\nlet c = h - mean(h)\nlet n = c / sqrt(mean(c * c) + 0.001)\nloss = (dot(a, n) - y)^2\n';
  const syms = findSymmetries(modelOf(src));
  assert.equal(syms.length, 3);
  assert.ok(syms.every((s) => s.kind === 'translation' && s.status === 'proved'));
});
