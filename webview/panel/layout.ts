// The panel's frame: heading, toolbar, progress bar, banner, the three tabs and the status line;
// exports through the host's save dialog; scrolling to and flashing an element.
import { ExportFormat, FromWebviewType, WebviewCommand } from '../../src/shared/protocol';
import { h } from '../common/dom';
import { runLabel } from '../common/format';
import { patchState, request, send } from '../common/vscode';
import { PanelState, model, saved } from './state';

export const app = document.getElementById('app') as HTMLElement;
export const fileTitle = h('h1', { class: 'nl-file' }, 'Noether Lab');
export const subtitle = h('span', { class: 'nl-subtitle' });
export const progressFill = h('div', { class: 'nl-progress-fill' });
export const progressText = h('span', { class: 'nl-progress-text' });
export const progress = h(
  'div',
  { class: 'nl-progress', hidden: true, role: 'progressbar', 'aria-label': 'Simulation progress' },
  h('div', { class: 'nl-progress-track' }, progressFill),
  progressText,
);
export const status = h('span', { class: 'nl-status', role: 'status', 'aria-live': 'polite' });

export function commandButton(label: string, command: WebviewCommand, title: string, secondary = true): HTMLElement {
  const b = h('vscode-button', { secondary, 'data-command': command, title }, label);
  b.addEventListener('click', () => send({ type: FromWebviewType.Command, command }));
  return b;
}
export const stopButton = commandButton('Stop', 'stop', 'Stop the running simulation');
stopButton.hidden = true;
export const toolbar = h(
  'div',
  { class: 'nl-toolbar' },
  commandButton('Run', 'run', 'Run the file’s train lines', false),
  commandButton('Compare SGD vs GD', 'compare', 'Run SGD and GD from the same start'),
  commandButton('Where SGD ends', 'findEquilibrium', 'Predict again where each noisy run ends'),
  commandButton('Export report', 'export', 'Export the analysis and the latest run'),
  stopButton,
);
export const banner = h('div', { class: 'nl-banner', hidden: true, role: 'alert' });

export const symPanel = h('div', { class: 'nl-tab-body', id: 'tab-symmetries' });
export const dynPanel = h('div', { class: 'nl-tab-body', id: 'tab-dynamics' });
export const statPanel = h('div', { class: 'nl-tab-body', id: 'tab-stationary' });
export const symCount = h('vscode-badge', { variant: 'counter', class: 'nl-tab-count' }, '0');
export const tabs = h(
  'vscode-tabs',
  { 'selected-index': String(saved.tab ?? 0), class: 'nl-tabs' },
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

app.append(h('header', { class: 'nl-top' }, h('div', { class: 'nl-heading' }, fileTitle, subtitle), toolbar), progress, banner, tabs, status);

export function badge(text: string, cls: string, title?: string): HTMLElement {
  return h('vscode-badge', { class: `nl-badge ${cls}`, title }, text);
}

export function selectTab(index: number): void {
  (tabs as unknown as { selectedIndex: number }).selectedIndex = index;
  patchState<PanelState>({ tab: index });
}

// ---- exports ----

export function exportData(format: ExportFormat, data: string, suggestedName: string): void {
  status.textContent = `Exporting ${suggestedName}…`;
  void request({ type: FromWebviewType.ExportData, format, data, suggestedName }).then((r) => {
    status.textContent = r.ok ? `Saved ${r.detail ?? suggestedName}` : r.detail === 'cancelled' ? '' : `Export failed: ${r.detail ?? ''}`;
  });
}

export function highlight(tab: number, id: string): void {
  selectTab(tab);
  const el = document.getElementById(id);
  if (!el) return;
  el.scrollIntoView({ block: 'center', behavior: 'smooth' });
  el.classList.remove('nl-focus');
  void el.offsetWidth;
  el.classList.add('nl-focus');
  setTimeout(() => el.classList.remove('nl-focus'), 2500);
}

// ---- progress ----

export function renderProgress(): void {
  const p = model.progress;
  progress.hidden = !model.streaming || !p;
  stopButton.hidden = !model.streaming;
  if (p) {
    progressFill.style.width = `${(p.fraction * 100).toFixed(1)}%`;
    const r = model.runs[p.run];
    progressText.textContent = `Run ${p.run + 1}${r ? ` (${runLabel(r)})` : ''}: ${Math.round(p.fraction * 100)}%`;
  }
}
