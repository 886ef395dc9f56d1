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
import { chargeName, predictionLine, predictionSentence, sig4 } from '../../src/shared/predictionText';
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

/** One compact line per noisy run: "SGD ends at u = 1.414, w = 1.414 · ≈6400 steps" (full sentence as its title). */
function sgdEnds(analysis: AnalysisResult): HTMLElement | null {
  const preds = analysis.predictions ?? [];
  if (!preds.length) return null;
  return h('ul', { class: 'nl-ends', id: 'nl-sgd-ends' }, preds.slice(0, 4).map((p) => {
    const l = predictionLine(analysis, p, { maxComponents: 4 });
    const text = [l.head, l.relaxation].filter(Boolean).join(' · ');
    return h('li', { 'data-run': String(p.run), 'data-status': p.status, title: `${runLabel(p)}: ${predictionSentence(analysis, p, 24)}` },
      preds.length > 1 ? h('span', { class: 'nl-muted' }, `${runLabel(p)}: `) : null, text);
  }));
}

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
  const ends = sgdEnds(analysis);
  if (ends) app.append(ends);

  const list = h('ol', { class: 'nl-syms' });
  if (!analysis.symmetries.length) list.append(h('li', { class: 'nl-muted' }, 'No symmetry found.'));
  analysis.symmetries.forEach((s, i) => {
    const charge = h('div', { class: 'nl-charge' });
    renderTex(charge, `C_{${i + 1}} = ${s.charge.tex}`, { fallback: `${chargeName(i)} = ${s.charge.text}` });
    // Where SGD ends for this symmetry (the first noisy run): its charge there and the end point of
    // what it moves, as chips that reveal the component in the editor.
    const p = analysis.predictions?.[0];
    const c = p?.charges[i];
    let eq: HTMLElement;
    if (p && p.growth.some((g) => g.symmetry === i)) {
      eq = h('div', { class: 'nl-eq nl-warn', title: p.reason }, `${chargeName(i)} grows without bound under SGD`);
    } else if (p && c !== null && c !== undefined) {
      const end = p.status === 'equilibrium' ? p.endPoint : null;
      const comps = end ? s.involves.slice(0, 6).map((comp) => {
        const b = h('button', { class: 'nl-chip', type: 'button', title: `Show ${comp} in the editor` }, `${comp} = ${sig4(end[comp])}`);
        b.addEventListener('click', () => send({ type: FromWebviewType.ShowInEditor, component: comp }));
        return b;
      }) : [];
      eq = h('div', { class: 'nl-eq' }, h('span', { class: 'nl-muted' }, `SGD ends with ${chargeName(i)} = ${fmt(c)}`), comps.length ? h('div', {}, comps) : null,
        end && s.involves.length > 6 ? h('span', { class: 'nl-muted' }, `+${s.involves.length - 6} more`) : null);
    } else {
      eq = h('div', { class: 'nl-eq nl-muted', title: p?.reason ?? s.equilibriumNote ?? '' }, s.kind === 'translation' ? 'conserved by SGD' : 'no prediction of where SGD ends');
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
  for (const r of runs) {
    if (r.divergence) app.append(h('p', { class: 'nl-error nl-diverged', 'data-run': String(r.run), title: r.divergence.message }, `${runLabel(r)} diverged: ${r.divergence.chains} of ${r.divergence.of} chains (curves: survivors only)`));
    const judged = r.charges.filter((c) => c.verdict !== 'no prediction');
    if (judged.length) {
      app.append(h('p', { class: 'nl-verdicts', 'data-run': String(r.run) }, h('span', { class: 'nl-muted' }, `${runLabel(r)}: `),
        judged.slice(0, 4).flatMap((c, k) => [k ? ', ' : '', h('span', { class: `nl-verdict verdict-${c.verdict}`, title: c.verdictNote }, `${chargeName(c.symmetry)} ${c.verdict}`)])));
    }
  }
  spark('loss', 'loss', runs, (r) => r.series.lossMean, (r) => r.series.lossMean[r.series.lossMean.length - 1]);
  const n = Math.max(0, ...runs.map((r) => r.series.charges.length));
  for (let i = 0; i < n; i++) {
    spark(`charge-${i}`, chargeName(i), runs.filter((r) => r.series.charges[i]), (r) => r.series.charges[i].mean, (r) => r.charges[i]?.finalMean ?? r.series.charges[i].mean[r.series.charges[i].mean.length - 1]);
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
  const positive = data.series.every((s) => Array.prototype.every.call(s.values, (v: number | null | undefined) => v === null || v === undefined || v > 0));
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
