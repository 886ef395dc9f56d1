// The exported report: the analysis and the last simulation of a file, as JSON (everything) and as
// Markdown (readable summary). Pure: no vscode import.
import type { AnalysisResult } from '../../core/analysis/analyze';
import type { Prediction } from '../../core/analysis/predictions';
import type { RunResult, SimulationResult, VerdictFields } from '../../core/numeric/types';
import {
  equilibriumText,
  generatorCharge,
  generatorCount,
  groupEndsText,
  groupStartOrbitText,
  generatorName,
  generatorsText,
  groupCharge,
  groupStatusText,
  runChargeName,
  runChargeText,
  symmetriesWord,
} from '../../shared/groupText';
import {
  closedFormNoneText,
  conservationLawsText,
  groupClosedForms,
  levelName,
  measuredText,
  productComparison,
  productFactsText,
  CHAIN_LAW_LABEL,
} from '../../shared/lawText';
import { etaTermText, pointText, predictionSentence, runLabel, sig4, stabilityLine } from '../../shared/predictionText';
import { noSymmetryText, num } from '../hover/format';

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
    out.push(
      `- Parameters: ${a.parameters.map((p) => (p.shape.length ? `${p.name}[${p.shape.join('×')}]` : p.name)).join(', ')} (${a.components.length} components)`,
    );
    out.push(`- Initial point: ${pointText(a.initial, a.components, MAX_POINT_COMPONENTS)}`);
    if (a.noise)
      out.push(
        `- Noise Σ(θ₀): ${a.noise.method}${a.noise.samples ? ` (${a.noise.samples} samples)` : ''}; η = ${num(a.noise.lr)}, B = ${a.noise.batch}, γ = ${num(a.noise.weightDecay)} from ${a.noise.basis}`,
      );
    out.push('', '## Where SGD ends', '');
    const preds = a.predictions ?? [];
    if (preds.length === 0) out.push('No noisy train line (sgd or momentum): nothing to predict.', '');
    for (const p of preds) out.push(...predictionMarkdown(a, p));
    out.push('', ...groupsMarkdown(a), ...generatorsMarkdown(a));
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

/** Components listed in a line (the initial point) and in a table (the end point); the JSON has them all. */
const MAX_POINT_COMPONENTS = 24;
const MAX_TABLE_COMPONENTS = 64;

/** Listed generators a report shows per group before it summarises the rest. */
const MAX_GENERATOR_ROWS = 12;

/** The symmetry groups first: each with its charge and laws in matrix form, its generators, where SGD ends. */
function groupsMarkdown(a: AnalysisResult): string[] {
  const out = ['## Symmetry groups', ''];
  const conservation = conservationLawsText(a);
  if (a.groups.length === 0) return [...out, noSymmetryText(), '', ...(conservation ? [conservation, ''] : [])];
  out.push(
    `${symmetriesWord(generatorCount(a))} of ℓ in ${a.groups.length === 1 ? '1 group' : `${a.groups.length} groups`}.${conservation ? ` ${conservation}` : ''}`,
    '',
  );
  const p = a.predictions?.[0];
  a.groups.forEach((g, gi) => {
    const charge = groupCharge(a, g);
    out.push(`### ${g.name}`, '');
    out.push(`- ${g.kind}, ${groupStatusText(g)}; acts on ${g.tensors.join(', ')}`);
    out.push(`- Charge: ${charge.text}  ($${charge.tex}$)`);
    out.push(...closedFormMarkdown(a, gi));
    out.push(`- Gradient flow: ${g.laws.gradientFlow}`);
    out.push(`- SGD, exact per step: ${g.laws.sgdStep}`);
    out.push(`- SGD, continuous time: ${g.laws.sgdContinuous}`);
    out.push(`- Generators: ${generatorsText(a, g)}`);
    const ends = groupEndsText(a, gi);
    if (p && ends) out.push(`- Where SGD ends (run ${p.run}): ${ends}`);
    const orbit = groupStartOrbitText(a, gi);
    if (orbit) out.push(`- Secondary, the balanced point of the start's orbit (not where SGD ends): ${orbit}`);
    out.push('');
  });
  return out;
}

/**
 * Law (C) in closed form for a group's generators where they read at the level of the group (a few),
 * else a pointer to the table of generators; the equilibrium condition; or why there is none.
 */
function closedFormMarkdown(a: AnalysisResult, gi: number): string[] {
  const f = groupClosedForms(a, gi, MAX_CLOSED_FORMS);
  if (!f.count && !f.matrix) return f.notes.length ? [`- Law (C) in closed form: ${closedFormNoneText(f)}`] : [];
  const out =
    f.inline || f.matrix
      ? f.laws.map(({ law }) => `- Law (C) in closed form: ${law.text}`)
      : ['- Law (C) in closed form: one per generator, in the table of generators below'];
  if (f.matrix && f.count) out.push("- Each generator's own law (C), anywhere: in the table of generators below");
  if (f.inline && f.more > 0) out.push(`- … ${f.more} more closed forms, one per generator (in the JSON report: \`laws.sgdClosedForm\`)`);
  for (const e of f.equilibria) out.push(`- At the noise equilibrium: ${e.text}`);
  return out;
}

/** Closed-form laws a report shows per group. */
const MAX_CLOSED_FORMS = 4;

/** Then the generators, group by group, each with its own charge; a huge group's summarised. */
function generatorsMarkdown(a: AnalysisResult): string[] {
  if (a.symmetries.length === 0) return [];
  const first = a.predictions?.[0];
  const p = first && (first.charges.some((c) => c !== null) || first.growth.length) ? first : undefined;
  const out = [
    '## Generators',
    '',
    `Each listed generator's charge${p ? `, where SGD ends for it (run ${p.run})` : ''} and the start-orbit solve (secondary).`,
    '',
  ];
  // Law (C) in closed form beside each generator of a group whose laws are about sums over components.
  const perGenerator = a.groups.map((_, gi) => {
    const f = groupClosedForms(a, gi);
    return !f.inline && f.count > 0;
  });
  const lawCol = perGenerator.some((x) => x);
  out.push(
    `| generator | group | kind | status | charge |${p ? ' where SGD ends | O(η) term |' : ''} start's orbit (secondary) |${lawCol ? ' law (C) in closed form |' : ''}`,
  );
  out.push(`|---|---|---|---|---|${p ? '---|---|' : ''}---|${lawCol ? '---|' : ''}`);
  a.groups.forEach((g, gi) => {
    for (const i of g.symmetries.slice(0, MAX_GENERATOR_ROWS)) {
      const s = a.symmetries[i];
      const c = p?.charges[i];
      const grows = p?.growth.some((x) => x.symmetry === i);
      const end = p
        ? ` ${grows ? 'grows' : fmtOrDash(c)}${p.orientationDependent?.[i] ? ' (gauge-dependent)' : ''} | ${etaTermText(p.etaTerms?.[i], c) || '—'} |`
        : '';
      out.push(
        `| ${cell(generatorName(a, i))} | ${gi + 1} | ${s.kind} | ${s.status}${s.proof ? ` (${s.proof})` : ''} | ${cell(generatorCharge(a, i).text)} |${end} ${s.equilibrium || s.equilibriumNote ? cell(equilibriumText(s)) : '—'} |${lawCol ? ` ${perGenerator[gi] && s.laws.sgdClosedForm ? cell(s.laws.sgdClosedForm.text) : perGenerator[gi] ? '—' : 'in its group, above'} |` : ''}`,
      );
    }
    const more = g.symmetries.length - Math.min(g.symmetries.length, MAX_GENERATOR_ROWS);
    if (more > 0 || g.unlisted > 0) {
      const what = [
        more > 0 ? `${more} more listed` : '',
        g.unlisted > 0 ? `${g.unlisted} not listed (the charge ${groupCharge(a, g).text} holds them all)` : '',
      ]
        .filter(Boolean)
        .join(', ');
      out.push(`| … | ${gi + 1} | | | ${cell(what)} |${p ? ' | |' : ''} |${lawCol ? ' |' : ''}`);
    }
  });
  out.push('', `Group numbers follow the order of "Symmetry groups" above.`, '');
  return out;
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
  for (const g of p.growth) out.push(`- ${generatorName(a, g.symmetry)} grows: ${g.law}`);
  if (p.balance) {
    const b = p.balance.charges
      .map((c, i) => (c === null ? null : `${generatorName(a, i)} = ${fmtOrDash(c)}`))
      .filter((x) => x !== null)
      .join(', ');
    out.push(`- Secondary, the law-of-balance point (every charge drift zero, not stationary here): ${b}`);
  }
  // Beyond the end-point solve's size nothing was computed: the sentence above says why.
  if (p.minimum.loss === null || !Number.isFinite(p.minimum.loss)) return [...out, ''];
  out.push(
    `- How: gradient flow from chain 0's start to a minimum (L = ${fmtOrDash(p.minimum.loss)}${p.minimum.converged ? '' : `; ${p.minimum.note ?? 'not converged'}`}), then the joint noise equilibrium of every generator there.`,
  );
  out.push(`- Accuracy: ${p.order}.`, '');
  // The end point only where it is predicted; else where gradient flow goes.
  const end = p.status === 'equilibrium' ? p.endPoint : null;
  out.push(`| component | start | gradient-flow minimum |${end ? ' SGD ends at |' : ''}`, `|---|---|---|${end ? '---|' : ''}`);
  const rows = a.components.slice(0, MAX_TABLE_COMPONENTS);
  for (const c of rows) out.push(`| ${cell(c)} | ${fmtOrDash(a.initial[c])} | ${fmtOrDash(p.minimum.point[c])} |${end ? ` ${fmtOrDash(end[c])} |` : ''}`);
  if (a.components.length > rows.length) out.push(`| … ${a.components.length - rows.length} more components (in the JSON report) | | |${end ? ' |' : ''}`);
  out.push('');
  if (p.charges.some((c) => c !== null)) {
    out.push('| charge | predicted at the end | O(η) discrete-time term | orientation-dependent |', '|---|---|---|---|');
    p.charges.forEach((c, i) => {
      out.push(
        `| ${cell(generatorCharge(a, i).text)} | ${fmtOrDash(c)} | ${fmtOrDash(p.etaTerms?.[i])} | ${p.orientationDependent?.[i] ? 'yes: compare its invariants' : 'no'} |`,
      );
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
  if (run.prediction)
    out.push(`Prediction: ${run.prediction.status === 'equilibrium' ? 'SGD ends at the joint noise equilibrium' : run.prediction.reason}.`, '');
  if (run.charges.length || run.invariants?.length) {
    out.push('| quantity | predicted | O(η) term | measured ± SE | z | verdict | steps still needed | how |', '|---|---|---|---|---|---|---|---|');
    for (const c of run.charges) out.push(verdictRow(runChargeText(c), c.predictedEquilibrium, c));
    for (const inv of run.invariants ?? []) out.push(verdictRow(inv.text, inv.predicted, inv));
    out.push('');
    out.push('| charge | initial | final (mean ± std over chains) |', '|---|---|---|');
    for (const c of run.charges)
      out.push(`| ${runChargeName(c)} (${c.kind}) | ${fmtOrDash(c.initial)} | ${fmtOrDash(c.finalMean)} ± ${fmtOrDash(c.finalStd)} |`);
    out.push('');
  }
  if (run.series.lawC && run.charges.length) out.push(`Law (C) curve: ${run.series.lawC}`, '');
  const st = run.stationary;
  const comps = Object.keys(st.mean);
  if (comps.length) {
    out.push(
      `Stationary statistics after a burn-in of ${st.burnin} steps (${st.burninMethod}), ${st.samples} samples${st.reached ? '' : '. **Not stationary yet**: the charges or the loss still drift at the end'}.`,
    );
    if (st.theory) out.push(`Theory: ${st.theory.source}.`);
    out.push('');
    // The components' Gaussian laws; a deep chain's theory is the law of their product (below).
    const th = st.theory && Object.keys(st.theory.mean).length ? st.theory : undefined;
    out.push(
      `| component | stationary mean ± s.e. | stationary variance ± s.e. |${th ? ' theory mean | theory variance |' : ''}`,
      `|---|---|---|${th ? '---|---|' : ''}`,
    );
    for (const c of comps.slice(0, MAX_TABLE_COMPONENTS)) {
      out.push(
        `| ${cell(c)} | ${fmtOrDash(st.mean[c])} ± ${fmtOrDash(st.meanStdErr[c])} | ${fmtOrDash(st.var[c])} ± ${fmtOrDash(st.varStdErr[c])} |${th ? ` ${fmtOrDash(th.mean[c])} | ${fmtOrDash(th.var[c])} |` : ''}`,
      );
    }
    if (comps.length > MAX_TABLE_COMPONENTS)
      out.push(`| … ${comps.length - MAX_TABLE_COMPONENTS} more components (in the JSON report) | | |${th ? ' | |' : ''}`);
    out.push('');
  }
  const cmp = productComparison(st);
  if (cmp) {
    const samples =
      cmp.samples === null ? 'not measured' : `measured over ${cmp.samples} samples (chains × records after the burn-in), SE by bootstrap over chains`;
    out.push(`Law of the product ${cmp.variable}, the ${CHAIN_LAW_LABEL}: ${productFactsText(cmp)}; ${samples}.`, '');
    out.push('| quantile | theory | measured ± SE |', '|---|---|---|');
    for (const row of cmp.rows) out.push(`| ${levelName(row.level)} | ${sig4(row.theory)} | ${measuredText(row)} |`);
    out.push('');
  }
  for (const d of run.diverged.slice(0, 5)) out.push(`- ${d.message}`);
  if (run.diverged.length) out.push('');
  return out;
}
