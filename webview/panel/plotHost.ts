// The panel's plots: keeping a container's plots in step with their definitions, and the helpers
// the tabs share to describe runs (colours, survivors, charge names, mean ± spread).
import type { GroupReport, RunResult } from '../../src/shared/protocol';
import { generatorCharge, generatorName, runChargeName, runChargeText } from '../../src/shared/groupText';
import { clear, h } from '../common/dom';
import { runLabel } from '../common/format';
import { Plot, PlotData, PlotOptions, PlotValue } from '../common/plots';
import { renderTex } from '../common/tex';
import { readTheme } from '../common/theme';
import { model } from './state';
import { exportData } from './layout';

// ---- plots ----

export const plots = new Map<string, Plot>();

export interface PlotDef {
  opts: PlotOptions;
  data: PlotData;
  /** A heading placed before this plot when the plots are (re)built (a group's charges). */
  heading?: () => HTMLElement;
  /** One cell of a grid, not the full width (the many charges of a big group). */
  cell?: boolean;
}

/** A group with more charges than this lays them (and their drifts) out in a grid. */
export const GRID_CHARGES = 6;

/** Show these plots in `container`, updating those that exist (same ids in the same order). */
export function syncPlots(container: HTMLElement, key: string, defs: PlotDef[]): void {
  const ids = defs.map((d) => d.opts.id).join(',');
  if (container.dataset.plots !== `${key}:${ids}`) {
    for (const id of (container.dataset.plotIds ?? '').split(',').filter(Boolean)) {
      plots.get(id)?.destroy();
      plots.delete(id);
    }
    clear(container);
    container.dataset.plots = `${key}:${ids}`;
    container.dataset.plotIds = ids;
    for (const d of defs) {
      if (d.heading) container.append(d.heading());
      const plot = new Plot(container, { ...d.opts, onExport: exportData }, d.data);
      if (d.cell) plot.el.classList.add('nl-plot-cell');
      plots.set(d.opts.id, plot);
    }
    return;
  }
  for (const d of defs) plots.get(d.opts.id)?.update(d.data, d.opts);
}

export function colorOf(runIndex: number): string {
  const p = readTheme().palette;
  return p[runIndex % p.length];
}

/** A theory curve's colour for a run: the next palette colour, so that it never reads as a measurement. */
export function theoryColor(runIndex: number): string {
  const p = readTheme().palette;
  return p[(runIndex + 3) % p.length];
}

export function mathTitle(tex: string, fallback: string): HTMLElement {
  return renderTex(h('span', { class: 'nl-plot-tex' }), tex, { fallback });
}

/** Charge `i` of the runs: its name (a generator's label, or C₁), and its charge in text and TeX with that name. */
export function chargeInfo(i: number, runs: RunResult[]): { name: string; text: string; tex?: string } {
  const a = model.analysis;
  const c = runs.find((r) => r.charges[i])?.charges[i];
  // The analysis names it when it is of the same model (the run's charge reads the same).
  if (a?.symmetries[i] && (!c || c.text === a.symmetries[i].charge.text)) return { name: generatorName(a, i), ...generatorCharge(a, i) };
  const text = c ? runChargeText(c) : `C${i + 1}`;
  return { name: c ? runChargeName(c) : `C${i + 1}`, text };
}

/**
 * The groups of the plotted charges, in order: each group's charges under a heading (name and
 * matrix-form charge) where that helps (several groups, or a group with several charges), else one
 * untitled section. Charges the analysis does not place go last.
 */
export function chargeSections(n: number, runs: RunResult[]): { group?: GroupReport; index?: number; charges: number[] }[] {
  const a = model.analysis;
  const all = Array.from({ length: n }, (_, i) => i);
  const placed = a && all.every((i) => a.symmetries[i] && chargeInfo(i, runs).text === generatorCharge(a, i).text);
  if (!a || !placed) return [{ charges: all }];
  const sections = a.groups.map((group, index) => ({ group, index, charges: group.symmetries.filter((i) => i < n) })).filter((x) => x.charges.length);
  const rest = all.filter((i) => !sections.some((x) => x.charges.includes(i)));
  if (sections.length <= 1 && sections.every((x) => x.charges.length <= 1)) return [{ charges: all }];
  return rest.length ? [...sections, { charges: rest }] : sections;
}

/** Chains still alive at the end of a run, when some diverged (or escaped): its curves are over those only. */
export function survivorsOnly(r: RunResult): { alive: number; of: number } | null {
  const s = r.series.survivors;
  if (!s || !s.length) return null;
  let min = Infinity;
  for (let k = 0; k < s.length; k++) if (s[k] !== null && s[k] < min) min = s[k];
  return min < r.chains ? { alive: s[s.length - 1] ?? 0, of: r.chains } : null;
}

/** A run's label in a legend, with "(survivors only: k of N)" where chains dropped out. */
export function curveLabel(r: RunResult, what: string): string {
  const sv = survivorsOnly(r);
  return `${runLabel(r)} ${what}${sv ? ` (survivors only: ${sv.alive} of ${sv.of})` : ''}`;
}

/** The plot title with "— survivors only (k of N)" when a run's curves are over its surviving chains only. */
export function titleWithSurvivors(title: string, runs: RunResult[]): string {
  const marks = runs.map((r) => ({ r, sv: survivorsOnly(r) })).filter((x) => x.sv);
  if (!marks.length) return title;
  const what = marks.map(({ r, sv }) => (runs.length > 1 ? `${runLabel(r)}: ${sv?.alive} of ${sv?.of}` : `${sv?.alive} of ${sv?.of}`)).join('; ');
  return `${title} — survivors only (${what})`;
}

/** A quantity probed at some records only (tr H, λ_max): unprobed records are spanned, not gaps. */
export function sparse(a: ArrayLike<number | null>): PlotValue[] {
  return Array.from(a, (v) => (v === null || !Number.isFinite(v) ? undefined : v));
}

export function median(a: number[]): number {
  if (!a.length) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/** mean ∓ std; null where either is missing (no surviving chain): a gap, never a value from null. */
export function lower(m: ArrayLike<number | null>, s: ArrayLike<number | null>): (number | null)[] {
  return Array.from(m, (v, i) => (v === null || s[i] === null || s[i] === undefined ? null : v - s[i]));
}
export function upper(m: ArrayLike<number | null>, s: ArrayLike<number | null>): (number | null)[] {
  return Array.from(m, (v, i) => (v === null || s[i] === null || s[i] === undefined ? null : v + s[i]));
}
export function padTo(a: ArrayLike<number>, n: number): (number | null)[] {
  return Array.from({ length: n }, (_, i) => (i < a.length ? a[i] : null));
}
