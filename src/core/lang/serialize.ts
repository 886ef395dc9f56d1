// The checked model as plain data, for the simulation workers: it survives structured clone
// (postMessage, workerData), so a run checks its source once, on the thread that starts it, and its
// workers rebuild the model instead of parsing and checking the text again. The graphs travel as
// their node lists (operands first) and are hash-consed again on arrival, so a rebuilt graph hands
// out the same ids as the checked one: derivatives, kernels and their numbers are the same. What
// grows with the number of parameters is sent compactly (a clone costs per object): per-component
// distributions as runs of equal ones. The data set's rows go in shared memory: every worker reads the same rows, none gets a copy.
import { Graph, Node } from '../expr/graph';
import { TGraph, TNode } from '../tensor/graph';
import { ComponentDist } from './distributions';
import { DataInfo, Model, ParamInfo } from './model';

/** Bumped whenever SerializedModel's shape changes. */
export const MODEL_FORMAT = 1;

/** Per-component distributions as runs: [distribution, how many components in a row]. */
export type DistRuns = [ComponentDist, number][];

export interface SerializedModel extends Omit<Model, 'tgraph' | 'graph' | 'params' | 'data'> {
  format: number;
  /** The tensor graph's nodes, in id order. */
  tnodes: TNode[];
  /** The scalar view's nodes, in id order (small models only). */
  nodes?: Node[];
  params: (Omit<ParamInfo, 'init'> & { init: Extract<ParamInfo['init'], { kind: 'value' }> | { kind: 'dist'; runs: DistRuns } })[];
  data: (Omit<DataInfo, 'dists'> & { dists: DistRuns | undefined })[];
}

/**
 * The model as plain data. The node lists are copied as they are now (graphs only grow: nodes
 * an analysis adds later are not sent); the data set's rows are moved to a SharedArrayBuffer
 * (copied once, unless they already are in one).
 */
export function serializeModel(model: Model): SerializedModel {
  const { tgraph, graph, params, data, ...rest } = model;
  return {
    ...rest,
    format: MODEL_FORMAT,
    tnodes: tgraph.nodes.slice(),
    ...(graph ? { nodes: graph.nodes.slice() } : {}),
    params: params.map((p) => (p.init.kind === 'dist' ? { ...p, init: { kind: 'dist', runs: distRuns(p.init.dists) } } : { ...p, init: p.init })),
    data: data.map((d) => ({ ...d, dists: d.dists && distRuns(d.dists) })),
    ...(model.dataset?.rows ? { dataset: { ...model.dataset, rows: shared(model.dataset.rows) } } : {}),
  };
}

/** The model back, its graphs rebuilt (node for node, the same ids). */
export function deserializeModel(data: SerializedModel): Model {
  if (data.format !== MODEL_FORMAT) throw new Error(`a serialised model of format ${data.format}, expected ${MODEL_FORMAT}: rebuild with \`npm run build\``);
  const { format, tnodes, nodes, params: sentParams, data: sentData, ...rest } = data;
  void format;
  const params = sentParams.map((p): ParamInfo =>
    p.init.kind === 'dist' ? { ...p, init: { kind: 'dist', dists: fromRuns(p.init.runs) } } : { ...p, init: p.init },
  );
  const dataInfo = sentData.map((d): DataInfo => ({ ...d, dists: d.dists && fromRuns(d.dists) }));
  return {
    ...rest,
    tgraph: TGraph.fromNodes(tnodes),
    ...(nodes ? { graph: Graph.fromNodes(nodes) } : {}),
    params,
    data: dataInfo,
  };
}

function sameDist(a: ComponentDist, b: ComponentDist): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'normal':
      return b.kind === 'normal' && Object.is(a.mean, b.mean) && Object.is(a.std, b.std);
    case 'uniform':
      return b.kind === 'uniform' && Object.is(a.lo, b.lo) && Object.is(a.hi, b.hi);
    case 'bernoulli':
      return b.kind === 'bernoulli' && Object.is(a.p, b.p);
    case 'rademacher':
      return b.kind === 'rademacher';
    case 'const':
      return b.kind === 'const' && Object.is(a.value, b.value);
  }
}

function distRuns(dists: ComponentDist[]): DistRuns {
  const runs: DistRuns = [];
  for (const d of dists) {
    const last = runs[runs.length - 1];
    if (last && sameDist(last[0], d)) last[1]++;
    else runs.push([d, 1]);
  }
  return runs;
}

/** The distributions back, one per component (a run's components share one object: nothing writes to them). */
function fromRuns(runs: DistRuns): ComponentDist[] {
  const out: ComponentDist[] = [];
  for (const [d, n] of runs) for (let k = 0; k < n; k++) out.push(d);
  return out;
}

/** Each data set's rows in shared memory, copied once whatever the number of runs that send them. */
const sharedRows = new WeakMap<Float64Array, Float64Array>();

function shared(rows: Float64Array): Float64Array {
  if (rows.buffer instanceof SharedArrayBuffer) return rows;
  let out = sharedRows.get(rows);
  if (!out) {
    out = new Float64Array(new SharedArrayBuffer(rows.byteLength));
    out.set(rows);
    sharedRows.set(rows, out);
  }
  return out;
}
