// The Noether Lab panel: symmetry cards (KaTeX), the equilibria table, and live uPlot plots of the
// simulation (loss, charges SGD vs GD with law (C)'s prediction, drift, curvature, stationary
// histograms, escape times). Everything from the `.loss` file is inserted as text (textContent)
// or typeset by KaTeX with trust: false; nothing is executed.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import 'katex/dist/katex.min.css';
import 'uplot/dist/uPlot.min.css';
import '../../media/webview/common.css';
import '../../media/webview/panel.css';

import type { AnalysisResult, SymmetryReport } from '../../src/core/analysis/analyze';
import type { RunResult, SimulationResult } from '../../src/core/numeric/types';
import { ExportFormat, FromWebviewType, ToWebviewMessage, ToWebviewType, WebviewCommand } from '../../src/shared/protocol';
import { clear, h } from '../common/dom';
import { csvNum, fmt, runLabel } from '../common/format';
import { joinTables, Plot, PlotBand, PlotData, PlotOptions, PlotSeries, rebuildAllPlots, setZoomStore } from '../common/plots';
import { renderTex } from '../common/tex';
import { readTheme, watchTheme } from '../common/theme';
import { getState, onMessage, patchState, request, send } from '../common/vscode';

interface PanelState {
  uri: string;
  fileName: string;
  tab: number;
  zoom: Record<string, [number, number]>;
  analysis: AnalysisResult;
  stationaryRun: number;
}

const TABS = ['symmetries', 'dynamics', 'stationary'] as const;

const model: {
  fileName: string;
  analysis?: AnalysisResult;
  runs: (RunResult | undefined)[];
  streaming: boolean;
  progress?: { run: number; fraction: number };
  finished: boolean;
} = { fileName: '', runs: [], streaming: false, finished: false };

const saved = getState<PanelState>();
const zoom: Record<string, [number, number]> = { ...(saved.zoom ?? {}) };
setZoomStore({
  get: (id) => zoom[id],
  set: (id, range) => {
    if (range) zoom[id] = range;
    else delete zoom[id];
    patchState<PanelState>({ zoom });
  },
});

// ---- layout ----

const app = document.getElementById('app') as HTMLElement;
const fileTitle = h('h1', { class: 'nl-file' }, 'Noether Lab');
const subtitle = h('span', { class: 'nl-subtitle' });
const progressFill = h('div', { class: 'nl-progress-fill' });
const progressText = h('span', { class: 'nl-progress-text' });
const progress = h('div', { class: 'nl-progress', hidden: true, role: 'progressbar', 'aria-label': 'Simulation progress' }, h('div', { class: 'nl-progress-track' }, progressFill), progressText);
const status = h('span', { class: 'nl-status', role: 'status', 'aria-live': 'polite' });

function commandButton(label: string, command: WebviewCommand, title: string, secondary = true): HTMLElement {
  const b = h('vscode-button', { secondary, 'data-command': command, title }, label);
  b.addEventListener('click', () => send({ type: FromWebviewType.Command, command }));
  return b;
}
const stopButton = commandButton('Stop', 'stop', 'Stop the running simulation');
stopButton.hidden = true;
const toolbar = h('div', { class: 'nl-toolbar' },
  commandButton('Run', 'run', 'Run the file’s train lines', false),
  commandButton('Compare SGD vs GD', 'compare', 'Run SGD and GD from the same start'),
  commandButton('Find equilibrium', 'findEquilibrium', 'Solve the noise equilibria again'),
  commandButton('Export report', 'export', 'Export the analysis and the latest run'),
  stopButton,
);
const banner = h('div', { class: 'nl-banner', hidden: true, role: 'alert' });

const symPanel = h('div', { class: 'nl-tab-body', id: 'tab-symmetries' });
const dynPanel = h('div', { class: 'nl-tab-body', id: 'tab-dynamics' });
const statPanel = h('div', { class: 'nl-tab-body', id: 'tab-stationary' });
const symCount = h('vscode-badge', { variant: 'counter', class: 'nl-tab-count' }, '0');
const tabs = h('vscode-tabs', { 'selected-index': String(saved.tab ?? 0), class: 'nl-tabs' },
  h('vscode-tab-header', { slot: 'header', 'data-tab': 'symmetries' }, 'Symmetries ', symCount),
  h('vscode-tab-panel', {}, symPanel),
  h('vscode-tab-header', { slot: 'header', 'data-tab': 'dynamics' }, 'Dynamics'),
  h('vscode-tab-panel', {}, dynPanel),
  h('vscode-tab-header', { slot: 'header', 'data-tab': 'stationary' }, 'Stationary'),
  h('vscode-tab-panel', {}, statPanel),
);
tabs.addEventListener('vsc-tabs-select', (e) => {
  const idx = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  patchState<PanelState>({ tab: idx });
});

app.append(
  h('header', { class: 'nl-top' }, h('div', { class: 'nl-heading' }, fileTitle, subtitle), toolbar),
  progress,
  banner,
  tabs,
  status,
);

function selectTab(index: number): void {
  (tabs as unknown as { selectedIndex: number }).selectedIndex = index;
  patchState<PanelState>({ tab: index });
}

// ---- exports ----

function exportData(format: ExportFormat, data: string, suggestedName: string): void {
  status.textContent = `Exporting ${suggestedName}…`;
  void request({ type: FromWebviewType.ExportData, format, data, suggestedName }).then((r) => {
    status.textContent = r.ok ? `Saved ${r.detail ?? suggestedName}` : r.detail === 'cancelled' ? '' : `Export failed: ${r.detail ?? ''}`;
  });
}

function stem(): string {
  return (model.fileName || 'noether').replace(/\.loss$/, '');
}

// ---- symmetries tab ----

const subscriptDigits = '₀₁₂₃₄₅₆₇₈₉';
const sub = (n: number) => String(n).split('').map((d) => subscriptDigits[+d]).join('');

function renderAnalysis(): void {
  const a = model.analysis;
  clear(symPanel);
  clear(banner);
  banner.hidden = true;
  if (!a) {
    symPanel.append(h('p', { class: 'nl-empty' }, 'Waiting for the analysis…'));
    return;
  }
  fileTitle.textContent = model.fileName || a.file || 'Noether Lab';
  subtitle.textContent = `${a.components.length} parameter component${a.components.length === 1 ? '' : 's'} · ${a.symmetries.length} symmetr${a.symmetries.length === 1 ? 'y' : 'ies'}`;
  symCount.textContent = String(a.symmetries.length);

  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    banner.hidden = false;
    banner.append(h('strong', {}, 'The file has errors: '), h('ul', {}, errors.slice(0, 8).map((d) => h('li', {}, `line ${d.line}:${d.column} ${d.message}`))));
  }

  const cards = h('div', { class: 'nl-cards' });
  if (!a.symmetries.length) {
    cards.append(h('p', { class: 'nl-empty', id: 'nl-no-symmetry' },
      'No symmetry found. That is a valid answer: no rescaling, scaling, linear or translation symmetry holds for every parameter and data point.'));
  }
  a.symmetries.forEach((s, i) => cards.append(symmetryCard(s, i)));
  symPanel.append(h('h2', {}, 'Symmetries and Noether charges'), cards);

  const table = equilibriaTable(a);
  if (table) symPanel.append(table);
  if (a.noise) {
    symPanel.append(h('p', { class: 'nl-note' },
      `Equilibria use Σ from ${a.noise.method}${a.noise.samples ? ` (${a.noise.samples} samples)` : ''}, η = ${a.noise.lr}, B = ${a.noise.batch}, γ = ${a.noise.weightDecay}, κ = ${fmt(a.noise.kappa)}: ${a.noise.basis}.`));
  }
}

function badge(text: string, cls: string, title?: string): HTMLElement {
  return h('vscode-badge', { class: `nl-badge ${cls}`, title }, text);
}

function symmetryCard(s: SymmetryReport, i: number): HTMLElement {
  const name = `C${sub(i + 1)}`;
  const charge = h('div', { class: 'nl-charge' });
  renderTex(charge, `C_{${i + 1}} = ${s.charge.tex}`, { display: true, fallback: `${name} = ${s.charge.text}` });
  const law = (label: string, tex: string, text: string, cls: string) => {
    const dd = h('dd', { class: `nl-law ${cls}` });
    renderTex(dd, tex, { display: true, fallback: text });
    return [h('dt', {}, label), dd];
  };
  const laws = h('dl', { class: 'nl-laws' },
    law('Gradient flow', s.lawsTex.gradientFlow, s.laws.gradientFlow, 'gf'),
    law('SGD, every step (exact)', s.lawsTex.sgdStep, s.laws.sgdStep, 'step'),
    law('SGD, continuous time', s.lawsTex.sgdContinuous, s.laws.sgdContinuous, 'cont'),
  );
  const asText = h('details', { class: 'nl-as-text' }, h('summary', {}, 'As text'),
    h('pre', {}, [`${name} = ${s.charge.text}`, s.laws.gradientFlow, s.laws.sgdStep, s.laws.sgdContinuous].join('\n')));
  let eq: HTMLElement;
  if (s.equilibrium) {
    const e = s.equilibrium;
    eq = h('div', { class: 'nl-eq' },
      h('span', { class: 'nl-eq-label' }, 'Noise equilibrium: '),
      `λ* = ${fmt(e.lambda)}${e.lambdaStdErr !== undefined ? ` ± ${fmt(e.lambdaStdErr)}` : ''}; ${name}: ${fmt(e.chargeInitial)} → ${fmt(e.chargeEquilibrium, e.chargeInitial)}`);
  } else {
    eq = h('div', { class: 'nl-eq nl-muted' }, s.equilibriumNote ?? 'No noise equilibrium.');
  }
  const chips = s.involves.map((c) => {
    const b = h('button', { class: 'nl-chip', type: 'button', title: `Show ${c} in the editor` }, c);
    b.addEventListener('click', () => send({ type: FromWebviewType.ShowInEditor, component: c }));
    return b;
  });
  const shown = chips.slice(0, 24);
  return h('article', { class: 'nl-card', id: `sym-${i}`, 'data-index': String(i), 'data-kind': s.kind },
    h('header', { class: 'nl-card-header' },
      h('span', { class: 'nl-card-name' }, name),
      badge(s.kind, `kind-${s.kind}`, kindTitle(s.kind)),
      badge(s.status, `status-${s.status}`, s.status === 'proved' ? `Proved symbolically${s.proof ? ` (${s.proof})` : ''}` : 'Holds to rounding at many random points; the simplifier could not close it'),
    ),
    charge,
    laws,
    eq,
    h('div', { class: 'nl-involves' }, h('span', { class: 'nl-muted' }, 'Moves: '), shown, chips.length > shown.length ? h('span', { class: 'nl-muted' }, ` +${chips.length - shown.length} more`) : null),
    asText,
  );
}

function kindTitle(kind: string): string {
  switch (kind) {
    case 'rescaling': return 'Rescaling: one group scaled up, another down, e.g. (u, w) → (e^λ u, e^−λ w)';
    case 'scaling': return 'Scaling: the loss sees only the direction of a group';
    case 'linear': return 'General linear: ℓ(WU) is invariant under U → e^{λB}U, W → We^{−λB}';
    default: return 'Translation: shifting parameters together leaves the loss unchanged';
  }
}

function equilibriaTable(a: AnalysisResult): HTMLElement | null {
  const withEq = a.symmetries.map((s, i) => ({ s, i })).filter(({ s }) => s.equilibrium);
  if (!withEq.length) return null;
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Component'), h('th', { scope: 'col' }, 'Initial'),
    withEq.map(({ i }) => h('th', { scope: 'col', 'data-col': `eq-${i}` }, `Equilibrium of C${sub(i + 1)}`)));
  const rows = a.components.map((c) =>
    h('tr', { 'data-component': c },
      h('th', { scope: 'row' }, c),
      h('td', { 'data-col': 'initial' }, fmt(a.initial[c])),
      withEq.map(({ s, i }) => {
        const v = s.equilibrium?.point[c];
        const moved = v !== undefined && Math.abs(v - a.initial[c]) > 1e-12 * Math.max(1, Math.abs(v));
        return h('td', { 'data-col': `eq-${i}`, class: moved ? 'nl-moved' : '' }, fmt(v));
      })),
  );
  const lambdaRow = h('tr', { class: 'nl-foot' }, h('th', { scope: 'row' }, 'λ*'), h('td', {}, '0'),
    withEq.map(({ s, i }) => h('td', { 'data-col': `eq-${i}` }, fmt(s.equilibrium?.lambda))));
  const chargeRow = h('tr', { class: 'nl-foot' }, h('th', { scope: 'row' }, 'charge'), h('td', {}, '—'),
    withEq.map(({ s, i }) => h('td', { 'data-col': `eq-${i}` }, `${fmt(s.equilibrium?.chargeInitial)} → ${fmt(s.equilibrium?.chargeEquilibrium, s.equilibrium?.chargeInitial)}`)));
  const csvButton = h('vscode-button', { secondary: true, class: 'nl-export', 'data-format': 'csv', title: 'Export the table as CSV' }, 'CSV');
  csvButton.addEventListener('click', () => {
    const lines = [['component', 'initial', ...withEq.map(({ i }) => `equilibrium C${i + 1}`)].join(',')];
    for (const c of a.components) lines.push([`"${c.replace(/"/g, '""')}"`, csvNum(a.initial[c]), ...withEq.map(({ s }) => csvNum(s.equilibrium?.point[c]))].join(','));
    lines.push(['lambda*', '0', ...withEq.map(({ s }) => csvNum(s.equilibrium?.lambda))].join(','));
    exportData('csv', lines.join('\n') + '\n', `${stem()}-equilibria.csv`);
  });
  return h('section', { class: 'nl-equilibria' },
    h('header', { class: 'nl-plot-header' }, h('h2', {}, 'Noise equilibria on the orbit of the initial point'), h('span', { class: 'nl-spacer' }), csvButton),
    h('div', { class: 'nl-table-wrap' }, h('table', { class: 'nl-table', id: 'nl-equilibria' }, h('thead', {}, head), h('tbody', {}, rows, lambdaRow, chargeRow))),
  );
}

function focusSymmetry(index: number): void {
  selectTab(0);
  const card = document.getElementById(`sym-${index}`);
  if (!card) return;
  card.scrollIntoView({ block: 'center', behavior: 'smooth' });
  card.classList.remove('nl-focus');
  void card.offsetWidth;
  card.classList.add('nl-focus');
  setTimeout(() => card.classList.remove('nl-focus'), 2500);
}

// ---- plots ----

const plots = new Map<string, Plot>();

interface PlotDef {
  opts: PlotOptions;
  data: PlotData;
}

/** Show these plots in `container`, updating those that exist (same ids in the same order). */
function syncPlots(container: HTMLElement, key: string, defs: PlotDef[]): void {
  const ids = defs.map((d) => d.opts.id).join(',');
  if (container.dataset.plots !== `${key}:${ids}`) {
    for (const id of (container.dataset.plotIds ?? '').split(',').filter(Boolean)) {
      plots.get(id)?.destroy();
      plots.delete(id);
    }
    clear(container);
    container.dataset.plots = `${key}:${ids}`;
    container.dataset.plotIds = ids;
    for (const d of defs) plots.set(d.opts.id, new Plot(container, { ...d.opts, onExport: exportData }, d.data));
    return;
  }
  for (const d of defs) plots.get(d.opts.id)?.update(d.data);
}

function liveRuns(): RunResult[] {
  return model.runs.filter((r): r is RunResult => r !== undefined);
}

function colorOf(runIndex: number): string {
  const p = readTheme().palette;
  return p[runIndex % p.length];
}

function mathTitle(tex: string, fallback: string): HTMLElement {
  return renderTex(h('span', { class: 'nl-plot-tex' }), tex, { fallback });
}

function chargeInfo(i: number, runs: RunResult[]): { text: string; tex: string } {
  const s = model.analysis?.symmetries[i];
  if (s) return s.charge;
  const text = runs.find((r) => r.charges[i])?.charges[i].text ?? `C${i + 1}`;
  return { text, tex: `C_{${i + 1}}` };
}

const dynBody = h('div', { class: 'nl-plots' });
const dynRuns = h('div', { class: 'nl-runs' });
const dynEmpty = h('div', { class: 'nl-empty' });

function renderDynamics(): void {
  const runs = liveRuns();
  if (!dynPanel.contains(dynBody)) dynPanel.append(dynEmpty, dynRuns, dynBody);
  dynEmpty.hidden = runs.length > 0;
  if (!runs.length) {
    clear(dynEmpty);
    dynEmpty.append('No simulation yet. ', commandButton('Run', 'run', 'Run the file’s train lines', false), ' ', commandButton('Compare SGD vs GD', 'compare', 'Run SGD and GD from the same start'));
    syncPlots(dynBody, 'none', []);
    clear(dynRuns);
    return;
  }
  renderRunsTable(runs);
  const defs: PlotDef[] = [];
  const key = runs.map((r) => r.run).join('-');

  // Loss (mean ± std over chains).
  {
    const t = joinTables(runs.map((r) => ({ x: r.series.steps, ys: [r.series.lossMean, lower(r.series.lossMean, r.series.lossStd), upper(r.series.lossMean, r.series.lossStd)] })));
    const series: PlotSeries[] = [];
    const bands: PlotBand[] = [];
    runs.forEach((r, k) => {
      series.push({ label: `${runLabel(r)} loss`, values: t.ys[3 * k], color: colorOf(r.run) });
      bands.push({ label: `${runLabel(r)} ± std`, lower: t.ys[3 * k + 1], upper: t.ys[3 * k + 2], color: colorOf(r.run) });
    });
    const positive = runs.every((r) => Array.prototype.every.call(r.series.lossMean, (v: number) => v > 0));
    defs.push({ opts: { id: 'loss', title: 'Training loss (mean ± std over chains)', xLabel: 'step', yLabel: 'loss ℓ', yScale: positive ? 'log' : 'linear', fileStem: `${stem()}-loss` }, data: { x: t.x, series, bands } });
  }

  // Charges: SGD against GD, with law (C)'s prediction and the noise equilibrium.
  const nCharges = Math.max(0, ...runs.map((r) => r.series.charges.length));
  for (let i = 0; i < nCharges; i++) {
    const info = chargeInfo(i, runs);
    const withData = runs.filter((r) => r.series.charges[i]);
    const t = joinTables(withData.map((r) => {
      const c = r.series.charges[i];
      return { x: r.series.steps, ys: [c.mean, c.predicted, lower(c.mean, c.std), upper(c.mean, c.std)] };
    }));
    const series: PlotSeries[] = [];
    const bands: PlotBand[] = [];
    withData.forEach((r, k) => {
      const color = colorOf(r.run);
      series.push({ label: `${runLabel(r)} measured`, values: t.ys[4 * k], color });
      if (Array.from(t.ys[4 * k + 1]).some((v) => v !== null)) series.push({ label: `${runLabel(r)} predicted (C)`, values: t.ys[4 * k + 1], color, kind: 'dashed' });
      bands.push({ label: `${runLabel(r)} ± std`, lower: t.ys[4 * k + 2], upper: t.ys[4 * k + 3], color });
    });
    const eq = model.analysis?.symmetries[i]?.equilibrium;
    if (eq && t.x.length) series.push({ label: 'noise equilibrium', values: t.x.map(() => eq.chargeEquilibrium), color: readTheme().muted, kind: 'dashed', width: 1.25 });
    defs.push({
      opts: { id: `charge-${i}`, title: `Charge C${sub(i + 1)}`, xLabel: 'step', yLabel: `C${sub(i + 1)}`, fileStem: `${stem()}-charge-${i + 1}`, headerExtra: mathTitle(`C_{${i + 1}} = ${info.tex}`, info.text) },
      data: { x: t.x, series, bands },
    });
  }

  // Drift of each charge: measured against law (C).
  for (let i = 0; i < nCharges; i++) {
    const withData = runs.filter((r) => r.series.drift[i] && r.series.drift[i].measured.length);
    if (!withData.length) continue;
    const t = joinTables(withData.map((r) => {
      const d = r.series.drift[i];
      const n = Math.min(r.series.steps.length, d.measured.length, d.predicted.length);
      return { x: Array.from(r.series.steps).slice(0, n), ys: [Array.from(d.measured).slice(0, n), Array.from(d.predicted).slice(0, n)] };
    }));
    const series: PlotSeries[] = [];
    withData.forEach((r, k) => {
      series.push({ label: `${runLabel(r)} measured`, values: t.ys[2 * k], color: colorOf(r.run), kind: 'points' });
      series.push({ label: `${runLabel(r)} predicted (C)`, values: t.ys[2 * k + 1], color: colorOf(r.run), kind: 'dashed' });
    });
    // Drifts span orders of magnitude (a fast transient, then a slow decay): an asinh axis, linear
    // below a threshold set by the typical predicted drift.
    const typical = median(withData.flatMap((r) => Array.from(r.series.drift[i].predicted, Math.abs)).filter((v) => v > 0));
    defs.push({ opts: { id: `drift-${i}`, title: `Drift dC${sub(i + 1)}/dt: measured vs law (C)`, xLabel: 'step', yLabel: `dC${sub(i + 1)}/dt (asinh)`, yScale: typical > 0 ? { asinh: typical / 2 } : 'linear', fileStem: `${stem()}-drift-${i + 1}` }, data: { x: t.x, series } });
  }

  // Curvature along training.
  const curv = runs.filter((r) => r.series.traceH.length || r.series.lambdaMaxH.length);
  if (curv.length) {
    const t = joinTables(curv.map((r) => {
      const n = r.series.steps.length;
      return { x: r.series.steps, ys: [padTo(r.series.traceH, n), padTo(r.series.lambdaMaxH, n)] };
    }));
    const series: PlotSeries[] = [];
    curv.forEach((r, k) => {
      series.push({ label: `${runLabel(r)} tr H`, values: t.ys[2 * k], color: colorOf(r.run) });
      series.push({ label: `${runLabel(r)} λmax(H)`, values: t.ys[2 * k + 1], color: colorOf(r.run), kind: 'dashed' });
    });
    // The GD stability edge 2/η, drawn when λmax comes within a factor 2 of it (else it would
    // flatten the curves); the title always states it.
    const lmax = Math.max(...curv.flatMap((r) => Array.from(r.series.lambdaMaxH).filter(Number.isFinite)));
    const lrs = [...new Set(curv.map((r) => r.lr))].filter((lr) => lr > 0);
    for (const lr of lrs) {
      if (lmax > 1 / lr) series.push({ label: `2/η (GD stability, η=${lr})`, values: t.x.map(() => 2 / lr), color: readTheme().muted, kind: 'dashed', width: 1 });
    }
    const edge = lrs.map((lr) => `2/η = ${fmt(2 / lr)}`).join(', ');
    defs.push({ opts: { id: 'curvature', title: `Sharpness: tr H and λmax(H)${edge ? ` (GD stable while λmax < ${edge})` : ''}`, xLabel: 'step', yLabel: 'curvature', fileStem: `${stem()}-curvature` }, data: { x: t.x, series } });
  }
  syncPlots(dynBody, key, defs);
}

function renderRunsTable(runs: RunResult[]): void {
  clear(dynRuns);
  const rows = runs.map((r) => {
    const state = r.cancelled ? 'cancelled' : model.streaming && model.progress?.run === r.run ? `running ${Math.round((model.progress?.fraction ?? 0) * 100)}%` : 'done';
    return h('tr', { 'data-run': String(r.run) },
      h('td', {}, h('span', { class: 'nl-swatch', 'data-color-index': String(r.run % 6) }), runLabel(r)),
      h('td', {}, String(r.chains)), h('td', {}, String(r.steps)),
      h('td', { title: 'Largest relative residual of the exact per-step law (D): rounding level when the law holds' }, Number.isFinite(r.lawResidual) ? r.lawResidual.toExponential(1).replace('e-', 'e−') : '—'),
      h('td', {}, r.stepsPerSecond ? fmt(Math.round(r.stepsPerSecond)) : '—'),
      h('td', { class: r.diverged.length ? 'nl-warn' : '' }, String(r.diverged.length)),
      h('td', {}, state));
  });
  dynRuns.append(h('table', { class: 'nl-table nl-runs-table' },
    h('thead', {}, h('tr', {}, ['run', 'chains', 'steps', 'law (D) residual', 'steps/s', 'diverged', 'status'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows)));
  const div = runs.flatMap((r) => r.diverged.map((d) => `${runLabel(r)}: chain ${d.chain} diverged at step ${d.step} (${d.message})`));
  if (div.length) dynRuns.append(h('p', { class: 'nl-warn' }, div.slice(0, 5).join('; '), div.length > 5 ? ` … +${div.length - 5}` : ''));
}

// ---- stationary tab ----

const statHead = h('div', { class: 'nl-run-picker' });
const statTable = h('div', { class: 'nl-table-wrap' });
const statPlots = h('div', { class: 'nl-plots nl-grid' });
const escPlots = h('div', { class: 'nl-plots' });
const statEmpty = h('p', { class: 'nl-empty' }, 'Stationary statistics appear when a run finishes (or streams its histograms).');

function normalCdf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

function renderStationary(): void {
  if (!statPanel.contains(statTable)) statPanel.append(statEmpty, statHead, statTable, statPlots, escPlots);
  const runs = liveRuns().filter((r) => r.stationary && Object.keys(r.stationary.histograms ?? {}).length);
  statEmpty.hidden = runs.length > 0;
  clear(statHead);
  clear(statTable);
  if (!runs.length) syncPlots(statPlots, 'none', []);
  else {
    let chosen = getState<PanelState>().stationaryRun ?? runs[0].run;
    if (!runs.some((r) => r.run === chosen)) chosen = runs[0].run;
    const run = runs.find((r) => r.run === chosen) as RunResult;
    statHead.append(h('span', { class: 'nl-muted' }, 'Run: '), ...runs.map((r) => {
      const b = h('vscode-button', { secondary: r.run !== chosen, 'data-run': String(r.run) }, runLabel(r));
      b.addEventListener('click', () => {
        patchState<PanelState>({ stationaryRun: r.run });
        renderStationary();
      });
      return b;
    }));
    const st = run.stationary;
    const comps = Object.keys(st.histograms);
    statTable.append(h('table', { class: 'nl-table', id: 'nl-stationary' },
      h('thead', {}, h('tr', {}, ['component', 'mean', '± s.e.', 'variance', '± s.e.'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, Object.keys(st.mean).map((c) => h('tr', { 'data-component': c },
        h('th', { scope: 'row' }, c), h('td', {}, fmt(st.mean[c])), h('td', {}, fmt(st.meanStdErr?.[c])),
        h('td', {}, fmt(st.var[c])), h('td', {}, fmt(st.varStdErr?.[c])))))),
      h('p', { class: 'nl-note' }, `After a burn-in of ${st.burnin} steps, over ${run.chains} chains. Theory overlay: the Gaussian with the measured stationary mean and variance.`));
    const defs: PlotDef[] = comps.slice(0, 12).map((c) => {
      const hist = st.histograms[c];
      const x: number[] = [];
      const theory: number[] = [];
      let n = 0;
      for (let k = 0; k < hist.counts.length; k++) n += hist.counts[k];
      const m = st.mean[c] ?? 0;
      const sd = Math.sqrt(Math.max(st.var[c] ?? 0, 0));
      for (let k = 0; k < hist.counts.length; k++) {
        const a = hist.edges[k];
        const b = hist.edges[k + 1];
        x.push((a + b) / 2);
        theory.push(sd > 0 ? n * (normalCdf((b - m) / sd) - normalCdf((a - m) / sd)) : 0);
      }
      return {
        opts: { id: `hist-${run.run}-${c}`, title: `Stationary distribution of ${c}`, xLabel: c, yLabel: 'count', yZero: true, height: 200, fileStem: `${stem()}-hist-${c}` },
        data: { x, series: [{ label: `${runLabel(run)} histogram`, values: Array.from(hist.counts), color: colorOf(run.run), kind: 'bars' }, { label: `Gaussian(mean, var)`, values: theory, color: readTheme().palette[4], kind: 'spline' }] },
      };
    });
    syncPlots(statPlots, `run${run.run}`, defs);
    if (comps.length > 12) statPlots.append(h('p', { class: 'nl-muted' }, `${comps.length - 12} more components not shown.`));
  }

  // Escape times (first passage), when the run records them.
  const esc = liveRuns().filter((r) => r.firstPassage && r.firstPassage.length);
  if (!esc.length) {
    syncPlots(escPlots, 'none', []);
    return;
  }
  const t = joinTables(esc.map((r) => {
    const fp = r.firstPassage as (number | null)[];
    const times = fp.filter((v): v is number => v !== null).sort((a, b) => a - b);
    const x = [0, ...times];
    const y = x.map((_, k) => 1 - k / fp.length);
    return { x, ys: [y] };
  }));
  const series = esc.map((r, k) => ({ label: `${runLabel(r)}: ${(r.firstPassage as (number | null)[]).filter((v) => v !== null).length}/${r.firstPassage?.length} escaped`, values: t.ys[k], color: colorOf(r.run), kind: 'step' as const }));
  syncPlots(escPlots, 'esc', [{ opts: { id: 'escape', title: 'Escape: fraction of chains still in the minimum', xLabel: 'step', yLabel: 'not escaped', yZero: true, fileStem: `${stem()}-escape` }, data: { x: t.x, series } }]);
}

function median(a: number[]): number {
  if (!a.length) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function lower(m: ArrayLike<number>, s: ArrayLike<number>): number[] {
  return Array.from(m, (v, i) => v - (s[i] ?? 0));
}
function upper(m: ArrayLike<number>, s: ArrayLike<number>): number[] {
  return Array.from(m, (v, i) => v + (s[i] ?? 0));
}
function padTo(a: ArrayLike<number>, n: number): (number | null)[] {
  return Array.from({ length: n }, (_, i) => (i < a.length ? a[i] : null));
}

// ---- progress ----

function renderProgress(): void {
  const p = model.progress;
  progress.hidden = !model.streaming || !p;
  stopButton.hidden = !model.streaming;
  if (p) {
    progressFill.style.width = `${(p.fraction * 100).toFixed(1)}%`;
    const r = model.runs[p.run];
    progressText.textContent = `Run ${p.run + 1}${r ? ` (${runLabel(r)})` : ''}: ${Math.round(p.fraction * 100)}%`;
  }
}

// ---- messages ----

let frame = 0;
function scheduleSimRender(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderDynamics();
    renderStationary();
    renderProgress();
  });
}

function handle(m: ToWebviewMessage): void {
  switch (m.type) {
    case ToWebviewType.Analysis:
      model.analysis = m.analysis;
      model.fileName = m.fileName;
      patchState<PanelState>({ uri: m.uri, fileName: m.fileName, analysis: m.analysis });
      renderAnalysis();
      scheduleSimRender();
      break;
    case ToWebviewType.SimulationProgress: {
      const p = m.progress;
      if (model.finished) {
        model.runs = [];
        model.finished = false;
      }
      model.streaming = p.fraction < 1 || p.partial === undefined;
      model.progress = { run: p.run, fraction: p.fraction };
      if (p.partial) model.runs[p.run] = p.partial;
      scheduleSimRender();
      break;
    }
    case ToWebviewType.SimulationResult:
      model.runs = [];
      for (const r of m.result.runs) model.runs[r.run] = r;
      model.streaming = false;
      model.finished = true;
      model.progress = undefined;
      scheduleSimRender();
      break;
    case ToWebviewType.FocusSymmetry:
      focusSymmetry(m.index);
      break;
    case ToWebviewType.Theme:
      // VS Code also switches the body class, which watchTheme sees; re-read either way.
      requestAnimationFrame(() => rebuildAllPlots());
      break;
    default:
      break;
  }
}

onMessage(handle);
watchTheme(() => {
  rebuildAllPlots();
  renderDynamics();
  renderStationary();
});

// Restore what the state remembers (after a reload or hide/show), then ask the host for the rest.
if (saved.analysis) {
  model.analysis = saved.analysis;
  model.fileName = saved.fileName ?? '';
}
renderAnalysis();
renderDynamics();
renderStationary();
send({ type: FromWebviewType.Ready, view: 'panel' });

// Exposed for the browser tests (read-only views of the rendered plots).
(window as unknown as { __noetherLab: unknown }).__noetherLab = {
  plots: () => [...plots.entries()].map(([id, p]) => ({ id, el: p.el, width: p.uplot?.width ?? 0, points: p.uplot?.data[0].length ?? 0 })),
  plot: (id: string) => plots.get(id),
};
