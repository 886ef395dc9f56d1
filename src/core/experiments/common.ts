// Helpers shared by the experiments: editing a file's initial point, simulating with the context's
// workers/cancellation/progress, and the law (C) check of a run.
import * as os from 'os';
import { simulateSource, SimulateOptions } from '../numeric/runner';
import { lawDCoverage, RunResult, SimulationResult } from '../numeric/types';
import { check, Z } from './stats';
import { Check, ExperimentContext, ExperimentResult, Figure, FigureSeries, Size } from './types';

/** Replaces the initial value of `param NAME…` (the whole line) with the given literal. */
export function setParam(source: string, name: string, value: number | number[] | number[][]): string {
  const re = new RegExp(`^param\\s+${name.replace(/[[\]]/g, '\\$&')}(\\s*\\[[^\\]]*\\])?\\s*=.*$`, 'm');
  if (!re.test(source)) throw new Error(`experiment file has no \`param ${name} = …\` line`);
  const lit = (v: number | number[] | number[][]): string => (Array.isArray(v) ? `[${(v as (number | number[])[]).map((x) => lit(x)).join(', ')}]` : fmt(v));
  return source.replace(re, (_m, shape: string | undefined) => `param ${name}${shape ?? ''} = ${lit(value)}`);
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(15).replace(/0+$/, '').replace(/\.$/, '');
}

/** Worker threads the context asks for (default one per core). */
export function workerCount(ctx: ExperimentContext): number {
  return ctx.workers ?? os.cpus().length;
}

/**
 * Law (C)'s predicted drift covers every chain when it has a closed form (or a small finite set),
 * but only the first 8 chains of each worker when it is a Monte Carlo estimate
 * (numeric/chains.ts, MC_DRIFT_CHAINS). A law (C) check compares it with the mean over all chains,
 * so runs checked that way keep at most 8 chains per worker, which is right in both cases.
 */
export function lawCChains(ctx: ExperimentContext, wanted: number): number {
  return Math.max(1, Math.min(wanted, 8 * Math.max(1, workerCount(ctx))));
}

export async function simulate(ctx: ExperimentContext, source: string, file: string, opts: SimulateOptions, progress?: (f: number) => void): Promise<SimulationResult> {
  if (ctx.signal?.aborted) throw new ExperimentCancelled();
  const r = await simulateSource(source, {
    file,
    ...opts,
    workers: ctx.workers,
    signal: ctx.signal,
    onProgress: progress ? (p) => progress(p.fraction) : undefined,
  });
  if (ctx.signal?.aborted || r.runs.some((x) => x.cancelled)) throw new ExperimentCancelled();
  return r;
}

export class ExperimentCancelled extends Error {
  constructor() {
    super('experiment cancelled');
  }
}

/** Reports progress over a sequence of `total` equal stages. */
export function stages(ctx: ExperimentContext, total: number) {
  let done = 0;
  return {
    sub(message: string): (f: number) => void {
      const k = done++;
      ctx.onProgress?.(k / total, message);
      return (f: number) => ctx.onProgress?.((k + Math.min(1, Math.max(0, f))) / total, message);
    },
  };
}

function trapezoid(t: number[], y: number[], from: number, to: number, stride = 1): number {
  let s = 0;
  let k = from;
  while (k + stride <= to) {
    s += (t[k + stride] - t[k]) * 0.5 * (y[k] + y[k + stride]);
    k += stride;
  }
  return s;
}

/**
 * Law (C) against a run: the change of the chains' mean charge j from record k0 to the end, against
 * law (C)'s drift (evaluated at the chains' states at every record) integrated by the trapezoid rule
 * with the Euler–Maclaurin endpoint term that makes it the sum over steps.
 * Standard error: the chains are independent, so the measured change has SE ≤ (sd[k0] + sd[end])/√chains.
 * Model error, two documented terms:
 *  - quadrature: Richardson's estimate |T_h − T_2h| of the trapezoid error (three times the usual
 *    (T_h − T_2h)/3, so conservative);
 *  - law (C) keeps O(η) per unit time but drops the η²γ² C per step of (1 − ηγ)² = 1 − 2ηγ + η²γ²:
 *    ηγ² ∫|C| dt.
 */
export function lawCCheck(run: RunResult, j: number, label: string, k0Fraction = 0): Check {
  const s = run.series.charges[j];
  const d = run.series.drift[j].predicted;
  const t = run.series.steps.map((k) => k * run.lr);
  const end = Math.min(s.mean.length - 1, d.length);
  const k0 = Math.floor(end * k0Fraction);
  const drift = [...d.slice(0, end), d[end - 1]];
  // drift[k] is the prediction at record k (the runner stores records − 1 of them; the last repeats).
  // The discrete process adds one step's expected increment η·drift(θ_s)·η per step s (left point),
  // the trapezoid integrates the records: Euler–Maclaurin's endpoint term η·(drift_k0 − drift_end)/2
  // turns the integral into the sum over steps (it matters when the first steps move fast).
  const endpoint = (run.lr * (drift[k0] - drift[end])) / 2;
  const pred = trapezoid(t, drift, k0, end) + endpoint;
  const span = end - k0;
  const coarse = trapezoid(t, drift, k0, k0 + 2 * Math.floor(span / 2), 2) + (span % 2 ? trapezoid(t, drift, end - 1, end) : 0);
  const quad = Math.abs(trapezoid(t, drift, k0, end) - coarse);
  const gamma = run.weightDecay;
  const absC = trapezoid(t, s.mean.map(Math.abs), k0, end);
  const dropped = run.lr * gamma * gamma * absC;
  const measured = s.mean[end] - s.mean[k0];
  const se = (s.std[k0] + s.std[end]) / Math.sqrt(run.chains);
  return check(label, pred, measured, se, undefined, quad + dropped, `change of the mean charge over t ∈ [${fmtT(t[k0])}, ${fmtT(t[end])}]; model error: quadrature ${quad.toExponential(1)}, dropped η²γ² term ${dropped.toExponential(1)}`);
}

function fmtT(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** Law (D) holds for every batch: its largest relative residual over every step is rounding. */
export function lawDCheck(run: RunResult, label: string): Check {
  // 1e-12 ≈ 4500 ulps: each step's residual is a few roundings of sums of ≤ 64 terms.
  return check(label, 0, run.lawResidual, 0, undefined, 1e-12, `largest relative residual of the exact per-step law (D) over ${lawDCoverage(run)} of every chain (rounding level)`);
}

/** Mean charge ± its standard error over chains, against time t = η·steps, plus law (C) integrated. */
export function chargeSeries(run: RunResult, j: number, name: string, withPrediction = true): FigureSeries[] {
  const s = run.series.charges[j];
  const t = run.series.steps.map((k) => k * run.lr);
  const out: FigureSeries[] = [{ name, x: t, y: s.mean, yErr: s.std.map((v) => v / Math.sqrt(run.chains)), style: 'line' }];
  if (withPrediction && s.predicted.every((v) => v !== null)) out.push({ name: `${name}: law (C)`, x: t, y: s.predicted, style: 'dashed' });
  return out;
}

export function result(name: string, title: string, size: Size, started: number, checks: Check[], figures: ExperimentResult['figures'], notes: string[]): ExperimentResult {
  return { name, title, size, seconds: (Date.now() - started) / 1000, checks, figures: figures.map(thinFigure), notes, pass: checks.length > 0 && checks.every((c) => c.pass) };
}

/** Keeps at most 1000 points per series (every k-th and the last): the reports stay small. */
export function thinFigure(f: Figure): Figure {
  return {
    ...f,
    series: f.series.map((s) => {
      if (s.x.length <= 1000) return s;
      const k = Math.ceil(s.x.length / 1000);
      const keep = (_v: number, i: number) => i % k === 0 || i === s.x.length - 1;
      return { ...s, x: s.x.filter(keep), y: s.y.filter(keep), ...(s.yErr ? { yErr: s.yErr.filter(keep) } : {}) };
    }),
  };
}

/** Deterministic pseudo-random numbers for choosing starts (not the simulation's streams). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  const u = Math.max(1e-12, rand());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * Law (C) against R independent replicates of one run (different seeds). The prediction is itself an
 * average over the chains' paths (law (C)'s drift at their states), so it has a sampling error of its
 * own, large during a fast transient; the replicates give the standard error of the whole difference
 * measured − predicted: sd over replicates / √R. With R ≥ 10 replicates and z = 4, a correct law fails
 * with probability below 0.3 % (Student t with R − 1 degrees of freedom). Model error as in lawCCheck.
 */
export function lawCReplicated(reps: RunResult[], j: number, label: string): Check {
  if (reps.length === 1) return lawCCheck(reps[0], j, label);
  const each = reps.map((run) => lawCCheck(run, j, label));
  const R = each.length;
  const pred = each.reduce((a, c) => a + c.predicted, 0) / R;
  const meas = each.reduce((a, c) => a + c.measured, 0) / R;
  const diffs = each.map((c) => c.measured - c.predicted);
  const md = diffs.reduce((a, b) => a + b, 0) / R;
  const se = R > 1 ? Math.sqrt(diffs.reduce((a, b) => a + (b - md) ** 2, 0) / (R - 1) / R) : 0;
  const model = each.reduce((a, c) => a + (c.tolerance - Z * c.stdErr), 0) / R;
  const t0 = reps[0].series.steps[0] * reps[0].lr;
  const t1 = reps[0].series.steps[reps[0].series.steps.length - 1] * reps[0].lr;
  return check(label, pred, meas, se, Z, model, `change of the mean charge over t ∈ [${fmtT(t0)}, ${fmtT(t1)}], ${R} independent replicates × ${reps[0].chains} chains; SE of measured − predicted over replicates; model error (quadrature, dropped η²γ² term) ${model.toExponential(1)}`);
}

/** Pooled mean charge over replicates ± SE over replicates, and law (C) integrated (mean over replicates). */
export function pooledChargeSeries(reps: RunResult[], j: number, name: string): FigureSeries[] {
  const R = reps.length;
  if (R === 1) return chargeSeries(reps[0], j, name);
  const t = reps[0].series.steps.map((k) => k * reps[0].lr);
  const n = Math.min(...reps.map((r) => r.series.charges[j].mean.length));
  const mean: number[] = [];
  const se: number[] = [];
  const pred: number[] = [];
  for (let k = 0; k < n; k++) {
    const xs = reps.map((r) => r.series.charges[j].mean[k]);
    const m = xs.reduce((a, b) => a + b, 0) / R;
    mean.push(m);
    se.push(Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (R - 1) / R));
    pred.push(reps.reduce((a, r) => a + ((r.series.charges[j].predicted[k] as number) ?? NaN), 0) / R);
  }
  return [
    { name, x: t.slice(0, n), y: mean, yErr: se, style: 'line' },
    { name: `${name}: law (C)`, x: t.slice(0, n), y: pred, style: 'dashed' },
  ];
}
