// The checked model as plain data (src/core/lang/serialize.ts, issue 11): a model survives
// serialize → structured clone → deserialize with its graphs rebuilt node for node, so the kernels
// generated from the original and from the copy are the same source and take the same steps; a
// data set's rows travel in shared memory.
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
import { ROOT } from './helpers';

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
