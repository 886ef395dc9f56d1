#!/usr/bin/env node
// Regenerates the browser tests' fixtures (test/browser/fixtures/*.json) from real runs of the
// current engine: `noether analyze --json` and `noether simulate --json` (dist/cli.js, built by
// `npm run build`) on the examples, with fewer steps where the full run would only make the files
// larger. Run after a change to the analysis or the simulation results:
//
//   npm run build && node scripts/browser-fixtures.mjs
//
// The fixtures are what the panel and the side view receive from the host (the same JSON, NaN as
// null), so the browser tests exercise the webviews on data the engine really produces.
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const out = join(root, 'test', 'browser', 'fixtures');
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(1);
}

/** Runs the CLI from the repository root (so `file` is a relative path) and parses its JSON. */
function noether(args) {
  // simulate reports diverged chains on stderr and still prints its JSON on stdout.
  const text = execFileSync(process.execPath, [cli, ...args, '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(text);
}

/**
 * A copy of `file` whose train lines also set `keys` (e.g. `record_every = 20`: fewer recorded points
 * keep a fixture small); `file` in the result names the original and the keys.
 */
function withKeys(file, keys, run) {
  const dir = mkdtempSync(join(tmpdir(), 'noether-fixture-'));
  try {
    const copy = join(dir, file.split('/').pop());
    const text = readFileSync(join(root, file), 'utf8').replace(/^(train\s+\w+\(.*)\)\s*$/gm, `$1, ${keys})`);
    writeFileSync(copy, text);
    const result = run(copy);
    result.file = `${file} (train lines with ${keys})`;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function write(name, data) {
  const file = join(out, name);
  writeFileSync(file, JSON.stringify(data) + '\n');
  console.log(`${name}: ${(JSON.stringify(data).length / 1024).toFixed(0)} KB`);
}

const DIVERGING = 'test/browser/fixtures/linear-regression-diverging.loss';
// Beyond 400 components (no dense generators, no end-point solve): GL(20), summarised to three
// listed generators of 210, and a rescaling of each of 12 hidden neurons, all listed with labels.
const GL20 = 'test/browser/fixtures/linear-net-gl20.loss';
const MLP = 'test/browser/fixtures/relu-mlp-411.loss';

// Analyses: every kind of symmetry, none, a growing charge, orientation-dependent charges, a diverging lr.
const analyses = {
  'two-layer-scalar': 'examples/two-layer-scalar.loss',
  'two-layer-matrix': 'examples/two-layer-matrix.loss',
  'anisotropic-two-layer': 'examples/anisotropic-two-layer.loss',
  'scale-invariant': 'examples/scale-invariant.loss',
  'softmax-translation': 'examples/softmax-translation.loss',
  'tanh-network': 'examples/tanh-network.loss',
  'linear-regression': 'examples/linear-regression.loss',
  'linear-regression-diverging': DIVERGING,
  'linear-net-gl20': GL20,
  'relu-mlp-411': MLP,
  // Two generators whose closed-form laws are factorised; a deep chain's law of the product.
  'deep-scalar-chain': 'examples/deep-scalar-chain.loss',
};
for (const [name, file] of Object.entries(analyses)) write(`analysis-${name}.json`, noether(['analyze', file]));

// Simulations (seeded: the same numbers on every machine, whatever the worker count).
const simulations = {
  // SGD and GD as in the file (20000 steps, 32 chains): relaxing towards the predicted end.
  'two-layer-scalar': ['examples/two-layer-scalar.loss'],
  // GL(3): six charges, their O(η) terms (record_every keeps the file small).
  'two-layer-matrix': ['examples/two-layer-matrix.loss', '--steps', '8000', '+record_every = 20'],
  // Orientation-dependent charges: their rotation-invariant combinations beside the prediction.
  'anisotropic-two-layer': ['examples/anisotropic-two-layer.loss', '--steps', '8000', '--chains', '8', '+record_every = 20'],
  // The stationary law has a theory (THEORY.md §5): the overlay is the theory density.
  'linear-regression': ['examples/linear-regression.loss', '--steps', '20000'],
  // lr above 2/λ_max: most of the 16 chains diverge; the curves are over the survivors.
  'linear-regression-diverging': [DIVERGING],
  // The ReLU net's 12 labelled charges Q[0] … Q[11], grouped under their group on the Dynamics tab.
  'relu-mlp-411': [MLP, '--steps', '400', '--chains', '2', '+record_every = 20'],
  // A depth-2 chain a·b·c: the law of the product over the histogram of its samples, quantiles ± SE.
  'deep-scalar-chain': ['examples/deep-scalar-chain.loss', '+record_every = 50'],
};
for (const [name, [file, ...args]] of Object.entries(simulations)) {
  const keys = args.filter((a) => a.startsWith('+')).map((a) => a.slice(1));
  const opts = args.filter((a) => !a.startsWith('+'));
  const result = keys.length ? withKeys(file, keys.join(', '), (copy) => noether(['simulate', copy, ...opts])) : noether(['simulate', file, ...opts]);
  write(`simulation-${name}.json`, result);
}
