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

import { generatorCharge, generatorCount, generatorName, generatorNamesText, groupCharge, groupEndsText, groupStartOrbitText, runChargeName, runChargeText, symmetriesWord } from '../../src/shared/groupText';
import { CHAIN_LAW_LABEL, closedFormNoneText, conservationLawsText, expectedCounts, groupClosedForms, levelName, measuredText, productComparison, productFactsText } from '../../src/shared/lawText';
import { etaTermText, movedComponents, predictionLine, sig4, stabilityLine, stepsText } from '../../src/shared/predictionText';
import {
  AnalysisResult, ExportFormat, FromWebviewType, GroupReport, Prediction, RunResult, SymmetryReport, ToWebviewMessage, ToWebviewType, VerdictFields, WebviewCommand,
} from '../../src/shared/protocol';
import { clear, h } from '../common/dom';
import { csvNum, fmt, runLabel } from '../common/format';
import { joinTables, Plot, PlotBand, PlotData, PlotOptions, PlotSeries, PlotValue, rebuildAllPlots, setZoomStore } from '../common/plots';
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
  commandButton('Where SGD ends', 'findEquilibrium', 'Predict again where each noisy run ends'),
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
  const n = generatorCount(a);
  const inGroups = a.groups.length > 1 ? ` in ${a.groups.length} groups` : '';
  subtitle.textContent = `${a.components.length} parameter component${a.components.length === 1 ? '' : 's'} · ${symmetriesWord(n)}${inGroups}`;
  symCount.textContent = String(n);

  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    banner.hidden = false;
    banner.append(h('strong', {}, 'The file has errors: '), h('ul', {}, errors.slice(0, 8).map((d) => h('li', {}, `line ${d.line}:${d.column} ${d.message}`))));
  }

  // First: where each noisy run ends (THEORY.md §4).
  const preds = a.predictions ?? [];
  const predCards = h('div', { class: 'nl-cards nl-predictions' }, preds.map((p) => predictionCard(a, p)));
  symPanel.append(
    h('section', { id: 'nl-predictions' },
      h('h2', {}, 'Where SGD ends'),
      preds.length
        ? h('p', { class: 'nl-note' }, 'Gradient flow from the start to a minimum (the charges are conserved on the way), then the joint noise equilibrium of the whole symmetry group there; the charges relax to it in the steps given.')
        : h('p', { class: 'nl-empty', id: 'nl-no-prediction' }, 'No noisy train line (sgd or momentum): nothing to predict. Add a `train sgd(…)` line to see where SGD ends.'),
      predCards),
  );

  // One card per symmetry group (its charge and laws in matrix form), its generators collapsed beneath.
  const cards = h('div', { class: 'nl-cards nl-groups' });
  if (!a.groups.length) {
    cards.append(h('p', { class: 'nl-empty', id: 'nl-no-symmetry' },
      'No symmetry found. That is a valid answer: no rescaling, scaling, linear or translation symmetry holds for every parameter and data point.'));
  }
  a.groups.forEach((g, gi) => cards.append(groupCard(a, g, gi)));
  const conservation = conservationLawsText(a);
  symPanel.append(h('h2', {}, 'Symmetry groups and Noether charges'));
  if (conservation) symPanel.append(h('p', { class: 'nl-note nl-conservation', id: 'nl-conservation' }, conservation));
  symPanel.append(cards);

  const table = startOrbitTable(a);
  if (table) symPanel.append(table);
  if (a.noise) {
    symPanel.append(h('p', { class: 'nl-note' },
      `The laws and the start-orbit balance use Σ from ${a.noise.method}${a.noise.samples ? ` (${a.noise.samples} samples)` : ''}, η = ${a.noise.lr}, B = ${a.noise.batch}, γ = ${a.noise.weightDecay}, κ = ${fmt(a.noise.kappa)}: ${a.noise.basis}.`));
  }
}

function badge(text: string, cls: string, title?: string): HTMLElement {
  return h('vscode-badge', { class: `nl-badge ${cls}`, title }, text);
}

/** θᵀAθ (or vᵀθ for a translation) at the file's initial point: the charge at the start. */
function chargeAt(s: SymmetryReport, components: string[], point: Record<string, number>): number | null {
  const theta = components.map((c) => point[c]);
  if (theta.some((v) => v === null || v === undefined)) return null;
  if (s.direction) return s.direction.reduce((acc, v, i) => acc + v * theta[i], 0);
  if (!s.matrix) return null;
  let c = 0;
  s.matrix.forEach((row, i) => row.forEach((v, j) => (c += v ? theta[i] * v * theta[j] : 0)));
  return c;
}

const GAUGE_NOTE = "Gauge-dependent charges change along the group's rotations at the end point, along which SGD diffuses: only their rotation-invariant combinations are predicted.";

/** One noisy train line's prediction: where SGD ends, its charges, relaxation, stability, invariants. */
function predictionCard(a: AnalysisResult, p: Prediction): HTMLElement {
  const line = predictionLine(a, p, { maxComponents: 8 });
  const st = a.stability?.find((x) => x.run === p.run);
  const facts: (HTMLElement | null)[] = [];
  const fact = (label: string, value: string | HTMLElement, cls = '') => {
    facts.push(h('dt', {}, label), h('dd', { class: cls }, value));
  };
  if (line.charges) fact('Charges there', line.charges);
  if (line.relaxation) fact('Relaxation', `${line.relaxation} (linearised: a run needs several of them to reach the end point)`, 'nl-relaxation');
  for (const g of p.growth) fact(`${generatorName(a, g.symmetry)} grows`, g.law);
  if (line.reason) fact(p.status === 'none' ? 'Why not' : 'Why', line.reason, 'nl-reason');
  if (p.balance) {
    // Secondary: the law-of-balance point (every charge drift zero), not stationary here.
    const b = p.balance.charges.map((c, i) => (c === null ? null : `${generatorName(a, i)} = ${sig4(c)}`)).filter((x): x is string => x !== null).join(', ');
    fact('Balance point', `secondary — every charge drift vanishes there, but it is not stationary: ${b}`, 'nl-secondary nl-balance');
  }
  if (st) {
    const l = stabilityLine(st);
    fact('Stability', `${l.bounds}; ${l.verdict}.`, l.stable === false ? 'nl-warn nl-stability' : 'nl-stability');
  }
  const m = p.minimum;
  // Beyond the end-point solve's size nothing was computed (the reason says so): no "how", no table.
  const computed = m.loss !== null && Number.isFinite(m.loss);
  if (computed) fact('How', `gradient flow from chain 0's start to a minimum (L = ${fmt(m.loss)}${m.converged ? '' : `; ${m.note ?? 'not converged'}`}), Σ there by ${p.noise.method}${p.noise.samples ? ` (${p.noise.samples} samples)` : ''}; ${p.order}.`, 'nl-muted');

  // End point against the start and the minimum (the end only where it is predicted).
  const end = p.status === 'equilibrium' ? p.endPoint : null;
  const moved = new Set(computed ? movedComponents(a) : []);
  // (no rows where nothing was computed: a model beyond the solve's size has tens of thousands of components)
  const pointRows = (computed ? a.components : []).map((c) =>
    h('tr', { 'data-component': c },
      h('th', { scope: 'row' }, c),
      h('td', { 'data-col': 'start' }, fmt(a.initial[c])),
      h('td', { 'data-col': 'minimum' }, fmt(m.point[c])),
      end ? h('td', { 'data-col': 'end', class: moved.has(c) ? 'nl-moved' : '' }, fmt(end[c])) : null));
  const csvButton = h('vscode-button', { secondary: true, class: 'nl-export', 'data-format': 'csv', title: 'Export the end point as CSV' }, 'CSV');
  csvButton.addEventListener('click', () => {
    const lines = [['component', 'start', 'gradient-flow minimum', ...(end ? ['SGD end'] : [])].join(',')];
    for (const c of a.components) lines.push([`"${c.replace(/"/g, '""')}"`, csvNum(a.initial[c]), csvNum(m.point[c]), ...(end ? [csvNum(end[c])] : [])].join(','));
    exportData('csv', lines.join('\n') + '\n', `${stem()}-run${p.run}-end-point.csv`);
  });
  const pointTable = h('div', { class: 'nl-table-wrap nl-scroll' },
    h('table', { class: 'nl-table nl-end-point', id: `nl-end-point-${p.run}` },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'component'), h('th', { scope: 'col' }, 'start'), h('th', { scope: 'col' }, 'minimum'), end ? h('th', { scope: 'col' }, 'SGD ends at') : null)),
      h('tbody', {}, pointRows)));

  // The charges there, with the O(η) discrete-time term; orientation-dependent ones point to the invariants.
  let chargeTable: HTMLElement | null = null;
  if (p.charges.some((c) => c !== null) || p.growth.length) {
    chargeTable = h('table', { class: 'nl-table nl-pred-charges', id: `nl-pred-charges-${p.run}` },
      h('thead', {}, h('tr', {}, ['charge', 'at the start', 'at the end', 'O(η) term', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, p.charges.flatMap((c, i) => {
        const s = a.symmetries[i];
        const grows = p.growth.some((g) => g.symmetry === i);
        const orient = p.orientationDependent?.[i];
        // With several groups, a row naming the group before its first generator.
        const g = s && a.groups.length > 1 && a.groups[s.group]?.symmetries[0] === i ? a.groups[s.group] : undefined;
        const groupRow = g ? h('tr', { class: 'nl-group-row', 'data-group': String(s.group) }, h('th', { colspan: 5, scope: 'rowgroup', title: groupCharge(a, g).text }, g.name)) : null;
        return [groupRow, h('tr', { 'data-symmetry': String(i) },
          h('th', { scope: 'row', title: s ? generatorCharge(a, i).text : '' }, `${generatorName(a, i)}${s ? ` (${s.kind})` : ''}`),
          h('td', {}, s ? sig4(chargeAt(s, a.components, a.initial)) : '—'),
          h('td', { class: 'nl-moved' }, grows ? 'grows' : sig4(c)),
          h('td', {}, etaTermText(p.etaTerms?.[i], c) || (p.etaTerms?.[i] === undefined || p.etaTerms?.[i] === null ? '—' : '0')),
          h('td', { class: 'nl-muted', title: orient ? GAUGE_NOTE : '' }, orient ? 'gauge-dependent' : ''))];
      })));
  }
  const gaugeNote = p.orientationDependent?.some((x) => x) ? h('p', { class: 'nl-note' }, GAUGE_NOTE) : null;
  let invTable: HTMLElement | null = null;
  if (p.invariants?.length) {
    invTable = h('table', { class: 'nl-table nl-invariants', id: `nl-invariants-${p.run}` },
      h('thead', {}, h('tr', {}, ['rotation-invariant combination', 'predicted', 'O(η) term'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, p.invariants.map((inv) => h('tr', {}, h('th', { scope: 'row', class: 'nl-wrap' }, inv.text), h('td', {}, sig4(inv.predicted)), h('td', {}, sig4(inv.etaTerm))))));
  }
  return h('article', { class: 'nl-card nl-prediction', id: `prediction-${p.run}`, 'data-run': String(p.run), 'data-status': p.status },
    h('header', { class: 'nl-card-header' },
      h('span', { class: 'nl-card-name' }, `run ${p.run}`),
      h('span', { class: 'nl-muted' }, runLabel(p)),
      badge(p.status, `pred-${p.status}`, p.status === 'equilibrium' ? 'Every drift of law (C) vanishes there' : p.reason),
      h('span', { class: 'nl-spacer' }),
      computed ? csvButton : null),
    h('p', { class: 'nl-ends' }, line.head),
    h('dl', { class: 'nl-facts' }, facts),
    computed ? pointTable : null,
    chargeTable ? h('div', { class: 'nl-table-wrap' }, chargeTable) : null,
    gaugeNote,
    invTable ? h('div', { class: 'nl-table-wrap' }, invTable) : null,
  );
}

/** Where SGD ends for one generator (the first noisy run), or null when nothing is predicted for it. */
function generatorEnds(a: AnalysisResult, i: number): HTMLElement | null {
  const p = a.predictions?.[0];
  const name = generatorName(a, i);
  const c = p?.charges[i];
  const growth = p?.growth.find((g) => g.symmetry === i);
  if (p && growth) return h('div', { class: 'nl-eq nl-ends-charge' }, h('span', { class: 'nl-eq-label' }, 'Where SGD ends: '), `${name} grows without bound (run ${p.run}): ${growth.law}`);
  if (!p || c === null || c === undefined) return null;
  const eta = etaTermText(p.etaTerms?.[i], c);
  const gauge = p.orientationDependent?.[i] ? ', gauge-dependent: see the invariants' : '';
  return h('div', { class: 'nl-eq nl-ends-charge', title: gauge ? GAUGE_NOTE : '' }, h('span', { class: 'nl-eq-label' }, 'Where SGD ends: '),
    `${name} = ${fmt(c)}${eta ? ` (+ O(η) term ${eta})` : ''} (run ${p.run}, ${runLabel(p)}${gauge})`);
}

/** Chips that reveal a component (or a tensor) in the editor; at most `max`, then "+N more". */
function chips(names: string[], max = 24): (HTMLElement | null)[] {
  const all = names.map((comp) => {
    const b = h('button', { class: 'nl-chip', type: 'button', title: `Show ${comp} in the editor` }, comp);
    b.addEventListener('click', () => send({ type: FromWebviewType.ShowInEditor, component: comp }));
    return b;
  });
  return [...all.slice(0, max), all.length > max ? h('span', { class: 'nl-muted' }, ` +${all.length - max} more`) : null];
}

/** The charge and the three laws in display math (KaTeX), with the plain text as fallback. */
function chargeAndLaws(charge: { text: string; tex: string }, laws: { text: SymmetryReport['laws']; tex: SymmetryReport['lawsTex'] }): HTMLElement[] {
  const el = h('div', { class: 'nl-charge' });
  renderTex(el, charge.tex, { display: true, fallback: charge.text });
  const law = (label: string, tex: string, text: string, cls: string) => {
    const dd = h('dd', { class: `nl-law ${cls}` });
    renderTex(dd, tex, { display: true, fallback: text });
    return [h('dt', {}, label), dd];
  };
  return [el, h('dl', { class: 'nl-laws' },
    law('Gradient flow', laws.tex.gradientFlow, laws.text.gradientFlow, 'gf'),
    law('SGD, every step (exact)', laws.tex.sgdStep, laws.text.sgdStep, 'step'),
    law('SGD, continuous time', laws.tex.sgdContinuous, laws.text.sgdContinuous, 'cont'))];
}

/**
 * One generator of a group, inside the group's collapsed list: its name and kind, its own charge
 * (typeset when the list is first opened), where SGD ends for it, the start-orbit solve, what it moves.
 */
function generatorItem(a: AnalysisResult, i: number): { el: HTMLElement; typeset: () => void } {
  const s = a.symmetries[i];
  const charge = generatorCharge(a, i);
  const tex = h('div', { class: 'nl-gen-charge' }, charge.text);
  const e = s.equilibrium;
  const secondary = e || s.equilibriumNote ? h('div', { class: 'nl-eq nl-secondary', title: "The balanced point of the initial point's orbit: not where SGD ends (SGD first follows gradient flow to a minimum)" },
    h('span', { class: 'nl-secondary-label' }, "Secondary, start's orbit: "),
    e ? `${generatorName(a, i)}: ${fmt(e.chargeInitial)} → ${fmt(e.chargeEquilibrium, e.chargeInitial)}` : s.equilibriumNote ?? '') : null;
  // Its own law (C) in closed form where the group card shows only some (a group of several generators).
  const law = (a.groups[s.group]?.symmetries.length ?? 0) > 1 ? s.laws.sgdClosedForm : null;
  const lawEl = law ? h('div', { class: 'nl-closed-form-tex nl-gen-law', 'data-symmetry': String(i) }, law.text) : null;
  const el = h('li', { class: 'nl-gen', id: `sym-${i}`, 'data-index': String(i), 'data-kind': s.kind },
    h('div', { class: 'nl-gen-head' },
      h('span', { class: 'nl-gen-name' }, generatorName(a, i)),
      badge(s.kind, `kind-${s.kind}`, kindTitle(s.kind)),
      s.status !== a.groups[s.group]?.status ? badge(s.status, `status-${s.status}`) : null),
    tex,
    lawEl,
    generatorEnds(a, i),
    secondary,
    h('div', { class: 'nl-involves' }, h('span', { class: 'nl-muted' }, 'Moves: '), chips(s.involves)));
  return {
    el,
    typeset: () => {
      renderTex(tex, charge.tex, { fallback: charge.text });
      if (law && lawEl) markOverflow(renderTex(lawEl, law.tex, { fallback: law.text }));
    },
  };
}

/**
 * One symmetry group: its name, kind, dimension, status and proof (or why it is only numerical),
 * its charge and laws in matrix form (KaTeX), where SGD ends for it, the tensors it acts on, and its
 * listed generators collapsed beneath ("N more not listed" for a summarised group).
 */
function groupCard(a: AnalysisResult, g: GroupReport, gi: number): HTMLElement {
  const proof = g.status === 'proved'
    ? `Proved${g.proof ? ` by ${PROOF_NAMES[g.proof] ?? g.proof}` : ''}.`
    : `Numerical: ${g.proofNote ?? 'holds at many random points within rounding; not proved symbolically'}.`;
  const ends = groupEndsText(a, gi);
  const p = a.predictions?.[0];
  const orbit = groupStartOrbitText(a, gi);
  const items = g.symmetries.map((i) => generatorItem(a, i));
  const listed = g.symmetries.length;
  const summary = g.unlisted > 0 ? `Generators: ${listed} listed of ${g.dimension}` : `${listed === 1 ? 'Generator' : `Generators (${listed})`}`;
  const gens = h('details', { class: 'nl-generators', 'data-group': String(gi) },
    h('summary', {}, summary, h('span', { class: 'nl-muted' }, ` — ${generatorNamesText(a, g, 8)}`)),
    h('ol', { class: 'nl-gen-list' }, items.map((x) => x.el),
      g.unlisted > 0 ? h('li', { class: 'nl-gen nl-unlisted nl-muted' }, `${g.unlisted} more not listed: the other entries of ${groupCharge(a, g).text}, conserved and driven by the same laws.`) : null));
  let typeset = false;
  gens.addEventListener('toggle', () => {
    if (!(gens as HTMLDetailsElement).open || typeset) return;
    typeset = true;
    for (const x of items) x.typeset();
  });
  const charge = groupCharge(a, g);
  const [chargeEl, lawsEl] = chargeAndLaws(charge, { text: g.laws, tex: g.lawsTex });
  const closedText = groupClosedForms(a, gi).laws.map(({ law }) => law.text);
  const asText = h('details', { class: 'nl-as-text' }, h('summary', {}, 'As text'),
    h('pre', {}, [charge.text, ...closedText, g.laws.gradientFlow, g.laws.sgdStep, g.laws.sgdContinuous].join('\n')));
  return h('article', { class: 'nl-card nl-group', id: `group-${gi}`, 'data-group': String(gi), 'data-kind': g.kind, 'data-dimension': String(g.dimension) },
    h('header', { class: 'nl-card-header' },
      h('span', { class: 'nl-card-name' }, g.name),
      badge(g.kind, `kind-${g.kind}`, kindTitle(g.kind)),
      badge(g.status, `status-${g.status}`, proof),
      badge(`dim ${g.dimension}`, 'nl-dim', `${g.dimension} independent charge${g.dimension === 1 ? '' : 's'} (generators)${g.unlisted ? `, ${g.unlisted} of them not listed` : ''}`)),
    h('p', { class: 'nl-proof nl-muted' }, proof),
    chargeEl,
    closedFormBlock(a, gi),
    p && ends ? h('div', { class: 'nl-eq nl-ends-charge' }, h('span', { class: 'nl-eq-label' }, 'Where SGD ends: '), `${ends} (run ${p.run}, ${runLabel(p)})`) : null,
    lawsEl,
    orbit ? h('div', { class: 'nl-eq nl-secondary' }, h('span', { class: 'nl-secondary-label' }, "Secondary, start's orbit: "), orbit) : null,
    h('div', { class: 'nl-involves' }, h('span', { class: 'nl-muted' }, 'Acts on: '), chips(g.tensors)),
    gens,
    asText,
  );
}

/**
 * Typeset math that cannot wrap everywhere (a bracket is one piece) scrolls sideways in its box: the
 * box shows that it does (class nl-overflowing, an inner shadow on the right), whatever its width.
 * Checked when the box changes size and when fonts arrive (KaTeX's change the math's width alone).
 */
function checkOverflow(box: HTMLElement): void {
  box.classList.toggle('nl-overflowing', box.scrollWidth > box.clientWidth + 1);
}
const overflowWatch = new ResizeObserver((entries) => {
  for (const e of entries) {
    const box = e.target as HTMLElement;
    if (!box.isConnected) overflowWatch.unobserve(box);
    else checkOverflow(box);
  }
});
document.fonts.addEventListener('loadingdone', () => document.querySelectorAll<HTMLElement>('.nl-closed-form-tex').forEach(checkOverflow));
function markOverflow(el: HTMLElement): HTMLElement {
  overflowWatch.observe(el);
  return el;
}

/** Closed-form laws a group card typesets; the others are in its generators' list. */
const CARD_CLOSED_FORMS = 2;

/**
 * Law (C) in closed form for a group (KaTeX, inline so that it wraps at its relations and operators,
 * in a box that scrolls what cannot wrap), then what must balance at the noise equilibrium (the card's
 * next line is where SGD ends: the solved point); or why there is none.
 */
function closedFormBlock(a: AnalysisResult, gi: number): HTMLElement | null {
  const f = groupClosedForms(a, gi, CARD_CLOSED_FORMS);
  if (!f.count) {
    return f.notes.length ? h('p', { class: 'nl-closed-form-none nl-muted', 'data-group': String(gi) }, `Law (C) in closed form: ${closedFormNoneText(f)}.`) : null;
  }
  const tex = (source: string, text: string, attrs: Record<string, string>) => markOverflow(renderTex(h('div', { class: 'nl-closed-form-tex', ...attrs }), source, { fallback: text }));
  const more = f.inline ? f.more : f.count;
  return h('section', { class: 'nl-closed-form', 'data-group': String(gi) },
    h('div', { class: 'nl-eq-label' }, 'Law (C) in closed form'),
    ...(f.inline ? f.laws : []).map(({ symmetry, law }) => tex(law.tex, law.text, { 'data-symmetry': String(symmetry), 'data-role': 'law' })),
    more ? h('p', { class: 'nl-muted nl-closed-form-more' }, f.inline
      ? `${more} more, one per generator: open the generators below.`
      : `One per generator (${more}), each about a sum over components: open the generators below.`) : null,
    h('div', { class: 'nl-eq-label' }, 'At the noise equilibrium'),
    ...f.equilibria.map((e) => tex(e.tex, e.text, { 'data-role': 'equilibrium' })));
}

const PROOF_NAMES: Record<string, string> = {
  homogeneity: 'the homogeneity calculus on the tensor graph',
  covariance: 'the covariance calculus on the tensor graph',
  nerdamer: 'symbolic simplification (nerdamer)',
};

function kindTitle(kind: string): string {
  switch (kind) {
    case 'rescaling': return 'Rescaling: one group scaled up, another down, e.g. (u, w) → (e^λ u, e^−λ w)';
    case 'scaling': return 'Scaling: the loss sees only the direction of a group';
    case 'linear': return 'General linear: ℓ(WU) is invariant under U → e^{λB}U, W → We^{−λB}';
    default: return 'Translation: shifting parameters together leaves the loss unchanged';
  }
}

/** Secondary: the joint balanced point on the orbit of the file's initial point (not where SGD ends). */
function startOrbitTable(a: AnalysisResult): HTMLElement | null {
  const withEq = a.symmetries.map((s, i) => ({ s, i })).filter(({ s }) => s.equilibrium);
  if (!withEq.length) return null;
  const point = withEq[0].s.equilibrium?.point ?? {};
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Component'), h('th', { scope: 'col' }, 'Initial'), h('th', { scope: 'col', 'data-col': 'orbit' }, "Balanced on the start's orbit"));
  const rows = a.components.map((c) => {
    const v = point[c];
    const moved = v !== undefined && Math.abs(v - a.initial[c]) > 1e-12 * Math.max(1, Math.abs(v));
    return h('tr', { 'data-component': c }, h('th', { scope: 'row' }, c), h('td', { 'data-col': 'initial' }, fmt(a.initial[c])), h('td', { 'data-col': 'orbit', class: moved ? 'nl-moved' : '' }, fmt(v)));
  });
  const chargeRows = withEq.map(({ s, i }) =>
    h('tr', { class: 'nl-foot', 'data-symmetry': String(i) }, h('th', { scope: 'row' }, generatorName(a, i)), h('td', {}, fmt(s.equilibrium?.chargeInitial)), h('td', { 'data-col': 'orbit' }, fmt(s.equilibrium?.chargeEquilibrium, s.equilibrium?.chargeInitial))));
  const csvButton = h('vscode-button', { secondary: true, class: 'nl-export', 'data-format': 'csv', title: 'Export the table as CSV' }, 'CSV');
  csvButton.addEventListener('click', () => {
    const lines = [['component', 'initial', 'start-orbit balance'].join(',')];
    for (const c of a.components) lines.push([`"${c.replace(/"/g, '""')}"`, csvNum(a.initial[c]), csvNum(point[c])].join(','));
    for (const { s, i } of withEq) lines.push([`"${generatorName(a, i)}"`, csvNum(s.equilibrium?.chargeInitial), csvNum(s.equilibrium?.chargeEquilibrium)].join(','));
    exportData('csv', lines.join('\n') + '\n', `${stem()}-start-orbit.csv`);
  });
  return h('section', { class: 'nl-equilibria nl-secondary-section' },
    h('header', { class: 'nl-plot-header' }, h('h2', {}, "Secondary: the balanced point of the start's orbit"), h('span', { class: 'nl-spacer' }), csvButton),
    h('p', { class: 'nl-note' }, "Where the noise would balance if SGD stayed on the orbit of the initial point (first SGD line's constants). It is not where SGD ends: SGD first follows gradient flow to a minimum, then balances there (above)."),
    h('details', { class: 'nl-secondary-details' }, h('summary', {}, `Show the table (${a.components.length} components)`),
      h('div', { class: 'nl-table-wrap' }, h('table', { class: 'nl-table', id: 'nl-equilibria' }, h('thead', {}, head), h('tbody', {}, rows, chargeRows)))),
  );
}

/** Scroll to an element of a tab and flash it. */
function highlight(tab: number, id: string): void {
  selectTab(tab);
  const el = document.getElementById(id);
  if (!el) return;
  el.scrollIntoView({ block: 'center', behavior: 'smooth' });
  el.classList.remove('nl-focus');
  void el.offsetWidth;
  el.classList.add('nl-focus');
  setTimeout(() => el.classList.remove('nl-focus'), 2500);
}

/** A generator: open its group's list of generators, then show it. */
function focusSymmetry(index: number): void {
  const el = document.getElementById(`sym-${index}`);
  const list = el?.closest('details');
  if (list && !list.open) list.open = true;
  highlight(0, el ? `sym-${index}` : `group-${model.analysis?.symmetries[index]?.group ?? 0}`);
}

// ---- plots ----

const plots = new Map<string, Plot>();

interface PlotDef {
  opts: PlotOptions;
  data: PlotData;
  /** A heading placed before this plot when the plots are (re)built (a group's charges). */
  heading?: () => HTMLElement;
  /** One cell of a grid, not the full width (the many charges of a big group). */
  cell?: boolean;
}

/** A group with more charges than this lays them (and their drifts) out in a grid. */
const GRID_CHARGES = 6;

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

/** Charge `i` of the runs: its name (a generator's label, or C₁), and its charge in text and TeX with that name. */
function chargeInfo(i: number, runs: RunResult[]): { name: string; text: string; tex?: string } {
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
function chargeSections(n: number, runs: RunResult[]): { group?: GroupReport; index?: number; charges: number[] }[] {
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
function survivorsOnly(r: RunResult): { alive: number; of: number } | null {
  const s = r.series.survivors;
  if (!s || !s.length) return null;
  let min = Infinity;
  for (let k = 0; k < s.length; k++) if (s[k] !== null && s[k] < min) min = s[k];
  return min < r.chains ? { alive: s[s.length - 1] ?? 0, of: r.chains } : null;
}

/** A run's label in a legend, with "(survivors only: k of N)" where chains dropped out. */
function curveLabel(r: RunResult, what: string): string {
  const sv = survivorsOnly(r);
  return `${runLabel(r)} ${what}${sv ? ` (survivors only: ${sv.alive} of ${sv.of})` : ''}`;
}

/** The plot title with "— survivors only (k of N)" when a run's curves are over its surviving chains only. */
function titleWithSurvivors(title: string, runs: RunResult[]): string {
  const marks = runs.map((r) => ({ r, sv: survivorsOnly(r) })).filter((x) => x.sv);
  if (!marks.length) return title;
  const what = marks.map(({ r, sv }) => (runs.length > 1 ? `${runLabel(r)}: ${sv?.alive} of ${sv?.of}` : `${sv?.alive} of ${sv?.of}`)).join('; ');
  return `${title} — survivors only (${what})`;
}

/** A quantity probed at some records only (tr H, λ_max): unprobed records are spanned, not gaps. */
function sparse(a: ArrayLike<number | null>): PlotValue[] {
  return Array.from(a, (v) => (v === null || !Number.isFinite(v) ? undefined : v));
}

const dynBody = h('div', { class: 'nl-plots nl-dyn' });
const dynRuns = h('div', { class: 'nl-runs' });
const dynVerdicts = h('div', { class: 'nl-verdicts' });
const dynEmpty = h('div', { class: 'nl-empty' });

/** The heading of a group's charges on the Dynamics tab: its name and matrix-form charge. */
function sectionHeading(g: GroupReport, gi: number, plotted: number): () => HTMLElement {
  return () => {
    const charge = groupCharge(model.analysis ?? { groups: [], symmetries: [] }, g);
    const more = g.unlisted ? `; ${g.unlisted} more not tracked` : '';
    return h('header', { class: 'nl-group-heading', 'data-group': String(gi) },
      h('h3', {}, g.name),
      mathTitle(charge.tex, charge.text),
      h('span', { class: 'nl-muted' }, `${plotted} charge${plotted === 1 ? '' : 's'} tracked${more}`));
  };
}

/** Charge `i` over the steps: measured mean ± spread per run, law (C), and the predicted end. */
function chargePlot(i: number, runs: RunResult[]): PlotDef | null {
  const info = chargeInfo(i, runs);
  const withData = runs.filter((r) => r.series.charges[i]);
  if (!withData.length) return null;
  const t = joinTables(withData.map((r) => {
    const c = r.series.charges[i];
    const end = r.prediction?.charges[i];
    const endLine = end === null || end === undefined ? r.series.steps.map(() => undefined) : r.series.steps.map(() => end);
    return { x: r.series.steps, ys: [c.mean, c.predicted, lower(c.mean, c.std), upper(c.mean, c.std), endLine] };
  }));
  const series: PlotSeries[] = [];
  const bands: PlotBand[] = [];
  withData.forEach((r, k) => {
    const color = colorOf(r.run);
    series.push({ label: curveLabel(r, 'measured'), values: t.ys[5 * k], color });
    if (t.ys[5 * k + 1].some((v) => v !== null && v !== undefined)) series.push({ label: `${runLabel(r)} law (C)`, values: t.ys[5 * k + 1], color, kind: 'dashed' });
    bands.push({ label: `${runLabel(r)} ± std`, lower: t.ys[5 * k + 2], upper: t.ys[5 * k + 3], color });
    if (t.ys[5 * k + 4].some((v) => v !== undefined)) series.push({ label: `${runLabel(r)} SGD end (predicted)`, values: t.ys[5 * k + 4], color, kind: 'dotted', width: 1.5 });
  });
  const extra = info.tex ? mathTitle(info.tex, info.text) : h('span', { class: 'nl-plot-tex' }, info.text);
  return {
    opts: { id: `charge-${i}`, title: titleWithSurvivors(`Charge ${info.name}`, withData), xLabel: 'step', yLabel: info.name, fileStem: `${stem()}-charge-${i + 1}`, headerExtra: extra },
    data: { x: t.x, series, bands },
  };
}

/** The drift of charge `i`: measured against law (C). */
function driftPlot(i: number, runs: RunResult[]): PlotDef | null {
  const withData = runs.filter((r) => r.series.drift[i] && r.series.drift[i].measured.length);
  if (!withData.length) return null;
  const name = chargeInfo(i, runs).name;
  const t = joinTables(withData.map((r) => {
    const d = r.series.drift[i];
    const n = Math.min(r.series.steps.length, d.measured.length, d.predicted.length);
    return { x: Array.from(r.series.steps).slice(0, n), ys: [Array.from(d.measured).slice(0, n), Array.from(d.predicted).slice(0, n)] };
  }));
  const series: PlotSeries[] = [];
  withData.forEach((r, k) => {
    series.push({ label: curveLabel(r, 'measured'), values: t.ys[2 * k], color: colorOf(r.run), kind: 'points' });
    series.push({ label: `${runLabel(r)} law (C)`, values: t.ys[2 * k + 1], color: colorOf(r.run), kind: 'dashed' });
  });
  // Drifts span orders of magnitude (a fast transient, then a slow decay): an asinh axis, linear
  // below a threshold set by the typical predicted drift.
  const typical = median(withData.flatMap((r) => Array.from(r.series.drift[i].predicted, (v) => Math.abs(v ?? NaN))).filter((v) => v > 0));
  return { opts: { id: `drift-${i}`, title: titleWithSurvivors(`Drift d${name}/dt: measured vs law (C)`, withData), xLabel: 'step', yLabel: `d${name}/dt (asinh)`, yScale: typical > 0 ? { asinh: typical / 2 } : 'linear', fileStem: `${stem()}-drift-${i + 1}` }, data: { x: t.x, series } };
}

function renderDynamics(): void {
  const runs = liveRuns();
  if (!dynPanel.contains(dynBody)) dynPanel.append(dynEmpty, dynRuns, dynVerdicts, dynBody);
  dynEmpty.hidden = runs.length > 0;
  if (!runs.length) {
    clear(dynEmpty);
    dynEmpty.append('No simulation yet. ', commandButton('Run', 'run', 'Run the file’s train lines', false), ' ', commandButton('Compare SGD vs GD', 'compare', 'Run SGD and GD from the same start'));
    syncPlots(dynBody, 'none', []);
    clear(dynRuns);
    clear(dynVerdicts);
    return;
  }
  renderRunsTable(runs);
  renderVerdicts(runs);
  const defs: PlotDef[] = [];
  const key = runs.map((r) => r.run).join('-');

  // Loss (mean ± std over chains).
  {
    const t = joinTables(runs.map((r) => ({ x: r.series.steps, ys: [r.series.lossMean, lower(r.series.lossMean, r.series.lossStd), upper(r.series.lossMean, r.series.lossStd)] })));
    const series: PlotSeries[] = [];
    const bands: PlotBand[] = [];
    runs.forEach((r, k) => {
      series.push({ label: curveLabel(r, 'loss'), values: t.ys[3 * k], color: colorOf(r.run) });
      bands.push({ label: `${runLabel(r)} ± std`, lower: t.ys[3 * k + 1], upper: t.ys[3 * k + 2], color: colorOf(r.run) });
    });
    const positive = runs.every((r) => Array.prototype.every.call(r.series.lossMean, (v: number | null) => v === null || v > 0));
    const title = titleWithSurvivors('Training loss (mean ± std over chains)', runs);
    const top = Math.max(...runs.flatMap((r) => Array.from(r.series.lossMean).filter((v): v is number => v !== null && Number.isFinite(v))));
    if (positive && top > 1e15) {
      // A diverging loss spans more decades than a log axis can label (uPlot stops past 10¹⁷):
      // plot log₁₀ ℓ on a linear axis, ticks written as powers of ten.
      const floor = Math.min(...series.flatMap((q) => Array.from(q.values).filter((v): v is number => typeof v === 'number' && v > 0)));
      const lg = (v: PlotValue, clamp = false): PlotValue => (v === null || v === undefined ? v : v > 0 ? Math.log10(v) : clamp ? Math.log10(floor) : null);
      defs.push({
        opts: { id: 'loss', title: `${title} — log₁₀ scale`, xLabel: 'step', yLabel: 'loss ℓ', yTicks: (v) => `1e${Math.round(v)}`, fileStem: `${stem()}-loss` },
        data: {
          x: t.x,
          series: series.map((q) => ({ ...q, values: Array.from(q.values, (v) => lg(v)) })),
          bands: bands.map((b) => ({ ...b, lower: Array.from(b.lower, (v) => lg(v, true)), upper: Array.from(b.upper, (v) => lg(v)) })),
        },
      });
    } else {
      defs.push({ opts: { id: 'loss', title, xLabel: 'step', yLabel: 'loss ℓ', yScale: positive ? 'log' : 'linear', fileStem: `${stem()}-loss` }, data: { x: t.x, series, bands } });
    }
  }

  // Charges, group by group: each charge (measured mean ± spread, law (C) at step resolution, where
  // SGD is predicted to end), then its drift against law (C).
  const nCharges = Math.max(0, ...runs.map((r) => r.series.charges.length));
  const sections = chargeSections(nCharges, runs);
  for (const sec of sections) {
    const heading = sec.group ? sectionHeading(sec.group, sec.index ?? 0, sec.charges.length) : undefined;
    const cell = sec.charges.length > GRID_CHARGES;
    const plots = [...sec.charges.map((i) => chargePlot(i, runs)), ...sec.charges.map((i) => driftPlot(i, runs))]
      .filter((d): d is PlotDef => d !== null)
      .map((d) => (cell ? { ...d, cell } : d));
    if (plots.length && heading) plots[0] = { ...plots[0], heading };
    defs.push(...plots);
  }
  const sectionKey = sections.map((x) => (x.group ? `${x.index}:${x.charges.join('.')}` : x.charges.length)).join('|');

  // Curvature along training (probed at some records only: the line joins the probes).
  const curv = runs.filter((r) => r.series.traceH.some((v) => v !== null) || r.series.lambdaMaxH.some((v) => v !== null));
  if (curv.length) {
    const t = joinTables(curv.map((r) => {
      const n = r.series.steps.length;
      return { x: r.series.steps, ys: [sparse(padTo(r.series.traceH, n)), sparse(padTo(r.series.lambdaMaxH, n))] };
    }));
    const series: PlotSeries[] = [];
    curv.forEach((r, k) => {
      series.push({ label: `${runLabel(r)} tr H`, values: t.ys[2 * k], color: colorOf(r.run) });
      series.push({ label: `${runLabel(r)} λmax(H)`, values: t.ys[2 * k + 1], color: colorOf(r.run), kind: 'dashed' });
    });
    // The GD stability edge 2/η, drawn when λmax comes within a factor 2 of it (else it would
    // flatten the curves); the title always states it.
    const lmax = Math.max(...curv.flatMap((r) => Array.from(r.series.lambdaMaxH).filter((v): v is number => v !== null && Number.isFinite(v))));
    const lrs = [...new Set(curv.map((r) => r.lr))].filter((lr) => lr > 0);
    for (const lr of lrs) {
      if (lmax > 1 / lr) series.push({ label: `2/η (GD stability, η=${lr})`, values: t.x.map(() => 2 / lr), color: readTheme().muted, kind: 'dashed', width: 1 });
    }
    const edge = lrs.map((lr) => `2/η = ${fmt(2 / lr)}`).join(', ');
    defs.push({ opts: { id: 'curvature', title: `Sharpness: tr H and λmax(H) at chain 0${edge ? ` (GD stable while λmax < ${edge})` : ''}`, xLabel: 'step', yLabel: 'curvature', fileStem: `${stem()}-curvature` }, data: { x: t.x, series } });
  }
  syncPlots(dynBody, `${key}/${sectionKey}`, defs);
}

function runState(r: RunResult): string {
  if (model.streaming && model.progress?.run === r.run) return `running ${Math.round((model.progress?.fraction ?? 0) * 100)}%`;
  return r.cancelled ? 'cancelled' : r.status;
}

function renderRunsTable(runs: RunResult[]): void {
  clear(dynRuns);
  const rows = runs.map((r) => {
    const state = runState(r);
    const div = r.divergence ? `${r.divergence.chains} of ${r.divergence.of}` : String(r.diverged.length);
    return h('tr', { 'data-run': String(r.run), 'data-status': r.status, class: r.status === 'diverged' ? 'nl-row-diverged' : '' },
      h('td', {}, h('span', { class: 'nl-swatch', 'data-color-index': String(r.run % 6) }), runLabel(r)),
      h('td', {}, String(r.chains)), h('td', {}, String(r.steps)),
      h('td', { title: 'Largest relative residual of the exact per-step law (D): rounding level when the law holds' }, r.lawResidual !== null && Number.isFinite(r.lawResidual) ? r.lawResidual.toExponential(1).replace('e-', 'e−') : '—'),
      h('td', {}, r.stepsPerSecond ? fmt(Math.round(r.stepsPerSecond)) : '—'),
      h('td', { class: r.diverged.length ? 'nl-error' : '', 'data-col': 'diverged' }, div),
      h('td', { class: r.status === 'diverged' ? 'nl-error nl-status-cell' : 'nl-status-cell', 'data-col': 'status' }, state));
  });
  dynRuns.append(h('div', { class: 'nl-table-wrap' }, h('table', { class: 'nl-table nl-runs-table', id: 'nl-runs' },
    h('thead', {}, h('tr', {}, ['run', 'chains', 'steps', 'law (D) residual', 'steps/s', 'diverged', 'status'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows))));
  // One summary per diverged run (k of N chains, the first step, λ_max and the bound against lr).
  for (const r of runs) {
    if (!r.divergence && !r.diverged.length) continue;
    const msg = r.divergence?.message ?? r.diverged.map((d) => d.message).join('; ');
    dynRuns.append(h('div', { class: 'nl-callout nl-callout-error nl-divergence', id: `nl-divergence-${r.run}`, role: 'alert', 'data-run': String(r.run) },
      h('strong', {}, `${runLabel(r)} diverged: `), msg,
      r.diverged.length ? h('details', {}, h('summary', {}, `First diverged chains (${r.diverged.length})`),
        h('ul', {}, r.diverged.slice(0, 8).map((d) => h('li', {}, d.message)))) : null));
  }
}

/**
 * One quantity's verdict: prediction beside measurement (a charge or a rotation-invariant
 * combination), and below it, across the table, how the verdict was reached.
 */
function verdictRow(name: string, title: string, predicted: number | null, v: VerdictFields): HTMLElement[] {
  return [h('tr', { 'data-verdict': v.verdict },
    h('th', { scope: 'row', title }, name),
    h('td', { 'data-col': 'predicted' }, sig4(predicted)),
    h('td', { 'data-col': 'eta' }, etaTermText(v.etaTerm, predicted) || (v.etaTerm === null ? '—' : '0')),
    h('td', { 'data-col': 'measured' }, v.measured === null ? '—' : `${sig4(v.measured)}${v.measuredStdErr !== null ? ` ± ${sig4(v.measuredStdErr)}` : ''}`),
    h('td', { 'data-col': 'z' }, v.z === null ? '—' : v.z.toFixed(2).replace('-', '−')),
    h('td', { 'data-col': 'verdict' }, badge(v.verdict, `verdict-${v.verdict.replace(' ', '-')}`, v.verdictNote)),
    h('td', { 'data-col': 'steps' }, v.verdict === 'relaxing' && v.stepsNeeded !== undefined ? `≈${fmt(v.stepsNeeded)}` : '—')),
  h('tr', { class: 'nl-note-row' }, h('td', { colspan: 7, class: 'nl-muted' }, h('div', {}, v.verdictNote)))];
}

/** Per run: each charge's (and invariant's) final mean against its predicted end, with z and a verdict. */
function renderVerdicts(runs: RunResult[]): void {
  clear(dynVerdicts);
  for (const r of runs) {
    const items = [...r.charges, ...(r.invariants ?? [])];
    if (!items.length) continue;
    const head = h('header', { class: 'nl-plot-header' }, h('h3', {}, `Prediction beside measurement — ${runLabel(r)}`));
    if (items.every((c) => c.verdict === 'no prediction')) {
      dynVerdicts.append(h('section', { class: 'nl-verdict-block', 'data-run': String(r.run) }, head, h('p', { class: 'nl-muted' }, `No prediction to compare: ${items[0].verdictNote}.`)));
      continue;
    }
    const rows = [
      ...r.charges.flatMap((c) => verdictRow(`${runChargeName(c)} (${c.kind})`, runChargeText(c), c.predictedEquilibrium, c)),
      ...(r.invariants ?? []).flatMap((inv) => verdictRow(inv.kind === 'linear' ? inv.text : 'cᵀG⁻¹c', inv.text, inv.predicted, inv)),
    ];
    const st = r.stationary;
    dynVerdicts.append(h('section', { class: 'nl-verdict-block', 'data-run': String(r.run) },
      head,
      h('div', { class: 'nl-table-wrap' }, h('table', { class: 'nl-table nl-verdict-table', id: `nl-verdicts-${r.run}` },
        h('thead', {}, h('tr', {}, ['quantity', 'predicted', 'O(η) term', 'measured ± SE', 'z', 'verdict', 'steps left'].map((c) => h('th', { scope: 'col', title: c === 'steps left' ? 'About how many more steps a relaxing quantity needs to reach the prediction' : undefined }, c)))),
        h('tbody', {}, rows))),
      h('p', { class: 'nl-note' }, `Measured: each chain's mean after the burn-in (step ${st.burnin}), averaged over chains, with its standard error over chains. "agrees" means within 4 SE plus the O(η) term; "relaxing" means still moving towards the prediction.`)));
  }
  const lawC = runs.find((r) => r.series.lawC && r.charges.length)?.series.lawC;
  if (lawC) dynVerdicts.append(h('p', { class: 'nl-note nl-lawc', id: 'nl-lawc' }, h('strong', {}, 'Law (C) curves: '), lawC));
}

// ---- stationary tab ----

const statHead = h('div', { class: 'nl-run-picker' });
const statInfo = h('div', {});
const productInfo = h('section', { class: 'nl-product', id: 'nl-product', hidden: true });
const productPlots = h('div', { class: 'nl-plots nl-legend-lines' });
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

/** The part of a theory's source before its formula, for a legend: "discrete-time SGD linearised at the minimum". */
function shortSource(source: string): string {
  const cut = source.split(/[,(:;]/)[0].trim();
  return cut.length > 70 ? `${cut.slice(0, 69)}…` : cut;
}

function renderStationary(): void {
  if (!statPanel.contains(statTable)) statPanel.append(statEmpty, statHead, statInfo, productInfo, productPlots, statTable, statPlots, escPlots);
  const runs = liveRuns().filter((r) => r.stationary && Object.keys(r.stationary.histograms ?? {}).length);
  statEmpty.hidden = runs.length > 0;
  clear(statHead);
  clear(statInfo);
  clear(statTable);
  if (!runs.length) {
    syncPlots(statPlots, 'none', []);
    renderProduct(undefined);
  } else {
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
    // The components' theory: Gaussian laws (THEORY §5); a deep chain's theory is the law of their product.
    const th = st.theory && Object.keys(st.theory.mean).length ? st.theory : undefined;
    const comps = Object.keys(st.histograms);
    const sv = survivorsOnly(run);
    // Burn-in (reported), and a visible warning when the run had not become stationary.
    statInfo.append(h('p', { class: 'nl-note', id: 'nl-burnin' },
      `Burn-in: the statistics start at step ${st.burnin} (${st.burninMethod}); ${st.samples} samples over ${sv ? `the ${sv.alive} surviving of ${sv.of}` : run.chains} chains.`));
    if (!st.reached) {
      const relax = run.prediction?.relaxationSteps;
      statInfo.append(h('div', { class: 'nl-callout nl-callout-warn', id: 'nl-not-stationary', role: 'alert' },
        h('strong', {}, 'Not stationary yet: '),
        `the charges or the loss still drift at the end of the run, so these are not stationary statistics. Run longer${relax ? ` (the charges relax in ${stepsText(relax)})` : ''}.`));
    }
    if (sv) statInfo.append(h('div', { class: 'nl-callout nl-callout-error', role: 'alert' }, `Survivors only: ${sv.alive} of ${sv.of} chains (the others diverged).`));
    renderProduct(run);
    const cols = ['component', 'mean', '± s.e.', 'variance', '± s.e.', ...(th ? ['theory mean', 'theory variance'] : [])];
    statTable.append(h('table', { class: 'nl-table', id: 'nl-stationary' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, Object.keys(st.mean).map((c) => h('tr', { 'data-component': c },
        h('th', { scope: 'row' }, c), h('td', {}, fmt(st.mean[c])), h('td', {}, fmt(st.meanStdErr?.[c])),
        h('td', {}, fmt(st.var[c])), h('td', {}, fmt(st.varStdErr?.[c])),
        th ? [h('td', { 'data-col': 'theory-mean' }, fmt(th.mean[c])), h('td', { 'data-col': 'theory-var' }, fmt(th.var[c]))] : null)))));
    const productOnly = !th && !!st.theory?.variable;
    statTable.append(h('p', { class: 'nl-note', id: 'nl-overlay-note' }, th
      ? `Overlay: the theory density N(mean, var) — ${th.source}.`
      : productOnly
        ? `Overlay on each component: Gaussian fit (the theory here is the law of the product ${st.theory?.variable}, above): the normal with the measured stationary mean and variance.`
        : 'Overlay: Gaussian fit (no theory for this model): the normal with the measured stationary mean and variance.'));
    const overlayLabel = th ? `theory: ${shortSource(th.source)}` : productOnly ? 'Gaussian fit (the theory is for the product)' : 'Gaussian fit (no theory for this model)';
    const defs: PlotDef[] = comps.slice(0, 12).map((c) => {
      const hist = st.histograms[c];
      const x: number[] = [];
      const density: (number | null)[] = [];
      let n = 0;
      for (let k = 0; k < hist.counts.length; k++) n += hist.counts[k];
      const m = th ? th.mean[c] : st.mean[c];
      const v = th ? th.var[c] : st.var[c];
      const ok = m !== null && m !== undefined && v !== null && v !== undefined && Number.isFinite(m) && v > 0;
      const sd = ok ? Math.sqrt(v) : 0;
      for (let k = 0; k < hist.counts.length; k++) {
        const a = hist.edges[k];
        const b = hist.edges[k + 1];
        x.push((a + b) / 2);
        density.push(ok ? n * (normalCdf((b - m) / sd) - normalCdf((a - m) / sd)) : null);
      }
      return {
        opts: { id: `hist-${run.run}-${c}`, title: `Stationary distribution of ${c}`, xLabel: c, yLabel: 'count', yZero: true, height: 200, legendValues: false, fileStem: `${stem()}-hist-${c}` },
        data: { x, series: [{ label: `${runLabel(run)} histogram`, values: Array.from(hist.counts), color: colorOf(run.run), kind: 'bars' }, { label: overlayLabel, values: density, color: readTheme().palette[4], kind: 'spline' }] },
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

/**
 * A deep chain's law of the product (paper (a), Theorem 4.2) beside its measurement: the mode, T and
 * T_c, the quantiles (theory against measured ± bootstrap SE) and the density over the histogram of
 * the product's stationary samples, labelled as the continuous-time law it is.
 */
function renderProduct(run: RunResult | undefined): void {
  clear(productInfo);
  const cmp = run ? productComparison(run.stationary) : undefined;
  productInfo.hidden = !cmp;
  if (!run || !cmp) {
    syncPlots(productPlots, 'none', []);
    return;
  }
  const st = run.stationary;
  const rows = cmp.rows.map((r) => h('tr', { 'data-level': levelName(r.level) },
    h('th', { scope: 'row' }, levelName(r.level)),
    h('td', { 'data-col': 'theory' }, sig4(r.theory)),
    h('td', { 'data-col': 'measured' }, measuredText(r)),
    h('td', { 'data-col': 'z' }, r.theory !== null && r.measured !== null && r.se ? ((r.measured - r.theory) / r.se).toFixed(2).replace('-', '−') : '—')));
  productInfo.append(
    h('h2', {}, `Stationary law of the product ${cmp.variable}`),
    h('p', { class: 'nl-note', id: 'nl-product-source' }, `${CHAIN_LAW_LABEL[0].toUpperCase()}${CHAIN_LAW_LABEL.slice(1)}: ${st.theory?.source ?? 'no theory for this run'}.`),
    h('p', { class: 'nl-product-facts', id: 'nl-product-facts' }, productFactsText(cmp)),
    h('div', { class: 'nl-table-wrap' }, h('table', { class: 'nl-table nl-product-quantiles', id: 'nl-product-quantiles' },
      h('thead', {}, h('tr', {}, ['quantile', 'theory', 'measured ± SE', 'z'].map((c) => h('th', { scope: 'col', title: c === 'measured ± SE' ? 'Pooled over the chains after the burn-in; SE by bootstrap over chains' : undefined }, c)))),
      h('tbody', {}, rows))),
    h('p', { class: 'nl-note' }, cmp.samples === null
      ? 'The run measured no quantiles of the product.'
      : `Measured over ${cmp.samples} samples (chains × records after step ${st.burnin}); the SE is a bootstrap over chains. Discrete-time SGD differs from the law by O(η).`));
  const hist = st.product?.histogram;
  const density = st.theory?.density;
  if (!hist) {
    syncPlots(productPlots, 'none', []);
    return;
  }
  const x = Array.from({ length: hist.counts.length }, (_, k) => (hist.edges[k] + hist.edges[k + 1]) / 2);
  const series: PlotSeries[] = [{ label: `${runLabel(run)} histogram of ${cmp.variable}`, values: Array.from(hist.counts), color: colorOf(run.run), kind: 'bars' }];
  if (density && density.x.length && cmp.samples) series.push({ label: CHAIN_LAW_LABEL, values: expectedCounts(density, hist.edges, cmp.samples), color: readTheme().palette[4], kind: 'spline' });
  syncPlots(productPlots, `product${run.run}`, [{
    opts: { id: `product-${run.run}`, title: `Stationary distribution of ${cmp.variable} (the central 99 % of its samples)`, xLabel: cmp.variable, yLabel: 'count', yZero: true, height: 240, legendValues: false, fileStem: `${stem()}-product` },
    data: { x, series },
  }]);
}

function median(a: number[]): number {
  if (!a.length) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/** mean ∓ std; null where either is missing (no surviving chain): a gap, never a value from null. */
function lower(m: ArrayLike<number | null>, s: ArrayLike<number | null>): (number | null)[] {
  return Array.from(m, (v, i) => (v === null || s[i] === null || s[i] === undefined ? null : v - (s[i] as number)));
}
function upper(m: ArrayLike<number | null>, s: ArrayLike<number | null>): (number | null)[] {
  return Array.from(m, (v, i) => (v === null || s[i] === null || s[i] === undefined ? null : v + (s[i] as number)));
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
    case ToWebviewType.FocusGroup:
      highlight(0, `group-${m.group}`);
      break;
    case ToWebviewType.FocusPrediction:
      highlight(0, `prediction-${m.run}`);
      break;
    case ToWebviewType.FocusRun:
      // The Dynamics tab renders on the next frame: highlight the run after it.
      selectTab(1);
      requestAnimationFrame(() => highlight(1, document.querySelector(`.nl-divergence[data-run="${m.run}"]`) ? `nl-divergence-${m.run}` : 'nl-runs'));
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

// Exposed only to the browser tests, whose harness sets __noetherLabTest before this bundle runs
// (read-only views of the rendered plots).
const testWindow = window as unknown as { __noetherLabTest?: boolean; __noetherLab?: unknown };
if (testWindow.__noetherLabTest === true) {
  testWindow.__noetherLab = {
    plots: () => [...plots.entries()].map(([id, p]) => ({ id, el: p.el, width: p.uplot?.width ?? 0, points: p.uplot?.data[0].length ?? 0 })),
    plot: (id: string) => plots.get(id),
  };
}
