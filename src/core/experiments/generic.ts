// `noether experiment FILE.loss`: any file as an experiment. Analysis + simulation of its train lines,
// with checks of law (D) residual, law (C) change and the noise-equilibrium charge where they apply.
import * as path from 'path';
import { analyzeSource } from '../analysis/analyze';
import { chargeSeries, lawCCheck, lawDCheck, result, simulate } from './common';
import { check } from './stats';
import { Check, Experiment, ExperimentContext, Figure } from './types';

export function fileExperiment(file: string, source: string, readFile: (p: string) => string): Experiment {
  const name = path.basename(file).replace(/\.loss$/, '');
  return {
    name,
    title: `${path.basename(file)}: theory against simulation`,
    description: 'Analysis and simulation of the file\'s train lines: law (D) residual, law (C) change of each charge, and the noise-equilibrium charge where the run is long enough.',
    lossFiles: [],
    async run(ctx: ExperimentContext) {
      const started = Date.now();
      const analysis = analyzeSource(source, { file, readFile });
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) throw new Error(`${file} has errors (line ${errors[0].line}: ${errors[0].message})`);
      const sim = await simulate(ctx, source, file, { readFile, analysis }, (f) => ctx.onProgress?.(f, `simulating ${path.basename(file)}`));
      const checks: Check[] = [];
      const figures: Figure[] = [];
      const notes: string[] = [];
      if (analysis.symmetries.length === 0) notes.push('No continuous symmetry: no charge, no balance law; only the simulation is shown.');
      for (const run of sim.runs) {
        const tag = `run ${run.run + 1} (${run.optimizer}, η = ${run.lr}, B = ${run.batch}${run.weightDecay ? `, γ = ${run.weightDecay}` : ''})`;
        if (run.diverged.length) notes.push(`${tag}: ${run.diverged.length} chain(s) diverged: ${run.diverged[0].message}`);
        if (Number.isFinite(run.lawResidual) && analysis.symmetries.some((s) => s.kind !== 'translation')) checks.push(lawDCheck(run, `${tag}: law (D) residual`));
        const lawC = run.optimizer === 'sgd' || run.optimizer === 'gd';
        run.charges.forEach((c, j) => {
          if (analysis.symmetries[j].kind === 'translation') return;
          if (lawC && run.series.drift[j].predicted.length > 1 && run.diverged.length === 0) {
            const chk = lawCCheck(run, j, `${tag}: change of ${c.text} (law C)`);
            if (run.optimizer === 'sgd' && run.chains > 8) chk.note = `${chk.note}; law (C)'s drift is averaged over ≤ 8 chains per worker, so the prediction has a sampling error of its own not included here`;
            checks.push(chk);
          }
          // Equilibrium: only where the run has reached a stationary charge (the second half's mean
          // change is within 4 SE), and the equilibrium is solved on the start's orbit.
          const s = run.series.charges[j];
          const end = s.mean.length - 1;
          const mid = Math.floor(end / 2);
          const se = s.std[end] / Math.sqrt(run.chains);
          if (c.predictedEquilibrium !== null && run.optimizer === 'sgd' && end > 4) {
            const lawEnd = s.predicted[end];
            const settled = Math.abs(s.mean[end] - s.mean[mid]) <= 4 * (se + s.std[mid] / Math.sqrt(run.chains));
            // Law (C) integrated along the run must itself have reached the equilibrium: otherwise the
            // theory does not claim the run is there (e.g. interpolation, where the noise vanishes at the minimum).
            const lawThere = lawEnd !== null && lawEnd !== undefined && Math.abs(lawEnd - c.predictedEquilibrium) <= 4 * se + 1e-3 * Math.abs(c.predictedEquilibrium);
            if (settled && lawThere) {
              checks.push(check(`${tag}: stationary ${c.text} against the noise equilibrium`, c.predictedEquilibrium, s.mean[end], se, undefined, 0, 'the equilibrium is solved on the orbit of the start with Σ there: it is the end point only when the start is (near) a minimum'));
            } else notes.push(`${tag}: ${c.text} ${settled ? 'has settled, but law (C) integrated along the run has not reached' : 'is still moving at the end of the run toward'} the equilibrium ${c.predictedEquilibrium.toPrecision(4)}: not checked.`);
          }
        });
        if (run.charges.length) {
          figures.push({
            id: `${name}-run${run.run}`,
            title: `${tag}: charges (mean over chains ± SE) against law (C)`,
            xLabel: 't = η·steps',
            yLabel: 'charge',
            series: run.charges.flatMap((_c, j) => (analysis.symmetries[j].kind !== 'translation' ? chargeSeries(run, j, `charge ${j + 1}`, lawC) : [])),
          });
        }
        figures.push({ id: `${name}-loss${run.run}`, title: `${tag}: training loss (mean over chains)`, xLabel: 'step', yLabel: 'loss', series: [{ name: 'loss', x: run.series.steps, y: run.series.lossMean, style: 'line' }] });
      }
      if (checks.length === 0) notes.push('Nothing to check in this file (no symmetry with a charge, or no sgd/gd run).');
      const r = result(name, this.title, ctx.size, started, checks, figures, notes);
      if (checks.length === 0) r.pass = true;
      return r;
    },
  };
}
