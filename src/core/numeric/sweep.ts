// Sweeps: one train line run at several values of one numeric `train` key (lr, batch, weight_decay,
// β, …), each value a full simulation (its chains on the worker pool), and the stationary quantities
// of every run set against the swept key beside theory where it exists:
//   - the stationary variance (and mean) of each component, against the discrete-time stationary
//     law (RunResult.stationary.theory, THEORY.md §5);
//   - each charge at the end (its stationary mean after burn-in), against where SGD is predicted to
//     end (the joint noise equilibrium; its O(η) discrete-time term alongside);
//   - the loss after burn-in (measured only).
// Used by `noether sweep` and the editor's "Noether Lab: Sweep…" (in its run worker). Pure: no
// vscode import.
import { TRAIN_KEYS, trainKeysFor } from '../lang/check';
import { lookupName } from '../lang/names';
import type { TrainSpec } from '../lang/model';
import { serializeModel } from '../lang/serialize';
import { checkedModel, SimulateOptions, simulateModel } from './runner';
import type { RunResult } from './types';

/** At most this many values in one sweep. */
export const MAX_SWEEP_VALUES = 50;
/** Components whose variance and mean a sweep reports (the first ones, in component order). */
const MAX_SWEEP_COMPONENTS = 16;
/** Charges a sweep reports. */
const MAX_SWEEP_CHARGES = 16;

export class SweepInputError extends Error {}

export interface SweepOptions extends Pick<SimulateOptions, 'file' | 'readFile' | 'steps' | 'chains' | 'seed' | 'workers' | 'signal' | 'workerScript'> {
  /** The key as written in a `train` line: `lr`, `batch`, `weight_decay`, `beta`, … */
  key: string;
  values: number[];
  /** Which train line (0-based; default the first). */
  train?: number;
  onProgress?: (p: SweepProgress) => void;
}

export interface SweepProgress {
  /** Index of the value being run. */
  index: number;
  value: number;
  /** Fraction of the whole sweep done, in [0, 1]. */
  fraction: number;
}

/** One quantity measured at every value, with its standard error and theory (null: none). */
export interface SweepQuantity {
  id: string;
  kind: 'variance' | 'mean' | 'charge' | 'loss';
  /** Plain-text name, e.g. `Var[w]`, `u² − w² at the end`. */
  label: string;
  measured: (number | null)[];
  stdErr: (number | null)[];
  theory: (number | null)[];
  /** Where the theory comes from (one sentence), when there is any. */
  theorySource?: string;
  /** Charges: the O(η) discrete-time term the continuous-time prediction leaves out. */
  etaTerm?: (number | null)[];
}

/** One value's run, in brief. */
export interface SweepPoint {
  value: number;
  status: RunResult['status'];
  /** Whether the run reached stationarity (else its stationary statistics are of a drifting run). */
  reached: boolean;
  burnin: number;
  samples: number;
  lr: number;
  batch: number;
  steps: number;
  chains: number;
  /** Chains that diverged. */
  diverged: number;
  stepsPerSecond: number;
}

export interface SweepResult {
  file: string;
  key: string;
  /** The train line swept (0-based) and its optimizer. */
  train: number;
  optimizer: string;
  components: string[];
  /** The values run, in the order given (a cancelled sweep has fewer than asked). */
  values: number[];
  points: SweepPoint[];
  quantities: SweepQuantity[];
  cancelled: boolean;
}

/** TrainSpec's field for a train key as written in a file. */
const FIELDS: Record<string, keyof TrainSpec> = { weight_decay: 'weightDecay', record_every: 'recordEvery' };

/** The numeric keys a train line of this optimizer can sweep. */
export function sweepableKeys(optimizer: string): string[] {
  return trainKeysFor(optimizer).filter((k) => {
    const kind = TRAIN_KEYS[k].kind;
    return kind === 'number' || kind === 'int';
  });
}

/**
 * Values from text: a list (`0.01, 0.02, 0.05`), an evenly spaced range `A:B:N` (N values from A to
 * B), or a log-spaced one `log A:B:N` (also `A:B:N log`). At most MAX_SWEEP_VALUES values.
 */
export function parseSweepValues(text: string): number[] {
  const t = text.trim();
  const num = (s: string): number => {
    const x = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim()) ? Number(s) : NaN;
    if (!Number.isFinite(x)) throw new SweepInputError(`\`${s.trim().slice(0, 30)}\` is not a number`);
    return x;
  };
  const range = /^(log\s+)?([^:\s]+)\s*:\s*([^:\s]+)\s*:\s*([^:\s]+)(\s+log)?$/i.exec(t);
  let values: number[];
  if (range) {
    const log = Boolean(range[1] || range[5]);
    const [a, b] = [num(range[2]), num(range[3])];
    const n = num(range[4]);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SWEEP_VALUES)
      throw new SweepInputError(`the count N of A:B:N must be a whole number from 1 to ${MAX_SWEEP_VALUES}, got ${range[4]}`);
    if (log && !(a > 0 && b > 0)) throw new SweepInputError('a log range needs A > 0 and B > 0');
    values = Array.from({ length: n }, (_, i) => {
      const f = n === 1 ? 0 : i / (n - 1);
      const v = log ? Math.exp(Math.log(a) + f * (Math.log(b) - Math.log(a))) : a + f * (b - a);
      return Number(v.toPrecision(12));
    });
  } else {
    const parts = t.split(/[\s,;]+/).filter(Boolean);
    if (!parts.length) throw new SweepInputError('no values: write a list (0.01, 0.02, 0.05), a range A:B:N or a log range log A:B:N');
    values = parts.map(num);
  }
  if (values.length > MAX_SWEEP_VALUES) throw new SweepInputError(`at most ${MAX_SWEEP_VALUES} values in one sweep, got ${values.length}`);
  return values;
}

/** The train line with `key` set to `value`, checked as the file's own keys are. */
function sweptSpec(base: TrainSpec, key: string, value: number): Partial<TrainSpec> {
  const spec = lookupName(TRAIN_KEYS, key);
  if (spec?.kind === 'int' && !Number.isInteger(value)) throw new SweepInputError(`\`${key}\` takes whole numbers, got ${value}`);
  const problem = spec?.check?.(value);
  if (problem) throw new SweepInputError(`\`${key} = ${value}\`: ${problem}`);
  const out: Partial<TrainSpec> = { ...base, [FIELDS[key] ?? key]: value };
  delete out.span;
  delete out.given;
  delete out.lrSpan;
  return out;
}

/**
 * Runs the sweep; a cancelled one returns the values finished before the cancel. The source is
 * checked once: every value's run simulates the same checked model.
 */
export async function sweepSource(source: string, opts: SweepOptions): Promise<SweepResult> {
  const model = checkedModel(source, opts.readFile ? { readFile: opts.readFile } : {});
  const data = serializeModel(model);
  const train = opts.train ?? 0;
  const base = model.trains[train];
  if (!base)
    throw new SweepInputError(
      model.trains.length
        ? `the file has no train line number ${train} (it has ${model.trains.length}, numbered from 0)`
        : 'the file has no train line to sweep',
    );
  const keys = sweepableKeys(base.optimizer);
  if (!keys.includes(opts.key)) throw new SweepInputError(`\`${opts.key}\` is not a numeric key of \`${base.optimizer}\` (keys: ${keys.join(', ')})`);
  if (!opts.values.length || opts.values.length > MAX_SWEEP_VALUES) throw new SweepInputError(`a sweep takes 1 to ${MAX_SWEEP_VALUES} values`);
  const specs = opts.values.map((v) => sweptSpec(base, opts.key, v));
  const runs: RunResult[] = [];
  let cancelled = false;
  for (const [i, spec] of specs.entries()) {
    if (opts.signal?.aborted) {
      cancelled = true;
      break;
    }
    const n = specs.length;
    const sim = await simulateModel(data, {
      file: opts.file,
      workers: opts.workers,
      signal: opts.signal,
      workerScript: opts.workerScript,
      trains: [spec],
      steps: opts.steps,
      chains: opts.chains,
      seed: opts.seed,
      onProgress: opts.onProgress ? (p) => opts.onProgress?.({ index: i, value: opts.values[i], fraction: Math.min(1, (i + p.fraction) / n) }) : undefined,
    });
    const run = sim.runs[0];
    if (!run || run.cancelled) {
      cancelled = true;
      break;
    }
    runs.push(run);
    opts.onProgress?.({ index: i, value: opts.values[i], fraction: (i + 1) / n });
  }
  return {
    file: opts.file ?? '',
    key: opts.key,
    train,
    optimizer: base.optimizer,
    components: model.components,
    values: opts.values.slice(0, runs.length),
    points: runs.map((r, i) => ({
      value: opts.values[i],
      status: r.status,
      reached: r.stationary.reached,
      burnin: r.stationary.burnin,
      samples: r.stationary.samples,
      lr: r.lr,
      batch: r.batch,
      steps: r.steps,
      chains: r.chains,
      diverged: r.divergence?.chains ?? r.diverged.length,
      stepsPerSecond: r.stepsPerSecond,
    })),
    quantities: sweepQuantities(runs),
    cancelled,
  };
}

const fin = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** The quantities of a sweep's runs: variances, means, charges at the end, the loss after burn-in. */
export function sweepQuantities(runs: RunResult[]): SweepQuantity[] {
  if (!runs.length) return [];
  const comps = Object.keys(runs[0].stationary.mean).slice(0, MAX_SWEEP_COMPONENTS);
  const theorySource = runs.find((r) => r.stationary.theory && Object.keys(r.stationary.theory.var).length)?.stationary.theory?.source;
  const out: SweepQuantity[] = [];
  const stats = [
    {
      kind: 'variance',
      id: 'var',
      label: (c: string) => `Var[${c}]`,
      value: (r: RunResult, c: string) => [r.stationary.var[c], r.stationary.varStdErr?.[c], r.stationary.theory?.var[c]],
    },
    {
      kind: 'mean',
      id: 'mean',
      label: (c: string) => `E[${c}]`,
      value: (r: RunResult, c: string) => [r.stationary.mean[c], r.stationary.meanStdErr?.[c], r.stationary.theory?.mean[c]],
    },
  ] as const;
  for (const st of stats) {
    for (const c of comps) {
      const v = runs.map((r) => st.value(r, c).map(fin));
      out.push({
        id: `${st.id}:${c}`,
        kind: st.kind,
        label: st.label(c),
        measured: v.map((x) => x[0]),
        stdErr: v.map((x) => x[1]),
        theory: v.map((x) => x[2]),
        ...(theorySource ? { theorySource } : {}),
      });
    }
  }
  const nCharges = Math.min(MAX_SWEEP_CHARGES, runs[0].charges.length);
  for (let j = 0; j < nCharges; j++) {
    const c = runs[0].charges[j];
    out.push({
      id: `charge:${j}`,
      kind: 'charge',
      label: `${c.text} at the end`,
      // The stationary mean over the predicting chains; without a prediction, the mean at the last record.
      measured: runs.map((r) => fin(r.charges[j]?.measured ?? r.charges[j]?.finalMean)),
      stdErr: runs.map((r) => {
        const q = r.charges[j];
        if (!q) return null;
        return q.measured !== null
          ? fin(q.measuredStdErr)
          : fin(q.finalStd / Math.sqrt(Math.max(1, r.series.survivors[r.series.survivors.length - 1] ?? r.chains)));
      }),
      theory: runs.map((r) => fin(r.charges[j]?.predictedEquilibrium)),
      etaTerm: runs.map((r) => fin(r.charges[j]?.etaTerm)),
      theorySource: 'where SGD ends: the joint noise equilibrium of law (C) on the minimum reached from the start (THEORY.md §4)',
    });
  }
  const losses = runs.map(stationaryLoss);
  out.push({
    id: 'loss',
    kind: 'loss',
    label: 'loss after burn-in',
    measured: losses.map((l) => l.mean),
    stdErr: losses.map((l) => l.se),
    theory: runs.map(() => null),
  });
  return out;
}

/**
 * The chain-mean loss averaged over the records after burn-in, with the standard error of 10 time
 * blocks' means (null with fewer than 20 such records).
 */
export function stationaryLoss(r: RunResult): { mean: number | null; se: number | null } {
  const xs: number[] = [];
  r.series.steps.forEach((s, k) => {
    const v = r.series.lossMean[k];
    if (s >= r.stationary.burnin && typeof v === 'number' && Number.isFinite(v)) xs.push(v);
  });
  if (!xs.length) return { mean: null, se: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 20) return { mean, se: null };
  const len = Math.floor(xs.length / 10);
  const blocks = Array.from({ length: 10 }, (_, b) => xs.slice(b * len, (b + 1) * len).reduce((a, v) => a + v, 0) / len);
  const bm = blocks.reduce((a, b) => a + b, 0) / 10;
  const sd = Math.sqrt(blocks.reduce((a, b) => a + (b - bm) ** 2, 0) / 9);
  return { mean, se: sd / Math.sqrt(10) };
}

/** A sweep as text: one line per value with each quantity that has theory (else the first few). */
export function sweepText(s: SweepResult): string {
  const shown = s.quantities.filter((q) => q.theory.some((t) => t !== null));
  const cols = (shown.length ? shown : s.quantities).slice(0, 6);
  const f = (x: number | null) => (x === null ? '—' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? Number(x.toPrecision(4)).toString() : x.toExponential(3));
  const lines = [
    `sweep of ${s.key} on train line ${s.train} (${s.optimizer}) of ${s.file || 'the file'}: ${s.values.length} value${s.values.length === 1 ? '' : 's'}${s.cancelled ? ' (cancelled: the values finished so far)' : ''}`,
  ];
  for (const q of cols) {
    lines.push('', `${q.label}${q.theory.some((t) => t !== null) ? ' — measured ± SE against theory' : ' — measured ± SE'}`);
    s.points.forEach((p, i) => {
      const z = q.theory[i] !== null && q.measured[i] !== null && q.stdErr[i] ? (q.measured[i] - q.theory[i]) / q.stdErr[i] : null;
      const th = q.theory[i] !== null ? `   theory ${f(q.theory[i])}${z !== null ? `   z = ${z.toFixed(1)}` : ''}` : '';
      const flags = [p.status !== 'completed' ? p.status : '', p.reached ? '' : 'not stationary'].filter(Boolean).join(', ');
      lines.push(`  ${s.key} = ${f(p.value)}: ${f(q.measured[i])} ± ${f(q.stdErr[i])}${th}${flags ? `   (${flags})` : ''}`);
    });
  }
  const theory = cols.find((q) => q.theorySource)?.theorySource;
  if (theory) lines.push('', `theory: ${theory}`);
  return lines.join('\n');
}
