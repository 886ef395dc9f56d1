// Readable Markdown (Unicode math) for hovers and reports, from the plain-data analysis. Pure.
import type { AnalysisResult, SymmetryReport } from '../../core/analysis/analyze';
import type { StabilityInfo } from '../../core/analysis/predictions';
import { etaTermText, firstPrediction, predictionLine, runLabel, stabilityLine } from '../../shared/predictionText';

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

export function symmetryTitle(s: SymmetryReport, i: number): string {
  return `Symmetry ${i + 1}: ${s.kind} (${s.status}${s.proof ? `, by ${s.proof}` : ''})`;
}

/** The start-orbit solve (secondary: the balanced point of the initial point's orbit, not where SGD ends). */
export function equilibriumText(s: SymmetryReport): string {
  const e = s.equilibrium;
  if (!e) return s.equilibriumNote ? `none: ${s.equilibriumNote}` : 'none on this orbit';
  const point = Object.entries(e.point)
    .filter(([k]) => s.involves.includes(k))
    .map(([k, v]) => `${k} = ${num(v)}`)
    .join(', ');
  return `C goes from ${num(e.chargeInitial)} to ${num(e.chargeEquilibrium)}, at ${point}`;
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

/** Bullet lines (Markdown) describing one symmetry: charge, laws, where SGD ends, the start-orbit solve. */
export function symmetryBullets(s: SymmetryReport, i: number, a?: AnalysisResult): string[] {
  const out = [
    `- **moves** ${md(s.involves.join(', '))}`,
    `- **charge** C = ${md(s.charge.text)}`,
    `- **gradient flow**: ${md(s.laws.gradientFlow)}`,
    `- **SGD, exact per step**: ${md(s.laws.sgdStep)}`,
    `- **SGD, continuous time**: ${md(s.laws.sgdContinuous)}`,
  ];
  const p = a ? firstPrediction(a) : undefined;
  const c = p?.charges[i];
  const growth = p?.growth.find((g) => g.symmetry === i);
  if (growth) out.push(`- **where SGD ends**: C grows without bound: ${md(growth.law)}`);
  else if (p && c !== null && c !== undefined) {
    const eta = etaTermText(p.etaTerms?.[i], c);
    const gauge = p.orientationDependent?.[i] ? ' — depends on the rotation gauge; the panel compares its invariants' : '';
    out.push(`- **where SGD ends**: C = ${num(c)}${eta ? ` (+ O(η) term ${eta})` : ''}${gauge}`);
  }
  out.push(`- *${START_ORBIT_LABEL}*: ${md(equilibriumText(s))}`);
  return out;
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

/** Indices of the symmetries a parameter (scalar `u` or tensor `U` with components `U[i,j]`) takes part in. */
export function symmetriesOf(a: AnalysisResult, name: string): number[] {
  const mine = (c: string) => c === name || c.startsWith(`${name}[`);
  return a.symmetries.map((s, i) => (s.involves.some(mine) ? i : -1)).filter((i) => i >= 0);
}

/** Extra theory for train keys (THEORY.md), beyond the key's one-line doc. */
export const TRAIN_KEY_THEORY: Record<string, string> = {
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
};

export const KEYWORD_DOCS: Record<string, string> = {
  param: '`param NAME[SHAPE]? (= INIT)?` — a trainable tensor; INIT is a number, a nested list, or `~ DIST` (drawn per chain). Default `~ normal(0, 1)`.',
  data: '`data NAME[SHAPE]? ~ DIST` — one input of one example, drawn fresh for every example; or `data a, b from "FILE.csv"` — a finite data set, one example per row.',
  dataset: '`dataset size = N` — draw a fixed training set of N examples once (seeded) and train on it instead of fresh data.',
  let: '`let NAME = EXPR` — a named expression of data, parameters and earlier `let`s.',
  loss: '`loss = EXPR` — the per-example loss ℓ(θ; z); a scalar; exactly one per file.',
  train: '`train OPT(KEY = VALUE, …)` — an optimizer run; several `train` lines are runs to compare.',
};
