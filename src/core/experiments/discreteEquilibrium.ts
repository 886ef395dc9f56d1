// Experiment 9: the discrete-time noise equilibrium (THEORY.md §9, issue "theory beyond the papers").
// The papers' equilibrium is continuous-time: the drift of law (C) vanishes. Discrete SGD's is not:
// law (D) is exact, so at stationarity E[ĝᵀA ĝ] = 0 (γ = 0) for every generator, the expectation taken
// over the fluctuations around the minimum, and the measured charges sit O(η) away from the
// continuous equilibrium. The engine predicts that O(η) term (a Gaussian closure of the fluctuations,
// numeric/discreteShift.ts); this experiment measures the stationary rotation-invariant charges of the
// anisotropic two-layer net at several η and asks two questions of the gap g(η) = measured − continuous:
// is it real (its O(η) coefficient differs from 0), and does the predicted term account for it (the
// O(η) coefficient of g − predicted vanishes)? Both coefficients come from a weighted least-squares fit
// r(η) = aη + cη² over the learning rates, so the O(η²) terms neither theory computes cannot bias them.
import { analyzeSource } from '../analysis/analyze';
import { RunResult } from '../numeric/types';
import { lawDCheck, result, setParam, simulate, stages } from './common';
import { fmt, significant } from './escape';
import { check } from './stats';
import { Check, Experiment, ExperimentContext, Figure, FigureSeries } from './types';

const FILE = 'equilibrium-anisotropic.loss';
/** Run length and the part of it the MSER burn-in may discard, in relaxation times of the charges. */
const RELAXATIONS = 10;

/** Weighted least squares of y = aη + cη²: the coefficients and a's standard error. */
export function fitLinearQuadratic(eta: number[], y: number[], se: number[]): { a: number; c: number; seA: number } {
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let b1 = 0;
  let b2 = 0;
  eta.forEach((e, i) => {
    const w = 1 / (se[i] * se[i]);
    s11 += w * e * e;
    s12 += w * e ** 3;
    s22 += w * e ** 4;
    b1 += w * e * y[i];
    b2 += w * e * e * y[i];
  });
  const det = s11 * s22 - s12 * s12;
  return { a: (s22 * b1 - s12 * b2) / det, c: (s11 * b2 - s12 * b1) / det, seA: Math.sqrt(s22 / det) };
}

/** `param U[2, 2]`'s value from a point record {"U[0,0]": …}. */
function matrixOf(point: Record<string, number>, name: string): number[][] {
  return [0, 1].map((i) => [0, 1].map((j) => point[`${name}[${i},${j}]`]));
}

interface Row {
  eta: number;
  run: RunResult;
}

export const discreteEquilibrium: Experiment = {
  name: 'discrete-equilibrium',
  title: 'The discrete-time noise equilibrium: SGD sits O(η) off the continuous one, by the amount law (D) predicts',
  description:
    'Two-layer linear net 2→2→2 with anisotropic inputs, started at its continuous-time noise equilibrium and run to stationarity at several learning rates (B = 1). ' +
    'The rotation-invariant charges (‖U‖² − ‖W‖² and the size of Q) are measured over chains with batch-means standard errors; the gap to the continuous prediction ' +
    'is fitted as aη + cη² and its O(η) coefficient compared with the engine\'s discrete-time term (law (D) at stationarity, Gaussian closure of the fluctuations).',
  lossFiles: [FILE],
  async run(ctx: ExperimentContext) {
    const started = Date.now();
    const full = ctx.size === 'full';
    const etas = full ? [0.005, 0.01, 0.02, 0.04] : [0.01, 0.02, 0.04];
    const chains = full ? 256 : 64;
    const progress = stages(ctx, etas.length + 1);
    const base = ctx.readLoss(FILE);

    progress.sub('solving the continuous-time equilibrium');
    const analysis = analyzeSource(base, { file: FILE });
    const pred = analysis.predictions?.[0];
    if (!pred?.endPoint || !pred.relaxationSteps) throw new Error(`${FILE}: the engine found no noise equilibrium (${pred?.reason ?? 'no prediction'})`);
    // Start on the continuous equilibrium, so each run only has to relax by the O(η) shift.
    const start = setParam(setParam(base, 'U', matrixOf(pred.endPoint, 'U')), 'W', matrixOf(pred.endPoint, 'W'));
    const rows: Row[] = [];
    for (const [k, eta] of etas.entries()) {
      // The charges relax in ∝ 1/η² steps (law (C)'s drift is η·(noise) per unit t = η·steps).
      const steps = Math.ceil(RELAXATIONS * pred.relaxationSteps * (pred.lr / eta) ** 2);
      const sim = await simulate(ctx, start, FILE, { trains: [{ optimizer: 'sgd', lr: eta, batch: 1, steps, chains, seed: 100 + k }] }, progress.sub(`η = ${eta}: ${steps} steps`));
      rows.push({ eta, run: sim.runs[0] });
    }

    // Law (D) is what the prediction rests on: exact per step, at every η.
    const checks: Check[] = rows.map((r) => lawDCheck(r.run, `η = ${r.eta}: law (D) residual over every step`));
    const notes: string[] = [];
    const figures: Figure[] = [];
    const names = (rows[0].run.invariants ?? []).map((v) => v.text);
    if (names.length === 0) throw new Error(`${FILE}: the run reports no rotation-invariant charges`);
    names.forEach((name, j) => {
      const inv = rows.map((r) => r.run.invariants?.[j]);
      if (inv.some((v) => !v || v.measured === null || v.measuredStdErr === null || v.etaTerm === null)) {
        notes.push(`${name}: not measured at every η (diverged chains or no discrete-time term); left out.`);
        return;
      }
      const eta = rows.map((r) => r.eta);
      const measured = inv.map((v) => v!.measured as number);
      const se = inv.map((v) => v!.measuredStdErr as number);
      const continuous = inv.map((v) => v!.predicted);
      const term = inv.map((v) => v!.etaTerm as number);
      const gap = fitLinearQuadratic(eta, measured.map((m, i) => m - continuous[i]), se);
      const rest = fitLinearQuadratic(eta, measured.map((m, i) => m - continuous[i] - term[i]), se);
      const short = j === 0 ? name : 'the size of Q';
      checks.push(
        significant(`${short}: the gap to the continuous equilibrium has an O(η) part (coefficient a of aη + cη²)`, gap.a, gap.seA, 0, 0, gap.a >= 0 ? 1 : -1,
          'fitted over the learning rates, weighted by the batch-means SEs; the continuous-time theory alone predicts a = 0'),
      );
      checks.push(
        check(`${short}: the O(η) part left after the predicted discrete-time term`, 0, rest.a, rest.seA, undefined, 0,
          `fitted as aη + cη² over η = ${eta.join(', ')}; the closure is first order, so only a is predicted (c absorbs O(η²))`),
      );
      notes.push(
        `${name}: ` +
          rows.map((r, i) => `η = ${r.eta}: measured ${fmt(measured[i], 5)} ± ${fmt(se[i], 2)}, continuous ${fmt(continuous[i], 5)}, continuous + O(η) term ${fmt(continuous[i] + term[i], 5)}`).join('; ') +
          `. Gap coefficient a = ${fmt(gap.a, 4)} ± ${fmt(gap.seA, 2)}; after the predicted term ${fmt(rest.a, 3)} ± ${fmt(rest.seA, 2)}.`,
      );
      const series: FigureSeries[] = [
        { name: 'measured (± SE)', x: eta, y: measured.map((m, i) => (m - continuous[i]) / eta[i]), yErr: se.map((s, i) => s / eta[i]), style: 'points' },
        { name: 'predicted O(η) term / η (law (D), Gaussian closure)', x: eta, y: term.map((t, i) => t / eta[i]), style: 'dashed' },
        { name: 'continuous-time equilibrium (no gap)', x: [eta[0], eta[eta.length - 1]], y: [0, 0], style: 'line' },
      ];
      figures.push({ id: `discrete-equilibrium-${j + 1}`, title: `${name}: (stationary − continuous equilibrium) / η`, xLabel: 'learning rate η', yLabel: 'gap / η', series });
    });
    const burnins = rows.map((r) => `η = ${r.eta}: ${r.run.stationary.samples} samples after step ${r.run.stationary.burnin}${r.run.diverged.length ? `, ${r.run.diverged.length} diverged` : ''}`);
    notes.push(
      `Each run starts on the continuous-time equilibrium (the engine's joint solve: ${pred.status}) and runs ${RELAXATIONS} relaxation times of the charges (${fmt(pred.relaxationSteps, 3)} steps at η = ${pred.lr}, ∝ 1/η²), ${chains} chains, B = 1. Stationary samples: ${burnins.join('; ')}.`,
      'Experiment 2 measures ‖U‖² − ‖W‖² ≈ 0.53 at η = 0.02 against 0.474 at the continuous equilibrium; none of the papers predicts that gap. Law (D) does: it is exact per step, and at stationarity its expectation must vanish over the fluctuations, which a Gaussian closure around the minimum evaluates to first order in η.',
    );
    return result('discrete-equilibrium', discreteEquilibrium.title, ctx.size, started, checks, figures, notes);
  },
};
