// The Noether Lab side view: a compact live summary of the active `.loss` file (symmetry groups by
// name with their charges typeset by KaTeX, equilibrium values, sparklines of the latest run), or an empty state.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import 'katex/dist/katex.min.css';
import 'uplot/dist/uPlot.min.css';
import '../../media/webview/common.css';
import '../../media/webview/sidebar.css';

import {
  AnalysisResult,
  FromWebviewType,
  GroupReport,
  HistoryMessage,
  RunResult,
  SimulationResult,
  SummaryMessage,
  ToWebviewMessage,
  ToWebviewType,
} from '../../src/shared/protocol';
import { historySection } from './history';
import { clear, h } from '../common/dom';
import { fmtShort, runLabel } from '../common/format';
import { generatorCount, generatorsText, groupCharge, groupEndsText, groupStatusText, runChargeName } from '../../src/shared/groupText';
import { movedComponents, predictionLine, predictionSentence, sig4 } from '../../src/shared/predictionText';
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
let currentUri: string | null = null;

/** One compact line per noisy run: "SGD ends at u = 1.414, w = 1.414 · ≈6400 steps" (full sentence as its title). */
function sgdEnds(analysis: AnalysisResult): HTMLElement | null {
  const preds = analysis.predictions ?? [];
  if (!preds.length) return null;
  return h(
    'ul',
    { class: 'nl-ends', id: 'nl-sgd-ends' },
    preds.slice(0, 4).map((p) => {
      const l = predictionLine(analysis, p, { maxComponents: 4 });
      const text = [l.head, l.relaxation].filter(Boolean).join(' · ');
      return h(
        'li',
        { 'data-run': String(p.run), 'data-status': p.status, title: `${runLabel(p)}: ${predictionSentence(analysis, p, 24)}` },
        preds.length > 1 ? h('span', { class: 'nl-muted' }, `${runLabel(p)}: `) : null,
        text,
      );
    }),
  );
}

/** Sparklines of charges at most (a big group tracks many: the panel plots them all). */
const MAX_SPARKS = 8;

/**
 * One symmetry group: kind, status and dimension, its name, its matrix-form charge (KaTeX), and where
 * SGD ends for it (the first noisy run): its charges there and the end point of what it moves, as
 * chips that reveal the component in the editor.
 */
function groupItem(analysis: AnalysisResult, g: GroupReport, gi: number): HTMLElement {
  const charge = h('div', { class: 'nl-charge' });
  const q = groupCharge(analysis, g);
  renderTex(charge, q.tex, { fallback: q.text });
  const p = analysis.predictions?.[0];
  const ends = groupEndsText(analysis, gi);
  let eq: HTMLElement;
  if (p && p.growth.some((x) => g.symmetries.includes(x.symmetry))) {
    eq = h('div', { class: 'nl-eq nl-warn', title: p.reason }, ends);
  } else if (p && ends) {
    const end = p.status === 'equilibrium' ? p.endPoint : null;
    const moved = end ? movedComponents(analysis, g.symmetries).filter((c) => c in end) : [];
    const comps = end
      ? moved.slice(0, 6).map((comp) => {
          const b = h('button', { class: 'nl-chip', type: 'button', title: `Show ${comp} in the editor` }, `${comp} = ${sig4(end[comp])}`);
          b.addEventListener('click', () => send({ type: FromWebviewType.ShowInEditor, component: comp }));
          return b;
        })
      : [];
    eq = h(
      'div',
      { class: 'nl-eq' },
      h('span', { class: 'nl-muted' }, `SGD ends with ${ends}`),
      comps.length ? h('div', {}, comps) : null,
      moved.length > 6 ? h('span', { class: 'nl-muted' }, `+${moved.length - 6} more`) : null,
    );
  } else {
    eq = h('div', { class: 'nl-eq nl-muted', title: p?.reason ?? '' }, g.kind === 'translation' ? 'conserved by SGD' : 'no prediction of where SGD ends');
  }
  const dim = g.unlisted ? `dim ${g.dimension} (${g.symmetries.length} tracked)` : `dim ${g.dimension}`;
  return h(
    'li',
    { class: 'nl-sym nl-group', 'data-group': String(gi), 'data-kind': g.kind },
    h('div', { class: 'nl-sym-name', title: `${g.name} — ${groupStatusText(g)}` }, g.name),
    h(
      'div',
      { class: 'nl-sym-head' },
      h('vscode-badge', { class: `nl-badge kind-${g.kind}` }, g.kind),
      h('vscode-badge', { class: `nl-badge status-${g.status}`, title: groupStatusText(g) }, g.status),
      h('vscode-badge', { class: 'nl-badge nl-dim', title: generatorsText(analysis, g) }, dim),
    ),
    charge,
    eq,
  );
}

let history: HistoryMessage | undefined;

/** The summary, then the run history of the file. */
function renderAll(): void {
  render();
  const section = historySection(history && history.uri === currentUri ? history : undefined);
  if (section) app.append(section);
}

function render(): void {
  for (const p of sparks.splice(0)) p.destroy();
  clear(app);
  const { fileName, analysis, simulation } = current;
  if (!fileName) {
    app.append(
      h(
        'div',
        { class: 'nl-empty', id: 'nl-empty-state' },
        h('p', {}, 'No .loss file is active.'),
        h('p', {}, 'Open a .loss file to see its symmetries, Noether charges, noise equilibria and the latest run.'),
      ),
    );
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

  // The symmetry groups by name: each with its matrix-form charge and where SGD ends for it.
  const list = h('ol', { class: 'nl-syms' });
  if (!analysis.groups.length) list.append(h('li', { class: 'nl-muted' }, 'No symmetry found.'));
  analysis.groups.forEach((g, gi) => list.append(groupItem(analysis, g, gi)));
  const n = generatorCount(analysis);
  app.append(
    h('h2', {}, analysis.groups.length ? `Symmetries: ${n} in ${analysis.groups.length === 1 ? '1 group' : `${analysis.groups.length} groups`}` : 'Symmetries'),
    list,
  );

  const runs = (simulation?.runs ?? []).filter((r) => r.series.steps.length > 1);
  if (!runs.length) {
    app.append(h('p', { class: 'nl-muted nl-norun' }, 'No run yet.'));
    return;
  }
  app.append(h('h2', {}, 'Latest run'));
  const legend = h(
    'div',
    { class: 'nl-legend' },
    runs.map((r) => h('span', { class: 'nl-legend-item' }, h('span', { class: 'nl-swatch', 'data-color-index': String(r.run % 6) }), runLabel(r))),
  );
  app.append(legend);
  for (const r of runs) {
    if (r.divergence)
      app.append(
        h(
          'p',
          { class: 'nl-error nl-diverged', 'data-run': String(r.run), title: r.divergence.message },
          `${runLabel(r)} diverged: ${r.divergence.chains} of ${r.divergence.of} chains (curves: survivors only)`,
        ),
      );
    const judged = r.charges.filter((c) => c.verdict !== 'no prediction');
    if (judged.length) {
      app.append(
        h(
          'p',
          { class: 'nl-verdicts', 'data-run': String(r.run) },
          h('span', { class: 'nl-muted' }, `${runLabel(r)}: `),
          judged
            .slice(0, 4)
            .flatMap((c, k) => [
              k ? ', ' : '',
              h('span', { class: `nl-verdict verdict-${c.verdict}`, title: c.verdictNote }, `${runChargeName(c)} ${c.verdict}`),
            ]),
        ),
      );
    }
  }
  spark(
    'loss',
    'loss',
    runs,
    (r) => r.series.lossMean,
    (r) => r.series.lossMean[r.series.lossMean.length - 1],
  );
  const nc = Math.max(0, ...runs.map((r) => r.series.charges.length));
  for (let i = 0; i < Math.min(nc, MAX_SPARKS); i++) {
    const c = runs.find((r) => r.charges[i])?.charges[i];
    spark(
      `charge-${i}`,
      c ? runChargeName(c) : `C${i + 1}`,
      runs.filter((r) => r.series.charges[i]),
      (r) => r.series.charges[i].mean,
      (r) => r.charges[i]?.finalMean ?? r.series.charges[i].mean[r.series.charges[i].mean.length - 1],
    );
  }
  if (nc > MAX_SPARKS) app.append(h('p', { class: 'nl-muted nl-more-sparks' }, `${nc - MAX_SPARKS} more charges in the panel's Dynamics tab.`));
}

function spark(id: string, label: string, runs: RunResult[], values: (r: RunResult) => ArrayLike<number>, last: (r: RunResult) => number): void {
  if (!runs.length) return;
  const palette = readTheme().palette;
  const t = joinTables(runs.map((r) => ({ x: r.series.steps, ys: [values(r)] })));
  const data: PlotData = { x: t.x, series: runs.map((r, k) => ({ label: runLabel(r), values: t.ys[k], color: palette[r.run % palette.length], width: 1.5 })) };
  const row = h(
    'div',
    { class: 'nl-spark-row', 'data-spark': id },
    h('div', { class: 'nl-spark-label' }, h('span', {}, label), h('span', { class: 'nl-muted' }, runs.map((r) => fmtShort(last(r))).join(' · '))),
  );
  app.append(row);
  const positive = data.series.every((s) => Array.prototype.every.call(s.values, (v: number | null | undefined) => v === null || v === undefined || v > 0));
  sparks.push(
    new Plot(
      row,
      {
        id: `spark-${id}`,
        title: `${label} over steps`,
        xLabel: 'step',
        yLabel: label,
        compact: true,
        height: 42,
        yScale: id === 'loss' && positive ? 'log' : 'linear',
      },
      data,
    ),
  );
}

function handle(m: ToWebviewMessage): void {
  if (m.type === ToWebviewType.Summary) {
    current = { fileName: m.fileName, analysis: m.analysis, simulation: m.simulation };
    currentUri = m.uri;
    patchState<SidebarState>({ summary: { type: m.type, id: m.id, uri: m.uri, fileName: m.fileName, analysis: m.analysis } });
    renderAll();
  } else if (m.type === ToWebviewType.History) {
    history = m;
    renderAll();
  } else if (m.type === ToWebviewType.Theme) {
    requestAnimationFrame(() => rebuildAllPlots());
  }
}

onMessage(handle);
watchTheme(() => renderAll());
const saved = getState<SidebarState>().summary;
if (saved) {
  current = { fileName: saved.fileName, analysis: saved.analysis };
  currentUri = saved.uri;
}
renderAll();
send({ type: FromWebviewType.Ready, view: 'sidebar' });
