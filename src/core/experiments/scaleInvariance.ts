// Experiment 3: scale invariance. A normalised model whose norm ‖w‖² grows under SGD as law (C)
// predicts, stays put under gradient flow (GD moves it only by the discrete term η‖∇_wL‖²), and with
// weight decay settles at the noise equilibrium 2γ‖w‖² = η tr Σ_B.
import { RunResult } from '../numeric/types';
import { lawCCheck, lawCChains, lawCReplicated, lawDCheck, pooledChargeSeries, result, setParam, simulate, stages } from './common';
import { check } from './stats';
import { Check, Experiment, ExperimentContext, Figure } from './types';

const FILE = 'scale-invariance.loss';
const GAMMA = 0.01;
const SIGMA2 = 0.25; // label noise variance of the file

export const scaleInvariance: Experiment = {
  name: 'scale-invariance',
  title: 'Scale invariance: SGD inflates the norm of a normalised layer, GD does not',
  description:
    'ŷ = a·⟨w, x⟩/‖w‖ (the loss sees only the direction of w). The charge ‖w‖² under SGD against law (C) integrated along the run, ' +
    'under GD (only the discrete term η‖∇_wL‖², which dies out at the minimum), and with weight decay γ = 0.01 started at the minimum: ' +
    'the stationary ‖w‖² against the solved noise equilibrium 2γ‖w‖² = η tr Σ_B.',
  lossFiles: [FILE],
  async run(ctx: ExperimentContext) {
    const started = Date.now();
    const full = ctx.size === 'full';
    const steps = full ? 16000 : 4000;
    const chains = lawCChains(ctx, 16);
    const R = full ? 20 : 10;
    const progress = stages(ctx, R + 2);
    const checks: Check[] = [];
    const notes: string[] = [];
    const base = ctx.readLoss(FILE);

    const reps: RunResult[] = [];
    for (let r = 0; r < R; r++) {
      reps.push((await simulate(ctx, base, FILE, { trains: [{ optimizer: 'sgd', steps, chains, seed: 200 + r, recordEvery: 2 }] }, progress.sub(`SGD replicate ${r + 1}/${R}`))).runs[0]);
    }
    checks.push(lawCReplicated(reps, 0, 'SGD, γ = 0: growth of ‖w‖² (law C)'));
    const gd = (await simulate(ctx, base, FILE, { trains: [{ optimizer: 'gd', steps, chains: 1, recordEvery: 2 }] }, progress.sub('GD'))).runs[0];
    checks.push(lawCCheck(gd, 0, 'GD, γ = 0: change of ‖w‖² (law C: discrete term only)'));

    // Weight decay, started at the minimum (direction e₀, a = 1) so that the equilibrium solved on the
    // start's orbit is the one SGD relaxes to.
    const wdSteps = full ? 40000 : 8000;
    const atMin = setParam(setParam(base, 'w', [1, 0]), 'a', 1);
    const wd = (await simulate(ctx, atMin, FILE, { trains: [{ optimizer: 'sgd', steps: wdSteps, chains, weightDecay: GAMMA, seed: 300 }] }, progress.sub(`SGD with γ = ${GAMMA}`))).runs[0];
    const s = wd.series.charges[0];
    const half = Math.floor(s.mean.length / 2);
    const late = (xs: number[]) => xs.slice(half).reduce((a, b) => a + b, 0) / (xs.length - half);
    const measured = late(s.mean);
    // Time-averaging the chains' mean over the second half has a standard error no larger than the
    // typical spread of one record over chains / √chains (a conservative bound: it ignores the averaging).
    const se = late(s.std) / Math.sqrt(wd.chains);
    const predicted = wd.charges[0].predictedEquilibrium ?? NaN;
    // Model error of the equilibrium formula, which evaluates Σ at the minimum: at stationarity the
    // direction and a fluctuate (O(η)), so tr Σ_w = E[r² a² ‖P⊥x‖²]/‖w‖² exceeds σ²a²/‖w‖². With Gaussian
    // x, E[(δ·x)²‖P⊥x‖²] ≤ 3 E(δ·x)², so the relative excess of tr Σ is at most 3·(E r² − σ²)/σ² = 3·(2E[L] − σ²)/σ²
    // (measured loss), plus the relative excess of E[a²] over 1; ‖w‖⁴ ∝ tr Σ·‖w‖², so ‖w‖² moves by half
    // of that. And law (C) drops η²γ² per step: relative ηγ/2.
    const lossLate = late(wd.series.lossMean);
    const excess = Math.max(0, (2 * lossLate - SIGMA2) / SIGMA2);
    const a2 = wd.stationary.mean.a ** 2 + wd.stationary.var.a;
    const rel = 0.5 * (3 * excess + Math.abs(a2 - 1)) + (wd.lr * GAMMA) / 2;
    checks.push(
      check(`SGD, γ = ${GAMMA}: stationary ‖w‖² against the noise equilibrium`, predicted, measured, se, undefined, rel * Math.abs(predicted),
        `mean over t ∈ [${(wd.series.steps[half] * wd.lr).toFixed(0)}, ${(wdSteps * wd.lr).toFixed(0)}]; model error ${(rel * 100).toFixed(2)} % of the prediction (O(η) fluctuations of direction and a: measured excess loss ${(excess * 100).toFixed(2)} % of σ²/2)`),
    );
    checks.push(lawDCheck([...reps, gd, wd].reduce((a, b) => (b.lawResidual > a.lawResidual ? b : a)), 'law (D) residual, all runs'));

    const c0 = reps[0].charges[0].initial;
    const tEnd = steps * reps[0].lr;
    const sgdGrowth = reps.reduce((a, r) => a + r.charges[0].finalMean, 0) / R - c0;
    notes.push(
      `‖w‖² from ${c0.toFixed(3)}: SGD (γ = 0) +${sgdGrowth.toFixed(4)} by t = ${tEnd}, GD ${(gd.charges[0].finalMean - c0 >= 0 ? '+' : '')}${(gd.charges[0].finalMean - c0).toExponential(2)} ` +
        `(all of it in the first steps, while ∇L ≠ 0). With γ = ${GAMMA} from the minimum: ${measured.toFixed(4)} ± ${se.toFixed(4)} against ${predicted.toFixed(4)} = √(ησ²/(2γ)) = ${Math.sqrt((wd.lr * SIGMA2) / (2 * GAMMA)).toFixed(4)}.`,
    );
    const figures: Figure[] = [
      {
        id: 'scale-norm',
        title: '‖w‖² of a normalised layer: SGD (mean over chains ± SE) against law (C), GD, gradient flow',
        xLabel: 't = η·steps',
        yLabel: '‖w‖²',
        series: [
          ...pooledChargeSeries(reps, 0, 'SGD'),
          { name: 'GD', x: gd.series.steps.map((k) => k * gd.lr), y: gd.series.charges[0].mean, style: 'line' },
          { name: 'gradient flow (conserved)', x: [0, tEnd], y: [c0, c0], style: 'dashed' },
        ],
      },
      {
        id: 'scale-weight-decay',
        title: `With weight decay γ = ${GAMMA}: ‖w‖² relaxes to the noise equilibrium`,
        xLabel: 't = η·steps',
        yLabel: '‖w‖²',
        series: [
          { name: 'SGD (mean ± SE)', x: wd.series.steps.map((k) => k * wd.lr), y: s.mean, yErr: s.std.map((v) => v / Math.sqrt(wd.chains)), style: 'line' },
          { name: 'law (C)', x: wd.series.steps.map((k) => k * wd.lr), y: s.predicted.map((v) => v ?? NaN), style: 'dashed' },
          { name: 'noise equilibrium 2γ‖w‖² = η tr Σ', x: [0, wdSteps * wd.lr], y: [predicted, predicted], style: 'dashed' },
        ],
      },
    ];
    return result(this.name, this.title, ctx.size, started, checks, figures, notes);
  },
};
