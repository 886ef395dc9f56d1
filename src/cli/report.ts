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
