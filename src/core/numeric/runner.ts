// Simulation entry point: checks and analyses the file, splits each run's chains over a pool of
// worker threads (or runs them in-process with workers = 0), merges their streaming statistics and
// reports progress, cancellation and divergence. Results are reproducible from the seed whatever
// the number of workers: every chain draws from its own streams (seed, chain, purpose).
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { checkSource } from '../lang/check';
import { Model, TrainSpec } from '../lang/model';
import { analyzeModel, AnalysisResult, minibatchNoiseFactor } from '../analysis/analyze';
import { initialPoint } from '../analysis/points';
import { ChainBatch, ChainJob, ENGINE_PROTOCOL, evalForm, runChains, sparseForm } from './chains';
import { KernelSymmetry } from './kernel';
import { Histogram, RunResult, SimulationProgress, SimulationResult } from './types';

export interface SimulateOptions {
  file?: string;
  readFile?: (p: string) => string;
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
  /** Escape experiments: each chain stops at the first step where `component` crosses a threshold. */
  escape?: { component: string; above?: number; below?: number };
}

export class SimulationInputError extends Error {
  constructor(message: string, readonly diagnostics: AnalysisResult['diagnostics']) {
    super(message);
  }
}

const MAX_SERIES_POINTS = 2000;
const STAT_COMPONENTS = 64;
const PROGRESS_INTERVAL_MS = 150;

export async function simulateSource(source: string, opts: SimulateOptions = {}): Promise<SimulationResult> {
  const files: Record<string, string> = {};
  const checked = checkSource(source, {
    readFile: (p) => {
      if (!opts.readFile) throw new Error('files cannot be read here');
      const text = opts.readFile(p);
      files[p] = text;
      return text;
    },
  });
  if (!checked.model) {
    const first = checked.diagnostics.find((d) => d.severity === 'error');
    throw new SimulationInputError(
      `the file has errors${first ? ` (line ${first.line}: ${first.message})` : ''}`,
      checked.diagnostics.map((d) => ({ ...d })),
    );
  }
  const model = checked.model;
  const analysis =
    opts.analysis ??
    analyzeModel(model, { file: opts.file ?? '', components: [], parameters: [], initial: {}, symmetries: [], diagnostics: [] });
  const specs = runSpecs(model, opts);
  const runs: RunResult[] = [];
  for (const [index, spec] of specs.entries()) {
    if (opts.signal?.aborted) break;
    runs.push(await simulateRun(source, files, model, analysis, spec.spec, spec.index, opts, index, specs.length));
    if (runs[runs.length - 1].cancelled) break;
  }
  return { file: opts.file ?? '', components: model.components, runs };
}

function runSpecs(model: Model, opts: SimulateOptions): { spec: TrainSpec; index: number }[] {
  const base: TrainSpec =
    model.trains[0] ??
    ({
      optimizer: 'sgd', lr: 0.01, batch: 1, steps: 10000, chains: 1, seed: 0, weightDecay: 0, sampling: 'with_replacement',
      beta: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8, warmup: 0, span: { line: 1, column: 1, endLine: 1, endColumn: 1 },
    } as TrainSpec);
  let list: { spec: TrainSpec; index: number }[];
  if (opts.trains) list = opts.trains.map((t, i) => ({ spec: { ...base, ...t } as TrainSpec, index: i }));
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

async function simulateRun(
  source: string,
  files: Record<string, string>,
  model: Model,
  analysis: AnalysisResult,
  spec: TrainSpec,
  runIndex: number,
  opts: SimulateOptions,
  ordinal: number,
  total: number,
): Promise<RunResult> {
  const symmetries: KernelSymmetry[] = analysis.symmetries.map((s) => ({ matrix: s.matrix, direction: s.direction }));
  const recordEvery = spec.recordEvery ?? Math.max(1, Math.ceil(spec.steps / (MAX_SERIES_POINTS - 1)));
  const burnin = Math.floor(spec.steps / 2);
  const kappa = noiseFactor(model, spec);
  const requested = opts.workers ?? os.cpus().length;
  const workers = Math.max(0, Math.min(requested, spec.chains));
  const chainSets: number[][] = workers === 0 ? [range(spec.chains)] : range(workers).map((w) => range(spec.chains).filter((c) => c % workers === w));
  let escape: ChainJob['escape'];
  if (opts.escape) {
    const index = model.components.indexOf(opts.escape.component);
    if (index < 0) throw new SimulationInputError(`escape: no component \`${opts.escape.component}\` (components: ${model.components.join(', ')})`, []);
    escape = { index, above: opts.escape.above, below: opts.escape.below };
  }
  const jobs: ChainJob[] = chainSets.map((chains) => ({
    protocol: ENGINE_PROTOCOL,
    source, files, runIndex, spec, symmetries, chains, recordEvery, burnin, statComponents: STAT_COMPONENTS, kappa, escape,
  }));
  const started = Date.now();
  const latest: (ChainBatch | undefined)[] = jobs.map(() => undefined);
  let lastProgress = 0;
  const progress = (force = false) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    const ready = latest.filter((b): b is ChainBatch => b !== undefined);
    if (ready.length !== jobs.length) return;
    const partial = buildRun(model, analysis, spec, runIndex, kappa, ready, burnin, Date.now() - started);
    const fraction = (ordinal + Math.min(...ready.map((b) => b.stepsDone)) / spec.steps) / total;
    opts.onProgress({ run: runIndex, fraction, partial });
  };
  let cancelled = false;
  let batches: ChainBatch[];
  if (workers === 0) {
    batches = [
      runChains(
        jobs[0],
        (b) => {
          latest[0] = b;
          progress();
        },
        () => (cancelled = cancelled || !!opts.signal?.aborted),
      ),
    ];
  } else {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => {
      cancelled = true;
      Atomics.store(stop, 0, 1);
    };
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) onAbort();
    const script = opts.workerScript ?? path.join(__dirname, 'simWorker.js');
    // One failed worker fails the run: its siblings are terminated, not left running.
    const pool: Worker[] = [];
    try {
      batches = await Promise.all(
        jobs.map(
          (job, w) =>
            new Promise<ChainBatch>((resolve, reject) => {
              const worker = new Worker(script, { workerData: { job, stop } });
              pool.push(worker);
              worker.on('message', (msg: { type: string; batch?: ChainBatch; message?: string; protocol?: number }) => {
                if ((msg.type === 'segment' || msg.type === 'done') && msg.protocol !== ENGINE_PROTOCOL) {
                  reject(new Error(`the simulation worker bundle ${script} is out of date; rebuild with \`npm run build\``));
                  void worker.terminate();
                  return;
                }
                if (msg.type === 'segment' && msg.batch) {
                  latest[w] = msg.batch;
                  progress();
                } else if (msg.type === 'done' && msg.batch) {
                  latest[w] = msg.batch;
                  resolve(msg.batch);
                  void worker.terminate();
                } else if (msg.type === 'error') {
                  reject(new Error(msg.message));
                  void worker.terminate();
                }
              });
              worker.on('error', reject);
              worker.on('exit', (code) => {
                if (code !== 0) reject(new Error(`simulation worker exited with code ${code}`));
              });
            }),
        ),
      );
    } catch (e) {
      for (const worker of pool) void worker.terminate();
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }
  progress(true);
  const result = buildRun(model, analysis, spec, runIndex, kappa, batches, burnin, Date.now() - started);
  if (cancelled) result.cancelled = true;
  return result;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Merges the workers' batches into one RunResult. */
export function buildRun(
  model: Model,
  analysis: AnalysisResult,
  spec: TrainSpec,
  runIndex: number,
  kappa: number | null,
  batches: ChainBatch[],
  burnin: number,
  elapsedMs: number,
): RunResult {
  const names = model.components;
  const n = names.length;
  const nsym = analysis.symmetries.length;
  const records = Math.min(...batches.map((b) => b.recordSteps.length));
  const steps = batches[0].recordSteps.slice(0, records);
  const sumOver = (f: (b: ChainBatch) => number[], k: number) => batches.reduce((a, b) => a + (f(b)[k] ?? 0), 0);
  const count = range(records).map((k) => sumOver((b) => b.count, k));
  const mean = (s: number, c: number) => (c > 0 ? s / c : NaN);
  const std = (s: number, q: number, c: number) => (c > 1 ? Math.sqrt(Math.max(0, q / c - (s / c) ** 2)) : 0);
  const lossMean = range(records).map((k) => mean(sumOver((b) => b.lossSum, k), count[k]));
  const lossStd = range(records).map((k) => std(sumOver((b) => b.lossSum, k), sumOver((b) => b.lossSq, k), count[k]));
  const chargeSeries = range(nsym).map((j) => {
    const m = range(records).map((k) => mean(sumOver((b) => b.chargeSum[j], k), count[k]));
    const sd = range(records).map((k) => std(sumOver((b) => b.chargeSum[j], k), sumOver((b) => b.chargeSq[j], k), count[k]));
    const predDrift = range(records).map((k) => {
      const c = sumOver((b) => b.driftPredCount, k);
      return kappa === null || c === 0 ? null : sumOver((b) => b.driftPredSum[j], k) / c;
    });
    // Law (C) summed over steps: C changes by η·d(θ_t) per step, so the prediction is η Σ_t d_t.
    // Between record points we integrate by the trapezoid rule and add the Euler–Maclaurin
    // endpoint term η (d_0 − d_k)/2 that turns the integral into the per-step sum.
    const integral: (number | null)[] = [];
    for (let k = 0; k < records; k++) {
      if (k === 0) integral.push(kappa === null ? null : 0);
      else {
        const prev = integral[k - 1];
        const d0 = predDrift[k - 1];
        const d1 = predDrift[k] ?? d0;
        integral.push(prev === null || d0 === null || d1 === null ? null : prev + spec.lr * (steps[k] - steps[k - 1]) * 0.5 * (d0 + d1));
      }
    }
    const predicted = integral.map((I, k) => {
      const d0 = predDrift[0];
      const dk = predDrift[k];
      return I === null || d0 === null || dk === null ? null : m[0] + I + (k === 0 ? 0 : (spec.lr * (d0 - dk)) / 2);
    });
    const measured = range(Math.max(0, records - 1)).map((k) => (m[k + 1] - m[k]) / (spec.lr * (steps[k + 1] - steps[k])));
    return { mean: m, std: sd, predicted, drift: { measured, predicted: predDrift.slice(0, Math.max(0, records - 1)).map((x) => x ?? NaN) } };
  });
  const chainBatch = batches.find((b) => b.traceH.length > 0);
  const diverged = batches.flatMap((b) => b.diverged).sort((a, b) => a.chain - b.chain);
  // Final state over the chains that did not diverge.
  const finals = batches
    .flatMap((b) => b.finalTheta)
    .filter((f) => !diverged.some((d) => d.chain === f.chain))
    .sort((a, b) => a.chain - b.chain); // chain order, so sums do not depend on the worker split
  const finalMean = new Array<number>(n).fill(0);
  const finalVar = new Array<number>(n).fill(0);
  for (const f of finals) f.theta.forEach((x, i) => (finalMean[i] += x / finals.length));
  for (const f of finals) f.theta.forEach((x, i) => (finalVar[i] += (x - finalMean[i]) ** 2 / Math.max(1, finals.length - 1)));
  const stationary = stationaryStats(names, batches, burnin);
  const theta0 = initialPoint(model, 0, spec.seed);
  const forms = analysis.symmetries.map((s) => sparseForm({ matrix: s.matrix, direction: s.direction }));
  // Solved in the worker that runs chain 0 (Σ can take a Monte Carlo estimate: off this thread).
  const equilibria = batches.find((b) => b.equilibria)?.equilibria ?? analysis.symmetries.map(() => null);
  const lastK = records - 1;
  return {
    run: runIndex,
    optimizer: spec.optimizer,
    lr: spec.lr,
    batch: spec.batch,
    steps: spec.steps,
    chains: spec.chains,
    weightDecay: spec.weightDecay,
    seed: spec.seed,
    gdGradient: batches[0].gdGradient as RunResult['gdGradient'],
    diverged,
    final: { mean: toRecord(names, finalMean), var: toRecord(names, finalVar) },
    stationary,
    charges: analysis.symmetries.map((s, j) => ({
      symmetry: j,
      kind: s.kind,
      text: s.charge.text,
      initial: evalForm(forms[j], theta0),
      finalMean: chargeSeries[j].mean[lastK],
      finalStd: chargeSeries[j].std[lastK],
      predictedEquilibrium: equilibria[j],
    })),
    lawResidual: kappa === null || nsym === 0 ? NaN : Math.max(...batches.map((b) => b.lawResidual)),
    series: {
      steps,
      lossMean,
      lossStd,
      charges: chargeSeries.map((c) => ({ mean: c.mean, std: c.std, predicted: c.predicted })),
      drift: chargeSeries.map((c) => c.drift),
      traceH: chainBatch ? chainBatch.traceH.slice(0, records) : [],
      lambdaMaxH: chainBatch ? chainBatch.lambdaMaxH.slice(0, records) : [],
    },
    stepsPerSecond: (Math.min(...batches.map((b) => b.stepsDone)) * spec.chains) / Math.max(1e-3, elapsedMs / 1000),
    firstPassage: batches.some((b) => b.firstPassage.length > 0)
      ? batches.flatMap((b) => b.firstPassage).sort((a, b) => a.chain - b.chain).map((f) => f.step)
      : undefined,
    finalPerChain:
      batches.every((b) => b.finalTheta.length > 0) && spec.chains * n <= 1e6
        ? batches.flatMap((b) => b.finalTheta).sort((a, b) => a.chain - b.chain).map((f) => f.theta)
        : undefined,
  };
}

function toRecord(names: string[], values: number[]): Record<string, number> {
  return Object.fromEntries(names.map((c, i) => [c, values[i]]));
}

/** Stationary mean, variance (with standard errors over chains), covariance and histograms. */
function stationaryStats(names: string[], batches: ChainBatch[], burnin: number): RunResult['stationary'] {
  const K = Math.min(names.length, STAT_COMPONENTS);
  const per = batches.flatMap((b) => b.samples).filter((s) => s.values.length > 0);
  const perChain = per.map((s) => {
    const m = s.values.length / K;
    return { m, at: (t: number, i: number) => s.values[t * K + i] };
  });
  const total = perChain.reduce((a, c) => a + c.m, 0);
  const mean = new Array<number>(K).fill(0);
  for (const c of perChain) for (let t = 0; t < c.m; t++) for (let i = 0; i < K; i++) mean[i] += c.at(t, i) / total;
  const cov = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (const c of perChain) {
    for (let t = 0; t < c.m; t++) {
      for (let i = 0; i < K; i++) {
        const di = c.at(t, i) - mean[i];
        for (let j = i; j < K; j++) cov[i][j] += (di * (c.at(t, j) - mean[j])) / Math.max(1, total - 1);
      }
    }
  }
  for (let i = 0; i < K; i++) for (let j = 0; j < i; j++) cov[i][j] = cov[j][i];
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
      meanSe[i] = sd(um) / Math.sqrt(units.length);
      varSe[i] = sd(uv) / Math.sqrt(units.length);
    }
  }
  const histograms: Record<string, Histogram> = {};
  for (let i = 0; i < Math.min(K, 16); i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of perChain) for (let t = 0; t < c.m; t++) {
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
  return {
    burnin,
    mean: pick(mean),
    var: pick(cov.map((r, i) => r[i])),
    meanStdErr: pick(meanSe),
    varStdErr: pick(varSe),
    cov,
    histograms,
  };
}

function sd(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
}
