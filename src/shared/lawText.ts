// What the core derives beyond the charges, as every surface states it (hovers, the CLI and Markdown
// reports, the panel): law (C) in closed form for a group's generators (THEORY.md, issue 15), the
// count of all conservation laws of gradient flow (issue 13.1), and a deep chain's stationary law of
// the product beside its measured quantiles (issue 13.2). Pure: no `vscode`, no DOM.
import type { AnalysisResult } from '../core/analysis/analyze';
import type { ClosedFormLaw } from '../core/analysis/closedForm';
import type { RunResult } from '../core/numeric/types';
import { matrixFormCharge } from './groupText';
import { sig4 } from './predictionText';

type Laws = Pick<AnalysisResult, 'groups' | 'symmetries'>;

export interface GroupClosedForms {
  /**
   * Whether the laws read at the level of the group: one listed generator, or generators whose bare
   * charges are the group's (`a² − c², b² − c²`). Otherwise (a matrix-form charge such as Q = U Uᵀ − Wᵀ W)
   * each law is about a sum over components, and belongs beside its generator.
   */
  inline: boolean;
  /**
   * The group's own law in matrix form (a GL(k) group: dQ/dt = η·κ·(Wᵀ M W − U N Uᵀ) on the minimum
   * manifold): then `laws` holds it alone (symmetry −1) and `equilibria` its condition.
   */
  matrix: boolean;
  /** All listed generators with a closed form. */
  count: number;
  /** The closed forms of the group's listed generators, in order, at most `max` of them. */
  laws: { symmetry: number; law: Pick<ClosedFormLaw, 'text' | 'tex' | 'equilibrium'> }[];
  /** Listed generators with a closed form beyond `max`. */
  more: number;
  /** What must balance at the noise equilibrium: each distinct condition once (of all listed generators). */
  equilibria: { text: string; tex: string }[];
  /** Why listed generators have none: each distinct reason once. */
  notes: string[];
}

/** Law (C) in closed form for the listed generators of group `gi`. */
export function groupClosedForms(a: Laws, gi: number, max = Infinity): GroupClosedForms {
  const all: { symmetry: number; law: ClosedFormLaw }[] = [];
  const notes = new Set<string>();
  for (const i of a.groups[gi]?.symmetries ?? []) {
    const laws = a.symmetries[i]?.laws;
    if (laws?.sgdClosedForm) all.push({ symmetry: i, law: laws.sgdClosedForm });
    else if (laws?.sgdClosedFormNote) notes.add(laws.sgdClosedFormNote);
  }
  const seen = new Set<string>();
  const equilibria = all.map((x) => x.law.equilibrium).filter((e) => !seen.has(e.text) && !!seen.add(e.text));
  const laws = all.slice(0, max);
  const g = a.groups[gi];
  const inline = !!g && (g.symmetries.length <= 1 || !matrixFormCharge(g));
  const m = g?.sgdClosedForm;
  if (m && !inline)
    return { inline, matrix: true, count: all.length, laws: [{ symmetry: -1, law: m }], more: 0, equilibria: [m.equilibrium], notes: [...notes] };
  return { inline, matrix: false, count: all.length, laws, more: all.length - laws.length, equilibria, notes: [...notes] };
}

/** Why a group has no closed form, in a clause: `none: the loss is not polynomial in the data …`. */
export function closedFormNoneText(f: GroupClosedForms): string {
  return f.notes.length ? `none: ${f.notes.join('; ')}` : 'none';
}

/**
 * One sentence on all the conservation laws of gradient flow: "The 6 charges of the symmetries are
 * all the conservation laws of gradient flow (…)", "1 further conservation law exists that no linear
 * symmetry explains (…)", or why they were not counted; undefined when the analysis has no count.
 */
export function conservationLawsText(a: Pick<AnalysisResult, 'conservationLaws'>): string | undefined {
  const c = a.conservationLaws;
  if (!c) return undefined;
  if ('note' in c) return `Conservation laws of gradient flow: not counted (${c.note}).`;
  const s = c.summary.trim();
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

/** The quantile levels of a deep chain's law and of its measurement (q10 … q90). */
export const PRODUCT_LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9];

/** The legend of the deep-chain density wherever it is drawn. */
export const CHAIN_LAW_LABEL = 'continuous-time law (O(η) corrections not included)';

export interface ProductComparison {
  variable: string;
  depth?: number;
  temperature?: number;
  /** One row per level: the law's quantile, the measured one and its bootstrap SE (null: none). */
  rows: { level: number; theory: number | null; measured: number | null; se: number | null }[];
  mode: number | null | undefined;
  tc: number | null | undefined;
  collapsed: boolean;
  /** Samples the measurement pools (chains × records after burn-in). */
  samples: number | null;
}

/** A deep chain's law of the product beside its measured quantiles, or undefined when the run has none. */
export function productComparison(st: Pick<RunResult['stationary'], 'theory' | 'product'>): ProductComparison | undefined {
  const th = st.theory;
  const pr = st.product;
  if (!th?.variable && !pr) return undefined;
  const at = (xs: (number | null)[] | undefined, k: number) => {
    const v = xs?.[k];
    return v === null || v === undefined || !Number.isFinite(v) ? null : v;
  };
  return {
    variable: th?.variable ?? pr?.variable ?? '',
    depth: th?.depth,
    temperature: th?.temperature,
    rows: PRODUCT_LEVELS.map((level, k) => ({ level, theory: at(th?.quantiles, k), measured: at(pr?.quantiles, k), se: at(pr?.quantileStdErr, k) })),
    mode: th?.mode,
    tc: th?.tc,
    collapsed: th?.collapsed === true,
    samples: pr ? pr.samples : null,
  };
}

/** `q50` for level 0.5. */
export function levelName(level: number): string {
  return `q${Math.round(level * 100)}`;
}

/** The measured quantile with its SE: `1.234 ± 0.01`, or `—`. */
export function measuredText(r: ProductComparison['rows'][number]): string {
  if (r.measured === null) return '—';
  return r.se === null ? sig4(r.measured) : `${sig4(r.measured)} ± ${sig4(r.se)}`;
}

/**
 * The law's headline facts in one line: `mode 1.2, T = 0.01, T_c = 0.4 (D = 1)`, or that the product
 * collapses to 0; for a deeper chain, that it has no sharp transition.
 */
export function productFactsText(c: ProductComparison): string {
  const parts: string[] = [];
  if (c.collapsed) parts.push('the product collapses to 0 (T ≥ T_c): no density away from 0');
  else if (c.mode !== undefined) parts.push(c.mode === null ? 'mode: the density peaks at 0' : `mode ${sig4(c.mode)}`);
  if (c.temperature !== undefined) parts.push(`T = ηκ = ${sig4(c.temperature)}`);
  if (c.tc !== undefined) parts.push(c.tc === null ? `no sharp collapse temperature at depth D = ${c.depth ?? '?'}` : `T_c = ${sig4(c.tc)} (in units of ηκ)`);
  return parts.join('; ');
}

/**
 * The expected count in each bin of a histogram (`edges`) of `n` samples from a density given on a
 * grid (`x`, `p`, in either order): n·∫ p over the bin, by the trapezoid rule on the grid with the
 * density interpolated linearly at the bin edges; only the part of a bin on the grid counts.
 */
export function expectedCounts(density: { x: ArrayLike<number | null>; p: ArrayLike<number | null> }, edges: ArrayLike<number>, n: number): number[] {
  const pts: [number, number][] = [];
  for (let i = 0; i < Math.min(density.x.length, density.p.length); i++) {
    const x = density.x[i];
    const p = density.p[i];
    if (x !== null && p !== null && Number.isFinite(x) && Number.isFinite(p)) pts.push([x, p]);
  }
  pts.sort((a, b) => a[0] - b[0]);
  const at = (x: number): number => {
    if (!pts.length || x < pts[0][0] || x > pts[pts.length - 1][0]) return 0;
    let lo = 0;
    let hi = pts.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (pts[mid][0] <= x) lo = mid;
      else hi = mid;
    }
    const [x0, p0] = pts[lo];
    const [x1, p1] = pts[hi];
    return x1 > x0 ? p0 + ((p1 - p0) * (x - x0)) / (x1 - x0) : p0;
  };
  const out: number[] = [];
  const first = pts.length ? pts[0][0] : 0;
  const last = pts.length ? pts[pts.length - 1][0] : 0;
  for (let k = 0; k + 1 < edges.length; k++) {
    // The part of the bin on the grid, its grid points, then the trapezoid rule over them.
    const a = Math.max(edges[k], first);
    const b = Math.min(edges[k + 1], last);
    if (!(b > a)) {
      out.push(0);
      continue;
    }
    const xs = [a, ...pts.filter(([x]) => x > a && x < b).map(([x]) => x), b];
    let mass = 0;
    for (let j = 1; j < xs.length; j++) mass += 0.5 * (xs[j] - xs[j - 1]) * (at(xs[j - 1]) + at(xs[j]));
    out.push(n * mass);
  }
  return out;
}
