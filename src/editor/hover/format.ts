// Readable Markdown (Unicode math) for hovers and reports, from the plain-data analysis. Pure.
import type { AnalysisResult, GroupReport } from '../../core/analysis/analyze';
import { nameTable } from '../../core/lang/names';
import type { StabilityInfo } from '../../core/analysis/predictions';
import {
  generatorCount,
  generatorProofNotes,
  generatorsOf,
  generatorsText,
  groupCharge,
  groupEndsText,
  groupsOf,
  groupStartOrbitText,
  groupStatusText,
  symmetriesWord,
} from '../../shared/groupText';
import { closedFormNoneText, conservationLawsText, groupClosedForms } from '../../shared/lawText';
import { firstPrediction, predictionLine, runLabel, stabilityLine } from '../../shared/predictionText';

export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e-3 && a < 1e5 ? x.toFixed(4).replace(/\.?0+$/, '') : x.toExponential(3);
  return s.replace(/^-/, '−');
}

/** Escape Markdown's special characters in plain text (laws contain `*`, `_`, `[`). */
export function md(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}

/** Label of the start-orbit line wherever it is shown. */
export const START_ORBIT_LABEL = "secondary — balanced point of the start's orbit, not where SGD ends";

/**
 * Where SGD ends for the file's first noisy run, as the first line of a hover (Markdown):
 * `**SGD ends at** u = 1.414, w = 1.414 · C₁ = 0 · ≈6400 steps`, with the run it is for.
 * `symmetries` restricts the charges and, unless `components` is given, the end point to what they move.
 */
export function sgdEndsMarkdown(a: AnalysisResult, symmetries?: number[], components?: string[]): string {
  const p = firstPrediction(a);
  if (!p) return '**SGD ends:** no prediction — no noisy `train` line (sgd or momentum) in this file.';
  const l = predictionLine(a, p, { symmetries, components, maxComponents: 6 });
  const at = l.head.startsWith('SGD ends at ');
  const rest = at ? l.head.slice('SGD ends at '.length) : l.head.replace(/^SGD ends:\s*/, '');
  const parts = [`**${at ? 'SGD ends at' : 'SGD ends:'}** ${md(rest)}`];
  if (l.charges) parts.push(md(l.charges));
  if (l.relaxation) parts.push(`relaxes in ${l.relaxation}`);
  const more = (a.predictions?.length ?? 0) > 1 ? `; ${(a.predictions?.length ?? 1) - 1} more in the panel` : '';
  let out = `${parts.join(' · ')} *(${md(runLabel(p))}${more})*`;
  if (l.reason) out += `  \n${md(l.reason)}`;
  return out;
}

/** A group's title in a hover: `**GL(3) on the hidden index of U, W** — linear, proved (covariance), dimension 6`. */
export function groupTitleMarkdown(g: GroupReport): string {
  return `**${md(g.name)}** — ${g.kind}, ${md(groupStatusText(g))}, dimension ${g.dimension}`;
}

/**
 * Bullet lines (Markdown) describing one group: its charge and laws in matrix form, its generators
 * (only where there are several or some are not listed), where SGD ends for them, the start-orbit solve.
 */
export function groupBullets(a: AnalysisResult, gi: number): string[] {
  const g = a.groups[gi];
  const out = [
    `- **acts on** ${md(g.tensors.join(', '))}`,
    `- **charge** ${md(groupCharge(a, g).text)}`,
    `- **gradient flow**: ${md(g.laws.gradientFlow)}`,
    `- **SGD, exact per step**: ${md(g.laws.sgdStep)}`,
    `- **SGD, continuous time**: ${md(g.laws.sgdContinuous)}`,
    ...generatorProofNotes(a, g).map((n) => `- **proof**: ${md(n)}; it holds to rounding at 64 random points`),
  ];
  const closed = groupClosedForms(a, gi);
  if (!closed.laws.length && closed.notes.length) out.push(`- **law (C) in closed form**: ${md(closedFormNoneText(closed))}`);
  if (g.dimension > 1 || g.unlisted > 0) out.push(`- **generators**: ${md(generatorsText(a, g))}`);
  const ends = groupEndsText(a, gi);
  if (ends) out.push(`- **where SGD ends**: ${md(ends)}`);
  const orbit = groupStartOrbitText(a, gi);
  if (orbit) out.push(`- *${START_ORBIT_LABEL}*: ${md(orbit)}`);
  return out;
}

/** A link to the panel (command URI): focused on symmetry `index`, group `{ group }`, or the prediction of run `{ prediction }`. */
export function showPanelLink(uri: string, index?: number | { prediction: number } | { group: number }, label = 'Show in panel'): string {
  const args = index === undefined ? [uri] : [uri, index];
  return `[$(preview) ${label}](command:noetherLab.showPanel?${encodeURIComponent(JSON.stringify(args))} "Open the Noether Lab panel")`;
}

/** The panel target of a hover's "Predictions" link: the first noisy run's card. */
function predictionTarget(a: AnalysisResult): { prediction: number } | undefined {
  const p = a.predictions?.[0];
  return p ? { prediction: p.run } : undefined;
}

/** One group in a hover: its title, charge and laws in matrix form, generators, and a link to its card. */
export function groupHoverMarkdown(a: AnalysisResult, gi: number, uri: string): string {
  return `${groupTitleMarkdown(a.groups[gi])}\n\n${groupBullets(a, gi).join('\n')}\n\n${showPanelLink(uri, { group: gi })}`;
}

/** Closed-form laws a hover's lead shows before it points to the panel for the rest. */
const LEAD_LAWS = 3;

/**
 * The lead of a hover (Markdown lines): law (C) in closed form for the generators of `groups`, in the
 * papers' form (`d(u² − w²)/dt = −η·[(1/B)·(…) + (…)]·(u² − w²) = …`), one line each (a group with a
 * matrix-form charge: that each generator has one, in the panel, since each is about a sum over
 * components), then what must balance at the noise equilibrium beside the solved point (`ends`:
 * where SGD ends). Without any closed form, `ends` alone.
 */
export function closedFormLead(a: AnalysisResult, groups: number[], ends: string): string {
  const forms = groups.map((gi) => ({ gi, f: groupClosedForms(a, gi) })).filter((x) => x.f.count > 0 || x.f.matrix);
  if (!forms.length) return ends;
  const named = forms.length > 1;
  const lines: string[] = [];
  let hidden = 0;
  for (const { gi, f } of forms) {
    const g = a.groups[gi];
    if (!f.inline && !f.matrix) {
      lines.push(`*law (C) in closed form for each of the ${f.count} generators of ${md(g.name)}: in the panel (each is about a sum over components)*`);
      continue;
    }
    for (const { law } of f.laws) {
      if (lines.length < LEAD_LAWS) lines.push(`${md(law.text)}${named ? ` *(${md(g.name)})*` : ''}`);
      else hidden++;
    }
  }
  if (hidden) lines.push(`*… ${hidden} more closed-form ${hidden === 1 ? 'law' : 'laws'}, one per generator, in the panel*`);
  const equilibria = [...new Set(forms.flatMap(({ f }) => f.equilibria.map((e) => e.text)))];
  lines.push(`*equilibrium*: ${equilibria.map(md).join('; ')} — *solved*: ${ends}`);
  return lines.join('  \n');
}

/** The sentence on all the conservation laws of gradient flow, in italics, or '' without a count. */
function conservationMarkdown(a: AnalysisResult): string {
  const t = conservationLawsText(a);
  return t ? `\n\n*${md(t)}*` : '';
}

/**
 * The hover on `loss` (Markdown): law (C) in closed form and the equilibrium beside where SGD ends
 * first, then `head` (the keyword's doc), the count of conservation laws, then one block per
 * symmetry group, or that there is none.
 */
export function lossHoverMarkdown(a: AnalysisResult, uri: string, head: string): string {
  const ends = `${sgdEndsMarkdown(a)} ${showPanelLink(uri, predictionTarget(a), 'Predictions')}`;
  if (a.groups.length === 0) return `${ends}\n\n${head}${conservationMarkdown(a)}\n\n**${md(noSymmetryText())}**\n\n${showPanelLink(uri)}`;
  const lead = closedFormLead(
    a,
    a.groups.map((_, gi) => gi),
    ends,
  );
  const inGroups = a.groups.length === 1 ? 'in 1 group' : `in ${a.groups.length} groups`;
  const parts = [`${lead}\n\n${head}\n\n**${symmetriesWord(generatorCount(a))}** of ℓ, ${inGroups}:${conservationMarkdown(a)}`];
  a.groups.forEach((_, gi) => parts.push(groupHoverMarkdown(a, gi, uri)));
  if (a.noise)
    parts.push(
      `*Laws for η = ${num(a.noise.lr)}, B = ${a.noise.batch}, γ = ${num(a.noise.weightDecay)} (${md(a.noise.basis)}); Σ by ${a.noise.method}; ${START_ORBIT_LABEL} with the same constants.*`,
    );
  return parts.join('\n\n---\n\n');
}

/**
 * The hover on a parameter (Markdown): law (C) in closed form for the groups acting on it and the
 * equilibrium beside where SGD ends first (for what those groups move, or the parameter itself when
 * none does), its shape and the count of conservation laws, then one block per group acting on it.
 */
export function paramHoverMarkdown(a: AnalysisResult, name: string, uri: string): string {
  const p = a.parameters.find((q) => q.name === name);
  const shape = p && p.shape.length ? p.shape.join('×') : 'scalar';
  const init = p && p.shape.length === 0 && a.initial[name] !== undefined ? `, initial value ${num(a.initial[name])}` : '';
  const head = `**${name}** — parameter (${shape}${init})${conservationMarkdown(a)}`;
  const groups = groupsOf(a, name);
  const idx = generatorsOf(a, groups);
  const own = a.components.filter((c) => c === name || c.startsWith(`${name}[`));
  const ends = `${sgdEndsMarkdown(a, idx, idx.length ? undefined : own)} ${showPanelLink(uri, predictionTarget(a), 'Predictions')}`;
  if (groups.length === 0) {
    const acted = [...new Set(a.groups.flatMap((g) => g.tensors))].join(', ');
    const none =
      a.groups.length === 0
        ? md(noSymmetryText())
        : `No symmetry group of this loss acts on \`${name}\` (${a.groups.length === 1 ? 'its one group acts' : `its ${a.groups.length} groups act`} on ${md(acted)}).`;
    return `${ends}\n\n${head}\n\n${none}\n\n${showPanelLink(uri)}`;
  }
  return [`${closedFormLead(a, groups, ends)}\n\n${head}`, ...groups.map((gi) => groupHoverMarkdown(a, gi, uri))].join('\n\n---\n\n');
}

/** The `lr` hover's line for one train line: its bound 2/λ_max(H) at the start and the end, and the verdict. */
export function stabilityMarkdown(st: StabilityInfo): string {
  const l = stabilityLine(st);
  const mark = l.stable === true ? '✓ ' : l.stable === false ? '⚠ ' : '';
  return `**This train line:** ${md(l.bounds)}. ${mark}${md(l.verdict)}.`;
}

export function noSymmetryText(): string {
  return 'No continuous symmetry: no conserved quantity, no balance law. (Checked: rescaling, scaling, general linear θ → e^{λA}θ with symmetric A, and translations.)';
}

/** Extra theory for train keys (THEORY.md), beyond the key's one-line doc. */
export const TRAIN_KEY_THEORY = nameTable<string>({
  lr:
    'Stability (THEORY.md §7): GD on a quadratic is stable only for η < 2/λ_max(H), H the Hessian of the expected loss; ' +
    "SGD's fluctuations diverge earlier — for linear regression with x ~ N(0, a) the stationary variance is finite only when " +
    'η·a·(1 + 2/B) < 2 (§5). The temperature of SGD is T = η/B and its clock t = η·steps.',
  batch:
    'The minibatch gradient has noise covariance Σ/B (fresh data, or sampling with replacement), or Σ_N·(N−B)/(B(N−1)) ' +
    'without replacement from a set of N examples. Temperature T = η/B: noise-driven effects (balance laws, escapes) scale with it.',
  steps: 'The continuous-time clock of the laws is t = η·steps.',
  chains: 'Independent runs from the same initial point (random inits drawn per chain); statistics and error bars are over chains.',
  seed: 'Seed of the random stream (data, inits, minibatches); equal seeds give identical runs.',
  weight_decay:
    'Weight decay γ shrinks every step: θ ← (1 − ηγ)θ − ηĝ. Every charge is damped: C ← (1 − ηγ)²C + η²ĝᵀAĝ per step, ' +
    'dC/dt = −2γC + η tr(AΣ_B) + … in continuous time, so the noise equilibrium balances noise against decay.',
  sampling:
    '`with_replacement` (default): each batch drawn independently; `without_replacement`: epochs of shuffled batches of the finite data set ' +
    '(noise covariance Σ_N·(N−B)/(B(N−1))).',
  record_every: 'How often statistics are recorded; by default at most 2000 points are kept per series.',
  warmup: 'The learning rate grows linearly from 0 to lr over this many steps.',
  beta: 'Heavy-ball momentum as in PyTorch: m ← β·m + ĝ, θ ← θ − lr·m (weight decay added to ĝ). Effective learning rate ≈ lr/(1 − β).',
  beta1: "Adam's first-moment decay (PyTorch's Adam).",
  beta2: "Adam's second-moment decay (PyTorch's Adam).",
  eps: "Adam's ε added to √v̂ (PyTorch's Adam).",
});

export { KEYWORD_DOCS } from '../../core/lang/completion';
