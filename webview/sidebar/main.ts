// The Noether Lab side view: a compact live summary of the active `.loss` file (symmetries and
// charges typeset by KaTeX, equilibrium values, sparklines of the latest run), or an empty state.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import 'katex/dist/katex.min.css';
import 'uplot/dist/uPlot.min.css';
import '../../media/webview/common.css';
import '../../media/webview/sidebar.css';

import type { AnalysisResult } from '../../src/core/analysis/analyze';
import type { RunResult, SimulationResult } from '../../src/core/numeric/types';
import { FromWebviewType, SummaryMessage, ToWebviewMessage, ToWebviewType } from '../../src/shared/protocol';
import { clear, h } from '../common/dom';
import { fmt, fmtShort, runLabel } from '../common/format';
import { joinTables, Plot, PlotData, rebuildAllPlots } from '../common/plots';
import { renderTex } from '../common/tex';
import { readTheme, watchTheme } from '../common/theme';
import { getState, onMessage, patchState, send } from '../common/vscode';

interface SidebarState {
  summary: Omit<SummaryMessage, 'simulation'>;
}

const app = document.getElementById('app') as HTMLElement;
const sparks: Plot[] = [];
let current: { fileName: string | null; analysis?: AnalysisResult; simulation?: SimulationResult } = { fileName: null };

const sub = (n: number) => String(n).split('').map((d) => '₀₁₂₃₄₅₆₇₈₉'[+d]).join('');

function render(): void {
  for (const p of sparks.splice(0)) p.destroy();
  clear(app);
  const { fileName, analysis, simulation } = current;
  if (!fileName) {
    app.append(h('div', { class: 'nl-empty', id: 'nl-empty-state' },
      h('p', {}, 'No .loss file is active.'),
      h('p', {}, 'Open a .loss file to see its symmetries, Noether charges, noise equilibria and the latest run.')));
    return;
  }
  app.append(h('h1', { class: 'nl-file', title: fileName }, fileName));
  if (!analysis) {
    app.append(h('p', { class: 'nl-empty' }, 'Analysing…'));
    return;
  }
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) app.append(h('p', { class: 'nl-warn' }, `${errors} error${errors > 1 ? 's' : ''} in the file`));

  const list = h('ol', { class: 'nl-syms' });
  if (!analysis.symmetries.length) list.append(h('li', { class: 'nl-muted' }, 'No symmetry found.'));
  analysis.symmetries.forEach((s, i) => {
    const charge = h('div', { class: 'nl-charge' });
    renderTex(charge, `C_{${i + 1}} = ${s.charge.tex}`, { fallback: `C${sub(i + 1)} = ${s.charge.text}` });
    let eq: HTMLElement;
    if (s.equilibrium) {
      const e = s.equilibrium;
      const comps = s.involves.slice(0, 6).map((c) => {
        const b = h('button', { class: 'nl-chip', type: 'button', title: `Show ${c} in the editor` }, `${c} = ${fmt(e.point[c])}`);
        b.addEventListener('click', () => send({ type: FromWebviewType.ShowInEditor, component: c }));
        return b;
      });
      eq = h('div', { class: 'nl-eq' }, h('span', { class: 'nl-muted' }, `equilibrium: C ${fmt(e.chargeInitial)} → ${fmt(e.chargeEquilibrium, e.chargeInitial)}`), h('div', {}, comps),
        s.involves.length > 6 ? h('span', { class: 'nl-muted' }, `+${s.involves.length - 6} more`) : null);
    } else {
      eq = h('div', { class: 'nl-eq nl-muted', title: s.equilibriumNote ?? '' }, s.kind === 'translation' ? 'conserved by SGD' : 'no noise equilibrium');
    }
    list.append(h('li', { class: 'nl-sym', 'data-index': String(i) },
      h('div', { class: 'nl-sym-head' },
        h('vscode-badge', { class: `nl-badge kind-${s.kind}` }, s.kind),
        h('vscode-badge', { class: `nl-badge status-${s.status}` }, s.status)),
      charge, eq));
  });
  app.append(h('h2', {}, 'Symmetries'), list);

  const runs = (simulation?.runs ?? []).filter((r) => r.series.steps.length > 1);
  if (!runs.length) {
    app.append(h('p', { class: 'nl-muted nl-norun' }, 'No run yet.'));
    return;
  }
  app.append(h('h2', {}, 'Latest run'));
  const legend = h('div', { class: 'nl-legend' }, runs.map((r) => h('span', { class: 'nl-legend-item' }, h('span', { class: 'nl-swatch', 'data-color-index': String(r.run % 6) }), runLabel(r))));
  app.append(legend);
  spark('loss', 'loss', runs, (r) => r.series.lossMean, (r) => r.series.lossMean[r.series.lossMean.length - 1]);
  const n = Math.max(0, ...runs.map((r) => r.series.charges.length));
  for (let i = 0; i < n; i++) {
    spark(`charge-${i}`, `C${sub(i + 1)}`, runs.filter((r) => r.series.charges[i]), (r) => r.series.charges[i].mean, (r) => r.charges[i]?.finalMean ?? r.series.charges[i].mean[r.series.charges[i].mean.length - 1]);
  }
}

function spark(id: string, label: string, runs: RunResult[], values: (r: RunResult) => ArrayLike<number>, last: (r: RunResult) => number): void {
  if (!runs.length) return;
  const palette = readTheme().palette;
  const t = joinTables(runs.map((r) => ({ x: r.series.steps, ys: [values(r)] })));
  const data: PlotData = { x: t.x, series: runs.map((r, k) => ({ label: runLabel(r), values: t.ys[k], color: palette[r.run % palette.length], width: 1.5 })) };
  const row = h('div', { class: 'nl-spark-row', 'data-spark': id },
    h('div', { class: 'nl-spark-label' }, h('span', {}, label), h('span', { class: 'nl-muted' }, runs.map((r) => fmtShort(last(r))).join(' · '))));
  app.append(row);
  const positive = data.series.every((s) => Array.prototype.every.call(s.values, (v: number | null) => v === null || v > 0));
  sparks.push(new Plot(row, { id: `spark-${id}`, title: `${label} over steps`, xLabel: 'step', yLabel: label, compact: true, height: 42, yScale: id === 'loss' && positive ? 'log' : 'linear' }, data));
}

function handle(m: ToWebviewMessage): void {
  if (m.type === ToWebviewType.Summary) {
    current = { fileName: m.fileName, analysis: m.analysis, simulation: m.simulation };
    patchState<SidebarState>({ summary: { type: m.type, id: m.id, uri: m.uri, fileName: m.fileName, analysis: m.analysis } });
    render();
  } else if (m.type === ToWebviewType.Theme) {
    requestAnimationFrame(() => rebuildAllPlots());
  }
}

onMessage(handle);
watchTheme(() => render());
const saved = getState<SidebarState>().summary;
if (saved) current = { fileName: saved.fileName, analysis: saved.analysis };
render();
send({ type: FromWebviewType.Ready, view: 'sidebar' });
