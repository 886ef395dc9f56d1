// The checked model as plain data (src/core/lang/serialize.ts, issue 11): a model survives
// serialize → structured clone → deserialize with its graphs rebuilt node for node, so the kernels
// generated from the original and from the copy are the same source and take the same steps; a
// data set's rows travel in shared memory. A run checks its source once: its simulation workers
// get the serialised model and never check (a worker whose checker throws still runs), and a sweep
// checks once for all its values.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeReadFile } from '../../src/core/io/files';
import { CheckResult } from '../../src/core/lang/check';
import { hasScalarView, Model } from '../../src/core/lang/model';
import { deserializeModel, SerializedModel, serializeModel } from '../../src/core/lang/serialize';
import { datasetRows } from '../../src/core/analysis/points';
import { newChainState } from '../../src/core/numeric/chains';
import { generateKernel } from '../../src/core/numeric/kernel';
import { simulateSource } from '../../src/core/numeric/runner';
import { sweepSource } from '../../src/core/numeric/sweep';
import { ROOT, tmpFile } from './helpers';

// The checker's module object, whose export the runner calls through: patched below to count calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const checkModule = require('../../src/core/lang/check') as { checkSource: (source: string, opts?: object) => CheckResult };

function checked(file: string): { source: string; model: Model; dir: string } {
  const full = path.join(ROOT, file);
  const source = fs.readFileSync(full, 'utf8');
  const dir = path.dirname(full);
  const r = checkModule.checkSource(source, { readFile: makeReadFile(dir, null) });
  if (!r.model) throw new Error(`${file}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return { source, model: r.model, dir };
}

/** The kernel of the model's first train line, and its chains 0 and 1 after `steps` steps. */
function stepped(model: Model, steps: number): { source: string; theta: number[][]; loss: number[] } {
  const spec = { ...model.trains[0], steps };
  const rows = datasetRows(model, spec.seed);
  const kernel = generateKernel({ model, spec, symmetries: [], rows });
  const states = [0, 1].map((c) => newChainState(model, c, spec.seed, rows));
  kernel.runBlock(states, 0, steps);
  return { source: kernel.source, theta: states.map((s) => Array.from(s.theta)), loss: states.map((s) => s.ctl[0]) };
}

const FASHION = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';

for (const [file, kind] of [
  ['examples/two-layer-scalar.loss', 'a scalar-view model'],
  ['bench/mlp-784-64-10.loss', 'a tensor-only model of 50 890 parameters'],
  ['examples/csv-regression.loss', 'a model with a CSV data set'],
  ['examples/finite-dataset.loss', 'a model with a data set drawn from its distributions'],
  ['examples/real-data/fashion-mlp.loss', 'Fashion-MNIST (6000 rows of 785 values from IDX files)'],
] as const) {
  test(`serialize → structuredClone → deserialize: ${kind} (${file}) gives the same kernel and the same steps`, (t) => {
    if (file.includes('fashion') && !fs.existsSync(FASHION)) return t.skip('dataset-fashion-mnist is not installed');
    const { model } = checked(file);
    const data = serializeModel(model);
    const copy = deserializeModel(structuredClone(data));
    // The graphs, rebuilt: the same nodes under the same ids, and the same hash-consing (an existing node is found, not added).
    assert.deepEqual(copy.tgraph.nodes, model.tgraph.nodes);
    assert.equal(copy.tgraph.entries, model.tgraph.entries);
    assert.equal(copy.tgraph.param(0, model.params[0].shape), model.paramTensors[0]);
    assert.equal(copy.tgraph.nodes.length, model.tgraph.nodes.length);
    assert.equal(hasScalarView(copy), hasScalarView(model));
    if (model.graph && copy.graph) {
      assert.deepEqual(copy.graph.nodes, model.graph.nodes);
      assert.equal(copy.graph.param(0), model.paramNodes?.[0]);
    }
    const { tgraph, graph, ...rest } = model;
    const { tgraph: ctg, graph: cg, ...copyRest } = copy;
    void [tgraph, graph, ctg, cg];
    assert.deepEqual(copyRest, rest);
    if (model.dataset?.rows) {
      assert.ok(data.dataset?.rows?.buffer instanceof SharedArrayBuffer, 'the rows are sent in shared memory');
      assert.equal(data.dataset?.rows, serializeModel(model).dataset?.rows, 'and copied there once');
    }
    // Kernels from both (the original's graph grows as its kernel is built: the copy's is built first).
    const fromCopy = stepped(copy, 5);
    const fromModel = stepped(model, 5);
    assert.equal(fromCopy.source, fromModel.source);
    assert.deepEqual(fromCopy.theta, fromModel.theta);
    assert.deepEqual(fromCopy.loss, fromModel.loss);
    assert.ok(fromModel.theta[0].every(Number.isFinite));
  });
}

test('deserializeModel refuses data of another format, and a node list that is not a graph', () => {
  const { model } = checked('examples/two-layer-scalar.loss');
  const data = serializeModel(model);
  assert.throws(() => deserializeModel({ ...data, format: 0 }), /format 0/);
  const repeated: SerializedModel = { ...data, tnodes: [...data.tnodes, data.tnodes[0]] };
  assert.throws(() => deserializeModel(repeated), /not the nodes of a graph/);
});

/** Runs `f` with checkSource counting its calls (in this thread). */
async function countingChecks<T>(f: () => Promise<T>): Promise<{ result: T; checks: number }> {
  const original = checkModule.checkSource;
  let checks = 0;
  checkModule.checkSource = (source, opts) => {
    checks++;
    return original(source, opts);
  };
  try {
    return { result: await f(), checks };
  } finally {
    checkModule.checkSource = original;
  }
}

test('a run checks its source once: its workers rebuild the model and never check (their checker throws)', async () => {
  // The real simulation worker, with a checker that fails the run if a worker calls it.
  const worker = tmpFile(
    'no-check-worker.js',
    `const check = require(${JSON.stringify(require.resolve('../../src/core/lang/check'))});
     check.checkSource = () => { throw new Error('a simulation worker checked the source'); };
     require(${JSON.stringify(require.resolve('../../src/core/numeric/simWorker'))});`,
  );
  const { source, dir } = checked('examples/csv-regression.loss');
  const reads: string[] = [];
  const base = makeReadFile(dir, null);
  const readFile = (p: string) => (reads.push(p), base(p));
  const opts = { readFile, steps: 200, chains: 4, seed: 3, workerScript: worker };
  const { result, checks } = await countingChecks(() => simulateSource(source, { ...opts, workers: 2 }));
  assert.equal(checks, 1, 'one check for the run (two train lines, two workers each)');
  assert.deepEqual(reads, ['data/regression.csv'], 'the data file is read once');
  assert.equal(result.runs.length, 2);
  assert.ok(result.runs.every((r) => r.status !== 'diverged' && r.steps === 200));
  // The same numbers in-process, from the same seeds (up to the order in which the shares' sums are merged).
  const inProcess = await simulateSource(source, { ...opts, workers: 0 });
  inProcess.runs.forEach((r, k) =>
    r.series.lossMean.forEach((x, i) => {
      const y = result.runs[k].series.lossMean[i];
      assert.ok(Math.abs(x - y) <= 1e-12 * Math.abs(x), `run ${k}, record ${i}: ${x} in-process, ${y} in workers`);
    }),
  );
});

test('a sweep checks its source once, whatever the number of values', async () => {
  const { source, dir } = checked('examples/csv-regression.loss');
  const { result, checks } = await countingChecks(() =>
    sweepSource(source, { key: 'lr', values: [0.01, 0.02, 0.05], readFile: makeReadFile(dir, null), steps: 100, chains: 2, workers: 0 }),
  );
  assert.equal(checks, 1);
  assert.equal(result.points.length, 3);
});
