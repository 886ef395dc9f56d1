// Human-readable text report of an analysis, for the terminal.
import { AnalysisResult } from '../core/analysis/analyze';

export function formatDiagnostics(file: string, r: AnalysisResult): string {
  return r.diagnostics
    .map((d) => `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${d.fix ? `\n    fix: ${d.fix.title}` : ''}`)
    .join('\n');
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toFixed(4).replace(/\.?0+$/, '') : x.toExponential(3);
}

export function formatReport(file: string, r: AnalysisResult): string {
  const out: string[] = [];
  out.push(`Noether Lab analysis of ${file}`);
  out.push(`  parameters: ${r.parameters.map((p) => (p.shape.length ? `${p.name}[${p.shape.join('×')}]` : p.name)).join(', ')}  (${r.components.length} components)`);
  out.push(`  initial point: ${r.components.map((c) => `${c} = ${fmt(r.initial[c])}`).join(', ')}`);
  if (r.noise) {
    const how = { 'exact-moments': 'exact moments of the data distribution', dataset: `exact average over the ${r.noise.samples} examples of the data set`, 'monte-carlo': `Monte Carlo over ${r.noise.samples} examples` }[r.noise.method];
    out.push(`  noise Σ(θ₀): ${how}; SGD constants from ${r.noise.basis}`);
  }
  out.push('');
  if (r.symmetries.length === 0) {
    out.push('No continuous symmetry: no conserved quantity, no balance law. (Checked: rescaling, scaling,');
    out.push('general linear θ → e^{λA}θ with symmetric A, and translations.)');
  }
  r.symmetries.forEach((s, i) => {
    out.push(`Symmetry ${i + 1}: ${s.kind} (${s.status}${s.proof ? `, by ${s.proof}` : ''}) — moves ${s.involves.join(', ')}`);
    if (s.proofNote) out.push(`  note          ${s.proofNote}; it holds to rounding at 64 random points`);
    out.push(`  charge        C = ${s.charge.text}`);
    out.push(`  gradient flow ${s.laws.gradientFlow}`);
    out.push(`  SGD, per step ${s.laws.sgdStep}`);
    out.push(`  SGD, in time  ${s.laws.sgdContinuous}`);
    if (s.equilibrium) {
      const e = s.equilibrium;
      out.push(
        `  equilibrium   λ* = ${fmt(e.lambda)}${e.lambdaStdErr !== undefined ? ` ± ${fmt(e.lambdaStdErr)}` : ''}: C goes from ${fmt(e.chargeInitial)} to ${fmt(e.chargeEquilibrium)}`,
      );
      out.push(`                at ${Object.entries(e.point).filter(([c]) => s.involves.includes(c)).map(([c, v]) => `${c} = ${fmt(v)}`).join(', ')}`);
    } else if (s.equilibriumNote) out.push(`  equilibrium   none: ${s.equilibriumNote}`);
    out.push('');
  });
  const warnings = r.diagnostics.filter((d) => d.severity !== 'error');
  if (warnings.length) out.push(formatDiagnostics(file, { ...r, diagnostics: warnings }));
  return out.join('\n');
}

export function formatSimulation(file: string, r: import('../core/numeric/types').SimulationResult): string {
  const out: string[] = [`Noether Lab simulation of ${file}`];
  for (const run of r.runs) {
    out.push('');
    out.push(
      `Run ${run.run}: ${run.optimizer}(lr = ${run.lr}, batch = ${run.batch}${run.weightDecay ? `, weight_decay = ${run.weightDecay}` : ''}), ` +
        `${run.chains} chains × ${run.steps} steps, seed ${run.seed}${run.gdGradient ? `, gradient: ${run.gdGradient}` : ''}` +
        `  [${fmt(run.stepsPerSecond)} chain-steps/s]${run.cancelled ? '  (cancelled)' : ''}`,
    );
    if (run.diverged.length) out.push(`  diverged: ${run.diverged.length} chain(s), first at step ${Math.min(...run.diverged.map((d) => d.step))}`);
    if (Number.isFinite(run.lawResidual)) out.push(`  law (D) per step: max relative residual ${run.lawResidual.toExponential(2)} over every step of every chain`);
    for (const c of run.charges) {
      out.push(
        `  charge ${c.symmetry + 1} (${c.kind}) C = ${c.text}: ${fmt(c.initial)} → ${fmt(c.finalMean)} ± ${fmt(c.finalStd)} (over chains)` +
          (c.predictedEquilibrium !== null ? `; noise equilibrium predicts ${fmt(c.predictedEquilibrium)}` : ''),
      );
    }
    const st = run.stationary;
    const comps = Object.keys(st.mean).slice(0, 8);
    out.push(`  stationary (after step ${st.burnin}): ` + comps.map((c) => `${c}: mean ${fmt(st.mean[c])} ± ${fmt(st.meanStdErr[c])}, var ${fmt(st.var[c])} ± ${fmt(st.varStdErr[c])}`).join('; '));
  }
  return out.join('\n');
}
