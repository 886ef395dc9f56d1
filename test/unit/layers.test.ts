// The layers hold: every import of src/core runs downward (or stays in its folder), the core does
// not reach into the extension, the webviews take their types from src/shared, and the simulation
// workers' bundles leave the proofs (and nerdamer) to the proof worker.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as esbuild from 'esbuild';
import { ROOT } from './helpers';

/** The folders of src/core from the bottom up: a file may import its own layer or lower ones. */
const LAYERS: string[][] = [['util', 'io', 'expr', 'symbolic'], ['tensor'], ['lang'], ['analysis'], ['numeric'], ['experiments', 'export']];

/**
 * Imports of types only that run up (erased by the compiler: no load order, nothing in a bundle).
 * Each is a type defined where it is produced; keep this list short.
 */
const TYPE_ONLY_UP = new Set([
  // The evaluator of a model's tensors takes the checked Model (lang) it evaluates.
  'tensor/evaluate.ts -> lang/model.ts',
  // The stationary theory a run reports is a field of the run's result (numeric/types).
  'analysis/stationaryTheory.ts -> numeric/types.ts',
]);

interface Import {
  from: string;
  spec: string;
  typeOnly: boolean;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Static imports and re-exports, `import()` and `require()`, with whether they import types only. */
function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Import[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(statement)) out.push({ from: file, spec: m[3] ?? m[4], typeOnly: m[2] !== undefined });
  for (const m of text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ from: file, spec: m[1], typeOnly: false });
  return out;
}

const CORE = path.join(ROOT, 'src', 'core');

function layerOf(coreRelative: string): number {
  const folder = coreRelative.split('/')[0];
  const k = LAYERS.findIndex((l) => l.includes(folder));
  assert.ok(k >= 0, `src/core/${folder} is in no layer: add it to LAYERS`);
  return k;
}

const rel = (file: string) => path.relative(CORE, file).split(path.sep).join('/');

test('layers: the import parser sees value, type-only and dynamic imports', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-layers-'));
  const f = path.join(dir, 'x.ts');
  fs.writeFileSync(
    f,
    "import { a } from './a';\nimport type { B } from '../b';\nexport { c } from './c';\nexport type { D } from './d';\nconst e = require('./e');\nimport {\n  f,\n} from './f';\n",
  );
  assert.deepEqual(
    importsOf(f).map((i) => `${i.spec}${i.typeOnly ? ':type' : ''}`),
    ['./a', '../b:type', './c', './d:type', './f', './e'],
  );
});

test('layers: every import in src/core runs down or within its folder, and stays in src/core', () => {
  const up: string[] = [];
  const outside: string[] = [];
  for (const file of filesUnder(CORE)) {
    for (const imp of importsOf(file)) {
      if (!imp.spec.startsWith('.')) {
        if (imp.spec === 'vscode') outside.push(`${rel(file)} imports vscode`);
        continue;
      }
      const target = path.resolve(path.dirname(file), imp.spec);
      if (!target.startsWith(CORE + path.sep)) {
        outside.push(`${rel(file)} -> ${path.relative(ROOT, target)}`);
        continue;
      }
      const to = rel(target.endsWith('.ts') ? target : `${target}.ts`);
      const edge = `${rel(file)} -> ${to}`;
      if (layerOf(to) <= layerOf(rel(file))) continue;
      if (imp.typeOnly && TYPE_ONLY_UP.has(edge)) continue;
      up.push(`${edge}${imp.typeOnly ? ' (types)' : ''}`);
    }
  }
  assert.deepEqual(up, [], 'imports running up the layers');
  assert.deepEqual(outside, [], 'src/core imports the extension');
});

test('layers: the webviews import nothing from src/core (their types come from src/shared)', () => {
  const bad = filesUnder(path.join(ROOT, 'webview'))
    .flatMap(importsOf)
    .filter((i) => i.spec.startsWith('.') && path.resolve(path.dirname(i.from), i.spec).startsWith(CORE + path.sep))
    .map((i) => `${path.relative(ROOT, i.from)} -> ${i.spec}`);
  assert.deepEqual(bad, []);
});

async function bundleInputs(entry: string): Promise<{ inputs: string[]; text: string }> {
  const r = await esbuild.build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  return { inputs: Object.keys(r.metafile.inputs), text: r.outputFiles[0].text };
}

test('layers: the simulation worker bundle has no proofs, no nerdamer and no checker; the run worker no nerdamer', async () => {
  const sim = await bundleInputs('src/core/numeric/simWorker.ts');
  assert.ok(sim.inputs.includes('src/core/numeric/chains.ts'), 'the metafile lists the bundle inputs');
  assert.deepEqual(
    sim.inputs.filter((f) => /nerdamer|src\/core\/symbolic\/|analysis\/(proof|symmetries|analyze)\.ts/.test(f)),
    [],
  );
  assert.equal(sim.text.includes('nerdamer'), false, 'the simulation worker names no nerdamer');
  // It receives the checked model (lang/serialize.ts): it cannot parse or check a source at all.
  assert.deepEqual(
    sim.inputs.filter((f) => /src\/core\/lang\/(check|parser|lexer|lower|csv|dataFiles|arrays)\.ts/.test(f)),
    [],
  );
  const run = await bundleInputs('src/worker/runWorker.ts');
  assert.ok(run.inputs.includes('src/core/numeric/runner.ts'));
  assert.deepEqual(
    run.inputs.filter((f) => f.includes('node_modules/nerdamer')),
    [],
    'nerdamer is loaded only by the proof worker',
  );
  const proof = await bundleInputs('src/core/symbolic/proofWorker.ts');
  assert.ok(
    proof.inputs.some((f) => f.includes('node_modules/nerdamer')),
    'the check would see nerdamer in a bundle',
  );
});
