// The checked, lowered form of a `.loss` file: what every analysis and simulation consumes.
import { Graph } from '../expr/graph';
import { TGraph } from '../tensor/graph';
import { ComponentDist } from './distributions';
import { Span } from './diagnostics';

/** A lowered value: its shape and its tensor graph node. */
export interface TensorValue {
  shape: number[];
  id: number;
}

export interface TensorInfo {
  name: string;
  shape: number[];
  /** Index of the first component in the flattened vector. */
  offset: number;
  size: number;
  span: Span;
}

export type ParamInit = { kind: 'value'; values: number[] } | { kind: 'dist'; dists: ComponentDist[] };

export interface ParamInfo extends TensorInfo {
  init: ParamInit;
}

export interface DataInfo extends TensorInfo {
  /** Per-component distributions for data drawn fresh (`~`); undefined for file data. */
  dists?: ComponentDist[];
  csv?: { file: string };
}

export type OptimizerName = 'sgd' | 'gd' | 'momentum' | 'adam';
export type Sampling = 'with_replacement' | 'without_replacement';

export interface TrainSpec {
  optimizer: OptimizerName;
  lr: number;
  batch: number;
  steps: number;
  chains: number;
  seed: number;
  weightDecay: number;
  sampling: Sampling;
  /** Record every this many steps; undefined means "so that at most 2000 points are kept". */
  recordEvery?: number;
  beta: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Linear learning-rate warmup over this many steps (0: none). */
  warmup: number;
  span: Span;
  /** The keys the line gives (the others have their defaults). */
  given?: string[];
  /** Where the `lr` value is written (for the stability diagnostic). */
  lrSpan?: Span;
}

/** The values of the keys a train line leaves out (`lr` has none: a train line must give it). */
export const TRAIN_DEFAULTS: Readonly<Omit<TrainSpec, 'optimizer' | 'lr' | 'span' | 'given' | 'lrSpan' | 'recordEvery'>> = {
  batch: 1,
  steps: 10000,
  chains: 1,
  seed: 0,
  weightDecay: 0,
  sampling: 'with_replacement',
  beta: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  warmup: 0,
};

/** A finite training set: N examples, each a full data vector (row-major, N × dataDim). */
export interface Dataset {
  /** `file`: read from data files (CSV, .npy, IDX); `sampled`: drawn once from the `~` distributions. */
  kind: 'file' | 'sampled';
  size: number;
  rows?: Float64Array;
  /** File data: how many examples the files hold, and how the `size` were chosen (all, first N, seeded subset). */
  available?: number;
  selection?: 'all' | 'first' | 'seeded';
}

export interface LetInfo {
  name: string;
  value: TensorValue;
  span: Span;
}

export interface Model {
  /** The tensor graph: every model has it, whatever its size. */
  tgraph: TGraph;
  /** Tensor node of the per-example loss, and of each parameter and data tensor (declaration order). */
  tloss: number;
  paramTensors: number[];
  dataTensors: number[];
  /**
   * The scalar view (one node per entry), for small models only: symbolic proofs, exact polynomial
   * expectations, dense Hessians and unrolled kernels use it. Absent for large models (more than
   * 4000 components, or a loss of more than MAX_SCALAR_OPERATIONS scalar operations, whose
   * straight-line code would overflow a thread's stack): they take the tensor path.
   */
  graph?: Graph;
  /** Scalar node of the loss, and of each parameter / data component (scalar view only). */
  loss?: number;
  /** Scalar operations of the loss in the scalar view (at most MAX_SCALAR_OPERATIONS; scalar view only). */
  scalarOperations?: number;
  paramNodes?: number[];
  dataNodes?: number[];
  params: ParamInfo[];
  data: DataInfo[];
  lets: LetInfo[];
  lossSpan: Span;
  /** Flattened parameter component names ("u", "U[0,1]"), in order. */
  components: string[];
  /** Flattened data component names, in order. */
  dataComponents: string[];
  /** Finite training set, when the file declares one (CSV or `dataset size = N`). */
  dataset?: Dataset;
  trains: TrainSpec[];
}

export function componentName(name: string, shape: number[], flat: number): string {
  if (shape.length === 0) return name;
  if (shape.length === 1) return `${name}[${flat}]`;
  const cols = shape[1];
  return `${name}[${Math.floor(flat / cols)},${flat % cols}]`;
}

export function shapeText(shape: number[]): string {
  return shape.length === 0 ? 'scalar' : `[${shape.join(', ')}]`;
}

/** The scalar view of a small model (throws for a model that has none: check `hasScalarView` first). */
export interface ScalarModel extends Model {
  graph: Graph;
  loss: number;
  paramNodes: number[];
  dataNodes: number[];
}

export function hasScalarView(m: Model): m is ScalarModel {
  return m.graph !== undefined && m.loss !== undefined && m.paramNodes !== undefined && m.dataNodes !== undefined;
}
