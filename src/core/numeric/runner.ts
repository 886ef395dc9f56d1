// Simulation entry point: checks and analyses the file, splits each run's chains over a pool of
// worker threads (or runs them in-process with workers = 0), merges their streaming statistics and
// reports progress, cancellation and divergence. Results are reproducible from the seed whatever
// the number of workers: every chain draws from its own streams (seed, chain, purpose).
import type { DataReader } from '../io/files';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { checkSource } from '../lang/check';
import { hasScalarView, Model, TRAIN_DEFAULTS, TrainSpec } from '../lang/model';
import { deserializeModel, SerializedModel, serializeModel } from '../lang/serialize';
import { analyzeModel, AnalysisResult, minibatchNoiseFactor } from '../analysis/analyze';
import { initialPoint } from '../analysis/points';
import { ChainBatch, ChainJob, ChainUpdate, ENGINE_PROTOCOL, RecordPoint, runChains, TraceSpec } from './chains';
import { evalForm, kernelSymmetry, sparseForm } from '../analysis/forms';
import { KernelSymmetry } from './kernel';
import { LAW_C_DESCRIPTION } from './lawC';
import {
  ChainTrace,
  ChargeSummary,
  Divergence,
  DivergenceSummary,
  Histogram,
  InvariantSummary,
  ProductStatistics,
  RunResult,
  SimulationProgress,
  SimulationResult,
  VerdictFields,
} from './types';
import { deepChainLaw } from '../analysis/deepChainLaw';

export interface SimulateOptions {
  file?: string;
  readFile?: DataReader;
  /** Only this train line (0-based). */
  run?: number;
  /** Instead of the file's train lines, run these (each merged onto the file's first train line). */
  trains?: Partial<TrainSpec>[];
  steps?: number;
  chains?: number;
  seed?: number;
  /** Worker threads; 0 runs in-process; default one per core. */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (p: SimulationProgress) => void;
  /** Absolute path of the bundled worker (dist/simWorker.js); default next to this module. */
  workerScript?: string;
  /** Analysis already computed for this source (skips re-analysis). */
  analysis?: AnalysisResult;
  /**
   * Escape experiments: each chain stops at the first step where `component` crosses a threshold,
   * or where ‖θ‖² (all components) exceeds `norm2Above`.
   */
  escape?: { component?: string; above?: number; below?: number; norm2Above?: number };
}

/** The checked model of `source`, or a SimulationInputError naming the first error. */
export function checkedModel(source: string, opts: Parameters<typeof checkSource>[1]): Model {
  const checked = checkSource(source, opts);
  if (!checked.model) {
    const first = checked.diagnostics.find((d) => d.severity === 'error');
    throw new SimulationInputError(
      `the file has errors${first ? ` (line ${first.line}: ${first.message})` : ''}`,
      checked.diagnostics.map((d) => ({ ...d })),
    );
  }
  return checked.model;
}

export class SimulationInputError extends Error {
  constructor(
    message: string,
    readonly diagnostics: AnalysisResult['diagnostics'],
  ) {
    super(message);
  }
}

const MAX_SERIES_POINTS = 2000;
/** Whatever record_every asks, a run keeps at most this many record points (bounded memory). */
export const MAX_RECORD_POINTS = 10_000;
const STAT_COMPONENTS = 64;
/** Stationary samples kept over all chains of a run (values), and the per-chain bounds. */
const SAMPLE_BUDGET = 4_000_000;
const MAX_SAMPLE_RECORDS = 1000;
const MIN_SAMPLE_RECORDS = 16;
const PROGRESS_INTERVAL_MS = 150;
/** The first diverged chains listed one by one; `divergence` summarises all of them. */
const LISTED_DIVERGENCES = 20;
/** Per-chain traces: at most this many chains, charges and components, and values in all. */
const TRACE_CHAINS = 4;
const TRACE_CHARGES = 64;
const TRACE_COMPONENTS = 32;
const TRACE_BUDGET = 400_000;

/**
 * Which chains' own paths a run keeps beside its means (chains 0…3), bounded by TRACE_BUDGET values:
 * the parameters only for small models, and fewer chains (down to none) when the records are many.
 */
export function traceSpec(chains: number, components: number, charges: number, records: number): TraceSpec | undefined {
  const nc = Math.min(charges, TRACE_CHARGES);
  const theta = components <= TRACE_COMPONENTS;
  const perChain = records * (1 + nc + (theta ? components : 0));
  const count = Math.min(TRACE_CHAINS, chains, Math.floor(TRACE_BUDGET / Math.max(1, perChain)));
  return count > 0 ? { chains: range(count), charges: nc, theta } : undefined;
}

/** Checks the source once (its data files read here) and simulates the model (simulateModel). */
export async function simulateSource(source: string, opts: SimulateOptions = {}): Promise<SimulationResult> {
  return simulateModel(serializeModel(checkedModel(source, { readFile: opts.readFile })), opts);
}

/**
 * Simulates a checked model (serializeModel of it, taken before any analysis grew its graphs): the
 * runner analyses its own copy, and every worker rebuilds the model from these data, which they
 * receive instead of the source (nothing is parsed or checked again, the data set's rows are
 * shared). A sweep checks once and simulates the same data at every value.
 */
export async function simulateModel(data: SerializedModel, opts: SimulateOptions = {}): Promise<SimulationResult> {
  const model = deserializeModel(data);
  const analysis =
    opts.analysis ?? analyzeModel(model, { file: opts.file ?? '', components: [], parameters: [], initial: {}, groups: [], symmetries: [], diagnostics: [] });
  const specs = runSpecs(model, opts);
  const runs: RunResult[] = [];
  for (const [index, spec] of specs.entries()) {
    if (opts.signal?.aborted) break;
    runs.push(await simulateRun({ data, model, analysis, spec: spec.spec, runIndex: spec.index, opts, ordinal: index, total: specs.length }));
    if (runs[runs.length - 1].cancelled) break;
  }
  return { file: opts.file ?? '', components: model.components, runs };
}

function runSpecs(model: Model, opts: SimulateOptions): { spec: TrainSpec; index: number }[] {
  // Without a train line: SGD with lr = 0.01 and the train line defaults.
  const base: TrainSpec = model.trains[0] ?? { ...TRAIN_DEFAULTS, optimizer: 'sgd', lr: 0.01, span: { line: 1, column: 1, endLine: 1, endColumn: 1 } };
  let list: { spec: TrainSpec; index: number }[];
  if (opts.trains) list = opts.trains.map((t, i) => ({ spec: { ...base, ...t }, index: i }));
  else if (opts.run !== undefined) {
    if (!model.trains[opts.run]) throw new SimulationInputError(`the file has no train line number ${opts.run} (it has ${model.trains.length})`, []);
    list = [{ spec: model.trains[opts.run], index: opts.run }];
  } else if (model.trains.length > 0) list = model.trains.map((t, i) => ({ spec: t, index: i }));
  else list = [{ spec: base, index: 0 }];
  return list.map(({ spec, index }) => ({
    index,
    spec: {
      ...spec,
      steps: opts.steps ?? spec.steps,
      chains: opts.chains ?? spec.chains,
      seed: opts.seed ?? spec.seed,
    },
  }));
}

/** κ of law (C) for a run: SGD's minibatch factor, 0 for GD (no noise), null where (C) is not stated. */
function noiseFactor(model: Model, spec: TrainSpec): number | null {
  if (spec.optimizer === 'gd') return 0;
  if (spec.optimizer !== 'sgd') return null;
  return minibatchNoiseFactor(model, spec);
}

/** The record interval: the file's (or ≤ 2000 points by default), raised to keep ≤ MAX_RECORD_POINTS. */
export function recordInterval(spec: TrainSpec): number {
  const wanted = spec.recordEvery ?? Math.max(1, Math.ceil(spec.steps / (MAX_SERIES_POINTS - 1)));
  return Math.max(wanted, Math.ceil(spec.steps / (MAX_RECORD_POINTS - 1)));
}

interface RunContext {
  /** What the workers rebuild the model from. */
  data: SerializedModel;
  model: Model;
  analysis: AnalysisResult;
  spec: TrainSpec;
  runIndex: number;
  opts: SimulateOptions;
  ordinal: number;
  total: number;
}

/** The run's law (D) stride when the kernel checked the charges in rotation (absent: all, every step). */
function lawStrideOf(shares: ChainBatch[], nsym: number): { lawStride?: number } {
  const stride = Math.max(1, ...shares.map((b) => b.lawStride ?? 1));
  return nsym > 0 && stride > 1 ? { lawStride: stride } : {};
}

/** One share of a run's chains as the runner accumulates it from the worker's updates. */
function emptyShare(): ChainBatch {
  return { records: [], lawResidual: 0, finalTheta: [], samples: [], diverged: [], firstPassage: [], stepsDone: 0, chainPredictions: [] };
}

function applyUpdate(share: ChainBatch, u: ChainUpdate): void {
  share.records.push(...u.records);
  share.stepsDone = u.stepsDone;
  share.lawResidual = u.lawResidual;
  share.lawStride = u.lawStride;
  share.diverged.push(...u.diverged);
  if (u.prediction) share.prediction = u.prediction;
  if (u.stationaryTheory) share.stationaryTheory = u.stationaryTheory;
  if (u.lambdaMaxStart !== undefined) share.lambdaMaxStart = u.lambdaMaxStart;
  if (u.chainPredictions) share.chainPredictions = u.chainPredictions;
}

async function simulateRun(ctx: RunContext): Promise<RunResult> {
  const { model, analysis, spec, runIndex, opts } = ctx;
  const symmetries: KernelSymmetry[] = analysis.symmetries.map((s) => kernelSymmetry(model, s));
  const recordEvery = recordInterval(spec);
  const kappa = noiseFactor(model, spec);
  const requested = opts.workers ?? os.cpus().length;
  const workers = Math.max(0, Math.min(requested, spec.chains));
  const chainSets: number[][] = workers === 0 ? [range(spec.chains)] : range(workers).map((w) => range(spec.chains).filter((c) => c % workers === w));
  let escape: ChainJob['escape'];
  if (opts.escape) {
    const { component, above, below, norm2Above } = opts.escape;
    const index = component === undefined ? 0 : model.components.indexOf(component);
    if (index < 0) throw new SimulationInputError(`escape: no component \`${component}\` (components: ${model.components.join(', ')})`, []);
    if ((above !== undefined || below !== undefined) && component === undefined)
      throw new SimulationInputError('escape: a threshold `above`/`below` needs its `component`', []);
    escape = { index, above, below, norm2Above };
  }
  const statComponents = Math.min(model.components.length, STAT_COMPONENTS);
  const perRecord = statComponents + symmetries.length;
  const sampleRecords = Math.max(MIN_SAMPLE_RECORDS, Math.min(MAX_SAMPLE_RECORDS, Math.floor(SAMPLE_BUDGET / Math.max(1, spec.chains * perRecord))));
  const trace = traceSpec(spec.chains, model.components.length, symmetries.length, Math.ceil(spec.steps / recordEvery) + 1);
  const jobs: ChainJob[] = chainSets.map((chains) => ({
    protocol: ENGINE_PROTOCOL,
    model: ctx.data,
    runIndex,
    spec,
    symmetries,
    chains,
    recordEvery,
    statComponents,
    sampleRecords,
    kappa,
    predict: chains.includes(0),
    prediction: matchingPrediction(analysis, spec),
    escape,
    trace,
  }));
  const started = Date.now();
  const shares = jobs.map(() => emptyShare());
  let lastProgress = 0;
  // Building a partial result costs time that grows with the records and charges (at 55 charges
  // it outgrew the interval and the run did little else): wait at least 4× its last cost, so
  // progress reports take at most a fifth of the run.
  let interval = PROGRESS_INTERVAL_MS;
  const progress = (force = false) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < interval) return;
    if (shares.some((s) => s.records.length === 0)) return;
    const partial = buildRun(model, analysis, spec, runIndex, kappa, shares, Date.now() - started, recordEvery);
    lastProgress = Date.now();
    interval = Math.max(PROGRESS_INTERVAL_MS, 4 * (lastProgress - now));
    const fraction = (ctx.ordinal + Math.min(...shares.map((b) => b.stepsDone)) / spec.steps) / ctx.total;
    opts.onProgress({ run: runIndex, fraction, partial });
  };
  let cancelled = false;
  if (workers === 0) {
    const final = runChains(
      jobs[0],
      (u) => {
        applyUpdate(shares[0], u);
        progress();
      },
      () => (cancelled = cancelled || !!opts.signal?.aborted),
    );
    shares[0] = final;
  } else {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => {
      cancelled = true;
      Atomics.store(stop, 0, 1);
    };
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) onAbort();
    const script = opts.workerScript ?? path.join(__dirname, 'simWorker.js');
    const pool: Worker[] = [];
    try {
      await Promise.all(
        jobs.map(
          (job, w) =>
            new Promise<void>((resolve, reject) => {
              const worker = new Worker(script, { workerData: { job, stop } });
              pool.push(worker);
              let settled = false;
              const fail = (e: Error) => {
                if (settled) return; // a worker we terminated after its result exits with code 1
                settled = true;
                reject(e);
                // One share failing spoils the run: stop every sibling rather than let them run on.
                Atomics.store(stop, 0, 1);
                for (const other of pool) void other.terminate();
              };
              worker.on('message', (msg: { type: string; update?: ChainUpdate; batch?: ChainBatch; message?: string; protocol?: number }) => {
                if ((msg.type === 'update' || msg.type === 'done') && msg.protocol !== ENGINE_PROTOCOL) {
                  fail(new Error(`the simulation worker bundle ${script} is out of date; rebuild with \`npm run build\``));
                  return;
                }
                if (msg.type === 'update' && msg.update) {
                  applyUpdate(shares[w], msg.update);
                  progress();
                } else if (msg.type === 'done' && msg.batch) {
                  shares[w] = { ...msg.batch, records: shares[w].records };
                  settled = true;
                  resolve();
                  void worker.terminate();
                } else if (msg.type === 'error') fail(new Error(msg.message));
              });
              worker.on('error', fail);
              worker.on('exit', (code) => {
                if (code !== 0) fail(new Error(`simulation worker exited with code ${code}`));
              });
            }),
        ),
      );
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      for (const w of pool) void w.terminate();
    }
  }
  progress(true);
  const result = buildRun(model, analysis, spec, runIndex, kappa, shares, Date.now() - started, recordEvery);
  if (cancelled) {
    result.cancelled = true;
    result.status = 'cancelled';
  }
  return result;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The analysis's prediction for a train line with this run's constants and start, if it made one. */
function matchingPrediction(analysis: AnalysisResult, spec: TrainSpec): ChainJob['prediction'] {
  return analysis.predictions?.find((p) => {
    const t = p.spec;
    return (
      t !== undefined &&
      t.optimizer === spec.optimizer &&
      t.lr === spec.lr &&
      t.batch === spec.batch &&
      t.weightDecay === spec.weightDecay &&
      t.seed === spec.seed &&
      t.sampling === spec.sampling &&
      t.beta === spec.beta
    );
  });
}

function toRecord(names: string[], values: number[]): Record<string, number> {
  return Object.fromEntries(names.map((c, i) => [c, values[i]]));
}

/** Merges the shares' statistics into one RunResult (also for partial results while running). */
export function buildRun(
  model: Model,
  analysis: AnalysisResult,
  spec: TrainSpec,
  runIndex: number,
  kappa: number | null,
  shares: ChainBatch[],
  elapsedMs: number,
  recordEvery = recordInterval(spec),
): RunResult {
  const names = model.components;
  const n = names.length;
  const nsym = analysis.symmetries.length;
  // A share whose chains all stopped early has fewer records: it contributes nothing after them.
  const records = Math.max(...shares.map((b) => b.records.length));
  const longest = shares.find((b) => b.records.length === records) as ChainBatch;
  const steps = longest.records.map((r) => r.step);
  const at = (k: number) => shares.map((b) => b.records[k]).filter((r): r is RecordPoint => r !== undefined);
  const sum = (k: number, f: (r: RecordPoint) => number) => at(k).reduce((a, r) => a + f(r), 0);
  const survivors = range(records).map((k) => sum(k, (r) => r.count));
  const mean = (s: number, c: number) => (c > 0 ? s / c : NaN);
  const std = (s: number, q: number, c: number) => (c > 1 ? Math.sqrt(Math.max(0, q / c - (s / c) ** 2)) : c === 1 ? 0 : NaN);
  const lossMean = range(records).map((k) =>
    mean(
      sum(k, (r) => r.lossSum),
      survivors[k],
    ),
  );
  const lossStd = range(records).map((k) =>
    std(
      sum(k, (r) => r.lossSum),
      sum(k, (r) => r.lossSq),
      survivors[k],
    ),
  );
  const lawCount = range(records).map((k) => sum(k, (r) => r.lawCount));
  const charges = range(nsym).map((j) => {
    const m = range(records).map((k) =>
      mean(
        sum(k, (r) => r.chargeSum[j]),
        survivors[k],
      ),
    );
    const sd = range(records).map((k) =>
      std(
        sum(k, (r) => r.chargeSum[j]),
        sum(k, (r) => r.chargeSq[j]),
        survivors[k],
      ),
    );
    const predicted = range(records).map((k) => (kappa === null || lawCount[k] === 0 ? null : sum(k, (r) => r.lawSum[j]) / lawCount[k]));
    const res = range(records).map((k) =>
      mean(
        sum(k, (r) => r.resSum[j]),
        lawCount[k],
      ),
    );
    const resSe = range(records).map((k) => {
      const c = lawCount[k];
      return c > 1 ? Math.sqrt(Math.max(0, sum(k, (r) => r.resSq[j]) / c - res[k] ** 2) / (c - 1)) : NaN;
    });
    const quad = range(records).map((k) =>
      mean(
        sum(k, (r) => r.quadSum[j]),
        lawCount[k],
      ),
    );
    return { mean: m, std: sd, predicted, ...(kappa === null ? {} : { lawResidual: { mean: res, se: resSe, quadrature: quad } }) };
  });
  const drift = range(nsym).map((j) => ({
    measured: range(Math.max(0, records - 1)).map((k) => (charges[j].mean[k + 1] - charges[j].mean[k]) / (spec.lr * (steps[k + 1] - steps[k]))),
    predicted: range(Math.max(0, records - 1)).map((k) => (lawCount[k] > 0 ? sum(k, (r) => r.driftSum[j]) / lawCount[k] : NaN)),
  }));
  const withChain0 = shares.find((b) => b.records.some((r) => Number.isFinite(r.lambdaMaxH)) || b.prediction || b.lambdaMaxStart !== undefined);
  const allDiverged = shares.flatMap((b) => b.diverged).sort((a, b) => a.chain - b.chain);
  const dead = new Set(allDiverged.map((d) => d.chain));
  // Final state over the chains that did not diverge, in chain order (independent of the split).
  const finals = shares
    .flatMap((b) => b.finalTheta)
    .filter((f) => !dead.has(f.chain))
    .sort((a, b) => a.chain - b.chain);
  const finalMean = new Array<number>(n).fill(finals.length ? 0 : NaN);
  const finalVar = new Array<number>(n).fill(finals.length > 1 ? 0 : NaN);
  for (const f of finals) f.theta.forEach((x, i) => (finalMean[i] += x / finals.length));
  if (finals.length > 1) for (const f of finals) f.theta.forEach((x, i) => (finalVar[i] += (x - finalMean[i]) ** 2 / (finals.length - 1)));
  if (finals.length === 1) finalVar.fill(0);
  const burn = chooseBurnin(
    steps,
    lossMean,
    charges.map((c) => c.mean),
  );
  const stationary = stationaryStats(names, shares, burn, nsym);
  const prediction = shares.find((b) => b.prediction)?.prediction;
  const theory = shares.find((b) => b.stationaryTheory)?.stationaryTheory;
  if (theory) stationary.theory = theory;
  const chain = chainLawOf(model, spec);
  if (chain && 'density' in chain) {
    const { source, variable, density, quantiles, mode, tc, collapsed, temperature, depth } = chain;
    const base = stationary.theory ?? { source: '', mean: {}, var: {}, cov: [] };
    stationary.theory = {
      ...base,
      source: base.source ? `${base.source}; ${source}` : source,
      variable,
      density,
      quantiles,
      mode,
      tc,
      collapsed,
      temperature,
      depth,
    };
    const measured = productQuantiles(names, shares, stationary.burnin, dead);
    if (measured) stationary.product = { variable, ...measured };
  }
  const forms = analysis.symmetries.map((s) => sparseForm(kernelSymmetry(model, s)));
  const theta0 = initialPoint(model, 0, spec.seed);
  const lastK = records - 1;
  const judged = verdicts(
    analysis,
    model,
    shares,
    burn,
    dead,
    charges.map((c) => c.mean),
    steps,
    prediction,
  );
  const chargeSummaries: ChargeSummary[] = analysis.symmetries.map((s, j) => ({
    symmetry: j,
    kind: s.kind,
    text: s.charge.text,
    initial: evalForm(forms[j], theta0),
    finalMean: charges[j].mean[lastK],
    finalStd: charges[j].std[lastK],
    predictedEquilibrium: prediction?.charges[j] ?? null,
    ...judged.charges[j],
  }));
  const divergence = allDiverged.length ? summariseDivergence(allDiverged, spec, withChain0?.lambdaMaxStart) : undefined;
  return {
    run: runIndex,
    optimizer: spec.optimizer,
    lr: spec.lr,
    batch: spec.batch,
    steps: spec.steps,
    chains: spec.chains,
    weightDecay: spec.weightDecay,
    seed: spec.seed,
    gdGradient: longest.gdGradient as RunResult['gdGradient'],
    status: allDiverged.length ? 'diverged' : 'completed',
    diverged: allDiverged.slice(0, LISTED_DIVERGENCES),
    divergence,
    final: { mean: toRecord(names, finalMean), var: toRecord(names, finalVar) },
    prediction,
    recordEvery,
    stationary,
    charges: chargeSummaries,
    ...(judged.invariants ? { invariants: judged.invariants } : {}),
    lawResidual: kappa === null || nsym === 0 ? NaN : Math.max(...shares.map((b) => b.lawResidual)),
    ...lawStrideOf(shares, kappa === null ? 0 : nsym),
    series: {
      steps,
      survivors,
      lossMean,
      lossStd,
      charges,
      drift,
      lawC: kappa === null ? undefined : LAW_C_DESCRIPTION,
      traceH: withChain0 ? withChain0.records.map((r) => r.traceH) : [],
      lambdaMaxH: withChain0 ? withChain0.records.map((r) => r.lambdaMaxH) : [],
      ...chainTraces(shares, records),
    },
    stepsPerSecond: (Math.min(...shares.map((b) => b.stepsDone)) * spec.chains) / Math.max(1e-3, elapsedMs / 1000),
    firstPassage: shares.some((b) => b.firstPassage.length > 0)
      ? shares
          .flatMap((b) => b.firstPassage)
          .sort((a, b) => a.chain - b.chain)
          .map((f) => f.step)
      : undefined,
    finalPerChain:
      shares.every((b) => b.finalTheta.length > 0) && spec.chains * n <= 1e6
        ? shares
            .flatMap((b) => b.finalTheta)
            .sort((a, b) => a.chain - b.chain)
            .map((f) => f.theta)
        : undefined,
  };
}

/** The traced chains' paths over the records, in chain order (NaN where a chain had stopped). */
function chainTraces(shares: ChainBatch[], records: number): { chains?: ChainTrace[] } {
  const byChain = new Map<number, ChainTrace>();
  for (const b of shares) {
    b.records.forEach((r, k) => {
      for (const p of r.traces ?? []) {
        let t = byChain.get(p.chain);
        if (!t) {
          t = { chain: p.chain, loss: new Array<number>(records).fill(NaN), charges: p.charges.map(() => new Array<number>(records).fill(NaN)) };
          if (p.theta) t.theta = p.theta.map(() => new Array<number>(records).fill(NaN));
          byChain.set(p.chain, t);
        }
        t.loss[k] = p.loss;
        p.charges.forEach((c, j) => (t.charges[j][k] = c));
        p.theta?.forEach((v, i) => t.theta && (t.theta[i][k] = v));
      }
    });
  }
  return byChain.size ? { chains: [...byChain.values()].sort((a, b) => a.chain - b.chain) } : {};
}

/** One sentence for all diverged chains, with the stability bound at the start. */
function summariseDivergence(all: Divergence[], spec: TrainSpec, lambdaMax: number | undefined): DivergenceSummary {
  const first = all.reduce((a, b) => (b.step < a.step || (b.step === a.step && b.chain < a.chain) ? b : a));
  const lm = lambdaMax !== undefined && Number.isFinite(lambdaMax) && lambdaMax > 0 ? lambdaMax : null;
  const bound = lm !== null ? 2 / lm : null;
  const why = first.message.replace(/^chain \d+ diverged at step \d+: /, '');
  const advice =
    bound === null
      ? 'lower lr (GD is stable only for lr < 2/λ_max(H), and SGD’s fluctuations diverge earlier: THEORY.md §5 and §7)'
      : spec.lr >= bound
        ? `lr = ${spec.lr} is at or above the stability bound 2/λ_max(H) = ${bound.toPrecision(3)} at the start (λ_max = ${lm!.toPrecision(3)}): lower lr below it`
        : `lr = ${spec.lr} is below 2/λ_max(H) = ${bound.toPrecision(3)} at the start, but SGD’s fluctuations diverge earlier than GD (THEORY.md §5: η·a·(1 + 2/B) < 2 for linear regression) and the curvature can grow along the run: lower lr or raise the batch size`;
  const of = spec.chains;
  return {
    chains: all.length,
    of,
    firstStep: first.step,
    firstChain: first.chain,
    lambdaMax: lm,
    bound,
    lr: spec.lr,
    message: `${all.length} of ${of} chain${of === 1 ? '' : 's'} diverged, the first at step ${first.step} (chain ${first.chain}: ${why}). ${advice}.${all.length < of ? ' The curves and statistics are over the surviving chains only.' : ' No chain survived: there are no statistics.'}`,
  };
}

/**
 * The burn-in: MSER-5 (White 1997) on each chain-mean series (loss and every charge): the truncation
 * d that minimises the standard error of the mean of what remains, over batch means of 5 records,
 * searched over the first half; the latest d over the series wins. A series whose minimum sits at
 * the end of the search window is still moving: the run has not reached stationarity.
 */
export function chooseBurnin(steps: number[], loss: number[], charges: number[][]): { record: number; reached: boolean } {
  const series = [loss, ...charges].filter((x) => x.length > 0 && x.every(Number.isFinite));
  const K = steps.length;
  if (K < 10 || series.length === 0) return { record: Math.floor(K / 2), reached: false };
  let record = 0;
  let reached = true;
  for (const x of series) {
    const b = 5;
    const nb = Math.floor(x.length / b);
    if (nb < 4) continue;
    const means = range(nb).map((i) => x.slice(i * b, (i + 1) * b).reduce((a, v) => a + v, 0) / b);
    let best = Infinity;
    let bestD = 0;
    const limit = Math.floor(nb / 2);
    for (let d = 0; d <= limit; d++) {
      const rest = means.slice(d);
      const m = rest.reduce((a, v) => a + v, 0) / rest.length;
      const ss = rest.reduce((a, v) => a + (v - m) ** 2, 0);
      const stat = ss / (rest.length * rest.length);
      if (stat < best * (1 - 1e-12)) {
        best = stat;
        bestD = d;
      }
    }
    // A series that still trends but by nothing measurable against its own range has settled.
    const half = means.slice(limit);
    const range0 = Math.max(...means) - Math.min(...means);
    const flat = Math.max(...half) - Math.min(...half) <= 1e-6 * range0;
    if (bestD >= limit && limit > 0 && !flat) reached = false;
    record = Math.max(record, flat ? Math.min(bestD, limit) * b : bestD * b);
  }
  return { record: Math.min(record, K - 1), reached };
}

/**
 * Prediction beside measurement for one quantity of the charges (a charge, or an invariant of
 * them): each surviving chain's time average after burn-in against its prediction, the mean
 * difference with its standard error over chains, and a verdict: agrees (within 4 SE plus the
 * stated O(η) term), still relaxing (moving towards the prediction; with the steps still needed),
 * or disagrees.
 */
function verdict(
  value: (charges: number[]) => number,
  predictedFor: (chain: number) => number | null | undefined,
  etaTerm: number | null,
  shares: ChainBatch[],
  burn: { record: number; reached: boolean },
  dead: Set<number>,
  seriesMean: number[],
  steps: number[],
  relaxationSteps: number | null,
): VerdictFields {
  const burninStep = steps[burn.record] ?? 0;
  const perChain: { chain: number; m: number; blocks: number[] }[] = [];
  for (const b of shares) {
    for (const smp of b.samples) {
      if (dead.has(smp.chain)) continue;
      const nsym = smp.steps.length > 0 ? smp.charges.length / smp.steps.length : 0;
      const xs: number[] = [];
      smp.steps.forEach((st, r) => {
        if (st >= burninStep) xs.push(value(smp.charges.slice(r * nsym, (r + 1) * nsym)));
      });
      if (xs.length === 0) continue;
      const m = avg(xs);
      const nbk = Math.min(10, xs.length);
      const len = Math.floor(xs.length / nbk);
      const blocks = len > 0 ? range(nbk).map((q) => avg(xs.slice(q * len, (q + 1) * len))) : [m];
      perChain.push({ chain: smp.chain, m, blocks });
    }
  }
  const used = perChain.map((c) => ({ ...c, p: predictedFor(c.chain) })).filter((c): c is typeof c & { p: number } => c.p !== null && c.p !== undefined);
  if (used.length === 0) {
    return {
      measured: perChain.length ? avg(perChain.map((c) => c.m)) : null,
      measuredStdErr: null,
      z: null,
      etaTerm,
      zDiscrete: null,
      verdict: 'no prediction',
      verdictNote: 'no surviving chain with a prediction',
    };
  }
  const p0 = avg(used.map((c) => c.p));
  const diffs = used.map((c) => c.m - c.p);
  const dbar = avg(diffs);
  const se = used.length >= 2 ? sdOf(diffs) / Math.sqrt(used.length) : sdOf(used[0].blocks) / Math.sqrt(used[0].blocks.length);
  const measured = avg(used.map((c) => c.m));
  const measuredStdErr = used.length >= 2 ? sdOf(used.map((c) => c.m)) / Math.sqrt(used.length) : se;
  // Agreement to 6 digits of the quantity's own scale counts even when every chain has converged to
  // the same value and the standard error is 0 (u² − w² → 0 geometrically for a scalar rescaling).
  const scale = Math.max(...seriesMean.map(Math.abs).filter(Number.isFinite), Math.abs(p0), 1e-300);
  const roundoff = 1e-6 * scale;
  const tol = 4 * se + Math.abs(etaTerm ?? 0) + roundoff;
  const z = se > 0 ? dbar / se : dbar === 0 ? 0 : Infinity * Math.sign(dbar);
  const zd = etaTerm !== null && se > 0 ? (dbar - etaTerm) / se : null;
  const base = { measured, measuredStdErr, z: Number.isFinite(z) ? z : null, etaTerm, zDiscrete: zd !== null && Number.isFinite(zd) ? zd : null };
  const where = `${used.length} chain${used.length === 1 ? '' : 's'}, after step ${burninStep}`;
  if (Math.abs(dbar) <= tol) {
    return {
      ...base,
      verdict: 'agrees',
      verdictNote: `measured − predicted = ${fmtNum(dbar)} within 4 SE${etaTerm ? ` + the O(η) term ${fmtNum(Math.abs(etaTerm))}` : ''} (${where})`,
    };
  }
  // Still moving towards the prediction? Compare the distance over the last tenth with the tenth before.
  const K = seriesMean.length;
  const tail = Math.max(1, Math.floor(K / 10));
  const late = avg(seriesMean.slice(K - tail));
  const earlier = avg(seriesMean.slice(Math.max(0, K - 2 * tail), K - tail));
  const gLate = Math.abs(late - p0);
  const gEarly = Math.abs(earlier - p0);
  const moving = gLate < gEarly - 2 * se - roundoff && Math.sign(late - p0) === Math.sign(earlier - p0);
  if (moving || !burn.reached) {
    let stepsNeeded: number | undefined;
    const target = Math.max(2 * se + Math.abs(etaTerm ?? 0), roundoff);
    if (relaxationSteps !== null && relaxationSteps > 0) stepsNeeded = Math.ceil(relaxationSteps * Math.log(Math.max(1, gLate / target)));
    else if (moving && gEarly > gLate) {
      const dt = (steps[K - 1] - steps[Math.max(0, K - 2 * tail)]) / 1.5;
      stepsNeeded = Math.ceil((dt * Math.log(Math.max(1, gLate / target))) / Math.log(gEarly / gLate));
    }
    return {
      ...base,
      verdict: 'relaxing',
      stepsNeeded,
      verdictNote: `still relaxing towards the prediction (distance ${fmtNum(gEarly)} → ${fmtNum(gLate)} over the last fifth of the run)${stepsNeeded !== undefined ? `: about ${stepsNeeded} more steps` : ''}`,
    };
  }
  return {
    ...base,
    verdict: 'disagrees',
    verdictNote: `measured − predicted = ${fmtNum(dbar)} is ${Math.abs(z).toFixed(1)} SE away, beyond 4 SE${etaTerm ? ` + the O(η) term ${fmtNum(Math.abs(etaTerm))}` : ''} (${where})`,
  };
}

/** The verdicts of every charge and invariant of a run. */
function verdicts(
  analysis: AnalysisResult,
  model: Model,
  shares: ChainBatch[],
  burn: { record: number; reached: boolean },
  dead: Set<number>,
  seriesMeans: number[][],
  steps: number[],
  prediction: RunResult['prediction'],
): { charges: VerdictFields[]; invariants?: InvariantSummary[] } {
  const nsym = analysis.symmetries.length;
  const randomStart = model.params.some((p) => p.init.kind === 'dist');
  const chainPredictions = new Map(shares.flatMap((b) => b.chainPredictions).map((c) => [c.chain, c.charges]));
  // Each chain's predicted charges: chain 0's for every chain when all start at one point.
  const predictedCharges = (chain: number) => (randomStart ? chainPredictions.get(chain) : prediction?.charges);
  const relax = prediction?.relaxationSteps ?? null;
  const charges = range(nsym).map((j): VerdictFields => {
    const noPrediction = (note: string): VerdictFields => ({
      measured: null,
      measuredStdErr: null,
      z: null,
      etaTerm: null,
      zDiscrete: null,
      verdict: 'no prediction',
      verdictNote: note,
    });
    if (!prediction) return noPrediction('no prediction for this run (gd, Adam, or no law of balance)');
    if (prediction.charges[j] === null) {
      return noPrediction(
        prediction.status === 'grows'
          ? 'this charge grows without bound: there is no equilibrium value to compare'
          : `no predicted value: ${prediction.reason}`,
      );
    }
    const v = verdict(
      (c) => c[j],
      (chain) => predictedCharges(chain)?.[j],
      prediction.etaTerms?.[j] ?? null,
      shares,
      burn,
      dead,
      seriesMeans[j],
      steps,
      relax,
    );
    if (prediction.orientationDependent?.[j]) {
      return {
        ...v,
        verdict: 'no prediction',
        verdictNote:
          'its value depends on the orientation within the rotations of the group, along which SGD diffuses: only the invariants below are predicted',
      };
    }
    return v;
  });
  if (!prediction?.invariants) return { charges };
  const invariants = prediction.invariants.map((inv): InvariantSummary => {
    const value = (c: number[]) =>
      inv.kind === 'linear'
        ? (inv.coefficients as number[]).reduce((a, x, k) => a + x * c[k], 0)
        : (inv.metric as number[][]).reduce((a, row, k) => a + row.reduce((b, x, l) => b + c[k] * x * c[l], 0), 0);
    const series = steps.map((_, r) => value(seriesMeans.map((m) => m[r])));
    const predictedFor = (chain: number) => {
      const pc = predictedCharges(chain);
      if (!pc || pc.some((x) => x === null)) return null;
      return randomStart ? value(pc as number[]) : inv.predicted;
    };
    const v = verdict(value, predictedFor, inv.etaTerm, shares, burn, dead, series, steps, relax);
    return { kind: inv.kind, text: inv.text, predicted: inv.predicted, ...v };
  });
  return { charges, invariants };
}

function avg(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function sdOf(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = avg(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

function fmtNum(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(2);
}

/** Stationary mean, variance (with standard errors over chains), covariance and histograms after burn-in. */
/** A run's deep-chain law, computed once (partial results are rebuilt at every progress report). */
const chainLaws = new WeakMap<Model, Map<TrainSpec, ReturnType<typeof deepChainLaw>>>();
function chainLawOf(model: Model, spec: TrainSpec): ReturnType<typeof deepChainLaw> {
  if (!hasScalarView(model)) return undefined;
  let m = chainLaws.get(model);
  if (!m) chainLaws.set(model, (m = new Map<TrainSpec, ReturnType<typeof deepChainLaw>>()));
  if (!m.has(spec)) m.set(spec, deepChainLaw(model, spec));
  return m.get(spec);
}

/**
 * Quantiles of the product of all components over the stationary samples (all chains pooled), with
 * bootstrap standard errors over chains (a chain is the independent unit; 200 deterministic resamples).
 */
function productQuantiles(names: string[], shares: ChainBatch[], burnin: number, dead: Set<number>): Omit<ProductStatistics, 'variable'> | undefined {
  const K = Math.min(names.length, STAT_COMPONENTS);
  if (K !== names.length) return undefined;
  const perChain = shares
    .flatMap((b) => b.samples)
    .filter((smp) => !dead.has(smp.chain))
    .sort((a, b) => a.chain - b.chain)
    .map((smp) => {
      const out: number[] = [];
      smp.steps.forEach((st, r) => {
        if (st < burnin) return;
        let v = 1;
        for (let i = 0; i < K; i++) v *= smp.values[r * K + i];
        out.push(v);
      });
      return out;
    })
    .filter((c) => c.length > 0);
  if (perChain.length === 0) return undefined;
  const levels = [0.1, 0.25, 0.5, 0.75, 0.9];
  const sorted = perChain.map((c) => Float64Array.from(c).sort());
  const all = Float64Array.from(perChain.flat()).sort();
  const quantiles = pooledQuantiles(sorted, all, new Array<number>(sorted.length).fill(1), levels);
  const histogram = productHistogram(all);
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const boots = Array.from({ length: 200 }, () => {
    const times = new Array<number>(sorted.length).fill(0);
    for (let k = 0; k < sorted.length; k++) times[Math.floor(rand() * sorted.length)]++;
    return pooledQuantiles(sorted, all, times, levels);
  });
  const quantileStdErr = levels.map((_, j) => sdOf(boots.map((b) => b[j])));
  return { quantiles, quantileStdErr, samples: all.length, ...(histogram ? { histogram } : {}) };
}

/**
 * Quantiles (linear interpolation between order statistics) of the pool that takes chain c's sorted
 * samples `times[c]` times, without building it: its k-th smallest value is the first value v of
 * `all` (every chain's samples, sorted) with at least k + 1 pooled samples ≤ v, found by bisection
 * on `all` and binary searches in each chain. A bootstrap resample costs O(levels · log N · chains ·
 * log n) instead of sorting the N pooled samples (200 resamples of 5·10⁵ samples took minutes).
 */
export function pooledQuantiles(sorted: Float64Array[], all: Float64Array, times: number[], levels: number[]): number[] {
  let size = 0;
  sorted.forEach((c, i) => (size += times[i] * c.length));
  const atMost = (v: number) => {
    let n = 0;
    for (let c = 0; c < sorted.length; c++) {
      if (!times[c]) continue;
      const xs = sorted[c];
      let lo = 0;
      let hi = xs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (xs[mid] <= v) lo = mid + 1;
        else hi = mid;
      }
      n += times[c] * lo;
    }
    return n;
  };
  const kth = (k: number) => {
    let lo = 0;
    let hi = all.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (atMost(all[mid]) >= k + 1) hi = mid;
      else lo = mid + 1;
    }
    return all[lo];
  };
  return levels.map((p) => {
    const pos = p * (size - 1);
    const i = Math.floor(pos);
    const x = kth(i);
    return i + 1 < size ? x + (pos - i) * (kth(i + 1) - x) : x;
  });
}

/** Bins of the product's histogram (the stationary tab overlays the deep chain's density on it). */
const PRODUCT_BINS = 40;

/**
 * The histogram of the pooled product samples (`all`, sorted) between their 0.5 % and 99.5 %
 * quantiles (a heavy tail would otherwise squeeze the bulk into a few bins), or undefined when that
 * range is empty.
 */
function productHistogram(all: Float64Array): Histogram | undefined {
  const at = (p: number) => all[Math.min(all.length - 1, Math.max(0, Math.round(p * (all.length - 1))))];
  const lo = at(0.005);
  const hi = at(0.995);
  if (!(hi > lo)) return undefined;
  const counts = new Array<number>(PRODUCT_BINS).fill(0);
  for (const v of all) {
    if (v < lo || v > hi) continue;
    counts[Math.min(PRODUCT_BINS - 1, Math.floor(((v - lo) / (hi - lo)) * PRODUCT_BINS))]++;
  }
  return { edges: range(PRODUCT_BINS + 1).map((b) => lo + ((hi - lo) * b) / PRODUCT_BINS), counts };
}

function stationaryStats(names: string[], shares: ChainBatch[], burn: { record: number; reached: boolean }, nsym: number): RunResult['stationary'] {
  const K = Math.min(names.length, STAT_COMPONENTS);
  const longest = shares.reduce((a, b) => (b.records.length > a.records.length ? b : a));
  const burnin = longest.records[burn.record]?.step ?? 0;
  const dead = new Set(shares.flatMap((b) => b.diverged.map((d) => d.chain)));
  // Each surviving chain's post-burn-in rows, copied into one typed array (chain order).
  const perChain = shares
    .flatMap((b) => b.samples)
    .filter((s) => !dead.has(s.chain))
    .sort((a, b) => a.chain - b.chain)
    .map((s) => {
      let first = 0;
      while (first < s.steps.length && s.steps[first] < burnin) first++;
      const m = s.steps.length - first;
      const data = Float64Array.from(s.values.slice(first * K, s.steps.length * K));
      return { m, at: (t: number, i: number) => data[t * K + i] };
    })
    .filter((c) => c.m > 0);
  const total = perChain.reduce((a, c) => a + c.m, 0);
  const mean = new Array<number>(K).fill(total > 0 ? 0 : NaN);
  for (const c of perChain) for (let t = 0; t < c.m; t++) for (let i = 0; i < K; i++) mean[i] += c.at(t, i) / total;
  const cov = Array.from({ length: K }, () => new Array<number>(K).fill(total > 1 ? 0 : NaN));
  if (total > 1) {
    for (const c of perChain) {
      for (let t = 0; t < c.m; t++) {
        for (let i = 0; i < K; i++) {
          const di = c.at(t, i) - mean[i];
          for (let j = i; j < K; j++) cov[i][j] += (di * (c.at(t, j) - mean[j])) / (total - 1);
        }
      }
    }
    for (let i = 0; i < K; i++) for (let j = 0; j < i; j++) cov[i][j] = cov[j][i];
  }
  // Standard errors from independent units: the chains, or 10 time blocks of a single chain.
  const units: { m: number; at: (t: number, i: number) => number }[] = [];
  if (perChain.length >= 2) units.push(...perChain);
  else if (perChain.length === 1 && perChain[0].m >= 20) {
    const c = perChain[0];
    const len = Math.floor(c.m / 10);
    for (let b = 0; b < 10; b++) units.push({ m: len, at: (t, i) => c.at(b * len + t, i) });
  }
  const meanSe = new Array<number>(K).fill(NaN);
  const varSe = new Array<number>(K).fill(NaN);
  if (units.length >= 2) {
    for (let i = 0; i < K; i++) {
      const um = units.map((u) => {
        let s = 0;
        for (let t = 0; t < u.m; t++) s += u.at(t, i);
        return s / u.m;
      });
      const uv = units.map((u) => {
        let s = 0;
        for (let t = 0; t < u.m; t++) s += (u.at(t, i) - mean[i]) ** 2;
        return s / u.m;
      });
      meanSe[i] = sdOf(um) / Math.sqrt(units.length);
      varSe[i] = sdOf(uv) / Math.sqrt(units.length);
    }
  }
  const histograms: Record<string, Histogram> = {};
  for (let i = 0; i < Math.min(K, 16); i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of perChain)
      for (let t = 0; t < c.m; t++) {
        lo = Math.min(lo, c.at(t, i));
        hi = Math.max(hi, c.at(t, i));
      }
    if (!(hi > lo)) continue;
    const bins = 40;
    const counts = new Array<number>(bins).fill(0);
    for (const c of perChain) for (let t = 0; t < c.m; t++) counts[Math.min(bins - 1, Math.floor(((c.at(t, i) - lo) / (hi - lo)) * bins))]++;
    histograms[names[i]] = { edges: range(bins + 1).map((b) => lo + ((hi - lo) * b) / bins), counts };
  }
  const pick = (v: number[]) => Object.fromEntries(names.slice(0, K).map((c, i) => [c, v[i]]));
  void nsym;
  return {
    burnin,
    burninMethod: 'MSER-5 on the chain-mean loss and charges (the truncation that minimises the standard error of what remains)',
    reached: burn.reached,
    samples: total,
    mean: pick(mean),
    var: pick(cov.map((r, i) => r[i])),
    meanStdErr: pick(meanSe),
    varStdErr: pick(varSe),
    cov,
    histograms,
  };
}
