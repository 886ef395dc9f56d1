// The exported report: the analysis and the last simulation of a file, as JSON (everything) and as
// Markdown (readable summary). Pure: no vscode import.
import type { AnalysisResult } from '../../core/analysis/analyze';
import type { Prediction } from '../../core/analysis/predictions';
import type { RunResult, SimulationResult, VerdictFields } from '../../core/numeric/types';
import { chargeName, etaTermText, predictionSentence, runLabel, stabilityLine } from '../../shared/predictionText';
import { equilibriumText, noSymmetryText, num, symmetryTitle } from '../hover/format';

export interface Report {
  generator: string;
  generatedAt: string;
  file: string;
  analysis: AnalysisResult;
  simulation: SimulationResult | null;
}

export function buildReport(file: string, analysis: AnalysisResult, simulation: SimulationResult | undefined, version: string): Report {
  return { generator: `Noether Lab ${version}`, generatedAt: new Date().toISOString(), file, analysis, simulation: simulation ?? null };
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function reportMarkdown(r: Report): string {
  const a = r.analysis;
  const out: string[] = [];
  const name = r.file.split(/[\\/]/).pop() ?? r.file;
  out.push(`# Noether Lab report: ${name}`, '');
  out.push(`File: \`${r.file}\`  `, `Generated: ${r.generatedAt} by ${r.generator}`, '');
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (a.diagnostics.length) {
    out.push('## Diagnostics', '');
    for (const d of a.diagnostics) out.push(`- line ${d.line}, column ${d.column}: **${d.severity}**: ${d.message}`);
    out.push('');
  }
  if (errors.length === 0) {
    out.push('## Problem', '');
    out.push(`- Parameters: ${a.parameters.map((p) => (p.shape.length ? `${p.name}[${p.shape.join('×')}]` : p.name)).join(', ')} (${a.components.length} components)`);
    out.push(`- Initial point: ${a.components.map((c) => `${c} = ${num(a.initial[c])}`).join(', ')}`);
    if (a.noise) out.push(`- Noise Σ(θ₀): ${a.noise.method}${a.noise.samples ? ` (${a.noise.samples} samples)` : ''}; η = ${num(a.noise.lr)}, B = ${a.noise.batch}, γ = ${num(a.noise.weightDecay)} from ${a.noise.basis}`);
    out.push('', '## Where SGD ends', '');
    const preds = a.predictions ?? [];
    if (preds.length === 0) out.push('No noisy train line (sgd or momentum): nothing to predict.', '');
    for (const p of preds) out.push(...predictionMarkdown(a, p));
    out.push('', '## Symmetries', '');
    if (a.symmetries.length === 0) out.push(noSymmetryText(), '');
    a.symmetries.forEach((s, i) => {
      out.push(`### ${symmetryTitle(s, i)}`, '');
      out.push(`- Moves: ${s.involves.join(', ')}`);
      out.push(`- Charge: C = ${s.charge.text}  ($${s.charge.tex}$)`);
      out.push(`- Gradient flow: ${s.laws.gradientFlow}`);
      out.push(`- SGD, exact per step: ${s.laws.sgdStep}`);
      out.push(`- SGD, continuous time: ${s.laws.sgdContinuous}`);
      const p = a.predictions?.[0];
      const c = p?.charges[i];
      const eta = etaTermText(p?.etaTerms?.[i], c);
      if (p && c !== null && c !== undefined) out.push(`- Where SGD ends (run ${p.run}): C = ${num(c)}${eta ? ` (+ O(η) term ${eta})` : ''}${p.orientationDependent?.[i] ? ' (depends on the rotation gauge: see the invariants)' : ''}`);
      out.push(`- Secondary, the balanced point of the start's orbit (not where SGD ends): ${equilibriumText(s)}`, '');
    });
  }
  const sim = r.simulation;
  out.push('## Last simulation', '');
  if (!sim || sim.runs.length === 0) out.push('No simulation has been run for this file in this session.', '');
  else {
    out.push('| run | optimizer | lr | batch | steps | chains | γ | seed | steps/s | law (D) residual | diverged | status |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const run of sim.runs) {
      out.push(
        `| ${run.run} | ${run.optimizer}${run.gdGradient ? ` (${run.gdGradient})` : ''} | ${num(run.lr)} | ${run.batch} | ${run.steps} | ${run.chains} | ${num(run.weightDecay)} | ${run.seed} | ${Math.round(run.stepsPerSecond)} | ${fmtOrDash(run.lawResidual)} | ${run.divergence ? `${run.divergence.chains} of ${run.divergence.of}` : run.diverged.length} | ${run.status} |`,
      );
    }
    out.push('');
    for (const run of sim.runs) out.push(...runMarkdown(run));
  }
  return out.join('\n') + '\n';
}

function fmtOrDash(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : num(x);
}

/** One train line's prediction: the sentence, the end point against the start and the minimum, the charges. */
function predictionMarkdown(a: AnalysisResult, p: Prediction): string[] {
  const out = [`### Run ${p.run} (${runLabel(p)}): ${p.status}`, '', `${predictionSentence(a, p)}.`, ''];
  const st = a.stability?.find((x) => x.run === p.run);
  if (st) {
    const l = stabilityLine(st);
    out.push(`- Stability: ${l.bounds}; ${l.verdict}.`);
  }
  for (const g of p.growth) out.push(`- ${chargeName(g.symmetry)} grows: ${g.law}`);
  if (p.balance) {
    const b = p.balance.charges.map((c, i) => (c === null ? null : `${chargeName(i)} = ${fmtOrDash(c)}`)).filter((x) => x !== null).join(', ');
    out.push(`- Secondary, the law-of-balance point (every charge drift zero, not stationary here): ${b}`);
  }
  out.push(`- How: gradient flow from chain 0's start to a minimum (L = ${fmtOrDash(p.minimum.loss)}${p.minimum.converged ? '' : `; ${p.minimum.note ?? 'not converged'}`}), then the joint noise equilibrium of every generator there.`);
  out.push(`- Accuracy: ${p.order}.`, '');
  // The end point only where it is predicted; else where gradient flow goes.
  const end = p.status === 'equilibrium' ? p.endPoint : null;
  out.push(`| component | start | gradient-flow minimum |${end ? ' SGD ends at |' : ''}`, `|---|---|---|${end ? '---|' : ''}`);
  for (const c of a.components) out.push(`| ${cell(c)} | ${fmtOrDash(a.initial[c])} | ${fmtOrDash(p.minimum.point[c])} |${end ? ` ${fmtOrDash(end[c])} |` : ''}`);
  out.push('');
  if (p.charges.some((c) => c !== null)) {
    out.push('| charge | predicted at the end | O(η) discrete-time term | orientation-dependent |', '|---|---|---|---|');
    p.charges.forEach((c, i) => {
      out.push(`| ${chargeName(i)} = ${cell(a.symmetries[i]?.charge.text ?? '')} | ${fmtOrDash(c)} | ${fmtOrDash(p.etaTerms?.[i])} | ${p.orientationDependent?.[i] ? 'yes: compare its invariants' : 'no'} |`);
    });
    out.push('');
  }
  if (p.invariants?.length) {
    out.push('| rotation-invariant combination | predicted | O(η) term |', '|---|---|---|');
    for (const inv of p.invariants) out.push(`| ${cell(inv.text)} | ${fmtOrDash(inv.predicted)} | ${fmtOrDash(inv.etaTerm)} |`);
    out.push('');
  }
  return out;
}

function verdictRow(name: string, predicted: number | null, v: VerdictFields): string {
  const se = v.measuredStdErr === null ? '' : ` ± ${fmtOrDash(v.measuredStdErr)}`;
  return `| ${cell(name)} | ${fmtOrDash(predicted)} | ${fmtOrDash(v.etaTerm)} | ${fmtOrDash(v.measured)}${se} | ${fmtOrDash(v.z)} | ${v.verdict} | ${v.verdict === 'relaxing' && v.stepsNeeded !== undefined ? v.stepsNeeded : '—'} | ${cell(v.verdictNote)} |`;
}

/** One run: divergence, prediction beside measurement, charges, stationary statistics. */
function runMarkdown(run: RunResult): string[] {
  const out: string[] = [`### Run ${run.run} (${runLabel(run)}): ${run.status}`, ''];
  if (run.divergence) out.push(`**Diverged:** ${run.divergence.message}`, '');
  const survivors = run.series.survivors;
  const alive = survivors.length ? survivors[survivors.length - 1] : run.chains;
  if (alive < run.chains) out.push(`Curves and statistics are over the surviving chains only (${alive} of ${run.chains} at the end).`, '');
  if (run.prediction) out.push(`Prediction: ${run.prediction.status === 'equilibrium' ? 'SGD ends at the joint noise equilibrium' : run.prediction.reason}.`, '');
  if (run.charges.length || run.invariants?.length) {
    out.push('| quantity | predicted | O(η) term | measured ± SE | z | verdict | steps still needed | how |', '|---|---|---|---|---|---|---|---|');
    for (const c of run.charges) out.push(verdictRow(`${chargeName(c.symmetry)} = ${c.text}`, c.predictedEquilibrium, c));
    for (const inv of run.invariants ?? []) out.push(verdictRow(inv.text, inv.predicted, inv));
    out.push('');
    out.push('| charge | initial | final (mean ± std over chains) |', '|---|---|---|');
    for (const c of run.charges) out.push(`| ${chargeName(c.symmetry)} (${c.kind}) | ${fmtOrDash(c.initial)} | ${fmtOrDash(c.finalMean)} ± ${fmtOrDash(c.finalStd)} |`);
    out.push('');
  }
  if (run.series.lawC && run.charges.length) out.push(`Law (C) curve: ${run.series.lawC}`, '');
  const st = run.stationary;
  const comps = Object.keys(st.mean);
  if (comps.length) {
    out.push(`Stationary statistics after a burn-in of ${st.burnin} steps (${st.burninMethod}), ${st.samples} samples${st.reached ? '' : '. **Not stationary yet**: the charges or the loss still drift at the end'}.`);
    if (st.theory) out.push(`Theory: ${st.theory.source}.`);
    out.push('');
    const th = st.theory;
    out.push(`| component | stationary mean ± s.e. | stationary variance ± s.e. |${th ? ' theory mean | theory variance |' : ''}`, `|---|---|---|${th ? '---|---|' : ''}`);
    for (const c of comps) {
      out.push(
        `| ${cell(c)} | ${fmtOrDash(st.mean[c])} ± ${fmtOrDash(st.meanStdErr[c])} | ${fmtOrDash(st.var[c])} ± ${fmtOrDash(st.varStdErr[c])} |${th ? ` ${fmtOrDash(th.mean[c])} | ${fmtOrDash(th.var[c])} |` : ''}`,
      );
    }
    out.push('');
  }
  for (const d of run.diverged.slice(0, 5)) out.push(`- ${d.message}`);
  if (run.diverged.length) out.push('');
  return out;
}
