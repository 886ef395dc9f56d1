// The panel's side of the run history: an earlier run (chosen in the side view or with "Overlay an
// Earlier Run…") drawn over the current plots of the Dynamics tab — its loss and each charge's mean
// as muted dotted curves — and a bar that names it, clears it, and exports the latest run (JSON,
// numpy .npz). Kept apart from main.ts: main.ts only passes its plot definitions through
// withOverlay() and forwards Overlay messages.
import { FromWebviewType, OverlayMessage, RunResult } from '../../src/shared/protocol';
import { clear, h } from '../common/dom';
import { runLabel } from '../common/format';
import { joinTables, PlotData, PlotSeries, PlotValue } from '../common/plots';
import { readTheme } from '../common/theme';
import { send } from '../common/vscode';
import { xOf } from './state';

const overlay: { entry: string | null; label: string; runs: RunResult[] } = { entry: null, label: '', runs: [] };

/** The bar at the top of the Dynamics tab. */
export const overlayBar = h('div', { class: 'nl-overlay-bar', id: 'nl-overlay-bar' });

function chip(label: string, title: string, action: 'clearOverlay' | 'exportJson' | 'exportNpz', entry?: string): HTMLElement {
  const b = h('button', { class: 'nl-chip', type: 'button', title, 'data-action': action }, label);
  b.addEventListener('click', () => send({ type: FromWebviewType.HistoryAction, action, ...(entry ? { entry } : {}) }));
  return b;
}

function renderBar(hasRuns: boolean): void {
  clear(overlayBar);
  overlayBar.hidden = !hasRuns && !overlay.entry;
  if (overlay.entry) {
    overlayBar.append(
      h('span', { class: 'nl-overlay-label' }, `Overlaid (dotted): ${overlay.label} — ${overlay.runs.map(runLabel).join(', ')}`),
      ' ',
      chip('Clear overlay', 'Stop drawing the earlier run', 'clearOverlay'),
    );
  }
  if (hasRuns) {
    overlayBar.append(
      h('span', { class: 'nl-spacer' }),
      h('span', { class: 'nl-muted' }, 'Export the latest run: '),
      chip('JSON', 'Save the latest run as JSON', 'exportJson', 'latest'),
      ' ',
      chip('.npz', 'Save the latest run as numpy arrays (.npz)', 'exportNpz', 'latest'),
    );
  }
}

export function setOverlay(m: OverlayMessage): void {
  overlay.entry = m.entry;
  overlay.label = m.label;
  overlay.runs = m.entry ? m.runs : [];
}

/** Part of the plots' key: the plots are rebuilt when the overlay changes. */
export function overlayKey(): string {
  return overlay.entry ? `+${overlay.entry}` : '';
}

/** The overlaid run's values for a plot of the Dynamics tab (loss, charge-i), or null. */
function overlaySeries(id: string, r: RunResult): ArrayLike<number | null> | null {
  if (id === 'loss') return r.series.lossMean;
  const m = /^charge-(\d+)$/.exec(id);
  return m ? (r.series.charges[Number(m[1])]?.mean ?? null) : null;
}

/**
 * The plot definitions with the overlaid run's curves added to the loss and charge plots (on the
 * union of both step grids). Plots of transformed values (a log₁₀ loss) are left alone.
 */
export function withOverlay<D extends { opts: { id: string; yTicks?: unknown }; data: PlotData }>(defs: D[], hasRuns: boolean): D[] {
  renderBar(hasRuns);
  if (!overlay.entry || !overlay.runs.length) return defs;
  const muted = readTheme().muted;
  return defs.map((d) => {
    if (d.opts.yTicks) return d;
    const extra = overlay.runs
      .map((r) => ({ r, y: overlaySeries(d.opts.id, r) }))
      .filter((x): x is { r: RunResult; y: ArrayLike<number | null> } => x.y !== null);
    if (!extra.length) return d;
    const own = [...d.data.series.map((s) => s.values), ...(d.data.bands ?? []).flatMap((b) => [b.lower, b.upper])];
    const t = joinTables([{ x: d.data.x, ys: own }, ...extra.map(({ r, y }) => ({ x: xOf(r), ys: [y as ArrayLike<PlotValue>] }))]);
    let k = 0;
    const series: PlotSeries[] = d.data.series.map((s) => ({ ...s, values: t.ys[k++] }));
    const bands = (d.data.bands ?? []).map((b) => ({ ...b, lower: t.ys[k++], upper: t.ys[k++] }));
    for (const { r } of extra) series.push({ label: `${overlay.label}: ${runLabel(r)}`, values: t.ys[k++], color: muted, kind: 'dotted', width: 1.5 });
    return { ...d, data: { x: t.x, series, bands } };
  });
}
