// Experiment 11: paper (a) Fig. 2, the law of balance in a two-layer ReLU network 20 → 200 → 20
// (experiments/relu-balance.loss). The claim: under SGD the layer norms become approximately (not
// exactly) balanced, while the two noise terms of the law of balance, uᵀC₁u and wᵀC₂w per hidden
// neuron (here N_in,j and N_out,j, traces of the per-example gradient covariance of the neuron's
// incoming and outgoing weights), converge to each other; under GD the charges stay. Measured from
// the chains' final parameters (independent chains give the standard errors): the summed noise
// terms and their difference, a χ² of the per-neuron differences, the total charge over time
// against law (C) summed along every chain, and law (D) at every step.
import { Model } from '../lang/model';
import { checkSource } from '../lang/check';
import { drawFresh, initialPoint } from '../analysis/points';
import { Rng } from '../util/rng';
import { RunResult } from '../numeric/types';
import { lawDCheck, result, simulate, stages } from './common';
import { fmt, significant } from './escape';
import { neuronCharges, neuronLayout, neuronNoise, NeuronNoise } from './neurons';
import { check, meanSe } from './stats';
import { Check, Experiment, ExperimentContext, Figure } from './types';

const FILE = 'relu-balance.loss';

/** Fresh examples from the model's `~` distributions (a seeded stream of its own). */
export function freshExamples(model: Model, count: number, seed: number): Float64Array {
  const dim = model.dataComponents.length;
  const out = new Float64Array(count * dim);
  const rng = new Rng(seed, 0, 7);
  for (let e = 0; e < count; e++) drawFresh(model, rng, out, e * dim);
  return out;
}

/** The total charge Σ_j C_j over the records (mean over chains) and law (C)'s residual at the end. */
export function totalCharge(run: RunResult): { t: number[]; mean: number[]; residual: number; residualSe: number } {
  const s = run.series;
  const t = s.steps.map((k) => k * run.lr);
  const mean = t.map((_, k) => s.charges.reduce((a, c) => a + c.mean[k], 0));
  let residual = 0;
  let residualSe = 0;
  for (const c of s.charges) {
    const r = c.lawResidual;
    if (!r) continue;
    residual += r.mean[r.mean.length - 1];
    // The neurons' residuals are correlated through the shared data: adding the SEs bounds the SE of the sum.
    residualSe += r.se[r.se.length - 1];
  }
  return { t, mean, residual, residualSe };
}

export const reluBalance: Experiment = {
  name: 'relu-balance',
  title: 'Law of balance in a ReLU network 20 → 200 → 20: SGD balances the noise terms of every neuron, GD keeps the charges',
  description:
    'Paper (a) Fig. 2. SGD (batch 1) and GD from one unbalanced start; per hidden neuron the charge ‖U[j,:]‖² − ‖W[:,j]‖² and the two noise terms ' +
    'of the law of balance (traces of the gradient covariance of its incoming and outgoing weights), summed over neurons, with standard errors over independent chains.',
  lossFiles: [FILE],
  async run(ctx: ExperimentContext) {
    const started = Date.now();
    const full = ctx.size === 'full';
    const steps = full ? 40000 : 15000;
    const chains = full ? 8 : 4;
    const gdSteps = full ? 1000 : 300;
    const samples = full ? 4000 : 1500;
    const lr = 0.006;
    const source = ctx.readLoss(FILE);
    const model = checkSource(source).model;
    if (!model) throw new Error(`${FILE} has errors`);
    const layout = neuronLayout(model, 'U', undefined, 'W');
    const progress = stages(ctx, 3);
    const record = Math.max(1, Math.floor(steps / 100));
    const sim = await simulate(ctx, source, FILE, {
      trains: [
        { optimizer: 'sgd', lr, batch: 1, steps, chains, seed: 1, recordEvery: record },
        { optimizer: 'gd', lr, steps: gdSteps, chains: 2, seed: 1, recordEvery: Math.max(1, Math.floor(gdSteps / 50)) },
      ],
    }, progress.sub(`SGD ${steps} steps × ${chains} chains, GD ${gdSteps} steps`));
    const [sgd, gd] = sim.runs;
    progress.sub(`noise terms from ${samples} fresh examples per chain`);
    const examples = freshExamples(model, samples, 17);
    const finals = (run: RunResult) => (run.finalPerChain ?? []).map((th) => Float64Array.from(th));
    if (finals(sgd).length !== chains) throw new Error('the run kept no final parameters');
    const theta0 = initialPoint(model, 0, 1);
    const start = neuronNoise(model, layout, theta0, examples, samples);
    const sgdNoise = finals(sgd).map((th) => neuronNoise(model, layout, th, examples, samples));
    const gdNoise = finals(gd).map((th) => neuronNoise(model, layout, th, examples, samples));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const across = (list: NeuronNoise[], f: (n: NeuronNoise) => number) => meanSe(list.map(f));

    const checks: Check[] = [lawDCheck(sgd, 'SGD: law (D) residual over every step'), lawDCheck(gd, 'GD: law (D) residual over every step')];
    const nIn = across(sgdNoise, (n) => sum(n.noiseIn));
    const nOut = across(sgdNoise, (n) => sum(n.noiseOut));
    const diff = across(sgdNoise, (n) => n.total);
    // Law (D) at stationarity: E[tr AΣ] = −E[∇LᵀA∇L]; the mean-gradient term is the prediction for the difference.
    const meanTerm = across(sgdNoise, (n) => -sum(n.meanTerm));
    checks.push(
      check('SGD end: Σ_j (uᵀC₁u − wᵀC₂w) over the 200 neurons balances (continuous time: exactly 0)', 0, diff.mean, diff.se, undefined, Math.abs(meanTerm.mean) + 4 * meanTerm.se,
        `standard error over ${chains} independent chains (each from ${samples} fresh examples); model error: law (D)'s discrete-time term Σ_j ∇LᵀA_j∇L = ${fmt(-meanTerm.mean, 3)} ± ${fmt(meanTerm.se, 2)} (at stationarity E[tr AΣ] = −E[∇LᵀA∇L]); Σ_j uᵀC₁u = ${fmt(nIn.mean, 4)} ± ${fmt(nIn.se, 2)}, Σ_j wᵀC₂w = ${fmt(nOut.mean, 4)} ± ${fmt(nOut.se, 2)}`),
    );
    // Per neuron: z_j = mean over chains of (N_in − N_out)_j / its SE; their χ²/dof is 1 when every neuron is balanced.
    let chi = 0;
    let dof = 0;
    for (let j = 0; j < layout.hidden; j++) {
      const d = meanSe(sgdNoise.map((n) => n.noiseIn[j] - n.noiseOut[j] + n.meanTerm[j]));
      if (!(d.se > 0)) continue;
      // With few chains the SE itself is uncertain: Student's t with chains − 1 degrees of freedom has variance (c − 1)/(c − 3).
      chi += (d.mean / d.se) ** 2;
      dof++;
    }
    const tVar = chains > 3 ? (chains - 1) / (chains - 3) : 3;
    const chiMean = chi / Math.max(1, dof);
    checks.push(
      check('SGD end: per-neuron balance, mean of z_j² over active neurons (z_j = (N_in,j − N_out,j + ∇LᵀA_j∇L)/SE)', tVar, chiMean, tVar * Math.sqrt(2 / Math.max(1, dof)) * 2, undefined, 0,
        `${dof} neurons with a nonzero SE; the expected value is the variance of Student's t with ${chains - 1} degrees of freedom (${fmt(tVar, 3)}); SE of the mean from its fourth moment, conservatively doubled`),
    );
    const startDiff = start.total;
    checks.push(significant('start: the noise terms are unbalanced (Σ_j uᵀC₁u − wᵀC₂w differs from 0)', Math.abs(startDiff), start.totalSe, 0, 0, 1,
      `at chain 0's start, Monte Carlo SE over ${samples} examples`));
    const gdDiff = across(gdNoise, (n) => n.total);
    checks.push(significant('GD end: the noise terms stay unbalanced', Math.abs(gdDiff.mean), Math.max(gdDiff.se, ...gdNoise.map((n) => n.totalSe)), 0, 0, 1,
      'GD has no noise to balance them; SE: the larger of the chains\' spread and the Monte Carlo SE'));

    // Charges: SGD moves the total as law (C) says; GD keeps it up to its discrete term.
    const sg = totalCharge(sgd);
    const gg = totalCharge(gd);
    checks.push(check('SGD: change of Σ_j C_j against law (C) summed along every chain', 0, sg.residual, sg.residualSe, undefined, 0,
      `measured change ${fmt(sg.mean[sg.mean.length - 1] - sg.mean[0], 4)} over t = ${fmt(sg.t[sg.t.length - 1], 3)}; residual C_T − C_0 − Σ_t E[ΔC | θ_t] (a martingale), SE summed over neurons`));
    checks.push(check('GD: change of Σ_j C_j against law (C) (its discrete term only)', 0, gg.residual, gg.residualSe, undefined, Math.abs(gg.mean[0]) * 1e-12,
      `GD changes Σ_j C_j by ${fmt(gg.mean[gg.mean.length - 1] - gg.mean[0], 3)} over t = ${fmt(gg.t[gg.t.length - 1], 3)} from ${fmt(gg.mean[0], 4)}`));
    const last = sg.mean.length - 1;
    const endSe = sgd.series.charges.reduce((a, c) => a + c.std[last], 0) / Math.sqrt(chains);
    checks.push(significant('SGD balances the layers: Σ_j C_j = ‖U‖² − ‖W‖² falls from its start', sg.mean[0], 0, sg.mean[last], endSe, 1,
      `from ${fmt(sg.mean[0], 4)} to ${fmt(sg.mean[last], 4)} over t = ${fmt(sg.t[last], 3)}; SE: the charges' spread over chains summed over neurons (a bound on the SE of the sum)`));

    const normsOf = (th: Float64Array) => {
      let u = 0;
      let w = 0;
      layout.incoming.forEach((inc, j) => {
        for (const i of inc) u += th[i] * th[i];
        for (const i of layout.outgoing[j]) w += th[i] * th[i];
      });
      return { u, w };
    };
    const n0 = normsOf(theta0);
    const nEnd = finals(sgd).map(normsOf);
    const uEnd = meanSe(nEnd.map((x) => x.u));
    const wEnd = meanSe(nEnd.map((x) => x.w));
    const C0 = sum(neuronCharges(layout, theta0));
    const notes = [
      `Layer norms (approximately balanced under SGD, as the paper says): ‖U‖² = ${fmt(n0.u, 4)}, ‖W‖² = ${fmt(n0.w, 4)} at the start (chain 0); after SGD ‖U‖² = ${fmt(uEnd.mean, 4)} ± ${fmt(uEnd.se, 2)}, ‖W‖² = ${fmt(wEnd.mean, 4)} ± ${fmt(wEnd.se, 2)}; Σ_j C_j went from ${fmt(C0, 4)} to ${fmt(sg.mean[sg.mean.length - 1], 4)}.`,
      `Noise terms at the start: Σ_j uᵀC₁u = ${fmt(sum(start.noiseIn), 4)}, Σ_j wᵀC₂w = ${fmt(sum(start.noiseOut), 4)}; at the end of SGD ${fmt(nIn.mean, 4)} and ${fmt(nOut.mean, 4)} (difference ${fmt(diff.mean, 3)} ± ${fmt(diff.se, 2)}); at the end of GD ${fmt(across(gdNoise, (n) => sum(n.noiseIn)).mean, 4)} and ${fmt(across(gdNoise, (n) => sum(n.noiseOut)).mean, 4)}.`,
      `SGD: ${steps} steps of batch 1 at η = ${lr} (t = ${fmt(steps * lr, 3)}), ${chains} chains from one start; GD: ${gdSteps} steps on its fixed sample; loss per example at the end ${fmt(meanSe(sgdNoise.map((n) => n.loss)).mean, 4)} (label noise alone: 10).`,
    ];
    const figures: Figure[] = [
      {
        id: 'relu-balance-charge',
        title: 'Σ_j C_j = ‖U‖² − ‖W‖² over time',
        xLabel: 't = η·steps',
        yLabel: 'Σ_j C_j',
        series: [
          { name: 'SGD (mean over chains)', x: sg.t, y: sg.mean },
          { name: 'GD', x: gg.t, y: gg.mean, style: 'dashed' },
        ],
      },
      {
        id: 'relu-balance-noise',
        title: 'Per-neuron noise terms at the end of SGD: uᵀC₁u against wᵀC₂w (chain 0)',
        xLabel: 'wᵀC₂w (outgoing weights)',
        yLabel: 'uᵀC₁u (incoming weights)',
        series: [
          { name: 'SGD end', x: sgdNoise[0].noiseOut, y: sgdNoise[0].noiseIn, style: 'points' },
          { name: 'start', x: start.noiseOut, y: start.noiseIn, style: 'points' },
          { name: 'balance', x: [0, Math.max(...sgdNoise[0].noiseOut, ...start.noiseOut)], y: [0, Math.max(...sgdNoise[0].noiseOut, ...start.noiseOut)], style: 'dashed' },
        ],
      },
    ];
    progress.sub('done')(1);
    return result('relu-balance', reluBalance.title, ctx.size, started, checks, figures, notes);
  },
};

