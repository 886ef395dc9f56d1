// Checking a parsed `.loss` file into a Model: its declarations (params, data, lets), its data set
// and data files, its loss and train lines, and for small models the scalar view of the tensor graph.
// Expressions are lowered in lower.ts, train lines checked in train.ts, data files parsed in
// dataFiles.ts; the built-in names are the tables of builtins.ts. Every problem becomes a diagnostic
// with a span and, where one exists, a fix; checking goes on after an error (the offending
// expression lowers to "unknown"), so all errors are reported.
import { DistExpr, Program, Statement } from './ast';
import { Diagnostic, DiagnosticBag, Span, didYouMean, nearestAll, quote } from './diagnostics';
import { ComponentDist, DISTRIBUTIONS } from './distributions';
import { Graph } from '../expr/graph';
import { MAX_SCALAR_NODES, scalarize, TooLargeForScalars } from '../tensor/scalarize';
import { DataInfo, Dataset, LetInfo, Model, ParamInfo, TrainSpec, componentName, shapeText } from './model';
import { parse } from './parser';
import { CsvError, CsvTable, MAX_CSV_ROWS } from './csv';
import { ArrayFile, ArrayFileError, isArrayPath } from './arrays';
import type { DataReader } from '../io/files';
import { hasName, lookupName } from './names';
import { FUNCTIONS } from './builtins';
import { DataFileFailure, MAX_DATASET_VALUES, parseArrayCached, parseCsvCached, RowSource, seededSubset } from './dataFiles';
import { GraphTooLarge, Lowering, QuickBudgetSpent, tooLargeMessage, Value } from './lower';
import { checkTrain } from './train';

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

// The built-in tables, data-file limits and lowering limits, for the modules that import them from here.
export { FUNCTIONS, MAX_CLASSES, OPTIMIZERS, SAMPLING_VALUES, TRAIN_KEYS, trainKeysFor } from './builtins';
export { csvParseCount, MAX_DATASET_VALUES, seededSubset } from './dataFiles';
export { QUICK_CHECK_MAX_ENTRIES } from './lower';

const MAX_COMPONENTS = 100_000;
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

/** At most this many `train` lines per file: each is a run with its own worker pool. */
export const MAX_TRAIN_LINES = 32;

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

class Checker {
  private readonly params: ParamInfo[] = [];
  private readonly data: DataInfo[] = [];
  private readonly lets: LetInfo[] = [];
  private nParam = 0;
  private nData = 0;
  /** Tensor node of each parameter and data tensor, in declaration order. */
  private readonly paramTensors: number[] = [];
  private readonly dataTensors: number[] = [];

  private finiteData = false;
  private readonly lines: string[];
  /** The expressions' lowering, with the declared names' scope and the tensor graph. */
  private readonly lw: Lowering;
  /** Quick check: what was left to the full check. */
  readonly incomplete: ('data-files' | 'size')[] = [];

  constructor(
    private readonly diags: DiagnosticBag,
    private readonly options: CheckOptions,
    source: string,
  ) {
    this.lines = source.split('\n');
    this.lw = new Lowering(diags, options.quick === true, this.lines);
  }

  check(program: Program): Model | undefined {
    const st = program.statements;
    // Declarations first: parameters and data may be used anywhere; `let`s only after definition.
    for (const s of st) if (s.kind === 'param') this.declareParams(s);
    const csvStatements = st.filter((s) => s.kind === 'data' && s.file) as Extract<Statement, { kind: 'data' }>[];
    for (const s of st) if (s.kind === 'data') this.declareData(s);
    for (const s of st) if (s.kind === 'let') this.lw.laterLets.set(s.name, s.nameSpan);

    let dataset: Dataset | undefined;
    const datasetStatements = st.filter((s) => s.kind === 'dataset');
    if (datasetStatements.length > 1)
      this.diags.error(datasetStatements[1].span, 'only one `dataset` line is allowed', { title: 'remove this line', replacement: '' });
    const ds = datasetStatements[0];
    const fileData = csvStatements.length > 0;
    // `dataset size = N`: N examples drawn from `~` data, or chosen from the data files' examples.
    let size: number | undefined;
    let subsetSeed: number | undefined;
    if (ds) {
      const n = this.lw.constInt(ds.size, 'the data set size');
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
          this.diags.error(whole, "a `seed` chooses a subset of a data file's examples; data drawn with `~` is drawn with the `train` line's seed", {
            title: 'remove the seed',
            replacement: '',
          });
        } else {
          const sd = this.lw.constInt(ds.seed, 'the subset seed');
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
            v = this.lw.lower(s.value);
          } catch (e) {
            if (!(e instanceof QuickBudgetSpent)) throw e;
            quickStopped = true;
            continue;
          }
          if (v && v.shape.length > 0) {
            this.diags.error(s.value.span, `the loss must be a scalar, but this expression has shape ${shapeText(v.shape)}; reduce it with sum(…) or mean(…)`, {
              title: 'wrap in sum(…)',
              replacement: `sum(${this.lw.textOf(s.value.span)})`,
            });
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
      tgraph: this.lw.g,
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
        for (const id of this.lw.g.reachable([loss])) constEntries += this.lw.g.constValues(id)?.length ?? 0;
        const limit = Math.min(MAX_SCALAR_NODES, 2 * MAX_SCALAR_OPERATIONS + constEntries);
        const view = scalarize(
          this.lw.g,
          [loss],
          this.params.map((p) => p.offset),
          this.data.map((d) => d.offset),
          undefined,
          limit,
        );
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
    const prev = this.lw.env.get(name);
    if (prev) {
      this.diags.error(span, `\`${name}\` is already defined (as a ${prev.kind} on line ${prev.span.line}); choose another name`);
      return false;
    }
    if (hasName(FUNCTIONS, name) || hasName(DISTRIBUTIONS, name)) {
      this.diags.error(span, `\`${name}\` is the name of a built-in function; choose another name`);
      return false;
    }
    this.lw.env.set(name, { value, span, kind });
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
      let init: ParamInfo['init'] = { kind: 'dist', dists: new Array<ComponentDist>(size).fill({ kind: 'normal', mean: 0, std: 1 }) };
      if (d.init?.kind === 'dist') {
        const dists = this.dist(d.init.dist, size, shape);
        if (dists) init = { kind: 'dist', dists };
      } else if (d.init?.kind === 'value') {
        const values = this.lw.constTensor(d.init.value, shape, `the initial value of \`${d.name}\``);
        if (values) init = { kind: 'value', values };
      }
      const id = this.lw.g.param(this.params.length, shape);
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
      const id = this.lw.g.data(this.data.length, shape);
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
        this.diags.error(
          file.span,
          `data file ${quote(file.path)} has ${source.rows} ${source.table ? 'rows' : 'examples'} but an earlier data file has ${n}; every file must hold the same examples`,
        );
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
        this.diags.error(subset.span, `the data files hold ${n} examples, fewer than the ${subset.size} asked for`, {
          title: `change to ${n}`,
          replacement: String(n),
        });
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
    this.lw.laterLets.delete(s.name);
    const v = this.lw.lower(s.value);
    if (this.declare(s.name, s.nameSpan, 'let', v) && v) this.lets.push({ name: s.name, value: v, span: s.nameSpan });
  }

  private warnUnused(loss: number): void {
    const used = new Set(this.lw.g.reachable([loss]));
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
      const v = this.lw.constPerEntry(a, size, shape, `the ${spec.params[i]} of \`${d.name}\``);
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

  // ---- training ---------------------------------------------------------------------------

  private train(s: Extract<Statement, { kind: 'train' }>): TrainSpec | undefined {
    return checkTrain(s, { diags: this.diags, lines: this.lines, constValue: (e, what) => this.lw.constValue(e, what), finiteData: this.finiteData });
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
