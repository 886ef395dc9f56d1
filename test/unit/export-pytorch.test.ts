// Export to PyTorch (src/core/export/pytorch.ts, `noether export`): the script's text (names,
// folding, escaping), and, run with Debian's /usr/bin/python3 + python3-torch, the same loss and
// gradient as the engine for every function of the language, the same update rules step for step
// (sgd, gd, momentum, adam, weight decay, warmup), the same finite data sets, the data laws' moments,
// and the same statistics as `noether simulate --json` within standard errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { gradientFunction } from '../../src/core/analysis/gradientFn';
import { ExportError, exportPyTorch, finalWindow, packRows, pyNumber } from '../../src/core/export/pytorch';
import { checkSource, FUNCTIONS } from '../../src/core/lang/check';
import { Model } from '../../src/core/lang/model';
import { simulateSource } from '../../src/core/numeric/runner';
import { DataReader, makeReadFile } from '../../src/core/io/files';
import { EXAMPLES, ROOT } from './helpers';
import { memoryFiles } from './lang-helpers';
import { npy } from './npy';
import { python, runExported, torchMissing } from './python';

const skip = torchMissing();
const BIN = path.join(ROOT, 'bin', 'noether.js');
const Z = 4;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'noether-export-'));
}

function writeScript(source: string, opts: Parameters<typeof exportPyTorch>[1] = {}): string {
  const file = path.join(tmpDir(), 'exported.py');
  fs.writeFileSync(file, exportPyTorch(source, opts).script);
  return file;
}

function modelOf(source: string, files: Record<string, string | Uint8Array> = {}): Model {
  const r = checkSource(source, { readFile: memoryFiles(files) });
  assert.ok(r.model, r.diagnostics.map((d) => d.message).join('; '));
  return r.model;
}

function noether(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---- the script's text ---------------------------------------------------------------------------

test('the script of two-layer-scalar: the file`s names and lets, torch ops, the update rule, seeds and the charge', () => {
  const src = fs.readFileSync(path.join(EXAMPLES, 'two-layer-scalar.loss'), 'utf8');
  const a = analyzeSource(src);
  const { script, spec, charges } = exportPyTorch(src, { file: 'two-layer-scalar.loss', symmetries: a.symmetries, version: '9.9.9' });
  assert.equal(spec.optimizer, 'sgd');
  assert.equal(charges, 1);
  for (const line of [
    '#   train sgd(lr = 0.05, batch = 4, steps = 20000, chains = 32, seed = 7)',
    '# Exported by Noether Lab 9.9.9 (`noether export FILE --to pytorch`).',
    'LR = 0.05',
    'BATCH = 4',
    'STEPS = 20000',
    'CHAINS = 32',
    'SEED = 7',
    'generator.manual_seed(SEED)',
    '        "x": normal(lead, 0.0, 1.0),',
    '        "eps": normal(lead, 0.0, 0.5),',
    '    u, w = p["u"], p["w"]',
    '    x, eps = z["x"], z["eps"]',
    '    y = 2 * x + eps',
    '    return (u * w * x - y) ** 2 / 2',
    '    return {k: (1 - lr * WEIGHT_DECAY) * params[k] - lr * grads[k] for k in params}',
    '    {"kind": "rescaling", "text": "u² − w²",',
    '     "i": [0, 1], "j": [0, 1], "c": [1, -1]},',
    `FINAL_WINDOW = ${finalWindow(spec)}`,
  ]) {
    assert.ok(script.split('\n').includes(line), `the script has the line: ${line}`);
  }
  assert.equal(finalWindow(spec), 2, '20000 steps recorded every 11: the last record covers steps 19998–20000');
  // The other train line: gd on fresh data averages over a fixed sample (the engine's fallback).
  const gd = exportPyTorch(src, { train: 1 }).script;
  assert.match(gd, /^GD_SAMPLE = 2048$/m);
  assert.match(gd, /^FULL_BATCH = draw_examples\(\(GD_SAMPLE,\)\)$/m);
  assert.doesNotMatch(gd, /^BATCH = /m);
});

test('names Python cannot take as written are renamed; constants Python would not compute are folded', () => {
  const src = [
    'param lambda = 0.5',
    'param θ = 1.5',
    'param torch = 2',
    'param w² = 0.1',
    'data p ~ normal(0, 1)',
    'let k = (-8)^(1/3) + 1/0 - log(-1)',
    'let big = 10^400',
    'loss = (lambda*θ*p - torch)^2 + w²^2 + (-θ)^2 - -θ^2 + 2^-1 + 1/2',
    'train sgd(lr = 0.01)',
  ].join('\n');
  const { script } = exportPyTorch(src);
  assert.match(script, /^# Names renamed for Python: lambda -> lambda_, torch -> torch_, w² -> w2_, p -> p_\.$/m);
  assert.match(script, /^ {4}lambda_, θ, torch_, w2_ = p\["lambda"\], p\["θ"\], p\["torch"\], p\["w²"\]$/m);
  assert.match(script, /^ {4}p_ = z\["p"\]$/m);
  assert.match(script, /^ {4}k = tensor\(math\.nan\)$/m, 'NaN + inf − NaN, as the language computes it');
  assert.match(script, /^ {4}big = tensor\(math\.inf\)$/m);
  assert.match(script, /^ {4}return \(lambda_ \* θ \* p_ - torch_\) \*\* 2 \+ w2_ \*\* 2 \+ \(-θ\) \*\* 2 - -θ \*\* 2 \+ 0\.5 \+ 1 \/ 2$/m);
  assert.equal(pyNumber(-0), '-0.0');
  assert.equal(pyNumber(1e21), '1e+21');
});

test('text from the file reaches the script only escaped in comments and as string literals', () => {
  const src = 'param w = 1\ndata x, y from "da\tta\u202e.csv"\nloss = (w*x - y)^2\ntrain sgd(lr = 0.1)\n';
  const file = 'a\r\nimport os; os.system("echo pwned")\u202e.loss';
  const { script } = exportPyTorch(src, { file, readFile: memoryFiles({ 'da\tta\u202e.csv': 'x,y\n1,2\n3,4\n' }) });
  assert.match(script, /^# The data set read from da\\u0009ta\\u202e\.csv:$/m);
  const lines = script.split('\n');
  for (const l of lines) {
    assert.ok(!/^\s*import os/.test(l), `no line of the file's text runs: ${l}`);
    assert.ok(!/[\r\u202e]/.test(l), 'no carriage return or bidi override in the script');
  }
  assert.match(script, /^# a\\u000d\\u000aimport os; os\.system\("echo pwned"\)\\u202e\.loss, train line 0/m);
  assert.match(script, /^FILE = "a\\r\\nimport os; os\.system\(\\"echo pwned\\"\)\\u202e\.loss"$/m);
});

test('export refuses a file with errors, a missing train line and an unknown target, with the reason', () => {
  assert.throws(
    () => exportPyTorch('param w = 1\nloss = (w - q)^2\ntrain sgd(lr = 0.1)\n'),
    (e: ExportError) => /the file has errors \(line 2: unknown name `q`/.test(e.message) && e.diagnostics.length === 1,
  );
  assert.throws(() => exportPyTorch('param w = 1\nloss = w^2\n'), /no train line: add one/);
  assert.throws(
    () => exportPyTorch('param w = 1\nloss = w^2\ntrain sgd(lr = 0.1)\n', { train: 1 }),
    /no train line number 1 \(it has 1; they are numbered from 0\)/,
  );
  const lr = path.join(EXAMPLES, 'linear-regression.loss');
  const noTarget = noether(['export', lr]);
  assert.equal(noTarget.status, 2);
  assert.match(noTarget.stderr, /export needs --to pytorch/);
  assert.equal(noether(['export', lr, '--to', 'jax']).status, 2);
  assert.equal(noether(['export', lr, '--to', 'pytorch', '--train', '-1']).status, 2);
  const bad = path.join(tmpDir(), 'bad.loss');
  fs.writeFileSync(bad, 'param w = 1\nloss = (w - q)^2\ntrain sgd(lr = 0.1)\n');
  const errs = noether(['export', bad, '--to', 'pytorch']);
  assert.equal(errs.status, 1);
  assert.match(errs.stderr, /bad\.loss:2:13: error: unknown name `q`/);
  // Without --out the script goes to standard output.
  const printed = noether(['export', lr, '--to', 'pytorch', '--steps', '100']);
  assert.equal(printed.status, 0);
  assert.match(printed.stdout, /^#!\/usr\/bin\/env python3\n# linear-regression\.loss, train line 0 \(line 10\), as a PyTorch script:\n/);
  assert.match(printed.stdout, /^# {3}with steps = 100 \(overridden at export\)$/m);
  assert.match(printed.stdout, /^STEPS = 100$/m);
});

// ---- the same loss, gradient, updates and data as the engine --------------------------------------

/** Python lines that import the exported script named by argv[1] as the module `m` (its main() does not run). */
const IMPORT_SCRIPT = [
  'import importlib.util, json, sys, torch',
  'spec = importlib.util.spec_from_file_location("exported", sys.argv[1])',
  'm = importlib.util.module_from_spec(spec)',
  'spec.loader.exec_module(m)',
];

/** Every function of the language, every operator, matrices and vectors, indexing and lists of names. */
const EVERY_FUNCTION = [
  'param a = 0.7',
  'param b = -0.4',
  'param v[3] = [0.5, -1.2, 0.8]',
  'param M[2, 3] = [[0.3, -0.1, 0.2], [0.4, 0.5, -0.6]]',
  'data x[3] ~ normal(0, 1)',
  'param zl[3] = [0.2, -0.5, 1.1]',
  'data s ~ uniform(0.5, 2)',
  'data c ~ bernoulli(0.5)',
  'let h = M @ x',
  'let ce = cross_entropy(zl * s, c) + cross_entropy(zl, softmax([0.1, 0.2, 0.3] * s) * s) + logsumexp(zl) + sum(softmax(zl) * onehot(c, 3)) + logsumexp(a)',
  'let e = exp(a*s) + log(s + 2) + sqrt(s) + abs(b) + tanh(a*s) + sigmoid(b*s) + relu(a - b*s) + softplus(b*s) + sin(a*s) + cos(b)',
  'let r = sum(h) + mean(v*x) + dot(v, x) + norm2(M) + sum(transpose(M) @ h) + v @ x + sum(x @ transpose(M)) + sum(M @ transpose(M))',
  'let q = max(a, b*s) + min(a, s) + max(v, 0)[1] + min(h, [0.1, 0.2])[0] + sum(relu(v))',
  'let L = [[a, b], [b*s, a]]',
  'let k = (-8)^(1/3) + 1/0',
  'loss = e * r / 10 + q + sum(L @ [1, 2]) + v[2]^2 - M[1, 2]/2 + (-a)^2 - -b^2 + 2^-1 + M[0] @ x + transpose(v) @ x + ce',
  'train sgd(lr = 0.01)',
].join('\n');

async function compareLossAndGradient(source: string, points: number, readFile?: DataReader): Promise<void> {
  const r = checkSource(source, { readFile });
  assert.ok(r.model, r.diagnostics.map((d) => d.message).join('; '));
  const model = r.model;
  const script = writeScript(source, { readFile });
  const fn = gradientFunction(model);
  let seed = 3;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const cases: { p: Record<string, unknown>; z: Record<string, unknown>; theta: number[]; data: number[] }[] = [];
  for (let k = 0; k < points; k++) {
    const theta = model.components.map(() => rnd() * 1.5);
    const data = model.dataComponents.map(() => 0.6 + Math.abs(rnd()));
    const shaped = (vals: number[], shape: number[]) =>
      shape.length === 0 ? vals[0] : shape.length === 1 ? vals : Array.from({ length: shape[0] }, (_, i) => vals.slice(i * shape[1], (i + 1) * shape[1]));
    const p = Object.fromEntries(model.params.map((q) => [q.name, shaped(theta.slice(q.offset, q.offset + q.size), q.shape)]));
    const z = Object.fromEntries(model.data.map((d) => [d.name, shaped(data.slice(d.offset, d.offset + d.size), d.shape)]));
    cases.push({ p, z, theta, data });
  }
  const harness = [
    ...IMPORT_SCRIPT,
    'out = []',
    'for c in json.load(sys.stdin):',
    '    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in c["p"].items()}',
    '    z = {k: torch.tensor(v, dtype=torch.float64) for k, v in c["z"].items()}',
    '    loss = m.example_loss(p, z)',
    '    grads = torch.autograd.grad(loss, list(p.values()), allow_unused=True)',
    '    out.append({"loss": float(loss), "grad": [x for q, g in zip(p.values(), grads) for x in (g if g is not None else torch.zeros_like(q)).flatten().tolist()]})',
    'print(json.dumps(out))',
  ].join('\n');
  const results = JSON.parse(await python(['-c', harness, script], JSON.stringify(cases.map(({ p, z }) => ({ p, z }))))) as { loss: number; grad: number[] }[];
  results.forEach((r, k) => {
    const out = new Float64Array(1 + model.components.length);
    fn.evaluate(cases[k].theta, cases[k].data, out);
    const close = (x: number, y: number, what: string) =>
      assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)), `${what} at point ${k}: torch ${x}, engine ${y}`);
    close(r.loss, out[0], 'loss');
    model.components.forEach((c, i) => close(r.grad[i], out[1 + i], `∂ℓ/∂${c}`));
  });
}

test('every function of the language: the script`s loss and its gradient are the engine`s at random points', { skip }, async () => {
  // The file calls every function of the language (a new one fails here until it is added and translated).
  for (const f of Object.keys(FUNCTIONS)) assert.match(EVERY_FUNCTION, new RegExp(`\\b${f}\\(`), `the test file calls ${f}`);
  await compareLossAndGradient(EVERY_FUNCTION, 12);
  // Renamed names, a file without data, a scalar-only file.
  await compareLossAndGradient(
    'param lambda = 0.5, θ = 1.5\nparam w² = 0.1\ndata p ~ normal(0, 1)\nloss = (lambda*θ*p - 1)^2 + w²^4 + abs(θ)\ntrain sgd(lr = 0.01)\n',
    6,
  );
  await compareLossAndGradient('param w[2] = [1, 2]\nloss = norm2(w - [3, 1]) + exp(-w[0])\ntrain gd(lr = 0.1)\n', 4);
});

const FASHION = '/usr/share/datasets/fashion-mnist';

test(
  'the Fashion-MNIST MLP (examples/real-data): its 6000 images embedded as bytes, its loss and gradient the engine`s',
  {
    skip:
      skip ??
      (fs.existsSync(path.join(FASHION, 'train-images-idx3-ubyte.gz'))
        ? undefined
        : `the Fashion-MNIST files are not in ${FASHION} (apt-get install dataset-fashion-mnist)`),
  },
  async () => {
    const file = path.join(EXAMPLES, 'real-data', 'fashion-mlp.loss');
    const source = fs.readFileSync(file, 'utf8');
    const readFile = makeReadFile(path.dirname(file), null);
    const script = exportPyTorch(source, { readFile }).script;
    assert.match(script, /^# 6000 × 785 numbers, every one exactly a uint8 \(little-endian\), base64-encoded\.$/m);
    assert.match(script, /^ {4}return cross_entropy\(W2 @ h \+ b2, label\)$/m);
    assert.ok(script.length < 8e6, `${script.length} characters`);
    await compareLossAndGradient(source, 2, readFile);
  },
);

/** One train line's final parameters, chain by chain, from the engine (in this thread). */
async function engineFinal(source: string, run: number, files: Record<string, string | Uint8Array> = {}): Promise<number[][]> {
  const r = await simulateSource(source, { run, workers: 0, readFile: memoryFiles(files) });
  const per = r.runs[0].finalPerChain;
  assert.ok(per, 'the engine reports each chain`s final parameters');
  return per;
}

function assertSameParameters(summary: Awaited<ReturnType<typeof runExported>>, engine: number[][], components: string[], what: string): void {
  components.forEach((c, i) => {
    const e = engine[0][i];
    const t = summary.final.mean[c];
    assert.ok(Math.abs(t - e) <= 1e-9 * Math.max(1, Math.abs(e)), `${what}: ${c} torch ${t}, engine ${e}`);
  });
}

test('sgd, momentum, adam and gd with weight decay and warmup: step for step the engine`s update (deterministic data)', { skip }, async () => {
  const src = [
    'param u = 1.5',
    'param w[2] = [0.2, -0.3]',
    'data x ~ const(1.5)',
    'data y ~ const(0.7)',
    'loss = (u*sum(w)*x - y)^2/2 + 0.1*u^2 + 0.05*norm2(w)^2',
    'train sgd(lr = 0.05, batch = 3, steps = 300, chains = 2, seed = 1, weight_decay = 0.01, warmup = 20)',
    'train momentum(lr = 0.02, beta = 0.8, steps = 300, chains = 2, weight_decay = 0.01)',
    'train adam(lr = 0.01, beta1 = 0.85, beta2 = 0.99, eps = 1e-6, steps = 300, chains = 2, weight_decay = 0.01, warmup = 10)',
    'train gd(lr = 0.05, steps = 300, chains = 2, weight_decay = 0.02)',
  ].join('\n');
  const model = modelOf(src);
  for (let run = 0; run < 4; run++) {
    const summary = await runExported(writeScript(src, { train: run }));
    const engine = await engineFinal(src, run);
    assert.ok(Math.abs(engine[0][0] - 1.5) > 0.01, 'the parameters moved');
    assertSameParameters(summary, engine, model.components, `${model.trains[run].optimizer}`);
  }
});

test('a CSV data set is embedded: gd on it, and sgd with batch = N without replacement (each example once a step), are the engine`s', { skip }, async () => {
  const rows = Array.from({ length: 12 }, (_, i) => `${(i - 5.5) / 3},${(1.2 * (i - 5.5)) / 3 + (i % 3) * 0.1},${i % 2}`);
  const files = { 'data/set.csv': `x,y,c\n${rows.join('\n')}\n` };
  const src = [
    'param u = 0.5, w = 1.1',
    'param b[2] = [0.1, -0.2]',
    'data x, y, c from "data/set.csv"',
    'loss = (u*w*x + b[0]*c + b[1] - y)^2 / 2',
    'train gd(lr = 0.1, steps = 200, chains = 2)',
    'train sgd(lr = 0.1, batch = 12, steps = 200, chains = 2, sampling = without_replacement)',
  ].join('\n');
  const model = modelOf(src, files);
  for (let run = 0; run < 2; run++) {
    const script = writeScript(src, { train: run, readFile: memoryFiles(files) });
    assert.match(fs.readFileSync(script, 'utf8'), /^ROWS = tensor\(\[\n {4}\[-1\.8333333333333333, -2\.\d+, 0\],$/m);
    const summary = await runExported(script);
    assertSameParameters(summary, await engineFinal(src, run, files), model.components, model.trains[run].optimizer);
  }
});

test('a large binary data set is embedded as base64 of its exact type (bytes for pixels): gd on it is the engine`s step for step', { skip }, async () => {
  const n = 2500;
  let seed = 11;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const pixels = Array.from({ length: n * 10 }, () => Math.floor(rnd() * 256));
  const targets = Array.from({ length: n }, (_, i) => pixels.slice(i * 10, i * 10 + 3).reduce((a, b) => a + b, 0) / 255 + 0.1 * rnd());
  const files = { 'px.npy': npy(pixels, [n, 10], '|u1'), 'y.npy': npy(targets, [n], '<f8') };
  const src = [
    'param w[10] = 0',
    'param b = 0.5',
    'data x[10] from "px.npy"',
    'data y from "y.npy"',
    'loss = (dot(w, x / 255) + b - y)^2 / 2',
    'train gd(lr = 0.2, steps = 60, chains = 2)',
  ].join('\n');
  const model = modelOf(src, files);
  const file = writeScript(src, { readFile: memoryFiles(files) });
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /^# 2500 × 11 numbers, every one exactly a float64 \(little-endian\), base64-encoded\.$/m, 'pixels and real targets together: float64');
  const summary = await runExported(file);
  assertSameParameters(summary, await engineFinal(src, 0, files), model.components, 'gd on a binary data set');
  // Pixels alone are bytes: a quarter of the float32 size, an eighth of float64.
  const bytes = exportPyTorch(src.replace('data y from "y.npy"', 'data y from "py.npy"'), {
    readFile: memoryFiles({ ...files, 'py.npy': npy(pixels.slice(0, n), [n], '|u1') }),
  }).script;
  assert.match(bytes, /^# 2500 × 11 numbers, every one exactly a uint8 \(little-endian\), base64-encoded\.$/m);
  assert.ok(bytes.length < text.length / 5, `${bytes.length} characters against ${text.length}`);
  assert.deepEqual(packRows(Float64Array.from([1, -2, 300])).type, 'int16');
  assert.deepEqual(packRows(Float64Array.from([0.5, 1e6])).type, 'float32');
  assert.deepEqual(packRows(Float64Array.from([0.1])).type, 'float64');
});

test('the data laws: each distribution`s moments, per-entry parameters, random starts and a drawn data set', { skip }, async () => {
  const src = [
    'param v[2] ~ normal(1, [0.5, 2])',
    'param q ~ uniform(-1, 3)',
    'data n[2] ~ normal([1, -2], [0.5, 3])',
    'data u ~ uniform(-1, 3)',
    'data b ~ bernoulli(0.3)',
    'data r ~ rademacher()',
    'data k ~ const(2.5)',
    'dataset size = 50',
    'loss = (sum(v)*n[0] + q*u*b*r*k - n[1])^2',
    'train sgd(lr = 0.01, batch = 5)',
  ].join('\n');
  const script = writeScript(src);
  const harness = [
    ...IMPORT_SCRIPT,
    'out = {"dataset": {k: list(v.shape) for k, v in m.DATASET.items()}, "batch": {k: list(v.shape) for k, v in m.minibatch().items()}}',
    'z = m.draw_examples((200000,))',
    'm.CHAINS = 200000',
    'p = m.initial_parameters()',
    'stats = lambda t: {"mean": t.mean(0).flatten().tolist(), "var": t.var(0).flatten().tolist()}',
    'out.update({k: stats(v) for k, v in z.items()})',
    'out.update({"param " + k: stats(v) for k, v in p.items()})',
    'print(json.dumps(out))',
  ].join('\n');
  const s = JSON.parse(await python(['-c', harness, script])) as Record<string, { mean: number[]; var: number[] }> & {
    dataset: Record<string, number[]>;
    batch: Record<string, number[]>;
  };
  const n = 200000;
  const check = (name: string, mean: number[], variance: number[]) => {
    mean.forEach((m, i) => {
      const se = Math.sqrt(variance[i] / n) + 1e-12;
      assert.ok(Math.abs(s[name].mean[i] - m) <= 5 * se, `${name}[${i}] mean ${s[name].mean[i]} vs ${m} ± ${se}`);
      // The sample variance's SE: √(2/n)·σ² (Gaussian) is a lower bound; allow 6 of them plus the 4th-moment term.
      const vse = variance[i] * Math.sqrt(3 / n) + 1e-12;
      assert.ok(Math.abs(s[name].var[i] - variance[i]) <= 6 * vse, `${name}[${i}] variance ${s[name].var[i]} vs ${variance[i]}`);
    });
  };
  check('n', [1, -2], [0.25, 9]);
  check('u', [1], [16 / 12]);
  check('b', [0.3], [0.21]);
  check('r', [0], [1]);
  check('k', [2.5], [0]);
  check('param v', [1, 1], [0.25, 4]);
  check('param q', [1], [16 / 12]);
  assert.deepEqual(s.dataset, { n: [50, 2], u: [50], b: [50], r: [50], k: [50] });
  assert.deepEqual(s.batch, { n: [1, 5, 2], u: [1, 5], b: [1, 5], r: [1, 5], k: [1, 5] });
});

// ---- the same statistics as `noether simulate --json`, within standard errors ------------------

interface EngineRun {
  stationary: {
    mean: Record<string, number>;
    var: Record<string, number>;
    meanStdErr: Record<string, number>;
    varStdErr: Record<string, number>;
    theory?: { var: Record<string, number> };
  };
  series: { lossMean: number[]; lossStd: number[] };
  chains: number;
  charges: { finalMean: number; finalStd: number }[];
}

function simulateCli(file: string, args: string[]): EngineRun {
  const r = noether(['simulate', file, '--json', '--run', '0', '--workers', '2', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { runs: EngineRun[] }).runs[0];
}

function exportCli(file: string, args: string[]): string {
  const out = path.join(tmpDir(), `${path.basename(file, '.loss')}.py`);
  const r = noether(['export', file, '--to', 'pytorch', '--out', out, '--train', '0', ...args]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^noether: wrote .*: train line 0 \(sgd, /);
  return out;
}

/** |a − b| within Z combined standard errors. */
function agree(a: number, seA: number, b: number, seB: number, what: string): void {
  const se = Math.sqrt(seA ** 2 + seB ** 2);
  assert.ok(Number.isFinite(se) && se > 0, `${what}: standard errors ${seA}, ${seB}`);
  assert.ok(Math.abs(a - b) <= Z * se, `${what}: torch ${a} ± ${seA}, Noether Lab ${b} ± ${seB}: ${(Math.abs(a - b) / se).toFixed(1)} SE apart`);
}

test('linear regression: the exported script`s stationary variance is the tool`s (and the theory`s) within standard errors', { skip }, async () => {
  const file = path.join(EXAMPLES, 'linear-regression.loss');
  const args = ['--steps', '30000', '--chains', '32'];
  const engine = simulateCli(file, args);
  const torch = await runExported(exportCli(file, args));
  assert.equal(torch.diverged.chains, 0);
  agree(torch.stationary.var.w, torch.stationary.varStdErr.w, engine.stationary.var.w, engine.stationary.varStdErr.w, 'Var[w]');
  agree(torch.stationary.mean.w, torch.stationary.meanStdErr.w, engine.stationary.mean.w, engine.stationary.meanStdErr.w, 'E[w]');
  // The exact discrete-time variance ησ²/(B(2 − ηa(1 + 2/B))) = 0.1·0.25/(2 − 0.3) (the file's comment).
  const theory = (0.1 * 0.25) / (2 - 0.1 * 3);
  agree(torch.stationary.var.w, torch.stationary.varStdErr.w, theory, 0, 'Var[w] against the theory');
  // The test can fail: a tenth of the learning rate would be far outside the tolerance.
  assert.ok(Math.abs(torch.stationary.var.w / 10 - engine.stationary.var.w) > Z * Math.hypot(torch.stationary.varStdErr.w, engine.stationary.varStdErr.w));
});

test('two-layer-scalar: the exported script`s final mean loss, stationary law and charge are the tool`s within standard errors', { skip }, async () => {
  const file = path.join(EXAMPLES, 'two-layer-scalar.loss');
  const args = ['--steps', '20000', '--chains', '32'];
  const engine = simulateCli(file, args);
  const torch = await runExported(exportCli(file, args));
  const last = engine.series.lossMean.length - 1;
  const engineSe = engine.series.lossStd[last] / Math.sqrt(engine.chains);
  agree(torch.loss.final.mean, torch.loss.final.stdErr as number, engine.series.lossMean[last], engineSe, 'final mean loss');
  for (const c of ['u', 'w']) {
    agree(torch.stationary.mean[c], torch.stationary.meanStdErr[c], engine.stationary.mean[c], engine.stationary.meanStdErr[c], `E[${c}]`);
    agree(torch.stationary.var[c], torch.stationary.varStdErr[c], engine.stationary.var[c], engine.stationary.varStdErr[c], `Var[${c}]`);
  }
  // The charge u² − w²: from 2.21 to near 0 (SGD balances the layers), as in the engine.
  assert.equal(torch.charges[0].text, 'u² − w²');
  assert.equal(torch.charges[0].initial, 2.21);
  const ch = engine.charges[0];
  agree(
    torch.charges[0].final.mean,
    (torch.charges[0].final.std as number) / Math.sqrt(32),
    ch.finalMean,
    ch.finalStd / Math.sqrt(engine.chains),
    'final charge',
  );
});
