// A simulation's numbers as named arrays for numpy/pandas (`.npz`, see src/core/io/npz.ts), and its
// JSON text (non-finite numbers as null, as `noether simulate --json` writes them). Pure.
//
// Names: `components`, `charges` (the charges' text) and `meta` (one JSON string: the file and each
// run's constants), then per run k (the k-th run of the result, `meta.runs[k].run` its train line):
//   runK_steps, runK_time (η·steps), runK_survivors, runK_loss_mean, runK_loss_std    [records]
//   runK_charge_mean, runK_charge_std, runK_charge_predicted (law (C); NaN: none)     [charges × records]
//   runK_drift_measured, runK_drift_predicted                                         [charges × (records − 1)]
//   runK_trace_h, runK_lambda_max_h (NaN where not probed)                             [records]
//   runK_charge_initial, _final_mean, _final_std, _predicted_end, _measured, _measured_se  [charges]
//   runK_stationary_components (names), runK_stationary_mean, _var, _mean_se, _var_se  [K]
//   runK_stationary_cov                                                                [K × K]
//   runK_theory_mean, runK_theory_var [K], runK_theory_cov [K × K]  (where theory gives a Gaussian law)
//   runK_final_mean, runK_final_var [components]; runK_final_per_chain [chains × components] (when kept)
//   runK_first_passage [chains] (escape runs; NaN: did not escape)
import { f8, f8Rows, NpyArray, strings } from '../io/npz';
import type { RunResult, SimulationResult } from './types';

/** The constants of a run (what `meta` lists per run). */
export function runMeta(r: RunResult): Record<string, unknown> {
  return {
    run: r.run,
    optimizer: r.optimizer,
    lr: r.lr,
    batch: r.batch,
    steps: r.steps,
    chains: r.chains,
    weightDecay: r.weightDecay,
    seed: r.seed,
    status: r.status,
    recordEvery: r.recordEvery,
    burnin: r.stationary.burnin,
    stationaryReached: r.stationary.reached,
    ...(r.stationary.theory ? { theory: r.stationary.theory.source } : {}),
  };
}

function padded(a: ArrayLike<number | null>, n: number): (number | null)[] {
  return Array.from({ length: n }, (_, i) => (i < a.length ? a[i] : null));
}

/** The arrays of one simulation result, in the order listed above. */
export function runArrays(result: SimulationResult, extraMeta: Record<string, unknown> = {}): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  const chargeTexts = result.runs[0]?.charges.map((c) => c.text) ?? [];
  out.components = strings(result.components);
  out.charges = strings(chargeTexts);
  out.meta = strings([JSON.stringify({ file: result.file, ...extraMeta, runs: result.runs.map(runMeta) }, finiteJson)]);
  result.runs.forEach((r, k) => {
    const p = `run${k}_`;
    const s = r.series;
    const n = s.steps.length;
    out[`${p}steps`] = f8(s.steps);
    out[`${p}time`] = f8(Array.from(s.steps, (x) => x * r.lr));
    out[`${p}survivors`] = f8(s.survivors);
    out[`${p}loss_mean`] = f8(s.lossMean);
    out[`${p}loss_std`] = f8(s.lossStd);
    out[`${p}charge_mean`] = f8Rows(
      s.charges.map((c) => c.mean),
      n,
    );
    out[`${p}charge_std`] = f8Rows(
      s.charges.map((c) => c.std),
      n,
    );
    out[`${p}charge_predicted`] = f8Rows(
      s.charges.map((c) => c.predicted),
      n,
    );
    out[`${p}drift_measured`] = f8Rows(
      s.drift.map((d) => d.measured),
      Math.max(0, n - 1),
    );
    out[`${p}drift_predicted`] = f8Rows(
      s.drift.map((d) => d.predicted),
      Math.max(0, n - 1),
    );
    out[`${p}trace_h`] = f8(padded(s.traceH, n));
    out[`${p}lambda_max_h`] = f8(padded(s.lambdaMaxH, n));
    out[`${p}charge_initial`] = f8(r.charges.map((c) => c.initial));
    out[`${p}charge_final_mean`] = f8(r.charges.map((c) => c.finalMean));
    out[`${p}charge_final_std`] = f8(r.charges.map((c) => c.finalStd));
    out[`${p}charge_predicted_end`] = f8(r.charges.map((c) => c.predictedEquilibrium));
    out[`${p}charge_measured`] = f8(r.charges.map((c) => c.measured));
    out[`${p}charge_measured_se`] = f8(r.charges.map((c) => c.measuredStdErr));
    const st = r.stationary;
    const names = Object.keys(st.mean);
    out[`${p}stationary_components`] = strings(names);
    out[`${p}stationary_mean`] = f8(names.map((c) => st.mean[c]));
    out[`${p}stationary_var`] = f8(names.map((c) => st.var[c]));
    out[`${p}stationary_mean_se`] = f8(names.map((c) => st.meanStdErr?.[c]));
    out[`${p}stationary_var_se`] = f8(names.map((c) => st.varStdErr?.[c]));
    out[`${p}stationary_cov`] = f8Rows(st.cov ?? [], names.length);
    const th = st.theory;
    if (th && Object.keys(th.mean).length) {
      out[`${p}theory_mean`] = f8(names.map((c) => th.mean[c]));
      out[`${p}theory_var`] = f8(names.map((c) => th.var[c]));
      out[`${p}theory_cov`] = f8Rows(th.cov, names.length);
    }
    out[`${p}final_mean`] = f8(result.components.map((c) => r.final.mean[c]));
    out[`${p}final_var`] = f8(result.components.map((c) => r.final.var[c]));
    if (r.finalPerChain?.length) out[`${p}final_per_chain`] = f8Rows(r.finalPerChain, result.components.length);
    if (r.firstPassage) out[`${p}first_passage`] = f8(r.firstPassage);
  });
  return out;
}

/** JSON.stringify's replacer for `noether simulate --json`: non-finite numbers as null. */
export function finiteJson(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** A result as JSON text (indented), non-finite numbers as null. */
export function resultJson(result: unknown): string {
  return JSON.stringify(result, finiteJson, 2) + '\n';
}
