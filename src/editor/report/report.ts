// The exported report: the analysis and the last simulation of a file, as JSON (everything) and as
// Markdown (readable summary). Pure: no vscode import.
import type { AnalysisResult } from '../../core/analysis/analyze';
import type { SimulationResult } from '../../core/numeric/types';
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
    out.push('', '## Symmetries', '');
    if (a.symmetries.length === 0) out.push(noSymmetryText(), '');
    a.symmetries.forEach((s, i) => {
      out.push(`### ${symmetryTitle(s, i)}`, '');
      out.push(`- Moves: ${s.involves.join(', ')}`);
      out.push(`- Charge: C = ${s.charge.text}  ($${s.charge.tex}$)`);
      out.push(`- Gradient flow: ${s.laws.gradientFlow}`);
      out.push(`- SGD, exact per step: ${s.laws.sgdStep}`);
      out.push(`- SGD, continuous time: ${s.laws.sgdContinuous}`);
      out.push(`- Noise equilibrium: ${equilibriumText(s)}`, '');
    });
  }
  const sim = r.simulation;
  out.push('## Last simulation', '');
  if (!sim || sim.runs.length === 0) out.push('No simulation has been run for this file in this session.', '');
  else {
    out.push('| run | optimizer | lr | batch | steps | chains | γ | seed | steps/s | law (D) residual | diverged | cancelled |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const run of sim.runs) {
      out.push(
        `| ${run.run} | ${run.optimizer}${run.gdGradient ? ` (${run.gdGradient})` : ''} | ${num(run.lr)} | ${run.batch} | ${run.steps} | ${run.chains} | ${num(run.weightDecay)} | ${run.seed} | ${Math.round(run.stepsPerSecond)} | ${num(run.lawResidual)} | ${run.diverged.length} | ${run.cancelled ? 'yes' : 'no'} |`,
      );
    }
    out.push('');
    for (const run of sim.runs) {
      if (run.charges.length === 0) continue;
      out.push(`### Run ${run.run} (${run.optimizer}): charges`, '');
      out.push('| symmetry | charge | initial | final (mean ± std over chains) | predicted at equilibrium |', '|---|---|---|---|---|');
      for (const c of run.charges) {
        out.push(`| ${c.symmetry + 1} (${c.kind}) | ${cell(c.text)} | ${num(c.initial)} | ${num(c.finalMean)} ± ${num(c.finalStd)} | ${c.predictedEquilibrium === null ? '—' : num(c.predictedEquilibrium)} |`);
      }
      out.push('');
      const comps = Object.keys(run.stationary.mean);
      if (comps.length) {
        out.push('| component | stationary mean ± s.e. | stationary variance ± s.e. |', '|---|---|---|');
        for (const c of comps) {
          out.push(`| ${c} | ${num(run.stationary.mean[c])} ± ${num(run.stationary.meanStdErr[c] ?? NaN)} | ${num(run.stationary.var[c])} ± ${num(run.stationary.varStdErr[c] ?? NaN)} |`);
        }
        out.push('');
      }
      for (const d of run.diverged.slice(0, 5)) out.push(`- chain ${d.chain} diverged at step ${d.step}: ${d.message}`);
    }
  }
  return out.join('\n') + '\n';
}
