// "SGD ends at …": the one-line texts of a run's prediction (THEORY.md §4) and of the stability bound
// (§7), shared by the hovers, the CodeLens, the commands, the report and the webviews so that every
// place says the same thing in the same words. Pure: no `vscode`, no DOM.
import type { AnalysisResult } from '../core/analysis/analyze';
import type { Prediction, StabilityInfo } from '../core/analysis/predictions';

/** Four significant digits, no trailing zeros, a true minus sign; "—" for null and non-finite. */
export function sig4(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e-3 && a < 1e6 ? String(parseFloat(x.toPrecision(4))) : x.toExponential(2).replace(/\.?0+e/, 'e');
  return s.replace(/^-/, '−').replace('e-', 'e−').replace('e+', 'e');
}

const SUBSCRIPT_DIGITS = '₀₁₂₃₄₅₆₇₈₉';
export function sub(n: number): string {
  return String(n)
    .split('')
    .map((d) => SUBSCRIPT_DIGITS[+d])
    .join('');
}

/** `C₁`, `C₂`, … for symmetry index 0, 1, … */
export function chargeName(symmetry: number): string {
  return `C${sub(symmetry + 1)}`;
}

/** A short label of a run: `sgd η=0.05 B=4 γ=0.01`. */
export function runLabel(r: { optimizer: string; lr: number; batch: number; weightDecay?: number }): string {
  let s = `${r.optimizer} η=${r.lr}`;
  if (r.optimizer !== 'gd') s += ` B=${r.batch}`;
  if (r.weightDecay) s += ` γ=${r.weightDecay}`;
  return s;
}

/** The components the given symmetries (default: all) move, in component order; all components if none. */
export function movedComponents(a: Pick<AnalysisResult, 'components' | 'symmetries'>, symmetries?: number[]): string[] {
  const idx = symmetries ?? a.symmetries.map((_, i) => i);
  const moved = new Set(idx.flatMap((i) => a.symmetries[i]?.involves ?? []));
  const out = a.components.filter((c) => moved.has(c));
  return out.length ? out : a.components;
}

/** `u = 1.414, w = 1.414`, at most `max` components, then `… (+N more)`. */
export function pointText(point: Record<string, number | null>, components: string[], max = 6): string {
  const shown = components.filter((c) => c in point).slice(0, max);
  const rest = components.filter((c) => c in point).length - shown.length;
  return shown.map((c) => `${c} = ${sig4(point[c])}`).join(', ') + (rest > 0 ? `, … (+${rest} more)` : '');
}

/**
 * `C₁ = 0, C₂ = 0.1658` over the given symmetries (default all), skipping those with no prediction;
 * `name` names a generator (default `C₁`, `C₂`, …; a generator's label where it has one).
 */
export function chargesText(p: Prediction, symmetries?: number[], max = 4, name: (i: number) => string = chargeName): string {
  const idx = (symmetries ?? p.charges.map((_, i) => i)).filter((i) => p.charges[i] !== null && p.charges[i] !== undefined);
  const shown = idx.slice(0, max).map((i) => `${name(i)} = ${sig4(p.charges[i])}`);
  return shown.join(', ') + (idx.length > max ? `, … (+${idx.length - max} more)` : '');
}

/**
 * The O(η) discrete-time term of a predicted charge, or '' when it is at rounding level against the
 * charge's own scale (a single rescaling has none: THEORY.md §9).
 */
export function etaTermText(eta: number | null | undefined, charge: number | null | undefined): string {
  if (eta === null || eta === undefined || !Number.isFinite(eta)) return '';
  return Math.abs(eta) > 1e-9 * Math.max(1, Math.abs(charge ?? 0)) ? sig4(eta) : '';
}

/** `≈6400 steps` (two significant digits: it is a linearised estimate). */
export function stepsText(steps: number): string {
  const r = steps >= 100 ? Number(steps.toPrecision(2)) : Math.max(1, Math.round(steps));
  return `≈${r} steps`;
}

/** Which charges grow, `C₁ grows` (for status `grows`). */
function growingText(p: Prediction): string {
  const g = p.growth.map((x) => chargeName(x.symmetry));
  return g.length ? `${g.join(', ')} ${g.length === 1 ? 'grows' : 'grow'} without bound` : 'a charge grows without bound';
}

export interface PredictionLine {
  /** `SGD ends at u = 1.414, w = 1.414` / `SGD ends: no equilibrium — C₁ grows without bound` / `SGD ends: no prediction`. */
  head: string;
  /** `C₁ = 0` (the charges there), empty when none is predicted. */
  charges: string;
  /** `≈6400 steps`, empty when not computed. */
  relaxation: string;
  /**
   * Why, for `grows` and `none` (the analysis' own sentence), and for an end point that is not the
   * law-of-balance point (the group's rotations turn the charges: `balance` is then set).
   */
  reason: string;
}

/**
 * The parts of "SGD ends at …" for one prediction. The end point shows `components`, by default those
 * the given symmetries (default all) move; the charges, those of the given symmetries.
 */
export function predictionLine(
  a: Pick<AnalysisResult, 'components' | 'symmetries'>,
  p: Prediction,
  opts: { symmetries?: number[]; components?: string[]; maxComponents?: number; maxCharges?: number } = {},
): PredictionLine {
  const charges = chargesText(p, opts.symmetries, opts.maxCharges, (i) => a.symmetries[i]?.label ?? chargeName(i));
  const relaxation = p.relaxationSteps !== null && Number.isFinite(p.relaxationSteps) ? stepsText(p.relaxationSteps) : '';
  if (p.status === 'equilibrium' && p.endPoint) {
    const comps = opts.components ?? movedComponents(a, opts.symmetries);
    return { head: `SGD ends at ${pointText(p.endPoint, comps, opts.maxComponents)}`, charges, relaxation, reason: p.balance ? p.reason : '' };
  }
  if (p.status === 'grows') return { head: `SGD ends: no equilibrium — ${growingText(p)}`, charges, relaxation, reason: p.reason };
  return { head: 'SGD ends: no prediction', charges: '', relaxation: '', reason: p.reason };
}

/** One sentence: `SGD ends at u = 1.414, w = 1.414 (C₁ = 0), relaxing in ≈6400 steps` or with the reason. */
export function predictionSentence(a: Pick<AnalysisResult, 'components' | 'symmetries'>, p: Prediction, maxComponents = 6): string {
  const l = predictionLine(a, p, { maxComponents });
  const parts = [l.head];
  if (l.charges) parts.push(` (${l.charges})`);
  if (l.relaxation) parts.push(`, relaxing in ${l.relaxation}`);
  if (l.reason) parts.push(`: ${l.reason}`);
  return parts.join('');
}

/** The first prediction of the file (its first noisy train line), if any. */
export function firstPrediction(a: Pick<AnalysisResult, 'predictions'>): Prediction | undefined {
  return a.predictions?.[0];
}

export interface StabilityLine {
  /** `2/λ_max(H) = 0.683 at the start, 0.5 at the predicted end`. */
  bounds: string;
  /** `lr = 0.05 is below the bound 0.5` or `lr = 2.5 is at or above the bound 2: …`. */
  verdict: string;
  /** lr < bound (true), ≥ bound (false), or no bound (null). */
  stable: boolean | null;
}

/** The stability bound of one train line (THEORY.md §7): GD on the local quadratic is stable for η < 2/λ_max(H). */
export function stabilityLine(st: StabilityInfo): StabilityLine {
  const at = (l: number | null, where: string) => (l !== null && l > 0 ? `${sig4(2 / l)} ${where} (λ_max = ${sig4(l)})` : null);
  const parts = [
    at(st.lambdaMaxStart, 'at the start'),
    at(st.lambdaMaxEnd, st.optimizer === 'gd' ? 'at the minimum gradient flow reaches' : 'at the predicted end'),
  ].filter((x): x is string => x !== null);
  const bounds = parts.length ? `2/λ_max(H) = ${parts.join(', ')}` : 'no positive curvature: no bound from λ_max(H)';
  if (st.bound === null) return { bounds, verdict: `lr = ${st.lr}: no stability bound here`, stable: null };
  const stable = st.lr < st.bound;
  const verdict = stable
    ? `lr = ${st.lr} is below the bound ${sig4(st.bound)}`
    : `lr = ${st.lr} is at or above the bound ${sig4(st.bound)}: gradient descent diverges on the local quadratic, SGD even earlier`;
  return { bounds, verdict, stable };
}
