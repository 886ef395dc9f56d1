// The symmetry groups as every surface names them (hovers, CodeLens, reports, the panel and the side
// view): a group's charge with its name, its status, its generators (listed or summarised), and the
// one-line headline of all groups. Pure: no `vscode`, no DOM.
import type { AnalysisResult, GroupReport, SymmetryReport } from '../core/analysis/analyze';
import { chargeName, chargesText, firstPrediction, sig4 } from './predictionText';

type Groups = Pick<AnalysisResult, 'groups' | 'symmetries'>;

/** The name of generator `i`: its label within its group (`Q[0,1]`, `Q[3]`), or `C₁`, `C₂`, … */
export function generatorName(a: Pick<AnalysisResult, 'symmetries'>, i: number): string {
  return a.symmetries[i]?.label ?? chargeName(i);
}

/** The same name in TeX: `Q_{01}` (as the engine writes a label's charge), or `C_{1}`. */
export function generatorNameTex(a: Pick<AnalysisResult, 'symmetries'>, i: number): string {
  const label = a.symmetries[i]?.label;
  if (!label) return `C_{${i + 1}}`;
  const m = /^([A-Za-z]+)\[([^\]]*)\]$/.exec(label);
  return m ? `${m[1]}_{${m[2].replace(/,\s*/g, '')}}` : label;
}

/** The charge of generator `i` with its name in front: `C₁ = u² − w²`; a label's charge already has it (`Q[0] = …`). */
export function generatorCharge(a: Pick<AnalysisResult, 'symmetries'>, i: number): { text: string; tex: string } {
  const s = a.symmetries[i];
  if (!s) return { text: chargeName(i), tex: `C_{${i + 1}}` };
  if (hasName(s.charge.text)) return s.charge;
  return { text: `${generatorName(a, i)} = ${s.charge.text}`, tex: `${generatorNameTex(a, i)} = ${s.charge.tex}` };
}

/**
 * The name of a charge a run tracked (`symmetry` its index, `text` its charge): the label its text
 * starts with (`Q[0,1] = …` → `Q[0,1]`), else `C₁`, `C₂`, … (runs carry no analysis).
 */
export function runChargeName(c: { symmetry: number; text: string }): string {
  const m = /^([A-Za-z]+\[[^\]]*\])\s*=/.exec(c.text);
  return m ? m[1] : chargeName(c.symmetry);
}

/** A run's charge with its name in front, once: `C₁ = u² − w²`, `Q[0] = ‖W1[0,:]‖² + …`. */
export function runChargeText(c: { symmetry: number; text: string }): string {
  return hasName(c.text) ? c.text : `${runChargeName(c)} = ${c.text}`;
}

/**
 * Whether the group's charge is in matrix form, named by itself (`Q = U Uᵀ − Wᵀ W`, `C = 1ᵀW`), rather
 * than the bare charges of its generators (`a² − c², b² − c²`): then a generator's own charge is a
 * sum over components, which the group-level surfaces leave to the list of generators.
 */
export function matrixFormCharge(g: Pick<GroupReport, 'charge'>): boolean {
  return hasName(g.charge.text);
}

/** A charge text that already names itself (`Q = U Uᵀ − Wᵀ W`, `C = 1ᵀb`, `Q_j = …`). */
function hasName(text: string): boolean {
  return /^[^=]{1,24}=/.test(text) && !/^[^=]*[+−-]/.test(text.split('=')[0]);
}

/**
 * The group's charge with a name: the matrix form as the engine writes it (`Q = U Uᵀ − Wᵀ W`), or,
 * where it is a bare expression, named after its generators (`C₁ = u² − w²`, `C₁, C₂ = a² − c², b² − c²`).
 */
export function groupCharge(a: Groups, g: GroupReport): { text: string; tex: string } {
  if (hasName(g.charge.text)) return g.charge;
  const listed = g.symmetries.length === g.dimension ? g.symmetries : [];
  const names = listed.length ? listed.map((i) => generatorName(a, i)) : ['C'];
  const tex = listed.length ? listed.map((i) => generatorNameTex(a, i)) : ['C'];
  return { text: `${names.join(', ')} = ${g.charge.text}`, tex: `${tex.join(',\\ ')} = ${g.charge.tex}` };
}

/** `proved (covariance)` or `numerical`, and why a numerical group is not proved. */
export function groupStatusText(g: Pick<GroupReport, 'status' | 'proof' | 'proofNote'>): string {
  if (g.status === 'proved') return `proved${g.proof ? ` (${g.proof})` : ''}`;
  return `numerical${g.proofNote ? `: ${g.proofNote}` : ''}`;
}

/**
 * Why the group's listed generators are not proved, where that is not already the group's own note
 * (a symbolic proof stopped at its time limit): each distinct note once.
 */
export function generatorProofNotes(a: Groups, g: GroupReport): string[] {
  const notes = g.symmetries.map((i) => a.symmetries[i]?.proofNote).filter((n): n is string => !!n && n !== g.proofNote);
  return [...new Set(notes)];
}

/** Every generator of the groups (their dimensions), listed or not. */
export function generatorCount(a: Groups): number {
  return a.groups.length ? a.groups.reduce((n, g) => n + g.dimension, 0) : a.symmetries.length;
}

export function symmetriesWord(n: number): string {
  return `${n} ${n === 1 ? 'symmetry' : 'symmetries'}`;
}

/**
 * The group's generators in one line: `dimension 1275: Q[0,0], Q[1,1], Q[0,1] tracked in runs, 1272 more`,
 * `dimension 6: C₁, C₂, C₃, C₄, C₅, C₆`, at most `max` names then `… (+N more)`.
 */
export function generatorsText(a: Groups, g: GroupReport, max = 6): string {
  const names = generatorNamesText(a, g, max);
  return `dimension ${g.dimension}${names ? `: ${names}` : ''}`;
}

/** The listed generators' names, `Q[0,0], Q[1,1], Q[0,1] tracked in runs, 1272 more not listed` (no dimension). */
export function generatorNamesText(a: Groups, g: GroupReport, max = 6): string {
  const names = g.symmetries.map((i) => generatorName(a, i));
  const shown = names.slice(0, max).join(', ') + (names.length > max ? `, … (+${names.length - max} more listed)` : '');
  return g.unlisted > 0 ? `${shown} tracked in runs, ${g.unlisted} more not listed` : shown;
}

/** Indices of the groups that act on parameter `name`. */
export function groupsOf(a: Pick<AnalysisResult, 'groups'>, name: string): number[] {
  return a.groups.flatMap((g, i) => (g.tensors.includes(name) ? [i] : []));
}

/** Indices of the listed generators of the given groups. */
export function generatorsOf(a: Pick<AnalysisResult, 'groups'>, groups: number[]): number[] {
  return groups.flatMap((gi) => a.groups[gi]?.symmetries ?? []);
}

/** A group's name without a trailing parenthesis (for tight places): `translation of W along its rows`. */
export function shortGroupName(name: string): string {
  const cut = name.replace(/\s*\([^()]*\)$/, '');
  return cut.length ? cut : name;
}

/**
 * The groups in one line, counting generators: `7 symmetries: GL(3) on the hidden index of U, W (6) ·
 * rescaling of u, w (1)`; with one group, its charge after a colon where it fits in `max` characters:
 * `1 symmetry: rescaling of u, w: C₁ = u² − w²`.
 */
export function groupsHeadline(a: Groups, max = 110): string {
  const n = generatorCount(a);
  if (n === 0) return 'no continuous symmetry';
  const head = `${symmetriesWord(n)}: `;
  const many = a.groups.length > 1;
  const part = (g: GroupReport, name: string) => (many ? `${name} (${g.dimension})` : name);
  const full = head + a.groups.map((g) => part(g, g.name)).join(' · ');
  if (!many && a.groups.length === 1) {
    const withCharge = `${full}: ${groupCharge(a, a.groups[0]).text}`;
    if (withCharge.length <= max) return withCharge;
  }
  if (full.length <= max) return full;
  return head + a.groups.map((g) => part(g, shortGroupName(g.name))).join(' · ');
}

/** The start-orbit solve of one generator (secondary: the balanced point of the initial point's orbit, not where SGD ends). */
export function equilibriumText(s: Pick<SymmetryReport, 'equilibrium' | 'equilibriumNote' | 'involves'>): string {
  const e = s.equilibrium;
  if (!e) return s.equilibriumNote ? `none: ${s.equilibriumNote}` : 'none on this orbit';
  const point = Object.entries(e.point)
    .filter(([k]) => s.involves.includes(k))
    .map(([k, v]) => `${k} = ${sig4(v)}`)
    .join(', ');
  return `C goes from ${sig4(e.chargeInitial)} to ${sig4(e.chargeEquilibrium)}, at ${point}`;
}

/** Where SGD ends for a group's generators (the first noisy run), or '' when nothing is predicted for them. */
export function groupEndsText(a: Pick<AnalysisResult, 'groups' | 'symmetries' | 'predictions'>, gi: number): string {
  const g = a.groups[gi];
  const p = firstPrediction(a);
  if (!g || !p) return '';
  const name = (i: number) => generatorName(a, i);
  const grows = p.growth.filter((x) => g.symmetries.includes(x.symmetry));
  if (grows.length) return grows.map((x) => `${name(x.symmetry)} grows without bound: ${x.law}`).join('; ');
  const charges = chargesText(p, g.symmetries, 4, name);
  if (!charges) return '';
  const gauge = g.symmetries.some((i) => p.orientationDependent?.[i]) ? ' — gauge-dependent: only their rotation invariants are predicted' : '';
  return `${charges}${gauge}`;
}

/**
 * The secondary start-orbit solve for a group's generators: one generator in full (`C goes from 2.21
 * to 0, at u = 0.5477, w = 0.5477`), several as `C₁: 2.21 → 0, …` (at most three), or why there is none.
 */
export function groupStartOrbitText(a: Groups, gi: number): string {
  const g = a.groups[gi];
  const gens = (g?.symmetries ?? []).map((i) => ({ i, s: a.symmetries[i] })).filter((x) => x.s);
  if (gens.length === 0) return '';
  if (gens.length === 1) return gens[0].s.equilibrium || gens[0].s.equilibriumNote ? equilibriumText(gens[0].s) : '';
  const withEq = gens.filter((x) => x.s.equilibrium);
  if (!withEq.length) {
    // No start-orbit solve at all (a model beyond its size): nothing to say.
    if (gens.every((x) => !x.s.equilibriumNote)) return '';
    const notes = [...new Set(gens.map((x) => x.s.equilibriumNote ?? 'none on this orbit'))];
    return notes.length === 1 ? `none: ${notes[0]}` : 'none on this orbit';
  }
  const shown = withEq
    .slice(0, 3)
    .map(({ i, s }) => `${generatorName(a, i)}: ${sig4(s.equilibrium?.chargeInitial)} → ${sig4(s.equilibrium?.chargeEquilibrium)}`);
  return shown.join(', ') + (withEq.length > 3 ? `, … (+${withEq.length - 3} more)` : '');
}
