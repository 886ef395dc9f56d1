// Name resolution, shape checking and lowering of a parsed `.loss` file to the tensor graph (and,
// for small models, its scalar view). Every problem becomes a diagnostic with a span and, where one
// exists, a fix; checking goes on after an error (the offending expression lowers to "unknown"),
// so all errors are reported.
import { DistExpr, Expr, namesIn, Program, Statement } from './ast';
import { Diagnostic, DiagnosticBag, Span, didYouMean, nearestAll, quote } from './diagnostics';
import { ComponentDist, DISTRIBUTIONS } from './distributions';
import { FnName, Graph } from '../expr/graph';
import { sizeOf, TGraph, UnaryFn } from '../tensor/graph';
import { MAX_SCALAR_NODES, scalarize, TooLargeForScalars } from '../tensor/scalarize';
import { DataInfo, Dataset, LetInfo, Model, OptimizerName, ParamInfo, TensorValue, TrainSpec, TRAIN_DEFAULTS, componentName, shapeText } from './model';
import { parse } from './parser';
import { CsvError, CsvTable, MAX_CSV_ROWS, parseCsvTable } from './csv';
import { ArrayFile, ArrayFileError, isArrayPath, parseArrayFile } from './arrays';
import { Rng, STREAM_DATASET } from '../util/rng';
import type { DataReader } from '../io/files';
import { hasName, lookupName, nameTable } from './names';

export interface CheckOptions {
  /**
   * Reads a data file named in `from "..."` (path as written, relative to the .loss file): its text
   * (CSV), or through `readFile.bytes` its bytes (.npy, IDX, gzip).
   */
  readFile?: DataReader;
  /**
   * The editor's quick check on its main thread: data files are not read (their `from "…"` lines
   * are checked, their contents are not), lowering stops past QUICK_CHECK_MAX_ENTRIES tensor graph
   * entries, and no scalar view is built. The result has no model, and says when it is
   * `incomplete`; the full check (in the analysis worker) has the rest.
   */
  quick?: boolean;
}

export interface CheckResult {
  model?: Model;
  diagnostics: Diagnostic[];
  /** Quick check only: what it left to the full check (data files not read, lowering stopped). */
  incomplete?: ('data-files' | 'size')[];
}

type Value = TensorValue | undefined; // undefined: an error was already reported

const ELEMENTWISE = nameTable<FnName>({
  exp: 'exp', log: 'log', sqrt: 'sqrt', abs: 'abs', tanh: 'tanh', sigmoid: 'sigmoid',
  relu: 'relu', softplus: 'softplus', sin: 'sin', cos: 'cos',
});
const REDUCTIONS = ['sum', 'mean', 'norm2'];
export const FUNCTIONS = nameTable<string>({
  exp: 'eˣ, elementwise', log: 'natural logarithm, elementwise', sqrt: 'square root, elementwise',
  abs: '|x|, elementwise', tanh: 'hyperbolic tangent, elementwise', sigmoid: '1/(1+e⁻ˣ), elementwise',
  relu: 'max(x, 0), elementwise', softplus: 'log(1+eˣ), elementwise', sin: 'sine, elementwise',
  cos: 'cosine, elementwise', sum: 'sum of all entries', mean: 'mean of all entries',
  dot: 'inner product of two tensors of one shape', norm2: 'sum of squares of all entries',
  transpose: 'matrix transpose', max: 'elementwise maximum of two values', min: 'elementwise minimum of two values',
  onehot: '`onehot(label, K)`: the vector of K entries with 1 at the integer class `label` (0 … K−1) and 0 elsewhere (all 0 for a label outside 0 … K−1); no gradient flows through the label',
  logsumexp: '`logsumexp(z)` = log Σ exp(zₖ) over all entries, computed stably as m + log Σ exp(zₖ − m) with m = max zₖ; its gradient is softmax(z)',
  softmax: '`softmax(z)` = exp(z − logsumexp(z)): probabilities, one per entry of z; shifting every logit by one amount leaves it unchanged',
  cross_entropy:
    '`cross_entropy(logits, target)` = logsumexp(logits) − logits[target] for an integer class `target`, or −Σ targetₖ·log softmax(logits)ₖ for a vector `target` of the logits\' shape (one-hot or probabilities)',
});

export const OPTIMIZERS = nameTable<string>({
  sgd: 'minibatch stochastic gradient descent',
  gd: 'full-batch gradient descent (the expected gradient)',
  momentum: 'heavy-ball momentum as in PyTorch: m ← β·m + ĝ, θ ← θ − lr·m',
  adam: "Adam as in PyTorch",
} satisfies Record<OptimizerName, string>);

interface KeySpec {
  doc: string;
  optimizers?: OptimizerName[];
  kind: 'number' | 'int' | 'sampling';
  check?: (v: number) => string | undefined;
}

export const TRAIN_KEYS = nameTable<KeySpec>({
  lr: { doc: 'learning rate η (required)', kind: 'number', check: (v) => (v > 0 && isFinite(v) ? undefined : 'must be > 0') },
  batch: { doc: 'minibatch size B (default 1)', kind: 'int', check: (v) => (v >= 1 && v <= 1e6 ? undefined : 'must be between 1 and 10⁶') },
  steps: { doc: 'number of steps (default 10000)', kind: 'int', check: (v) => (v >= 1 && v <= 1e9 ? undefined : 'must be between 1 and 10⁹') },
  chains: { doc: 'independent runs (default 1)', kind: 'int', check: (v) => (v >= 1 && v <= 1e5 ? undefined : 'must be between 1 and 10⁵') },
  seed: { doc: 'random seed (default 0)', kind: 'int', check: (v) => (v >= 0 && v < 2 ** 53 ? undefined : 'must be ≥ 0') },
  weight_decay: { doc: 'weight decay γ (default 0)', kind: 'number', check: (v) => (v >= 0 && isFinite(v) ? undefined : 'must be ≥ 0') },
  sampling: { doc: '`with_replacement` (default) or `without_replacement` (epochs of shuffled batches of a finite data set)', kind: 'sampling' },
  record_every: { doc: 'record statistics every this many steps (default: at most 2000 points per series)', kind: 'int', check: (v) => (v >= 1 ? undefined : 'must be ≥ 1') },
  warmup: { doc: 'linear learning-rate warmup over this many steps (default 0)', kind: 'int', check: (v) => (v >= 0 ? undefined : 'must be ≥ 0') },
  beta: { doc: 'momentum β (default 0.9)', optimizers: ['momentum'], kind: 'number', check: (v) => (v >= 0 && v < 1 ? undefined : 'must be in [0, 1)') },
  beta1: { doc: 'Adam β₁ (default 0.9)', optimizers: ['adam'], kind: 'number', check: (v) => (v >= 0 && v < 1 ? undefined : 'must be in [0, 1)') },
  beta2: { doc: 'Adam β₂ (default 0.999)', optimizers: ['adam'], kind: 'number', check: (v) => (v >= 0 && v < 1 ? undefined : 'must be in [0, 1)') },
  eps: { doc: 'Adam ε (default 1e-8)', optimizers: ['adam'], kind: 'number', check: (v) => (v > 0 ? undefined : 'must be > 0') },
});

/** The train keys an optimizer accepts (the shared ones and its own), in the table's order. */
export function trainKeysFor(optimizer: string): string[] {
  return Object.keys(TRAIN_KEYS).filter((k) => !TRAIN_KEYS[k].optimizers || (TRAIN_KEYS[k].optimizers as string[]).includes(optimizer));
}

/** The values of the `sampling` key. */
export const SAMPLING_VALUES = ['with_replacement', 'without_replacement'] as const;

const MAX_COMPONENTS = 100_000;
/** Total name comparisons spent on "did you mean" suggestions for unknown names, per file. */
const MAX_SUGGEST_WORK = 200_000;
/** Intermediate values (all tensor nodes' entries): the generated code's workspace is this big. */
const MAX_GRAPH_ENTRIES = 20_000_000;
/** The scalar view (one node per entry) is built up to this many parameter components. */
const SCALAR_VIEW_MAX_COMPONENTS = 4000;
/**
 * Largest loss that gets the scalar view, in scalar operations (scalar graph nodes the loss depends
 * on, constants aside). From the scalar view the engine generates straight-line JavaScript (the
 * unrolled kernel, loss and gradient, Hessian-vector products, the full Hessian up to 40
 * components, exact expectations), one local per operation; past about 1.2·10⁵ locals a function
 * overflows the main thread's stack (984 KiB), past about 5·10⁵ a worker's (4 MiB). Measured
 * (docs/LIMITS.md): every straight-line path (analysis, runs in workers) works at 2·10⁴ operations
 * for linear, tanh, sigmoid, normalised and 40-parameter full-Hessian models; the first failure
 * was at 3·10⁴ (full Hessian in a worker). A larger loss is not refused: it has no scalar view and
 * takes the tensor path (loops over the tensor graph), like every model past 4000 components.
 */
export const MAX_SCALAR_OPERATIONS = 20_000;
/**
 * Runs in the calling thread (`--workers 0`) have the main thread's smaller stack: there, scalar
 * views with at most 40 components (whose full Hessian is generated) overflowed it from 8·10³
 * operations. Models without a scalar view (the tensor path) have no such limit.
 */
export const MAX_IN_THREAD_OPERATIONS = 5_000;

/** The number of scalar operations of a loss: the scalar graph nodes it depends on, constants aside. */
export function scalarOperations(g: Graph, loss: number): number {
  let n = 0;
  for (const id of g.reachable([loss])) if (g.nodes[id].op !== 'const') n++;
  return n;
}

/** Largest finite data set kept in memory: examples × data components, in numbers (128 MiB). */
export const MAX_DATASET_VALUES = 2 ** 24;
/** At most this many `train` lines per file: each is a run with its own worker pool. */
export const MAX_TRAIN_LINES = 32;
/**
 * The quick check on the editor's main thread stops lowering past this many tensor graph entries
 * (constants are folded as they are lowered, so entries are the work); it never builds the scalar
 * view. The full check in the analysis worker goes on.
 */
export const QUICK_CHECK_MAX_ENTRIES = 1_000_000;

/** Parsed CSV files, by the path as written: reused while the file's text is the same. */
const csvCache = new Map<string, { text: string; width: number; maxRows: number; table?: CsvTable; error?: string }>();
const CSV_CACHE_ENTRIES = 4;
let csvParses = 0;

/** How many CSV texts were parsed (not served from the cache), for tests. */
export function csvParseCount(): number {
  return csvParses;
}

function parseCsvCached(path: string, text: string, width: number, perExample: number): CsvTable {
  const maxRows = Math.min(MAX_CSV_ROWS, Math.floor(MAX_DATASET_VALUES / Math.max(1, perExample)));
  const hit = csvCache.get(path);
  // The same text is usually the same string (the file reader caches it): === is then immediate.
  if (hit && hit.width === width && hit.maxRows === maxRows && hit.text === text) {
    csvCache.delete(path);
    csvCache.set(path, hit);
    if (hit.error !== undefined) throw new CsvError(hit.error);
    return hit.table as CsvTable;
  }
  csvParses++;
  let entry: { text: string; width: number; maxRows: number; table?: CsvTable; error?: string };
  try {
    const why =
      maxRows < MAX_CSV_ROWS ? `: a data set is kept in memory up to ${MAX_DATASET_VALUES} numbers (128 MiB), which is ${maxRows} examples of ${perExample} data components` : '';
    entry = { text, width, maxRows, table: parseCsvTable(text, width, maxRows, why) };
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    entry = { text, width, maxRows, error: e.message };
  }
  csvCache.delete(path);
  csvCache.set(path, entry);
  while (csvCache.size > CSV_CACHE_ENTRIES) csvCache.delete(csvCache.keys().next().value as string);
  if (entry.error !== undefined) throw new CsvError(entry.error);
  return entry.table as CsvTable;
}

/** Parsed array files, by path as written: reused while the file's bytes are the same buffer. */
const arrayCache = new Map<string, { bytes: Uint8Array; file?: ArrayFile; error?: string }>();
const ARRAY_CACHE_ENTRIES = 4;

function parseArrayCached(path: string, bytes: Uint8Array): ArrayFile {
  let entry = arrayCache.get(path);
  if (!entry || entry.bytes !== bytes) {
    try {
      entry = { bytes, file: parseArrayFile(bytes) };
    } catch (e) {
      if (!(e instanceof ArrayFileError)) throw e;
      entry = { bytes, error: e.message };
    }
  }
  arrayCache.delete(path);
  arrayCache.set(path, entry);
  while (arrayCache.size > ARRAY_CACHE_ENTRIES) arrayCache.delete(arrayCache.keys().next().value as string);
  if (entry.error !== undefined) throw new ArrayFileError(entry.error);
  return entry.file as ArrayFile;
}

/** The examples of one data file: how many, and example r's numbers. */
interface RowSource {
  rows: number;
  table?: CsvTable;
  read(r: number, out: Float64Array): void;
}

/** A value in a data file that is not a finite number, found while copying the chosen examples. */
class DataFileFailure extends Error {
  constructor(readonly file: { path: string; span: Span }, message: string) {
    super(message);
  }
}

/**
 * `size` of the indices 0…n−1 chosen at random with `seed` (a partial Fisher–Yates shuffle on the
 * data-set stream), in increasing order so that the data set keeps the files' order.
 */
export function seededSubset(n: number, size: number, seed: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed, 0, STREAM_DATASET);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, size).sort();
}

export function checkSource(source: string, options: CheckOptions = {}): CheckResult {
  const diags = new DiagnosticBag();
  const program = parse(source, diags);
  let model: Model | undefined;
  const checker = new Checker(diags, options, source);
  try {
    model = checker.check(program);
  } catch (e) {
    // Declarations (constant initial values, distribution arguments) are lowered too.
    if (!(e instanceof GraphTooLarge)) throw e;
    diags.error(program.statements[0]?.span ?? { line: 1, column: 1, endLine: 1, endColumn: 2 }, tooLargeMessage);
  }
  if (!options.quick) return { model: diags.hasErrors ? undefined : model, diagnostics: diags.sorted() };
  return { diagnostics: diags.sorted(), incomplete: checker.incomplete.length ? checker.incomplete : undefined };
}

class GraphTooLarge extends Error {}

const tooLargeMessage = `the problem is too large (more than ${MAX_GRAPH_ENTRIES} intermediate values per example); use smaller tensors`;
/** Quick check: lowering went past QUICK_CHECK_MAX_ENTRIES (the full check goes on). */
class QuickBudgetSpent extends Error {}

class Checker {
  private readonly g = new TGraph();
  private readonly params: ParamInfo[] = [];
  private readonly data: DataInfo[] = [];
  private readonly lets: LetInfo[] = [];
  private readonly env = new Map<string, { value: Value; span: Span; kind: 'param' | 'data' | 'let' }>();
  private readonly laterLets = new Map<string, Span>();
  private nParam = 0;
  private nData = 0;
  /** Tensor node of each parameter and data tensor, in declaration order. */
  private readonly paramTensors: number[] = [];
  private readonly dataTensors: number[] = [];

  private finiteData = false;
  private suggestWork = 0;
  private readonly lines: string[];
  /** Lowering a constant (initial values, distribution and train arguments): no quick budget. */
  private constDepth = 0;
  /** Quick check: what was left to the full check. */
  readonly incomplete: ('data-files' | 'size')[] = [];

  constructor(private readonly diags: DiagnosticBag, private readonly options: CheckOptions, source: string) {
    this.lines = source.split('\n');
  }

  /** The source text of a span (for fixes that rewrite an expression). */
  private textOf(s: Span): string {
    if (s.line === s.endLine) return (this.lines[s.line - 1] ?? '').slice(s.column - 1, s.endColumn - 1);
    const parts = [(this.lines[s.line - 1] ?? '').slice(s.column - 1)];
    for (let l = s.line + 1; l < s.endLine; l++) parts.push(this.lines[l - 1] ?? '');
    parts.push((this.lines[s.endLine - 1] ?? '').slice(0, s.endColumn - 1));
    return parts.join('\n');
  }

  check(program: Program): Model | undefined {
    const st = program.statements;
    // Declarations first: parameters and data may be used anywhere; `let`s only after definition.
    for (const s of st) if (s.kind === 'param') this.declareParams(s);
    const csvStatements = st.filter((s) => s.kind === 'data' && s.file) as Extract<Statement, { kind: 'data' }>[];
    for (const s of st) if (s.kind === 'data') this.declareData(s);
    for (const s of st) if (s.kind === 'let') this.laterLets.set(s.name, s.nameSpan);

    let dataset: Dataset | undefined;
    const datasetStatements = st.filter((s) => s.kind === 'dataset') as Extract<Statement, { kind: 'dataset' }>[];
    if (datasetStatements.length > 1) this.diags.error(datasetStatements[1].span, 'only one `dataset` line is allowed', { title: 'remove this line', replacement: '' });
    const ds = datasetStatements[0];
    const fileData = csvStatements.length > 0;
    // `dataset size = N`: N examples drawn from `~` data, or chosen from the data files' examples.
    let size: number | undefined;
    let subsetSeed: number | undefined;
    if (ds) {
      const n = this.constInt(ds.size, 'the data set size');
      const perExample = Math.max(1, this.nData);
      const maxN = Math.min(MAX_CSV_ROWS, Math.floor(MAX_DATASET_VALUES / perExample));
      if (n !== undefined) {
        if (n < 1 || n > 10_000_000) this.diags.error(ds.size.span, `the data set size must be between 1 and 10⁷, found ${n}`);
        else if (n > maxN) {
          this.diags.error(
            ds.size.span,
            `the data set would hold ${n} examples × ${perExample} data components = ${n * perExample} numbers; at most ${MAX_DATASET_VALUES} (128 MiB) are kept in memory, so at most ${maxN} examples here`,
            { title: `change to ${maxN}`, replacement: String(maxN) },
          );
        } else size = n;
      }
      if (ds.seed) {
        if (!fileData) {
          const seedEnd = ds.seedSpan ?? ds.seed.span;
          const whole: Span = { line: ds.size.span.endLine, column: ds.size.span.endColumn, endLine: seedEnd.endLine, endColumn: seedEnd.endColumn };
          this.diags.error(whole, 'a `seed` chooses a subset of a data file\'s examples; data drawn with `~` is drawn with the `train` line\'s seed', {
            title: 'remove the seed',
            replacement: '',
          });
        } else {
          const sd = this.constInt(ds.seed, 'the subset seed');
          if (sd !== undefined && !(sd >= 0 && sd < 2 ** 53)) this.diags.error(ds.seed.span, `the subset seed must be a whole number ≥ 0, found ${sd}`);
          else subsetSeed = sd;
        }
      }
    }
    if (fileData) dataset = this.loadFiles(csvStatements, ds && size !== undefined ? { size, seed: subsetSeed, span: ds.size.span } : undefined);
    else if (size !== undefined) dataset = { kind: 'sampled', size };

    this.finiteData = dataset !== undefined;
    let loss: number | undefined;
    let lossSpan: Span | undefined;
    const trains: TrainSpec[] = [];
    let trainLines = 0;
    let quickStopped = false;
    let current: Statement | undefined;
    try {
      for (const s of st) {
        current = s;
        if ((s.kind === 'let' || s.kind === 'loss') && quickStopped) continue;
        if (s.kind === 'let') {
          try {
            this.defineLet(s);
          } catch (e) {
            if (!(e instanceof QuickBudgetSpent)) throw e;
            quickStopped = true;
          }
        } else if (s.kind === 'loss') {
          if (lossSpan) {
            this.diags.error(s.keywordSpan, `a file has exactly one \`loss\`; another is defined on line ${lossSpan.line}`, {
              title: 'rename to a `let`',
              replacement: 'let loss2',
            });
            continue;
          }
          lossSpan = s.span;
          let v: Value;
          try {
            v = this.lower(s.value);
          } catch (e) {
            if (!(e instanceof QuickBudgetSpent)) throw e;
            quickStopped = true;
            continue;
          }
          if (v && v.shape.length > 0) {
            this.diags.error(
              s.value.span,
              `the loss must be a scalar, but this expression has shape ${shapeText(v.shape)}; reduce it with sum(…) or mean(…)`,
              { title: 'wrap in sum(…)', replacement: `sum(${this.textOf(s.value.span)})` },
            );
          } else if (v) loss = v.id;
        } else if (s.kind === 'train') {
          if (++trainLines > MAX_TRAIN_LINES) {
            if (trainLines === MAX_TRAIN_LINES + 1) {
              const more = st.filter((x) => x.kind === 'train').length - MAX_TRAIN_LINES;
              this.diags.error(
                s.span,
                `at most ${MAX_TRAIN_LINES} \`train\` lines per file (each is a run with its own worker threads); this one and the ${more - 1} after it are ${more} too many: split them over several files`,
              );
            }
            continue;
          }
          const t = this.train(s);
          if (t) trains.push(t);
        }
      }
    } catch (e) {
      if (!(e instanceof GraphTooLarge)) throw e;
      this.diags.error(current?.span ?? program.statements[0]?.span ?? { line: 1, column: 1, endLine: 1, endColumn: 2 }, tooLargeMessage);
      return undefined;
    }
    if (quickStopped) {
      // The rest of the lets and the loss are for the full check; nothing more to say here.
      this.incomplete.push('size');
      return undefined;
    }
    // A `loss` line with a syntax error has been reported already: it is not missing.
    if (!lossSpan && !program.unparsed?.includes('loss')) {
      const last = st.length ? st[st.length - 1].span : { line: 1, column: 1, endLine: 1, endColumn: 1 };
      this.diags.error(
        { line: last.endLine, column: 1, endLine: last.endLine, endColumn: Math.max(2, last.endColumn) },
        'the file has no `loss`; add a line `loss = EXPR` (the per-example loss)',
      );
    }
    if (this.params.length === 0 && program.statements.length > 0 && !program.unparsed?.includes('param')) {
      const first = st[0].span;
      this.diags.error({ ...first, endLine: first.line, endColumn: first.column + 1 }, 'the file declares no parameters; add a line such as `param w = 0.5`');
    }
    if (loss !== undefined) this.warnUnused(loss);
    if (this.diags.hasErrors || loss === undefined || lossSpan === undefined || this.options.quick) return undefined;
    const components = this.params.flatMap((p) => range(p.size).map((k) => componentName(p.name, p.shape, k)));
    const dataComponents = this.data.flatMap((d) => range(d.size).map((k) => componentName(d.name, d.shape, k)));
    const model: Model = {
      tgraph: this.g,
      tloss: loss,
      paramTensors: this.paramTensors,
      dataTensors: this.dataTensors,
      params: this.params,
      data: this.data,
      lets: this.lets,
      lossSpan,
      components,
      dataComponents,
      dataset,
      trains,
    };
    // Small models also get the scalar view (proofs, exact expectations, unrolled kernels), as long
    // as the straight-line code generated from it fits a thread's stack (MAX_SCALAR_OPERATIONS).
    if (components.length <= SCALAR_VIEW_MAX_COMPONENTS) {
      try {
        // Scalar nodes: the loss's operations and its constants' entries (never more than
        // scalarize's own limit); past them the view would be dropped anyway, so stop early.
        let constEntries = 0;
        for (const id of this.g.reachable([loss])) constEntries += this.g.constValues(id)?.length ?? 0;
        const limit = Math.min(MAX_SCALAR_NODES, 2 * MAX_SCALAR_OPERATIONS + constEntries);
        const view = scalarize(this.g, [loss], this.params.map((p) => p.offset), this.data.map((d) => d.offset), undefined, limit);
        const scalarLoss = (view.values.get(loss) as number[])[0];
        const ops = scalarOperations(view.graph, scalarLoss);
        if (ops > MAX_SCALAR_OPERATIONS) throw new TooLargeForScalars();
        model.scalarOperations = ops;
        model.graph = view.graph;
        model.loss = scalarLoss;
        model.paramNodes = range(this.nParam).map((k) => view.graph.param(k));
        model.dataNodes = range(this.nData).map((k) => view.graph.data(k));
      } catch (e) {
        if (!(e instanceof TooLargeForScalars)) throw e;
      }
    }
    return model;
  }

  // ---- declarations -----------------------------------------------------------------------

  private declare(name: string, span: Span, kind: 'param' | 'data' | 'let', value: Value): boolean {
    const prev = this.env.get(name);
    if (prev) {
      this.diags.error(span, `\`${name}\` is already defined (as a ${prev.kind} on line ${prev.span.line}); choose another name`);
      return false;
    }
    if (hasName(FUNCTIONS, name) || hasName(DISTRIBUTIONS, name)) {
      this.diags.error(span, `\`${name}\` is the name of a built-in function; choose another name`);
      return false;
    }
    this.env.set(name, { value, span, kind });
    return true;
  }

  private declareParams(s: Extract<Statement, { kind: 'param' }>): void {
    for (const d of s.decls) {
      const shape = d.shape?.dims ?? [];
      const size = shape.reduce((a, b) => a * b, 1);
      if (this.nParam + size > MAX_COMPONENTS) {
        this.diags.error(d.nameSpan, `too many parameters (more than ${MAX_COMPONENTS} components)`);
        continue;
      }
      let init: ParamInfo['init'] = { kind: 'dist', dists: new Array(size).fill({ kind: 'normal', mean: 0, std: 1 }) };
      if (d.init?.kind === 'dist') {
        const dists = this.dist(d.init.dist, size, shape);
        if (dists) init = { kind: 'dist', dists };
      } else if (d.init?.kind === 'value') {
        const values = this.constTensor(d.init.value, shape, `the initial value of \`${d.name}\``);
        if (values) init = { kind: 'value', values };
      }
      const id = this.g.param(this.params.length, shape);
      const info: ParamInfo = { name: d.name, shape, offset: this.nParam, size, span: d.nameSpan, init };
      if (!this.declare(d.name, d.nameSpan, 'param', { shape, id })) continue;
      this.params.push(info);
      this.paramTensors.push(id);
      this.nParam += size;
    }
  }

  private declareData(s: Extract<Statement, { kind: 'data' }>): void {
    for (const [i, d] of s.names.entries()) {
      const shape = d.shape?.dims ?? [];
      const size = shape.reduce((a, b) => a * b, 1);
      if (this.nData + size > MAX_COMPONENTS) {
        this.diags.error(d.nameSpan, `too much data per example (more than ${MAX_COMPONENTS} components)`);
        continue;
      }
      let dists: ComponentDist[] | undefined;
      if (s.dist && i === 0) dists = this.dist(s.dist, size, shape) ?? new Array(size).fill({ kind: 'normal', mean: 0, std: 1 });
      else if (s.dist) dists = new Array(size).fill({ kind: 'normal', mean: 0, std: 1 }); // already reported
      const id = this.g.data(this.data.length, shape);
      if (!this.declare(d.name, d.nameSpan, 'data', { shape, id })) continue;
      this.data.push({ name: d.name, shape, offset: this.nData, size, span: d.nameSpan, dists, csv: s.file ? { file: s.file.path } : undefined });
      this.dataTensors.push(id);
      this.nData += size;
    }
  }

  /**
   * The finite data set of `data … from "FILE"` lines (CSV text, or .npy / IDX arrays, gzipped or
   * not): every file holds the same examples, one per row (CSV) or per entry of the first axis.
   * `dataset size = N` keeps the first N of them, or with a seed a seeded random subset (the same
   * examples of every file, in file order).
   */
  private loadFiles(statements: Extract<Statement, { kind: 'data' }>[], subset: { size: number; seed?: number; span: Span } | undefined): Dataset | undefined {
    const fresh = this.data.filter((d) => d.dists);
    if (fresh.length > 0) {
      this.diags.error(
        fresh[0].span,
        'a file that loads data from a data file cannot also draw data with `~`: every example must come from the data set. Put this column in the data file',
      );
      return undefined;
    }
    if (this.options.quick) {
      // The editor's main thread reads no files: the analysis worker checks their contents.
      this.incomplete.push('data-files');
      return { kind: 'file', size: 0 };
    }
    let n: number | undefined;
    const perFile: { source: RowSource; width: number; offset: number }[] = [];
    const bySpan = new Map<Span, DataInfo>(this.data.map((d) => [d.span, d]));
    for (const s of statements) {
      const file = s.file as { path: string; span: Span };
      const infos = s.names.map((nm) => bySpan.get(nm.nameSpan)).filter((x, i): x is DataInfo => !!x && x.name === s.names[i].name);
      if (infos.length !== s.names.length) return undefined;
      const width = infos.reduce((a, d) => a + d.size, 0);
      const source = this.readDataFile(file, width, subset === undefined);
      if (!source) return undefined;
      if (n !== undefined && source.rows !== n) {
        this.diags.error(file.span, `data file ${quote(file.path)} has ${source.rows} ${source.table ? 'rows' : 'examples'} but an earlier data file has ${n}; every file must hold the same examples`);
        return undefined;
      }
      n = source.rows;
      perFile.push({ source, width, offset: infos[0].offset });
    }
    if (n === undefined) return undefined;
    let chosen: ArrayLike<number> | undefined; // undefined: every example, in order
    let selection: Dataset['selection'] = 'all';
    if (subset) {
      if (subset.size > n) {
        this.diags.error(subset.span, `the data files hold ${n} examples, fewer than the ${subset.size} asked for`, { title: `change to ${n}`, replacement: String(n) });
        return undefined;
      }
      if (subset.seed === undefined) {
        chosen = Int32Array.from({ length: subset.size }, (_, i) => i);
        selection = 'first';
      } else {
        chosen = seededSubset(n, subset.size, subset.seed);
        selection = 'seeded';
      }
    } else if (n * Math.max(1, this.nData) > MAX_DATASET_VALUES) {
      const maxN = Math.floor(MAX_DATASET_VALUES / Math.max(1, this.nData));
      this.diags.error(
        statements[0].file?.span ?? statements[0].span,
        `the data files hold ${n} examples × ${this.nData} data components = ${n * this.nData} numbers; at most ${MAX_DATASET_VALUES} (128 MiB) are kept in memory: add \`dataset size = ${maxN}\` (the first ${maxN}) or \`dataset size = ${maxN}, seed = 0\` (a random subset)`,
      );
      return undefined;
    }
    const count = chosen ? chosen.length : n;
    // One CSV file holding every data component, all of it: the data set as parsed (only read from).
    const only = perFile.length === 1 && perFile[0].width === this.nData ? perFile[0].source : undefined;
    if (only?.table && !chosen) return { kind: 'file', size: n, rows: only.table.values, available: n, selection };
    const rows = new Float64Array(count * this.nData);
    const row = new Float64Array(Math.max(...perFile.map((f) => f.width)));
    try {
      for (const { source, width, offset } of perFile) {
        for (let r = 0; r < count; r++) {
          source.read(chosen ? chosen[r] : r, row);
          for (let c = 0; c < width; c++) rows[r * this.nData + offset + c] = row[c];
        }
      }
    } catch (e) {
      if (!(e instanceof DataFileFailure)) throw e;
      this.diags.error(e.file.span, `data file ${quote(e.file.path)}: ${e.message}`);
      return undefined;
    }
    return { kind: 'file', size: count, rows, available: n, selection };
  }

  /** One data file's examples, or a diagnostic at its path and undefined. */
  private readDataFile(file: { path: string; span: Span }, width: number, whole: boolean): RowSource | undefined {
    const binary = isArrayPath(file.path);
    let content: string | Uint8Array;
    try {
      const reader = this.options.readFile;
      if (!reader) throw new Error('files cannot be read here');
      if (binary) {
        if (!reader.bytes) throw new Error('binary data files cannot be read here');
        content = reader.bytes(file.path);
        if (!(content instanceof Uint8Array)) throw new Error('not a binary file');
      } else {
        content = reader(file.path);
        if (typeof content !== 'string') throw new Error('not a text file');
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException | undefined)?.code;
      const why = code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
      // A refused file (a FIFO, a device, too large) says itself what to do instead.
      const hint = code === 'EREFUSED' ? '' : ' (the path is relative to the .loss file)';
      this.diags.error(file.span, `cannot read the data file ${quote(file.path)}: ${why}${hint}`);
      return undefined;
    }
    if (typeof content === 'string') {
      let table: CsvTable;
      try {
        // The whole file is parsed when it is the data set; a subset is chosen from its rows after.
        table = parseCsvCached(file.path, content, width, whole ? this.nData : width);
      } catch (e) {
        if (!(e instanceof CsvError)) throw e;
        this.diags.error(file.span, `data file ${quote(file.path)}: ${e.message}`);
        return undefined;
      }
      return { rows: table.rows, table, read: (r, out) => out.set(table.values.subarray(r * width, (r + 1) * width)) };
    }
    let arr: ArrayFile;
    try {
      arr = parseArrayCached(file.path, content);
    } catch (e) {
      if (!(e instanceof ArrayFileError)) throw e;
      this.diags.error(file.span, `data file ${quote(file.path)}: ${e.message}`);
      return undefined;
    }
    if (arr.width !== width) {
      const dims = `[${arr.shape.join(', ')}]`;
      this.diags.error(
        file.span,
        `data file ${quote(file.path)} holds an array of shape ${dims} (${arr.shape[0]} examples of ${arr.width} number${arr.width === 1 ? '' : 's'}) but the data names on this line take ${width}; declare ${arr.width === 1 ? 'a scalar, e.g. `data label from …`' : `e.g. \`data x[${arr.width}] from …\``}`,
      );
      return undefined;
    }
    return {
      rows: arr.rows,
      read: (r, out) => {
        try {
          arr.readRow(r, out, 0);
        } catch (e) {
          if (!(e instanceof ArrayFileError)) throw e;
          throw new DataFileFailure(file, e.message);
        }
      },
    };
  }

  private defineLet(s: Extract<Statement, { kind: 'let' }>): void {
    this.laterLets.delete(s.name);
    const v = this.lower(s.value);
    if (this.declare(s.name, s.nameSpan, 'let', v) && v) this.lets.push({ name: s.name, value: v, span: s.nameSpan });
  }

  private warnUnused(loss: number): void {
    const used = new Set(this.g.reachable([loss]));
    for (const [i, p] of this.params.entries()) {
      if (!used.has(this.paramTensors[i])) {
        this.diags.warning(p.span, `the parameter \`${p.name}\` does not affect the loss; it never moves (except by weight decay)`);
      }
    }
  }

  // ---- distributions and constants ------------------------------------------------------------

  private dist(d: DistExpr, size: number, shape: number[]): ComponentDist[] | undefined {
    const spec = lookupName(DISTRIBUTIONS, d.name);
    if (!spec) {
      const guess = didYouMean(nearestAll(d.name, Object.keys(DISTRIBUTIONS)), ` (known: ${Object.keys(DISTRIBUTIONS).join(', ')})`);
      this.diags.error(d.nameSpan, `unknown distribution \`${d.name}\`${guess.text}`, guess.fixes);
      return undefined;
    }
    if (d.args.length !== spec.params.length) {
      this.diags.error(
        d.span,
        `\`${d.name}\` takes ${spec.params.length} argument${spec.params.length === 1 ? '' : 's'} (${spec.params.join(', ') || 'none'}), found ${d.args.length}`,
      );
      return undefined;
    }
    const args: number[][] = [];
    for (const [i, a] of d.args.entries()) {
      const v = this.constPerEntry(a, size, shape, `the ${spec.params[i]} of \`${d.name}\``);
      if (!v) return undefined;
      args.push(v);
    }
    const out: ComponentDist[] = [];
    for (let k = 0; k < size; k++) {
      switch (d.name) {
        case 'normal':
          if (args[1][k] < 0) return this.distError(d.args[1].span, `the std of \`normal\` must be ≥ 0, found ${args[1][k]}`);
          out.push({ kind: 'normal', mean: args[0][k], std: args[1][k] });
          break;
        case 'uniform':
          if (args[0][k] > args[1][k]) return this.distError(d.span, `\`uniform(lo, hi)\` needs lo ≤ hi, found lo = ${args[0][k]}, hi = ${args[1][k]}`);
          out.push({ kind: 'uniform', lo: args[0][k], hi: args[1][k] });
          break;
        case 'bernoulli':
          if (!(args[0][k] >= 0 && args[0][k] <= 1)) return this.distError(d.args[0].span, `the p of \`bernoulli\` must be in [0, 1], found ${args[0][k]}`);
          out.push({ kind: 'bernoulli', p: args[0][k] });
          break;
        case 'rademacher':
          out.push({ kind: 'rademacher' });
          break;
        case 'const':
          out.push({ kind: 'const', value: args[0][k] });
          break;
      }
    }
    return out;
  }

  private distError(span: Span, message: string): undefined {
    this.diags.error(span, message);
    return undefined;
  }

  /** A constant that is a scalar (broadcast to every entry) or has exactly `size` entries. */
  private constPerEntry(e: Expr, size: number, shape: number[], what: string): number[] | undefined {
    const v = this.constValue(e, what);
    if (!v) return undefined;
    if (v.shape.length === 0) return new Array(size).fill(v.values[0]);
    if (v.values.length === size && (sameShape(v.shape, shape) || v.shape.length === 1)) return v.values;
    this.diags.error(e.span, `${what} has shape ${shapeText(v.shape)} but the tensor has shape ${shapeText(shape)}; give one number or one per entry`);
    return undefined;
  }

  private constTensor(e: Expr, shape: number[], what: string): number[] | undefined {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.constPerEntry(e, size, shape, what);
  }

  private constInt(e: Expr, what: string): number | undefined {
    const v = this.constValue(e, what);
    if (!v) return undefined;
    if (v.shape.length !== 0 || !Number.isInteger(v.values[0])) {
      this.diags.error(e.span, `${what} must be a whole number`);
      return undefined;
    }
    return v.values[0];
  }

  /** Evaluates an expression that may use no names (numbers, lists, arithmetic, functions). */
  private constValue(e: Expr, what: string): { shape: number[]; values: number[] } | undefined {
    const names = namesIn(e);
    if (names.length > 0) {
      this.diags.error(names[0].span, `${what} must be a constant; \`${names[0].name}\` is not allowed here`);
      return undefined;
    }
    let v: Value;
    this.constDepth++;
    try {
      v = this.lower(e);
    } finally {
      this.constDepth--;
    }
    if (!v) return undefined;
    const c = this.g.constValues(v.id);
    const values = c ? Array.from(c) : [];
    if (!c || values.some((x) => !isFinite(x))) {
      this.diags.error(e.span, `${what} is not a finite number`);
      return undefined;
    }
    return { shape: v.shape, values };
  }

  // ---- training ---------------------------------------------------------------------------

  private train(s: Extract<Statement, { kind: 'train' }>): TrainSpec | undefined {
    const opts = Object.keys(OPTIMIZERS) as OptimizerName[];
    if (!opts.includes(s.optimizer as OptimizerName)) {
      const guess = didYouMean(nearestAll(s.optimizer, opts), ` (known: ${opts.join(', ')})`);
      this.diags.error(s.optimizerSpan, `unknown optimizer \`${s.optimizer}\`${guess.text}`, guess.fixes);
      return undefined;
    }
    const opt = s.optimizer as OptimizerName;
    const t: TrainSpec = { ...TRAIN_DEFAULTS, optimizer: opt, lr: NaN, span: s.span };
    let ok = true;
    const seen = new Set<string>();
    for (const [ai, a] of s.args.entries()) {
      const spec = lookupName(TRAIN_KEYS, a.key);
      if (!spec) {
        const keys = trainKeysFor(opt);
        const guess = didYouMean(nearestAll(a.key, keys), ` (keys: ${keys.join(', ')})`);
        this.diags.error(a.keySpan, `unknown key \`${a.key}\` for \`${opt}\`${guess.text}`, guess.fixes);
        ok = false;
        continue;
      }
      if (spec.optimizers && !spec.optimizers.includes(opt)) {
        // The fix removes the whole argument with one of its separating commas.
        const prev = s.args[ai - 1];
        const after = s.args[ai + 1];
        const whole: Span = prev
          ? { line: prev.span.endLine, column: prev.span.endColumn, endLine: a.span.endLine, endColumn: a.span.endColumn }
          : after
            ? { line: a.span.line, column: a.span.column, endLine: after.span.line, endColumn: after.span.column }
            : a.span;
        this.diags.error(whole, `\`${a.key}\` is a key of ${spec.optimizers.join(', ')}, not of \`${opt}\``, { title: 'remove it', replacement: '' });
        ok = false;
        continue;
      }
      if (seen.has(a.key)) {
        this.diags.error(a.keySpan, `\`${a.key}\` is given twice`);
        ok = false;
        continue;
      }
      seen.add(a.key);
      if (spec.kind === 'sampling') {
        const v = a.value.kind === 'name' ? a.value.name : '';
        if (v !== 'with_replacement' && v !== 'without_replacement') {
          const guess = didYouMean(nearestAll(v, SAMPLING_VALUES));
          this.diags.error(a.value.span, '`sampling` is `with_replacement` or `without_replacement`', guess.fixes);
          ok = false;
        } else t.sampling = v;
        continue;
      }
      const v = this.constValue(a.value, `\`${a.key}\``);
      if (!v || v.shape.length !== 0) {
        if (v) this.diags.error(a.value.span, `\`${a.key}\` must be a single number`);
        ok = false;
        continue;
      }
      const x = v.values[0];
      if (spec.kind === 'int' && !Number.isInteger(x)) {
        this.diags.error(a.value.span, `\`${a.key}\` must be a whole number, found ${x}`, { title: `round to ${Math.max(1, Math.round(x))}`, replacement: String(Math.max(1, Math.round(x))) });
        ok = false;
        continue;
      }
      const problem = spec.check?.(x);
      if (problem) {
        this.diags.error(a.value.span, `\`${a.key}\` ${problem}, found ${x}`);
        ok = false;
        continue;
      }
      switch (a.key) {
        case 'lr': t.lr = x; t.lrSpan = a.value.span; break;
        case 'batch': t.batch = x; break;
        case 'steps': t.steps = x; break;
        case 'chains': t.chains = x; break;
        case 'seed': t.seed = x; break;
        case 'weight_decay': t.weightDecay = x; break;
        case 'record_every': t.recordEvery = x; break;
        case 'warmup': t.warmup = x; break;
        case 'beta': t.beta = x; break;
        case 'beta1': t.beta1 = x; break;
        case 'beta2': t.beta2 = x; break;
        case 'eps': t.eps = x; break;
      }
    }
    if (!seen.has('lr')) {
      // The fix rewrites `opt(` as `opt(lr = 0.01, `, so the span runs to the opening parenthesis.
      const o = s.optimizerSpan;
      const text = this.lines[o.line - 1] ?? '';
      let k = o.endColumn - 1;
      while (text[k] === ' ' || text[k] === '\t') k++;
      if (o.endLine === o.line && text[k] === '(') {
        this.diags.error({ line: o.line, column: o.column, endLine: o.line, endColumn: k + 2 }, `\`${opt}\` needs a learning rate: add \`lr = …\``, {
          title: 'add `lr = 0.01`',
          replacement: `${opt}(lr = 0.01${s.args.length ? ', ' : ''}`,
        });
      } else this.diags.error(o, `\`${opt}\` needs a learning rate: add \`lr = …\``);
      ok = false;
    }
    t.given = [...seen];
    if (t.sampling === 'without_replacement' && !this.hasFiniteData()) {
      const arg = s.args.find((a) => a.key === 'sampling');
      this.diags.error(arg ? arg.span : s.span, '`without_replacement` needs a finite data set: add `dataset size = N` or load data `from "file.csv"`');
      ok = false;
    }
    return ok ? t : undefined;
  }

  private hasFiniteData(): boolean {
    return this.finiteData;
  }

  // ---- expressions ------------------------------------------------------------------------

  /**
   * Before creating a tensor node of `n` entries (a constant one is computed right away): stop past
   * the graph's (or the quick check's) budget, counted before a matrix product is built.
   */
  private spend(n: number): void {
    if (this.g.entries + n > MAX_GRAPH_ENTRIES) throw new GraphTooLarge();
    if (this.options.quick && this.constDepth === 0 && this.g.entries + n > QUICK_CHECK_MAX_ENTRIES) throw new QuickBudgetSpent();
  }

  private lower(e: Expr): Value {
    this.spend(0);
    switch (e.kind) {
      case 'number':
        return { shape: [], id: this.g.scalar(e.value) };
      case 'name':
        return this.lookup(e.name, e.span);
      case 'list':
        return this.list(e);
      case 'unary': {
        const v = this.lower(e.arg);
        if (!v || e.op === '+') return v;
        this.spend(sizeOf(v.shape));
        return { shape: v.shape, id: this.g.neg(v.id) };
      }
      case 'binary':
        return e.op === '@' ? this.matmul(e) : this.elementwise(e);
      case 'call':
        return this.call(e);
      case 'index':
        return this.index(e);
    }
  }

  private lookup(name: string, span: Span): Value {
    const entry = this.env.get(name);
    if (entry) return entry.value;
    if (hasName(FUNCTIONS, name)) {
      this.diags.error(span, `\`${name}\` is a function; call it as \`${name}(…)\``);
      return undefined;
    }
    const later = this.laterLets.get(name);
    if (later) {
      this.diags.error(span, `\`${name}\` is defined later (line ${later.line}); a \`let\` can use only names defined above it`);
      return undefined;
    }
    // "Did you mean" costs one comparison per known name; bound the total over the file, so that
    // thousands of unknown names among thousands of known ones stay fast.
    const guess = didYouMean(this.suggestWork < MAX_SUGGEST_WORK ? nearestAll(name, this.env.keys()) : []);
    this.suggestWork += this.env.size;
    this.diags.error(span, `unknown name \`${name}\`${guess.text}`, guess.fixes);
    return undefined;
  }

  private list(e: Extract<Expr, { kind: 'list' }>): Value {
    if (e.items.length === 0) {
      this.diags.error(e.span, 'an empty list has no value');
      return undefined;
    }
    const items = e.items.map((it) => this.lower(it));
    if (items.some((it) => !it)) return undefined;
    const vs = items as TensorValue[];
    const inner = vs[0].shape;
    for (const [i, v] of vs.entries()) {
      if (!sameShape(v.shape, inner)) {
        this.diags.error(e.items[i].span, `list entries must have one shape: entry 1 is ${shapeText(inner)}, entry ${i + 1} is ${shapeText(v.shape)}`);
        return undefined;
      }
    }
    if (inner.length >= 2) {
      this.diags.error(e.span, 'lists nest at most two deep (a matrix)');
      return undefined;
    }
    return { shape: [vs.length, ...inner], id: this.g.stack(vs.map((v) => v.id)) };
  }

  private elementwise(e: Extract<Expr, { kind: 'binary' }>): Value {
    const a = this.lower(e.left);
    const b = this.lower(e.right);
    if (!a || !b) return undefined;
    const shape = this.broadcast(a, b, e, `\`${e.op}\``);
    if (!shape) return undefined;
    this.spend(sizeOf(shape));
    const fn = ({ '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '^': 'pow' } as const)[e.op as '+' | '-' | '*' | '/' | '^'];
    return { shape, id: this.g.binary(fn, a.id, b.id) };
  }

  private broadcast(a: TensorValue, b: TensorValue, e: { left: Expr; right: Expr; span: Span }, what: string): number[] | undefined {
    if (a.shape.length === 0) return b.shape;
    if (b.shape.length === 0 || sameShape(a.shape, b.shape)) return a.shape;
    const hint =
      a.shape.length === 2 && b.shape.length >= 1 && a.shape[1] === b.shape[0] ? '; for a matrix product use `@`' : '';
    this.diags.error(
      e.span,
      `shape mismatch in ${what}: the left side has shape ${shapeText(a.shape)}, the right side ${shapeText(b.shape)}; elementwise operations need equal shapes or a scalar${hint}`,
    );
    return undefined;
  }

  private matmul(e: Extract<Expr, { kind: 'binary' }>): Value {
    const a = this.lower(e.left);
    const b = this.lower(e.right);
    if (!a || !b) return undefined;
    const mismatch = () => {
      this.diags.error(
        e.span,
        `shape mismatch in \`@\`: ${shapeText(a.shape)} @ ${shapeText(b.shape)}; the inner dimensions must agree${
          a.shape.length === 2 && b.shape.length === 2 && a.shape[0] === b.shape[0] ? ' (did you mean transpose(…) of the left side?)' : ''
        }`,
      );
      return undefined;
    };
    if (a.shape.length === 0 || b.shape.length === 0) {
      this.diags.error(e.span, `\`@\` multiplies vectors and matrices, found ${shapeText(a.shape)} @ ${shapeText(b.shape)}; use \`*\` for scalars`, {
        title: 'use `*`',
        replacement: `${this.textOf(e.left.span)} * ${this.textOf(e.right.span)}`,
      });
      return undefined;
    }
    const [, k1] = a.shape.length === 2 ? a.shape : [1, a.shape[0]];
    const [k2] = b.shape.length === 2 ? b.shape : [b.shape[0], 1];
    if (k1 !== k2) return mismatch();
    // The product's m·n entries (m·n·k1 multiply-adds when both sides are constants, computed
    // right away) are counted before it is built.
    const [m] = a.shape.length === 2 ? a.shape : [1];
    const n = b.shape.length === 2 ? b.shape[1] : 1;
    this.spend(m * n);
    const id = this.g.matmul(a.id, b.id);
    return { shape: [...this.g.shape(id)], id };
  }

  private index(e: Extract<Expr, { kind: 'index' }>): Value {
    const t = this.lower(e.target);
    if (!t) return undefined;
    if (e.indices.length > t.shape.length) {
      this.diags.error(e.span, `too many indices: ${shapeText(t.shape)} takes at most ${t.shape.length}`);
      return undefined;
    }
    const idx: number[] = [];
    for (const [k, ie] of e.indices.entries()) {
      const v = this.constInt(ie, 'an index');
      if (v === undefined) return undefined;
      if (v < 0 || v >= t.shape[k]) {
        this.diags.error(ie.span, `index ${v} is out of range: dimension ${k + 1} has size ${t.shape[k]} (indices start at 0)`, {
          title: `change to ${Math.max(0, Math.min(t.shape[k] - 1, v))}`,
          replacement: String(Math.max(0, Math.min(t.shape[k] - 1, v))),
        });
        return undefined;
      }
      idx.push(v);
    }
    if (idx.length === 0) return t;
    const id = this.g.index(t.id, idx);
    return { shape: [...this.g.shape(id)], id };
  }

  /** The class count K of `onehot(label, K)`: a constant whole number ≥ 1. */
  private classCount(e: Expr): number | undefined {
    const k = this.constInt(e, 'the number of classes');
    if (k === undefined) return undefined;
    if (k < 1 || k > MAX_CLASSES) {
      this.diags.error(e.span, `the number of classes must be between 1 and ${MAX_CLASSES}, found ${k}`);
      return undefined;
    }
    return k;
  }

  /**
   * onehot(label, K) from existing nodes: entry k is step(label − k + ½) − step(label − k − ½), 1 for
   * label = k and 0 for any other integer (step has zero derivative: no gradient through a label).
   */
  private onehot(label: number, k: number): number {
    const d = this.g.sub(this.g.fill(label, [k]), this.g.constant(Float64Array.from({ length: k }, (_, i) => i), [k]));
    const half = this.g.scalar(0.5);
    return this.g.sub(this.g.unary('step', this.g.add(d, half)), this.g.unary('step', this.g.sub(d, half)));
  }

  /**
   * log Σ exp(zₖ) over every entry, stably: m + log Σ exp(zₖ − m) with m the largest entry (a
   * balanced tree of `max`). The derivative through m is (1 − Σ softmax)·∂m = 0 to rounding, so the
   * gradient is softmax(z).
   */
  private logsumexp(z: TensorValue): number {
    if (z.shape.length === 0) return z.id;
    const n = sizeOf(z.shape);
    let level: number[] = [];
    for (let i = 0; i < n; i++) level.push(this.g.index(z.id, z.shape.length === 2 ? [Math.floor(i / z.shape[1]), i % z.shape[1]] : [i]));
    while (level.length > 1) {
      const next: number[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(this.g.binary('max', level[i], level[i + 1]));
      if (level.length % 2 === 1) next.push(level[level.length - 1]);
      level = next;
    }
    const m = level[0];
    return this.g.add(m, this.g.unary('log', this.g.sum(this.g.unary('exp', this.g.sub(z.id, m)))));
  }

  private call(e: Extract<Expr, { kind: 'call' }>): Value {
    const name = e.callee;
    const arity = (n: number): boolean => {
      if (e.args.length === n) return true;
      this.diags.error(e.span, `\`${name}\` takes ${n} argument${n === 1 ? '' : 's'}, found ${e.args.length}`);
      return false;
    };
    const fn = lookupName(ELEMENTWISE, name);
    if (fn) {
      if (!arity(1)) return undefined;
      const v = this.lower(e.args[0]);
      if (!v) return undefined;
      this.spend(sizeOf(v.shape));
      return { shape: v.shape, id: this.g.unary(fn as UnaryFn, v.id) };
    }
    if (REDUCTIONS.includes(name)) {
      if (!arity(1)) return undefined;
      const v = this.lower(e.args[0]);
      if (!v) return undefined;
      const size = sizeOf(v.shape);
      this.spend(size);
      const terms = name === 'norm2' ? this.g.mul(v.id, v.id) : v.id;
      let acc = this.g.sum(terms);
      if (name === 'mean') acc = this.g.div(acc, this.g.scalar(size));
      return { shape: [], id: acc };
    }
    if (name === 'dot') {
      if (!arity(2)) return undefined;
      const a = this.lower(e.args[0]);
      const b = this.lower(e.args[1]);
      if (!a || !b) return undefined;
      if (!sameShape(a.shape, b.shape)) {
        this.diags.error(e.span, `\`dot\` needs two tensors of one shape, found ${shapeText(a.shape)} and ${shapeText(b.shape)}`);
        return undefined;
      }
      this.spend(sizeOf(a.shape));
      return { shape: [], id: this.g.sum(this.g.mul(a.id, b.id)) };
    }
    if (name === 'transpose') {
      if (!arity(1)) return undefined;
      const v = this.lower(e.args[0]);
      if (!v) return undefined;
      if (v.shape.length < 2) return v;
      return { shape: [v.shape[1], v.shape[0]], id: this.g.transpose(v.id) };
    }
    if (name === 'max' || name === 'min') {
      if (!arity(2)) return undefined;
      const a = this.lower(e.args[0]);
      const b = this.lower(e.args[1]);
      if (!a || !b) return undefined;
      const shape = this.broadcast(a, b, { left: e.args[0], right: e.args[1], span: e.span }, `\`${name}\``);
      if (!shape) return undefined;
      this.spend(sizeOf(shape));
      return { shape, id: this.g.binary(name, a.id, b.id) };
    }
    if (name === 'onehot') {
      if (!arity(2)) return undefined;
      const label = this.lower(e.args[0]);
      if (!label) return undefined;
      const k = this.classCount(e.args[1]);
      if (k === undefined) return undefined;
      if (label.shape.length !== 0) {
        this.diags.error(e.args[0].span, `\`onehot\` takes one integer class label (a scalar), found shape ${shapeText(label.shape)}`);
        return undefined;
      }
      this.spend(4 * k);
      return { shape: [k], id: this.onehot(label.id, k) };
    }
    if (name === 'logsumexp' || name === 'softmax') {
      if (!arity(1)) return undefined;
      const z = this.lower(e.args[0]);
      if (!z) return undefined;
      this.spend(4 * sizeOf(z.shape));
      const lse = this.logsumexp(z);
      if (name === 'logsumexp') return { shape: [], id: lse };
      return { shape: z.shape, id: this.g.unary('exp', this.g.sub(z.id, lse)) };
    }
    if (name === 'cross_entropy') {
      if (!arity(2)) return undefined;
      const z = this.lower(e.args[0]);
      const t = this.lower(e.args[1]);
      if (!z || !t) return undefined;
      if (z.shape.length !== 1) {
        this.diags.error(e.args[0].span, `\`cross_entropy\` takes a vector of logits, found shape ${shapeText(z.shape)}`);
        return undefined;
      }
      this.spend(6 * sizeOf(z.shape));
      const lse = this.logsumexp(z);
      if (t.shape.length === 0) {
        // An integer class: logsumexp(z) − z[label], picking z[label] as ⟨onehot(label), z⟩.
        return { shape: [], id: this.g.sub(lse, this.g.sum(this.g.mul(this.onehot(t.id, z.shape[0]), z.id))) };
      }
      if (!sameShape(t.shape, z.shape)) {
        this.diags.error(
          e.span,
          `\`cross_entropy\` needs an integer class label (a scalar) or a target of the logits' shape ${shapeText(z.shape)}, found ${shapeText(t.shape)}`,
          t.shape.length === 1 ? { title: 'use the label itself', replacement: `cross_entropy(${this.textOf(e.args[0].span)}, label)` } : undefined,
        );
        return undefined;
      }
      // −Σ tₖ (zₖ − logsumexp z) = logsumexp(z)·Σ tₖ − ⟨t, z⟩.
      return { shape: [], id: this.g.sub(this.g.mul(lse, this.g.sum(t.id)), this.g.sum(this.g.mul(t.id, z.id))) };
    }
    if (hasName(DISTRIBUTIONS, name)) {
      this.diags.error(e.calleeSpan, `\`${name}\` is a distribution: use it after \`~\` in a \`data\` or \`param\` line`);
      return undefined;
    }
    const guess = didYouMean(nearestAll(name, Object.keys(FUNCTIONS)), ` (known: ${Object.keys(FUNCTIONS).join(', ')})`);
    this.diags.error(e.calleeSpan, `unknown function \`${name}\`${guess.text}`, guess.fixes);
    return undefined;
  }
}

/** Largest K of `onehot(label, K)` (the class count). */
export const MAX_CLASSES = 100_000;

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
