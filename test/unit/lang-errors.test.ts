// Every error of the `.loss` checker: its message, its exact range and, where one exists, its fix.
// Fixes are applied (the fix replaces the diagnostic's range) and the result is checked again.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { editDistance, nearest, nearestAll } from '../../src/core/lang/diagnostics';
import { applyFix, assertRange, check, errorsOf, fmt, onlyError } from './lang-helpers';

/** Asserts that applying the diagnostic's fix yields a file without errors. */
function fixMakesValid(source: string, d: ReturnType<typeof onlyError>, files: Record<string, string> = {}): string {
  const fixed = applyFix(source, d);
  const errs = errorsOf(fixed, files);
  assert.deepEqual(errs.map(fmt), [], `after the fix:\n${fixed}`);
  return fixed;
}

const errorCount = (src: string) => errorsOf(src).length;

const HEAD = 'param w = 1\ndata x ~ normal(0, 1)\n';

test('unknown name: nearest known name suggested, range of the name, fix renames', () => {
  const src = 'param w = 1\nloss = (w2 - 1)^2\n';
  const d = onlyError(src);
  assert.equal(d.message, 'unknown name `w2`; did you mean `w`?');
  assertRange(d, [2, 9, 11]);
  assert.equal(fixMakesValid(src, d), 'param w = 1\nloss = (w - 1)^2\n');
});

test('unknown name equally near several known names: all suggested, one fix each', () => {
  const src = 'param u = 1\nparam w = 2\ndata x ~ normal(0, 1)\nloss = (uw*x - 1)^2\n';
  const d = onlyError(src);
  assert.equal(d.message, 'unknown name `uw`; did you mean `u` or `w`?');
  assertRange(d, [4, 9, 11]);
  assert.deepEqual(d.fixes, [
    { title: 'change to `u`', replacement: 'u' },
    { title: 'change to `w`', replacement: 'w' },
  ]);
  assert.deepEqual(d.fix, d.fixes?.[0]);
  for (const fix of d.fixes ?? []) fixMakesValid(src, { ...d, fix });
  // Three equally near: listed as `a`, `b` or `c`; an optimizer, a key and a statement keyword likewise.
  assert.equal(onlyError('param ab = 1, ac = 1, ad = 1\nloss = ax^2 + ab*ac*ad\n').message, 'unknown name `ax`; did you mean `ab`, `ac` or `ad`?');
  const key = onlyError('param w = 1\nloss = w^2\ntrain adam(lr = 0.1, beta = 0.9)\n');
  assert.equal(key.message, '`beta` is a key of momentum, not of `adam`');
  const k2 = onlyError('param w = 1\nloss = w^2\ntrain adam(lr = 0.1, betas = 0.9)\n');
  // Only the keys of this optimizer are suggested (`beta` is momentum's).
  assert.equal(k2.message, 'unknown key `betas` for `adam`; did you mean `beta1` or `beta2`?');
  assert.deepEqual(
    k2.fixes?.map((f) => f.replacement),
    ['beta1', 'beta2'],
  );
  // A single suggestion has `fix` only (no `fixes` list).
  const one = onlyError('param w = 1\nloss = (w2 - 1)^2\n');
  assert.equal(one.fixes, undefined);
  assert.equal(one.fix?.replacement, 'w');
});

test('more equally near names than are listed: the message counts the rest', () => {
  const names = Array.from({ length: 20 }, (_, i) => `q${String.fromCharCode(97 + i)}`);
  const d = onlyError(`param ${names.map((n) => `${n} = 1`).join(', ')}\nloss = qz^2 + ${names.join(' + ')}\n`);
  assert.equal(
    d.message,
    `unknown name \`qz\`; did you mean ${names
      .slice(0, 12)
      .map((n) => `\`${n}\``)
      .join(', ')} or one of 8 more equally near?`,
  );
  assert.equal(d.fixes?.length, 12);
});

test('unknown name far from every known name: no suggestion and no fix', () => {
  const d = onlyError('param w = 1\nloss = w * zebra\n');
  assert.equal(d.message, 'unknown name `zebra`');
  assertRange(d, [2, 12, 17]);
  assert.equal(d.fix, undefined);
});

test('unknown name inside a multi-character Greek identifier file', () => {
  const src = 'param θ1 = 1\nloss = θ2^2\n';
  const d = onlyError(src);
  assert.equal(d.message, 'unknown name `θ2`; did you mean `θ1`?');
  assertRange(d, [2, 8, 10]);
  fixMakesValid(src, d);
});

test('a function name used as a value', () => {
  const d = onlyError('param w = 1\nloss = w * exp\n');
  assert.match(d.message, /`exp` is a function; call it as `exp\(…\)`/);
  assertRange(d, [2, 12, 15]);
});

test('unknown function: suggestion, or the list of known functions', () => {
  const src = 'param w = 1\nloss = tanhh(w)^2\n';
  const d = onlyError(src);
  assert.equal(d.message, 'unknown function `tanhh`; did you mean `tanh`?');
  assertRange(d, [2, 8, 13]);
  fixMakesValid(src, d);
  const e = onlyError('param w = 1\nloss = frobnicate(w)\n');
  assert.match(e.message, /^unknown function `frobnicate` \(known: exp, log, .*norm2, transpose, max, min, onehot, logsumexp, softmax, cross_entropy\)$/);
  assertRange(e, [2, 8, 18]);
  assert.equal(e.fix, undefined);
});

test('a distribution called as a function', () => {
  const d = onlyError('param w = 1\nloss = w * normal(0, 1)\n');
  assert.match(d.message, /`normal` is a distribution: use it after `~`/);
  assertRange(d, [2, 12, 18]);
});

test('unknown distribution with suggestion, in data and in param inits', () => {
  const src = 'param w = 1\ndata x ~ normall(0, 1)\nloss = w*x\n';
  const d = onlyError(src);
  assert.equal(d.message, 'unknown distribution `normall`; did you mean `normal`?');
  assertRange(d, [2, 10, 17]);
  fixMakesValid(src, d);
  const src2 = 'param w ~ unifrom(0, 1)\nloss = w^2\n';
  const e = onlyError(src2);
  assert.equal(e.message, 'unknown distribution `unifrom`; did you mean `uniform`?');
  assertRange(e, [1, 11, 18]);
  fixMakesValid(src2, e);
  const f = onlyError('param w = 1\ndata x ~ cauchy(0, 1)\nloss = w*x\n');
  assert.match(f.message, /unknown distribution `cauchy` \(known: normal, uniform, bernoulli, rademacher, const\)/);
});

test('unknown statement keyword: typo suggests the keyword; `y = …` suggests `let`', () => {
  const src = 'parm w = 1\nparam v = 2\nloss = v^2\n';
  const d = onlyError(src);
  assert.equal(d.message, 'unknown statement `parm`; did you mean `param`?');
  assertRange(d, [1, 1, 5]);
  fixMakesValid(src, d);
  const src2 = 'param w = 1\ny = 2*w\nloss = (w - y)^2\n';
  const errs = errorsOf(src2);
  assert.equal(errs[0].message, 'a statement starts with a keyword; did you mean `let y = …`?');
  assertRange(errs[0], [2, 1, 2]);
  fixMakesValid(src2, errs[0]);
  const e = onlyError('param w = 1\nloss = w\nminimize w\n');
  assert.match(e.message, /^unknown statement `minimize` \(expected one of param, data, dataset, let, loss, train\)$/);
  assertRange(e, [3, 1, 9]);
  const n = onlyError('param w = 1\nloss = w\n42\n');
  assert.match(n.message, /expected a statement .* found the number 42/);
  assertRange(n, [3, 1, 3]);
});

test('shape mismatch in elementwise operations shows both shapes', () => {
  const d = onlyError('param w[2] = [1, 2]\nparam v[3] = 0\nloss = sum(w + v)\n');
  assert.match(d.message, /^shape mismatch in `\+`: the left side has shape \[2\], the right side \[3\]/);
  assertRange(d, [3, 12, 17]);
  const m = onlyError('param U[2, 3] = 0\nparam v[3] = 0\nloss = sum(U * v)\n');
  assert.match(m.message, /the left side has shape \[2, 3\], the right side \[3\].*for a matrix product use `@`/);
  const x = onlyError('param a[2] = 0\nparam b[3] = 0\nloss = sum(max(a, b))\n');
  assert.match(x.message, /shape mismatch in `max`: the left side has shape \[2\], the right side \[3\]/);
  assertRange(x, [3, 12, 21]);
  const dt = onlyError('param a[2] = 0\nparam b[3] = 0\nloss = dot(a, b)\n');
  assert.match(dt.message, /`dot` needs two tensors of one shape, found \[2\] and \[3\]/);
});

test('shape mismatch in `@` shows both shapes', () => {
  const d = onlyError('param U[2, 3] = 0\nparam v[2] = 0\nloss = sum(U @ v)\n');
  assert.equal(d.message, 'shape mismatch in `@`: [2, 3] @ [2]; the inner dimensions must agree');
  assertRange(d, [3, 12, 17]);
  const t = onlyError('param U[2, 3] = 0\nparam W[2, 4] = 0\nloss = sum(U @ W)\n');
  assert.match(t.message, /\[2, 3\] @ \[2, 4\].*did you mean transpose/);
  const src = 'param w = 1\nparam v = 2\nloss = w @ v\n';
  const s = onlyError(src);
  assert.match(s.message, /`@` multiplies vectors and matrices, found scalar @ scalar; use `\*`/);
  assertRange(s, [3, 8, 13]);
  fixMakesValid(src, s);
});

test('a loss that is not a scalar: fix wraps it in sum(…)', () => {
  const src = 'param w[2] = [1, 2]\nloss = (w - 1)^2\n';
  const d = onlyError(src);
  assert.equal(d.message, 'the loss must be a scalar, but this expression has shape [2]; reduce it with sum(…) or mean(…)');
  assertRange(d, [2, 8, 17]);
  assert.equal(d.fix?.replacement, 'sum((w - 1)^2)');
  assert.equal(fixMakesValid(src, d), 'param w[2] = [1, 2]\nloss = sum((w - 1)^2)\n');
  // Across a continuation line the fix keeps the continuation.
  const src2 = 'param U[2, 2] = 0\nloss = U * \\\n  2\n';
  const e = onlyError(src2);
  assert.match(e.message, /shape \[2, 2\]/);
  assertRange(e, [2, 8, 3, 4]);
  fixMakesValid(src2, e);
});

test('missing loss, and two losses (the second is reported, fix renames it to a let)', () => {
  const d = onlyError('param w = 1\nlet y = w\n');
  assert.equal(d.message, 'the file has no `loss`; add a line `loss = EXPR` (the per-example loss)');
  assertRange(d, [2, 1, 10]);
  const src = 'param w = 1\nloss = w^2\nloss = w^4\n';
  const e = onlyError(src);
  assert.equal(e.message, 'a file has exactly one `loss`; another is defined on line 2');
  assertRange(e, [3, 1, 5]);
  assert.equal(fixMakesValid(src, e), 'param w = 1\nloss = w^2\nlet loss2 = w^4\n');
  const empty = check('');
  assert.equal(empty.model, undefined);
  assert.equal(empty.diagnostics.length, 1);
  assertRange(empty.diagnostics[0], [1, 1, 2]);
});

test('no parameters', () => {
  const d = onlyError('data x ~ normal(0, 1)\nloss = x^2\n');
  assert.match(d.message, /declares no parameters/);
  assertRange(d, [1, 1, 2]);
  // A `param` line with a syntax error is reported as such, not as "no parameters".
  const e = errorsOf('data x ~ normal(0, 1)\nparam w = [1\nloss = x^2\n');
  assert.deepEqual(
    e.map((x) => x.message),
    ['expected `]`, found the end of the line'],
  );
});

test('bad distribution arguments: std < 0, p outside [0, 1], lo > hi, wrong arity, not constant', () => {
  const std = onlyError(HEAD.replace('normal(0, 1)', 'normal(0, -1)') + 'loss = w*x\n');
  assert.equal(std.message, 'the std of `normal` must be ≥ 0, found -1');
  assertRange(std, [2, 20, 22]);
  const aniso = onlyError('param w[2] = 0\ndata x[2] ~ normal(0, [1, -2])\nloss = dot(w, x)\n');
  assert.match(aniso.message, /std of `normal` must be ≥ 0, found -2/);
  const ashape = onlyError('param w[2] = 0\ndata x[2] ~ normal(0, [1, 2, 3])\nloss = dot(w, x)\n');
  assert.match(ashape.message, /the std of `normal` has shape \[3\] but the tensor has shape \[2\]/);
  assertRange(ashape, [2, 23, 32]);
  for (const p of ['1.5', '-0.1']) {
    const b = onlyError(`param w = 1\ndata c ~ bernoulli(${p})\nloss = w*c\n`);
    assert.equal(b.message, `the p of \`bernoulli\` must be in [0, 1], found ${Number(p)}`);
    assertRange(b, [2, 20, 20 + p.length]);
  }
  const u = onlyError('param w = 1\ndata x ~ uniform(2, 1)\nloss = w*x\n');
  assert.equal(u.message, '`uniform(lo, hi)` needs lo ≤ hi, found lo = 2, hi = 1');
  assertRange(u, [2, 10, 23]);
  const a1 = onlyError('param w = 1\ndata x ~ normal(0)\nloss = w*x\n');
  assert.equal(a1.message, '`normal` takes 2 arguments (mean, std), found 1');
  assertRange(a1, [2, 10, 19]);
  const a2 = onlyError('param w = 1\ndata x ~ rademacher(1)\nloss = w*x\n');
  assert.equal(a2.message, '`rademacher` takes 0 arguments (none), found 1');
  const a3 = onlyError('param w ~ bernoulli(0.1, 0.2)\nloss = w^2\n');
  assert.match(a3.message, /`bernoulli` takes 1 argument \(p\), found 2/);
  const nc = onlyError('param w = 1\ndata x ~ normal(w, 1)\nloss = w*x\n');
  assert.match(nc.message, /the mean of `normal` must be a constant; `w` is not allowed here/);
  assertRange(nc, [2, 17, 18]);
  // Constant arithmetic is fine, and the checked distribution is the evaluated one.
  const ok = check('param w = 1\ndata x ~ normal(1 - 1, 2^-1)\nloss = w*x\n');
  assert.deepEqual(ok.model?.data[0].dists, [{ kind: 'normal', mean: 0, std: 0.5 }]);
});

test('several names on one `~` line', () => {
  const d = onlyError('param w = 1\ndata x, y ~ normal(0, 1)\nloss = w*x*y\n');
  assert.match(d.message, /several names share one `~` distribution/);
  assertRange(d, [2, 9, 10]);
});

test('data without a source: fix draws it from a standard normal', () => {
  const src = 'param w = 1\ndata x\nloss = w*x\n';
  const d = errorsOf(src)[0];
  assert.match(d.message, /expected `~ DISTRIBUTION` or `from "FILE"` \(\.csv, \.npy or IDX\) after the data name, found the end of the line/);
  assertRange(d, [2, 7, 8]);
  assert.equal(fixMakesValid(src, d), 'param w = 1\ndata x ~ normal(0, 1)\nloss = w*x\n');
});

const TRAIN_HEAD = 'param w = 1\ndata x ~ normal(0, 1)\nloss = (w*x - 1)^2\n';

test('train: unknown optimizer, with a suggestion and fix', () => {
  const src = TRAIN_HEAD + 'train sgdd(lr = 0.1)\n';
  const d = onlyError(src);
  assert.equal(d.message, 'unknown optimizer `sgdd`; did you mean `sgd`?');
  assertRange(d, [4, 7, 11]);
  fixMakesValid(src, d);
  const e = onlyError(TRAIN_HEAD + 'train lbfgs(lr = 0.1)\n');
  assert.match(e.message, /unknown optimizer `lbfgs` \(known: sgd, gd, momentum, adam\)/);
});

test('train: unknown key with suggestion; key of another optimizer (fix removes the argument)', () => {
  const src = TRAIN_HEAD + 'train sgd(lr = 0.1, bach = 2)\n';
  const d = onlyError(src);
  assert.equal(d.message, 'unknown key `bach` for `sgd`; did you mean `batch`?');
  assertRange(d, [4, 21, 25]);
  fixMakesValid(src, d);
  const far = onlyError(TRAIN_HEAD + 'train sgd(lr = 0.1, temperature = 2)\n');
  assert.match(far.message, /unknown key `temperature` for `sgd` \(keys: lr, batch, .*\)/);
  assert.doesNotMatch(far.message, /beta/);
  for (const [line, fixed] of [
    ['train sgd(lr = 0.1, beta = 0.9)', 'train sgd(lr = 0.1)'],
    ['train sgd(beta = 0.9, lr = 0.1)', 'train sgd(lr = 0.1)'],
    ['train gd(lr = 0.1, beta2 = 0.9, steps = 5)', 'train gd(lr = 0.1, steps = 5)'],
  ]) {
    const s = TRAIN_HEAD + line + '\n';
    const k = onlyError(s);
    assert.match(k.message, /^`beta2?` is a key of (momentum|adam), not of `s?gd`$/);
    assert.equal(fixMakesValid(s, k), TRAIN_HEAD + fixed + '\n');
  }
  const alone = onlyError(TRAIN_HEAD + 'train momentum(lr = 0.1, beta1 = 0.5)\n');
  assert.equal(alone.message, '`beta1` is a key of adam, not of `momentum`');
  assertRange(alone, [4, 24, 37]);
});

test('train: value ranges (lr <= 0, batch < 1, non-integer steps) and a missing lr', () => {
  for (const [arg, msg, cols] of [
    ['lr = 0', '`lr` must be > 0, found 0', [16, 17]],
    ['lr = -0.5', '`lr` must be > 0, found -0.5', [16, 20]],
    ['lr = 0.1, batch = 0', '`batch` must be between 1 and 10⁶, found 0', [29, 30]],
    ['lr = 0.1, chains = 0', '`chains` must be between 1 and 10⁵, found 0', [30, 31]],
  ] as const) {
    const d = onlyError(TRAIN_HEAD + `train sgd(${arg})\n`);
    assert.equal(d.message, msg);
    assertRange(d, [4, cols[0], cols[1]]);
  }
  const src = TRAIN_HEAD + 'train sgd(lr = 0.1, steps = 10.5)\n';
  const s = onlyError(src);
  assert.equal(s.message, '`steps` must be a whole number, found 10.5');
  assertRange(s, [4, 29, 33]);
  assert.equal(fixMakesValid(src, s), TRAIN_HEAD + 'train sgd(lr = 0.1, steps = 11)\n');
  const nonconst = onlyError(TRAIN_HEAD + 'train sgd(lr = w)\n');
  assert.match(nonconst.message, /`lr` must be a constant; `w` is not allowed here/);
  const twice = onlyError(TRAIN_HEAD + 'train sgd(lr = 0.1, lr = 0.2)\n');
  assert.equal(twice.message, '`lr` is given twice');
  assertRange(twice, [4, 21, 23]);
  for (const [line, fixed] of [
    ['train sgd(batch = 2)', 'train sgd(lr = 0.01, batch = 2)'],
    ['train adam ( beta1 = 0.5 )', 'train adam(lr = 0.01,  beta1 = 0.5 )'],
    ['train gd()', 'train gd(lr = 0.01)'],
  ]) {
    const m = onlyError(TRAIN_HEAD + line + '\n');
    assert.match(m.message, /^`(sgd|adam|gd)` needs a learning rate: add `lr = …`$/);
    assert.equal(m.line, 4);
    assert.equal(m.column, 7);
    assert.equal(fixMakesValid(TRAIN_HEAD + line + '\n', m), TRAIN_HEAD + fixed + '\n');
  }
});

test('train: sampling values, and without_replacement needs a finite data set', () => {
  const src = TRAIN_HEAD + 'train sgd(lr = 0.1, sampling = without_replacment)\n';
  const d = onlyError(src);
  assert.equal(d.message, '`sampling` is `with_replacement` or `without_replacement`');
  assertRange(d, [4, 32, 50]);
  assert.equal(d.fix?.replacement, 'without_replacement');
  const w = onlyError(TRAIN_HEAD + 'train sgd(lr = 0.1, sampling = without_replacement)\n');
  assert.match(w.message, /^`without_replacement` needs a finite data set: add `dataset size = N` or load data `from "file.csv"`$/);
  assertRange(w, [4, 21, 51]);
  assert.deepEqual(errorsOf(TRAIN_HEAD + 'dataset size = 10\ntrain sgd(lr = 0.1, sampling = without_replacement)\n'), []);
});

test('dataset size errors', () => {
  const d = onlyError(TRAIN_HEAD + 'dataset size = 0\n');
  assert.match(d.message, /data set size must be between 1 and 10⁷, found 0/);
  assertRange(d, [4, 16, 17]);
  const f = onlyError(TRAIN_HEAD + 'dataset size = 2.5\n');
  assert.match(f.message, /the data set size must be a whole number/);
  const k = onlyError(TRAIN_HEAD + 'dataset count = 5\n');
  assert.match(k.message, /expected `dataset size = N`, found `count`/);
  const two = onlyError(TRAIN_HEAD + 'dataset size = 5\ndataset size = 6\n');
  assert.match(two.message, /only one `dataset` line/);
  assertRange(two, [5, 1, 17]);
});

test('duplicate names, and built-in names, are rejected at the second definition', () => {
  const d = onlyError('param w = 1\nparam w = 2\nloss = w\n');
  assert.equal(d.message, '`w` is already defined (as a param on line 1); choose another name');
  assertRange(d, [2, 7, 8]);
  const e = onlyError('param w = 1\ndata x ~ normal(0, 1)\nlet x = 2\nloss = w*x\n');
  assert.equal(e.message, '`x` is already defined (as a data on line 2); choose another name');
  assertRange(e, [3, 5, 6]);
  const same = onlyError('param u = 1, u = 2\nloss = u\n');
  assertRange(same, [1, 14, 15]);
  const b = onlyError('param w = 1\nlet sum = w\nloss = w\n');
  assert.match(b.message, /`sum` is the name of a built-in function/);
  assertRange(b, [2, 5, 8]);
});

test('a let used before its definition', () => {
  const d = onlyError('param w = 1\nlet a = b + w\nlet b = 2*w\nloss = a\n');
  assert.equal(d.message, '`b` is defined later (line 3); a `let` can use only names defined above it');
  assertRange(d, [2, 9, 10]);
  // The same holds for the loss: it sees only the lets above it.
  const l = onlyError('param w = 1\nloss = y^2\nlet y = w\n');
  assert.match(l.message, /`y` is defined later \(line 3\)/);
  // Parameters and data, unlike lets, may be used before their declaration.
  assert.deepEqual(errorsOf('let y = 2*w*x\nloss = y^2\nparam w = 1\ndata x ~ normal(0, 1)\n'), []);
});

test('indexing: out of range (fix clamps), too many indices, non-constant index', () => {
  const src = 'param w[2] = 1\nloss = w[2]\n';
  const d = onlyError(src);
  assert.equal(d.message, 'index 2 is out of range: dimension 1 has size 2 (indices start at 0)');
  assertRange(d, [2, 10, 11]);
  assert.equal(fixMakesValid(src, d), 'param w[2] = 1\nloss = w[1]\n');
  const neg = onlyError('param U[2, 3] = 1\nloss = U[0, -1]\n');
  assert.match(neg.message, /index -1 is out of range: dimension 2 has size 3/);
  assertRange(neg, [2, 13, 15]);
  assert.equal(neg.fix?.replacement, '0');
  const many = onlyError('param w[2] = 1\nloss = w[0, 1]\n');
  assert.equal(many.message, 'too many indices: [2] takes at most 1');
  assertRange(many, [2, 8, 15]);
  const sc = onlyError('param w = 1\nloss = w[0]\n');
  assert.match(sc.message, /too many indices: scalar takes at most 0/);
  const frac = onlyError('param w[2] = 1\nloss = w[0.5]\n');
  assert.match(frac.message, /an index must be a whole number/);
  const nm = onlyError('param w[2] = 1\nparam i = 0\nloss = w[i] + i\n');
  assert.match(nm.message, /an index must be a constant; `i` is not allowed here/);
});

test('initial values: wrong shape, ragged nested list, empty list, non-finite', () => {
  const d = onlyError('param w[2] = [1, 2, 3]\nloss = sum(w)\n');
  assert.match(d.message, /the initial value of `w` has shape \[3\] but the tensor has shape \[2\]/);
  assertRange(d, [1, 14, 23]);
  const r = onlyError('param U[2, 2] = [[1, 2], [3]]\nloss = sum(U)\n');
  assert.match(r.message, /list entries must have one shape: entry 1 is \[2\], entry 2 is \[1\]/);
  assertRange(r, [1, 26, 29]);
  const e = onlyError('param w[2] = []\nloss = sum(w)\n');
  assert.match(e.message, /an empty list has no value/);
  const inf = onlyError('param w = 1e999\nloss = w\n');
  assert.match(inf.message, /the initial value of `w` is not a finite number/);
  const deep = onlyError('param w[2] = [[[1]], [[2]]]\nloss = sum(w)\n');
  assert.match(deep.message, /lists nest at most two deep/);
  const sh = onlyError('param w[2, 2, 2] = 0\nloss = sum(w)\n');
  assert.match(sh.message, /shapes have at most 2 dimensions/);
  assertRange(sh, [1, 8, 17]);
  const z = errorsOf('param w[0] = 0\nloss = sum(w)\n')[0];
  assert.match(z.message, /a shape entry must be a positive whole number, found the number 0/);
});

test('syntax errors: missing `)` (fix inserts it), bad characters, stray backslash, unterminated string', () => {
  const src = 'param w = 1\nloss = (w - 1\n';
  // Only the syntax error: a `loss` line that does not parse is not also reported as missing.
  const paren = onlyError(src);
  assert.equal(paren.message, 'expected `)`, found the end of the line');
  assertRange(paren, [2, 14, 15]);
  assert.equal(applyFix(src, paren), 'param w = 1\nloss = (w - 1)\n');
  assert.deepEqual(errorsOf(applyFix(src, paren)), []);
  const semi = onlyError('param w = 1\nloss = w^2;\n');
  assert.equal(semi.message, 'unexpected character ";" (statements end at the end of a line)');
  assertRange(semi, [2, 11, 12]);
  assert.equal(semi.fix?.replacement, '');
  const bs = errorsOf('param w = 1 \\ x\nloss = w\n');
  assert.equal(bs[0].message, 'a `\\` continues a statement only at the end of a line');
  assert.deepEqual(
    bs.map((d) => [d.line, d.column]),
    [
      [1, 13],
      [1, 15],
    ],
  );
  // …but a comment may follow it.
  assert.equal(errorCount('param w = 1, \\ # more\n v = 2\nloss = w + v\n'), 0);
  const str = errorsOf('param w = 1\ndata x, y from "oops.csv\nloss = w*x\n');
  assert.equal(str[0].message, 'unterminated string');
  assertRange(str[0], [2, 16, 25]);
  assert.equal(str[0].fix?.replacement, '"oops.csv"');
  const trailing = onlyError('param w = 1 2\nloss = w\n');
  assert.equal(trailing.message, 'unexpected number 2 after the end of the statement (one statement per line)');
  assertRange(trailing, [1, 13, 14]);
});

test('recovery: errors on three different lines are all reported, in order', () => {
  const src = [
    'param w = 1',
    'param v = (2', // syntax error, line 2
    'loss = (w2 - 1)^2', // unknown name, line 3
    'train sgd(lr = -1)', // value out of range, line 4
    'train adam(lr = 0.1, beta = 0.5)', // key of another optimizer, line 5
  ].join('\n');
  const errs = errorsOf(src);
  assert.deepEqual(
    errs.map((d) => d.line),
    [2, 3, 4, 5],
    errs.map(fmt).join('\n'),
  );
  assert.match(errs[0].message, /expected `\)`/);
  assert.match(errs[1].message, /unknown name `w2`; did you mean `w`\?/);
  assert.match(errs[2].message, /`lr` must be > 0/);
  assert.match(errs[3].message, /`beta` is a key of momentum, not of `adam`/);
  // Several errors on one line are all reported too.
  const one = errorsOf('param w = 1\nloss = foo(w) + bar + w[3]\n');
  assert.equal(one.length, 3, one.map(fmt).join('\n'));
});

test('warnings do not block the model: an unused parameter', () => {
  const r = check('param w = 1, v = 2\nloss = w^2\n');
  assert.ok(r.model);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].severity, 'warning');
  assert.match(r.diagnostics[0].message, /the parameter `v` does not affect the loss/);
  assertRange(r.diagnostics[0], [1, 14, 15]);
});

test('large problems lower to tensors in bounded time; past the workspace bound they are one error', () => {
  // A 316×316 matrix product is one tensor node: the model is valid (no scalar view: too large for it).
  const started = Date.now();
  const r = check('param U[316, 316] = 0\nloss = sum(U @ U)\n');
  assert.ok(r.model, r.diagnostics.map((d) => d.message).join('\n'));
  assert.equal(r.model.graph, undefined);
  // Constant initial values fold to one constant per step, whatever their size.
  const L = '[' + Array.from({ length: 20000 }, (_, i) => (i * 0.7317).toFixed(3)).join(',') + ']';
  const r2 = check(`param w[20000] = ${L}${'*1.1'.repeat(110)}\nloss = sum(w)\n`);
  assert.ok(r2.model);
  assert.ok(Math.abs(r2.model.params[0].init.kind === 'value' ? r2.model.params[0].init.values[1] - 0.732 * 1.1 ** 110 : NaN) < 1e-9 * 0.732 * 1.1 ** 110);
  assert.ok(Date.now() - started < 10000, 'bounded time');
  // Intermediate values beyond the workspace bound: one error with a position, not an allocation failure.
  const chain = Array.from({ length: 260 }, (_, i) => `let M${i + 1} = M${i} @ U`).join('\n');
  const r3 = check(`param U[300, 300] = 0\nlet M0 = U\n${chain}\nloss = sum(M260)\n`);
  assert.equal(r3.model, undefined);
  assert.match(r3.diagnostics.map((d) => d.message).join('\n'), /too large \(more than 20000000 intermediate values per example\)/);
  const r4 = check('param w[1000000] = 0\nloss = sum(w)\n');
  assert.match(r4.diagnostics.map((d) => d.message).join('\n'), /too many parameters/);
});

test('"did you mean": nearest known name, none for far or very long names', () => {
  assert.equal(nearest('w2', ['w', 'u', 'x']), 'w');
  assert.equal(nearest('Lr', ['lr', 'batch']), 'lr');
  assert.equal(nearest('zebra', ['w', 'u']), undefined);
  assert.equal(nearest('a'.repeat(101), ['a'.repeat(100)]), undefined);
  assert.equal(nearest('a'.repeat(99) + 'b', ['a'.repeat(100)]), 'a'.repeat(100));
  // Skipping candidates by length never changes the answer: compare with a brute-force search.
  let seed = 1;
  const rnd = (n: number) => (seed = (seed * 16807) % 2147483647) % n;
  const word = () => Array.from({ length: 1 + rnd(7) }, () => 'abcde'[rnd(5)]).join('');
  for (let t = 0; t < 300; t++) {
    const cands = Array.from({ length: 1 + rnd(12) }, word);
    const name = word();
    // The nearest of the candidates near enough to be a typo (within half the longer length), the first of equals.
    let best: string | undefined;
    let bestD = Infinity;
    for (const c of cands) {
      const d = editDistance(name, c);
      if (d < bestD && d <= Math.max(1, Math.floor(Math.max(name.length, c.length) / 2))) [best, bestD] = [c, d];
    }
    assert.equal(nearest(name, cands), best, `${name} in ${cands.join(',')}`);
    const all = cands.filter(
      (c, i) => cands.indexOf(c) === i && editDistance(name, c) === bestD && bestD <= Math.max(1, Math.floor(Math.max(name.length, c.length) / 2)),
    );
    assert.deepEqual(nearestAll(name, cands), all, `all of ${name} in ${cands.join(',')}`);
  }
});

test('thousands of unknown names among thousands of known ones: all reported, suggestions bounded', () => {
  const n = 1500;
  const known = Array.from({ length: n }, (_, i) => `let a${i} = 1`).join('\n');
  const unknown = Array.from({ length: n }, (_, i) => `let c${i} = a${i}x`).join('\n');
  const errs = errorsOf(`param w = 1\n${known}\n${unknown}\nloss = w\n`);
  assert.equal(errs.length, n);
  assert.equal(errs[0].message, 'unknown name `a0x`; did you mean `a0`?');
  // a1x is one edit from a1 and from each of a10…a19: all eleven are offered.
  assert.equal(errs[1].message, 'unknown name `a1x`; did you mean `a1`, `a10`, `a11`, `a12`, `a13`, `a14`, `a15`, `a16`, `a17`, `a18` or `a19`?');
  assert.equal(errs[1].fixes?.length, 11);
  // a10x is one edit from a10 and from a100…a109 (and no more): eleven again.
  assert.equal(errs[10].fixes?.length, 11);
  // Past a total budget of comparisons, unknown names are still reported, without a suggestion.
  assert.equal(errs[n - 1].message, `unknown name \`a${n - 1}x\``);
  // A long unknown name next to a long known one: reported, without a suggestion, its quote cut.
  const long = 'x'.repeat(5000);
  const d = onlyError(`param ${long} = 1\nloss = ${long}y^2\n`);
  assert.equal(d.message, `unknown name \`${'x'.repeat(60)}…\``);
  assertRange(d, [2, 8, 5009]);
});
