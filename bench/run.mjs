// `npm run bench`: whole-process analysis time, and the generated SGD kernel against a
// hand-written C loop (gcc -O2). Benchmarks are not tests: they print numbers to quote.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'noether.js');

function time(fn, reps = 5) {
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(ts.length / 2)], min: ts[0] };
}

console.log('== noether analyze, whole process (median of 5)');
for (const [file, target] of [['examples/two-layer-scalar.loss', 500], ['examples/two-layer-matrix.loss', 3000]]) {
  const t = time(() => execFileSync(process.execPath, [cli, 'analyze', file, '--json'], { cwd: root, stdio: 'pipe' }));
  console.log(`${file}: ${t.median.toFixed(0)} ms (min ${t.min.toFixed(0)}; target < ${target} ms) ${t.median < target ? 'OK' : 'SLOW'}`);
}

console.log('\n== SGD, scalar two-layer net, 32 chains × 10^6 steps, batch 1, one worker');
const build = join(root, 'bench', 'build');
mkdirSync(build, { recursive: true });
const exe = join(build, 'sgd');
execFileSync('gcc', ['-O2', '-o', exe, join(root, 'bench', 'sgd.c'), '-lm']);
const c = time(() => execFileSync(exe, ['32', '1000000']), 3);
console.log(`C (gcc -O2):        ${c.median.toFixed(0)} ms  (${((32e6 / c.median) * 1e3).toExponential(2)} steps/s)`);
const { simulateSource } = require(join(root, 'dist', 'cli.js'));
const src = require('node:fs').readFileSync(join(root, 'examples', 'two-layer-scalar.loss'), 'utf8');
let jsMs = 0;
let sps = 0;
{
  const ts = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    // The file's first run has batch 4; the C loop is batch 1, so run batch 1 here too.
    const r = await simulateSource(src, { trains: [{ batch: 1 }], steps: 1_000_000, chains: 32, workers: 1, workerScript: join(root, 'dist', 'simWorker.js') });
    ts.push(Date.now() - t0);
    sps = r.runs[0].stepsPerSecond;
  }
  ts.sort((a, b) => a - b);
  jsMs = ts[1];
}
console.log(`generated JS kernel: ${jsMs} ms  (${sps.toExponential(2)} steps/s, including recording and statistics)`);
console.log(`ratio JS / C, end to end: ${(jsMs / c.median).toFixed(2)} (analysis, worker start-up, recording and statistics included)`);
{
  // The generated kernel alone, the same loop as the C program: 32 chains × 10⁶ steps, batch 1.
  const cliMod = require(join(root, 'dist', 'cli.js'));
  const model = cliMod.checkSource(src).model;
  const spec = { ...model.trains[0], batch: 1 };
  const kernel = cliMod.generateKernel({ model, spec, symmetries: [{ matrix: [[1, 0], [0, -1]] }] });
  const ts = [];
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.hrtime.bigint();
    for (let chain = 0; chain < 32; chain++) {
      const st = cliMod.newChainState(model, chain, spec.seed);
      for (let t = 0; t < 1_000_000; t += 20_000) kernel.run(st, t, 20_000);
    }
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  console.log(`generated kernel alone: ${ts[1].toFixed(0)} ms; ratio JS / C: ${(ts[1] / c.median).toFixed(2)} (target ≤ 2)`);
}

console.log('\n== SGD, 10×5×10 two-layer linear net, 4 chains × 10^5 steps, batch 1, one worker');
const net = `param U[5, 10] ~ normal(0, 0.3)\nparam W[10, 5] ~ normal(0, 0.3)\ndata x[10] ~ normal(0, 1)\ndata eps[10] ~ normal(0, 0.1)\nloss = norm2(W @ (U @ x) - (x + eps)) / 2\ntrain sgd(lr = 0.005, batch = 1, steps = 100000, chains = 4, seed = 1)\n`;
const file = join(tmpdir(), 'noether-bench-net.loss');
writeFileSync(file, net);
const t0 = Date.now();
const r = await simulateSource(net, { workers: 1, workerScript: join(root, 'dist', 'simWorker.js') });
console.log(`${Date.now() - t0} ms including analysis (${r.runs[0].stepsPerSecond.toExponential(2)} steps/s); ${r.runs[0].charges.length} charges, law (D) residual ${r.runs[0].lawResidual.toExponential(1)}`);
void spawnSync;
