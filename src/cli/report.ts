// Human-readable text report of an analysis, for the terminal.
import { AnalysisResult } from '../core/analysis/analyze';
import { lawDCoverage } from '../core/numeric/types';
import {
  equilibriumText,
  generatorCharge,
  generatorCount,
  generatorName,
  generatorsText,
  groupCharge,
  groupEndsText,
  groupStartOrbitText,
  groupStatusText,
  runChargeText,
  symmetriesWord,
} from '../shared/groupText';
import {
  CHAIN_LAW_LABEL,
  closedFormNoneText,
  conservationLawsText,
  groupClosedForms,
  levelName,
  measuredText,
  productComparison,
  productFactsText,
} from '../shared/lawText';
import { chargesText, pointText } from '../shared/predictionText';

export function formatDiagnostics(file: string, r: AnalysisResult): string {
  return r.diagnostics
    .map((d) => `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${(d.fixes ?? (d.fix ? [d.fix] : [])).map((f) => `\n    fix: ${f.title}`).join('')}`)
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
  out.push(
    `  parameters: ${r.parameters.map((p) => (p.shape.length ? `${p.name}[${p.shape.join('×')}]` : p.name)).join(', ')}  (${r.components.length} components)`,
  );
  out.push(`  initial point: ${pointText(r.initial, r.components, 12)}`);
  if (r.noise) {
    const how = {
      'exact-moments': 'exact moments of the data distribution',
      dataset: `exact average over the ${r.noise.samples} examples of the data set`,
      'monte-carlo': `Monte Carlo over ${r.noise.samples} examples`,
    }[r.noise.method];
    out.push(`  noise Σ(θ₀): ${how}; SGD constants from ${r.noise.basis}`);
  }
  out.push('');
  for (const p of r.predictions ?? []) out.push(...formatPrediction(r, p), '');
  out.push(...formatGroups(r));
  const warnings = r.diagnostics.filter((d) => d.severity !== 'error');
  if (warnings.length) out.push(formatDiagnostics(file, { ...r, diagnostics: warnings }));
  return out.join('\n');
}

/** Generators a text report lists per group before it summarises the rest. */
const MAX_GENERATOR_LINES = 6;

/**
 * The symmetry groups first (charge and laws in matrix form, generators, where SGD ends), then the
 * generators of every group of dimension above 1, each with its own charge (a huge group summarised).
 */
export function formatGroups(r: AnalysisResult): string[] {
  const out: string[] = [];
  const conservation = conservationLawsText(r);
  if (r.groups.length === 0) {
    out.push('No continuous symmetry: no conserved quantity, no balance law. (Checked: rescaling, scaling,');
    out.push('general linear θ → e^{λA}θ with symmetric A, and translations.)');
    if (conservation) out.push(conservation);
    out.push('');
    return out;
  }
  out.push(`${symmetriesWord(generatorCount(r))} in ${r.groups.length === 1 ? '1 group' : `${r.groups.length} groups`}:`);
  if (conservation) out.push(conservation);
  out.push('');
  r.groups.forEach((g, gi) => {
    out.push(`Group ${gi + 1}: ${g.name} — ${g.kind}, ${groupStatusText(g)}; acts on ${g.tensors.join(', ')}`);
    out.push(`  charge        ${groupCharge(r, g).text}`);
    out.push(...closedFormLines(r, gi));
    out.push(`  gradient flow ${g.laws.gradientFlow}`);
    out.push(`  SGD, per step ${g.laws.sgdStep}`);
    out.push(`  SGD, in time  ${g.laws.sgdContinuous}`);
    out.push(`  generators    ${generatorsText(r, g)}`);
    const ends = groupEndsText(r, gi);
    if (ends) out.push(`  SGD ends with ${ends}`);
    const orbit = groupStartOrbitText(r, gi);
    if (orbit) out.push(`  start's orbit (secondary: the balanced point of the initial point's orbit, not where SGD ends): ${orbit}`);
    out.push('');
  });
  const several = r.groups.map((g, gi) => ({ g, gi })).filter(({ g }) => g.symmetries.length > 1 || g.unlisted > 0);
  if (several.length) {
    out.push('Generators:');
    for (const { g, gi } of several) {
      for (const i of g.symmetries.slice(0, MAX_GENERATOR_LINES)) {
        const s = r.symmetries[i];
        out.push(`  ${generatorCharge(r, i).text}`);
        const orbit = s.equilibrium || s.equilibriumNote ? `; start's orbit (secondary): ${equilibriumText(s)}` : '';
        out.push(`      group ${gi + 1}, ${s.kind} (${s.status}${s.proof ? `, by ${s.proof}` : ''})${orbit}`);
        if (s.proofNote) out.push(`      note: ${s.proofNote}; it holds to rounding at 64 random points`);
        if (!groupClosedForms(r, gi).inline && s.laws.sgdClosedForm) out.push(`      law (C): ${s.laws.sgdClosedForm.text}`);
      }
      const more = g.symmetries.length - Math.min(g.symmetries.length, MAX_GENERATOR_LINES);
      if (more > 0) out.push(`  … ${more} more listed generators of group ${gi + 1} (noether analyze --json lists them)`);
      if (g.unlisted > 0) out.push(`  … ${g.unlisted} generators of group ${gi + 1} not listed: its charge ${groupCharge(r, g).text} holds them all`);
    }
    out.push('');
  }
  return out;
}

/**
 * Law (C) in closed form for a group: one line per listed generator where the laws read at the level
 * of the group (else each stands under its generator, below), what must balance at the noise
 * equilibrium, or why there is no closed form.
 */
function closedFormLines(r: AnalysisResult, gi: number): string[] {
  const f = groupClosedForms(r, gi);
  if (!f.count && !f.matrix) return f.notes.length ? [`  law (C)       closed form ${closedFormNoneText(f)}`] : [];
  const out =
    f.inline || f.matrix
      ? f.laws.map(({ law }) => `  law (C)       ${law.text}`)
      : [`  law (C)       in closed form for each generator: under Generators, below`];
  if (f.matrix && f.count) out.push(`                each generator's own closed form: under Generators, below`);
  for (const e of f.equilibria) out.push(`  equilibrium   ${e.text}`);
  return out;
}

/** "SGD ends at …": the prediction of one noisy train line (THEORY.md §4). */
export function formatPrediction(r: AnalysisResult, p: NonNullable<AnalysisResult['predictions']>[number]): string[] {
  const out: string[] = [];
  const head = `${p.optimizer}(lr = ${p.lr}, batch = ${p.batch}${p.weightDecay ? `, weight_decay = ${p.weightDecay}` : ''})`;
  if (p.status === 'equilibrium' && p.endPoint) {
    const moved = r.components.filter((c) => r.symmetries.some((s) => s.involves.includes(c)));
    const shown = (moved.length ? moved : r.components).slice(0, 12);
    out.push(
      `SGD ends at (run ${p.run}, ${head}): ${shown.map((c) => `${c} = ${fmt((p.endPoint as Record<string, number>)[c])}`).join(', ')}${shown.length < r.components.length ? ', …' : ''}`,
    );
  } else out.push(`SGD ends (run ${p.run}, ${head}): ${p.status === 'grows' ? 'no equilibrium, a charge grows' : 'no prediction'}: ${p.reason}`);
  const ch = chargesText(p, undefined, 8, (i) => generatorName(r, i));
  if (ch) out.push(`  charges there ${ch}`);
  for (const g of p.growth) out.push(`  ${generatorName(r, g.symmetry)} grows: ${g.law}`);
  if (p.relaxationSteps !== null)
    out.push(`  relaxation    the slowest charge relaxes in about ${fmt(Math.round(p.relaxationSteps))} steps (linearised; a run needs several of them)`);
  const m = p.minimum;
  // Beyond the end-point solve's size nothing was computed: the reason above says so.
  if (m.loss === null || !Number.isFinite(m.loss)) return out;
  out.push(
    `  how           gradient flow from chain 0's start to a minimum (L = ${fmt(m.loss)}${m.converged ? '' : `; ${m.note ?? 'not converged'}`}), then the joint noise equilibrium of every generator there`,
  );
  out.push(`  accuracy      ${p.order}`);
  return out;
}

export function formatSimulation(file: string, r: import('../core/numeric/types').SimulationResult): string {
  const out: string[] = [`Noether Lab simulation of ${file}`];
  for (const run of r.runs) {
    out.push('');
    out.push(
      `Run ${run.run}: ${run.optimizer}(lr = ${run.lr}, batch = ${run.batch}${run.weightDecay ? `, weight_decay = ${run.weightDecay}` : ''}), ` +
        `${run.chains} chains × ${run.steps} steps, seed ${run.seed}${run.gdGradient ? `, gradient: ${run.gdGradient}` : ''}` +
        `  [${fmt(run.stepsPerSecond)} chain-steps/s]  status: ${run.status}`,
    );
    if (run.divergence) out.push(`  DIVERGED      ${run.divergence.message}`);
    const p = run.prediction;
    if (p && p.status === 'equilibrium' && p.endPoint) {
      const shown = Object.entries(p.endPoint).slice(0, 8);
      out.push(
        `  SGD ends at   ${shown.map(([c, v]) => `${c} = ${fmt(v)}`).join(', ')}${Object.keys(p.endPoint).length > shown.length ? ', …' : ''}` +
          (p.relaxationSteps !== null ? `  (relaxation ≈ ${fmt(Math.round(p.relaxationSteps))} steps)` : ''),
      );
    } else if (p) out.push(`  SGD ends      ${p.status === 'grows' ? 'no equilibrium: a charge grows' : 'no prediction'}: ${p.reason}`);
    if (Number.isFinite(run.lawResidual))
      out.push(`  law (D) per step: max relative residual ${run.lawResidual.toExponential(2)} over ${lawDCoverage(run)} of every chain`);
    for (const c of run.charges) {
      const head = `  charge ${runChargeText(c)} (${c.kind}): ${fmt(c.initial)} → ${fmtMaybe(c.finalMean)} ± ${fmtMaybe(c.finalStd)} (over chains)`;
      out.push(head);
      const lawC = run.series.charges[c.symmetry]?.lawResidual;
      if (lawC) {
        const k = lawC.mean.length - 1;
        out.push(
          `      law (C)   predicted ${fmtMaybe(run.series.charges[c.symmetry].predicted[k] ?? NaN)}; measured − predicted ${fmtMaybe(lawC.mean[k])} ± ${fmtMaybe(lawC.se[k])} (SE over chains)`,
        );
      }
      out.push(`      ${verdictLine(c.verdict, c.predictedEquilibrium, c.measured, c.measuredStdErr, c.z, c.etaTerm, c.verdictNote)}`);
    }
    for (const inv of run.invariants ?? []) {
      out.push(`  invariant ${inv.text}`);
      out.push(`      ${verdictLine(inv.verdict, inv.predicted, inv.measured, inv.measuredStdErr, inv.z, inv.etaTerm, inv.verdictNote)}`);
    }
    if (run.series.lawC) out.push(`  law (C) curve: ${run.series.lawC}`);
    const st = run.stationary;
    const comps = Object.keys(st.mean).slice(0, 8);
    out.push(
      `  stationary (after step ${st.burnin}${st.reached ? '' : ', NOT stationary yet: the charges or the loss still drift'}; ${st.samples} samples): ` +
        comps
          .map(
            (c) =>
              `${c}: mean ${fmtMaybe(st.mean[c])} ± ${fmtMaybe(st.meanStdErr[c])}, var ${fmtMaybe(st.var[c])} ± ${fmtMaybe(st.varStdErr[c])}${st.theory?.var[c] !== undefined ? ` (theory ${fmtMaybe(st.theory.var[c])})` : ''}`,
          )
          .join('; '),
    );
    const cmp = productComparison(st);
    if (cmp) {
      out.push(`  product ${cmp.variable}, ${CHAIN_LAW_LABEL}: ${productFactsText(cmp)}`);
      out.push(
        `      quantiles theory vs measured ± SE: ${cmp.rows.map((row) => `${levelName(row.level)} ${fmtMaybe(row.theory)} vs ${measuredText(row)}`).join('; ')}`,
      );
    }
  }
  return out.join('\n');
}

function fmtMaybe(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : fmt(x);
}

function verdictLine(
  verdict: string,
  predicted: number | null,
  measured: number | null,
  se: number | null,
  z: number | null,
  eta: number | null,
  note: string,
): string {
  if (verdict === 'no prediction') return `prediction —: ${note}`;
  return `predicted ${fmtMaybe(predicted)}${eta ? ` (+ O(η) ${fmt(eta)})` : ''}, measured ${fmtMaybe(measured)} ± ${fmtMaybe(se)}, z = ${fmtMaybe(z)}: ${verdict.toUpperCase()} — ${note}`;
}
