// Classification functions: onehot, logsumexp, softmax, cross_entropy. Values against direct
// formulas (tensor loops and the scalar view agree, see lossFn), gradients of the tensor path and
// the scalar path against central finite differences, stability for large logits, errors with
// positions, and the translation symmetry of softmax logits written with cross_entropy.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { gradientFunction } from '../../src/core/analysis/gradientFn';
import { compileLossGradient } from '../../src/core/tensor/evaluate';
import { hasScalarView, Model } from '../../src/core/lang/model';
import { FUNCTIONS } from '../../src/core/lang/check';
import { lookupName } from '../../src/core/lang/names';
import { assertRange, close, letFn, lossFn, modelOk, onlyError } from './lang-helpers';
import { readExample } from './helpers';

const lse = (z: number[]) => Math.log(z.reduce((s, x) => s + Math.exp(x), 0));

test('onehot, logsumexp, softmax and cross_entropy: values', () => {
  const m = modelOk(
    [
      'param z[4] = [0.5, -1, 2, 0.25]',
      'data c ~ const(2)',
      'let h = onehot(c, 4)',
      'let p = softmax(z)',
      'let l = logsumexp(z)',
      'let e = cross_entropy(z, c)',
      'let ev = cross_entropy(z, onehot(c, 4))',
      'let soft = cross_entropy(z, [0.25, 0.25, 0.5, 0])',
      'loss = e',
    ].join('\n'),
  );
  const z = [0.5, -1, 2, 0.25];
  for (const c of [0, 1, 2, 3])
    assert.deepEqual(
      letFn(m, 'h')(z, [c]),
      [0, 1, 2, 3].map((k) => (k === c ? 1 : 0)),
    );
  // A label outside 0 … K−1 (or not an integer) has no class: all zeros.
  assert.deepEqual(letFn(m, 'h')(z, [4]), [0, 0, 0, 0]);
  assert.deepEqual(letFn(m, 'h')(z, [-1]), [0, 0, 0, 0]);
  const p = letFn(m, 'p')(z, [2]);
  p.forEach((pk, k) => close(pk, Math.exp(z[k] - lse(z))));
  close(
    p.reduce((a, b) => a + b, 0),
    1,
  );
  close(letFn(m, 'l')(z, [2])[0], lse(z));
  for (const c of [0, 1, 2, 3]) {
    close(letFn(m, 'e')(z, [c])[0], lse(z) - z[c]);
    close(letFn(m, 'ev')(z, [c])[0], lse(z) - z[c]);
  }
  close(letFn(m, 'soft')(z, [0])[0], -(0.25 * (z[0] - lse(z)) + 0.25 * (z[1] - lse(z)) + 0.5 * (z[2] - lse(z))));
});

test('logsumexp and cross_entropy are stable for large logits (no overflow, no underflow to -Infinity)', () => {
  const m = modelOk('param z[3] = 0\ndata c ~ const(0)\nloss = cross_entropy(z, c)\nlet l = logsumexp(z)\nlet p = softmax(z)');
  close(letFn(m, 'l')([1000, 1000, 999], [0])[0], 1000 + Math.log(2 + Math.exp(-1)));
  close(lossFn(m)([-1000, 0, 0], [0]), 1000 + Math.log(2));
  const p = letFn(m, 'p')([800, 0, -800], [0]);
  assert.deepEqual(
    p.map((x) => Number.isFinite(x)),
    [true, true, true],
  );
  close(p[0], 1);
  // A matrix: logsumexp over every entry.
  const mm = modelOk('param Z[2, 2] = 0\nloss = logsumexp(Z)');
  close(lossFn(mm)([1, 2, 3, 700]), 700 + Math.log(1 + Math.exp(-697) + Math.exp(-698) + Math.exp(-699)));
  close(lossFn(modelOk('param s = 0\nloss = logsumexp(s)'))([3.5]), 3.5);
});

/** Central finite differences of the loss against the gradient of both compiled paths. */
function gradientsMatchFiniteDifferences(m: Model, theta: number[], z: number[]): void {
  const f = lossFn(m);
  const paths = [compileLossGradient(m)];
  if (hasScalarView(m)) paths.push(gradientFunction(m).evaluate);
  for (const evaluate of paths) {
    const out = new Float64Array(1 + theta.length);
    evaluate(Float64Array.from(theta), Float64Array.from(z), out);
    close(out[0], f(theta, z));
    for (let i = 0; i < theta.length; i++) {
      const h = 1e-5;
      const up = [...theta];
      const dn = [...theta];
      up[i] += h;
      dn[i] -= h;
      const fd = (f(up, z) - f(dn, z)) / (2 * h);
      assert.ok(
        Math.abs(out[1 + i] - fd) <= 1e-7 * Math.max(1, Math.abs(fd)),
        `component ${m.components[i]}: gradient ${out[1 + i]} vs finite difference ${fd}`,
      );
    }
  }
}

test('gradients of cross_entropy (label and vector target), logsumexp and softmax match finite differences', () => {
  const net = modelOk(
    ['param W[3, 2] = 0', 'param b[3] = 0', 'data x[2] ~ normal(0, 1)', 'data c ~ const(1)', 'loss = cross_entropy(W @ x + b, c)'].join('\n'),
  );
  gradientsMatchFiniteDifferences(net, [0.3, -0.2, 1.1, 0.4, -0.7, 0.05, 0.1, -0.3, 0.2], [0.8, -1.3, 1]);
  gradientsMatchFiniteDifferences(net, [0.3, -0.2, 1.1, 0.4, -0.7, 0.05, 0.1, -0.3, 0.2], [0.8, -1.3, 2]);
  const vec = modelOk('param z[3] = 0\ndata t[3] ~ uniform(0, 1)\nloss = cross_entropy(z, t) + logsumexp(z * z) + dot(softmax(z), [1, -2, 0.5])');
  gradientsMatchFiniteDifferences(vec, [0.4, -1.2, 0.9], [0.2, 0.5, 0.3]);
  // The gradient of logsumexp is softmax (the max's share cancels to rounding).
  const l = modelOk('param z[4] = 0\nloss = logsumexp(z)');
  const z = [0.1, 2, -3, 2];
  const out = new Float64Array(5);
  compileLossGradient(l)(Float64Array.from(z), new Float64Array(0), out);
  z.forEach((zk, k) => close(out[1 + k], Math.exp(zk - lse(z)), 1e-15));
});

test('errors: arity, shapes and the class count, each at its span', () => {
  const base = 'param z[3] = 0\ndata c ~ const(1)\n';
  const k = onlyError(base + 'loss = sum(onehot(c, 2.5))');
  assert.equal(k.message, 'the number of classes must be a whole number');
  assertRange(k, [3, 22, 25]);
  const k0 = onlyError(base + 'loss = sum(onehot(c, 0))');
  assert.equal(k0.message, 'the number of classes must be between 1 and 100000, found 0');
  const kv = onlyError(base + 'loss = sum(onehot(c, c))');
  assert.match(kv.message, /the number of classes must be a constant; `c` is not allowed here/);
  const lv = onlyError(base + 'loss = sum(onehot(z, 3))');
  assert.equal(lv.message, '`onehot` takes one integer class label (a scalar), found shape [3]');
  assertRange(lv, [3, 19, 20]);
  const t = onlyError(base + 'loss = cross_entropy(z, [1, 0])');
  assert.equal(t.message, "`cross_entropy` needs an integer class label (a scalar) or a target of the logits' shape [3], found [2]");
  assertRange(t, [3, 8, 32]);
  const s = onlyError(base + 'loss = cross_entropy(c, c)');
  assert.equal(s.message, '`cross_entropy` takes a vector of logits, found shape scalar');
  const a = onlyError(base + 'loss = logsumexp(z, z)');
  assert.equal(a.message, '`logsumexp` takes 1 argument, found 2');
  const sm = onlyError(base + 'loss = softmax(z)');
  assert.match(sm.message, /the loss must be a scalar, but this expression has shape \[3\]/);
  // The names are built-ins: not for parameters, and known to the hovers.
  assert.match(onlyError('param w = 1\ndata softmax ~ normal(0, 1)\nloss = w^2').message, /`softmax` is the name of a built-in function/);
  for (const f of ['onehot', 'logsumexp', 'softmax', 'cross_entropy']) assert.ok(lookupName(FUNCTIONS, f), f);
  assert.equal(lookupName(FUNCTIONS, 'constructor'), undefined);
  assert.equal(Object.getPrototypeOf(FUNCTIONS), null);
});

test('examples/softmax-translation.loss written with cross_entropy: the logit translations are still found', () => {
  const src = readExample('softmax-translation.loss');
  assert.match(src, /cross_entropy\(z, c\)/);
  const r = analyzeSource(src, { file: 'softmax-translation.loss' });
  const trans = r.symmetries.filter((s) => s.kind === 'translation');
  assert.equal(trans.length, 3, r.symmetries.map((s) => s.charge.text).join('; '));
  const charges = trans.map((s) => s.charge.text).sort();
  assert.deepEqual(charges, ['W[0,0] + W[1,0]', 'W[0,1] + W[1,1]', 'b[0] + b[1]']);
  // The old explicit form finds the same three.
  const old = src.replace(/loss\s*=.*/, 'loss  = log(exp(z[0]) + exp(z[1])) - (c*z[1] + (1 - c)*z[0])');
  assert.deepEqual(
    analyzeSource(old, { file: 'x.loss' })
      .symmetries.filter((s) => s.kind === 'translation')
      .map((s) => s.charge.text)
      .sort(),
    charges,
  );
});
