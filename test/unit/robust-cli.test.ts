// The `noether` process with hostile flags and pipes (issue 10, items 3 and 6): usage errors with
// exit 2 for out-of-range flags, a closed pipe ends the process quietly.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, tmpFile } from './helpers';

const BIN = path.join(ROOT, 'bin', 'noether.js');
const EXAMPLE = 'examples/two-layer-scalar.loss';
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 60_000, maxBuffer: 1 << 28 });

test("simulate: flags outside the train keys' bounds and the pool's are usage errors (exit 2), checked before any work", () => {
  const cases: [string[], RegExp][] = [
    [['--chains', '1e9'], /--chains needs a whole number between 1 and 10⁵ \(as the `chains` key\), got 1e9/],
    [['--chains', '0'], /--chains needs a whole number between 1 and 10⁵/],
    [['--steps', '1e15'], /--steps needs a whole number between 1 and 10⁹ \(as the `steps` key\), got 1e15/],
    [['--steps', '0x10'], /--steps needs a whole number/],
    [['--steps', '2.5'], /--steps needs a whole number/],
    [['--workers', '256'], /--workers needs a whole number between 0 and 64/],
    [['--workers', '1e5', '--chains', '1e5'], /--workers needs a whole number between 0 and 64/],
    [['--seed', '-1'], /--seed needs a whole number between 0 and 2⁵³ − 1/],
    [['--seed', '1e300'], /--seed needs a whole number between 0 and 2⁵³ − 1/],
    [['--run', '32'], /--run needs a whole number between 0 and 31/],
  ];
  for (const [flags, message] of cases) {
    const t0 = Date.now();
    const r = run('simulate', EXAMPLE, ...flags);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at |FATAL|Abort/);
    assert.ok(Date.now() - t0 < 10_000, `${flags.join(' ')} took ${Date.now() - t0} ms`);
  }
  const exp = run('experiment', EXAMPLE, '--workers', '100');
  assert.equal(exp.status, 2);
  assert.match(exp.stderr, /--workers needs a whole number between 0 and 64/);
  // In range, written as in a file: accepted.
  const ok = run('simulate', EXAMPLE, '--steps', '2e3', '--chains', '2', '--seed', '9', '--workers', '1', '--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).runs[0].steps, 2000);
});

test("simulate --workers 0 refuses a scalar view too large for the main thread's stack, not a tensor-path model", () => {
  // 8 components (a scalar view: its Hessian and gradient are straight-line code) and 7807 scalar operations.
  const f = tmpFile('hess.loss', 'param w[8] ~ normal(0, 0.1)\ndata X[300,8] ~ normal(0, 1)\nloss = sum(tanh(X@w)^2)\n');
  const r = run('simulate', f, '--steps', '5', '--workers', '0');
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /--workers 0 runs the chains in the main thread, whose stack holds the straight-line code of models of up to 5000 scalar operations; this one has 7807: use --workers 1 or more/,
  );
  // In a worker thread it runs (each chain's gradient flow to its predicted end takes a while on a busy machine).
  const slow = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 180_000, maxBuffer: 1 << 28 });
  const w = slow('simulate', f, '--steps', '5', '--workers', '1', '--json');
  assert.equal(w.status, 0, w.stderr);
  // A model without a scalar view (the tensor path: loops, not straight-line code) runs in the main thread.
  const big = tmpFile(
    'big.loss',
    'param W[64, 100] ~ normal(0, 0.1)\nparam V[10, 64] ~ normal(0, 0.1)\ndata x[100] ~ normal(0, 1)\nloss = norm2(V @ relu(W @ x)) / 2\ntrain sgd(lr = 0.001, steps = 5)\n',
  );
  const t = slow('simulate', big, '--workers', '0', '--json');
  assert.equal(t.status, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).runs[0].steps, 5);
});

test('`noether simulate … | head`: a closed pipe ends the process quietly with exit code 0', async () => {
  const child = spawn(process.execPath, [BIN, 'simulate', EXAMPLE, '--steps', '20000', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  // Read the first chunk, then close our end as `head` does.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|\n\s+at |Unhandled/);
});
