// The side view's run history: the active file's stored runs (newest first) with their time, train
// lines and status, and buttons to overlay one on the panel's plots, export it (JSON, numpy .npz) or
// delete it, and to clear the file's history. The buttons send HistoryAction messages; the host runs
// the same commands as the palette.
import { FromWebviewType, HistoryActionName, HistoryItem, HistoryMessage } from '../../src/shared/protocol';
import { h } from '../common/dom';
import { send } from '../common/vscode';

function button(label: string, title: string, action: HistoryActionName, entry?: string): HTMLElement {
  const b = h('button', { class: 'nl-chip nl-history-action', type: 'button', title, 'data-action': action }, label);
  b.addEventListener('click', () => send({ type: FromWebviewType.HistoryAction, action, ...(entry ? { entry } : {}) }));
  return b;
}

function when(t: number): string {
  const d = new Date(t);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : `${d.toLocaleDateString()} ${d.toLocaleTimeString()}`;
}

function item(e: HistoryItem, overlaid: boolean): HTMLElement {
  const lines = e.runs.map((r) => `${r.label}${r.status !== e.status ? ` (${r.status})` : ''}`).join(', ') || e.title;
  return h(
    'li',
    { class: `nl-history-item status-${e.status}`, 'data-entry': e.id, title: `${e.title} — ${e.status}` },
    h(
      'div',
      { class: 'nl-history-head' },
      h('span', { class: 'nl-history-time' }, when(e.time)),
      h(
        'span',
        { class: `nl-history-status nl-verdict verdict-${e.status === 'completed' ? 'agrees' : e.status === 'diverged' ? 'disagrees' : 'relaxing'}` },
        e.status,
      ),
    ),
    h('div', { class: 'nl-history-runs' }, lines),
    h(
      'div',
      { class: 'nl-history-buttons' },
      overlaid
        ? button('Clear overlay', 'Stop drawing this run over the panel’s plots', 'clearOverlay')
        : button('Overlay', 'Draw this run over the current plots in the panel', 'overlay', e.id),
      button('JSON', 'Export this run as JSON', 'exportJson', e.id),
      button('.npz', 'Export this run as numpy arrays (.npz)', 'exportNpz', e.id),
      button('Delete', 'Delete this run from the history', 'delete', e.id),
    ),
  );
}

/** The history section (null when no file is shown). */
export function historySection(m: HistoryMessage | undefined): HTMLElement | null {
  if (!m?.uri) return null;
  const list = h(
    'ol',
    { class: 'nl-history', id: 'nl-history' },
    m.entries.map((e) => item(e, e.id === m.overlaid)),
  );
  return h(
    'section',
    { class: 'nl-history-section' },
    h('h2', {}, `History (${m.entries.length})`),
    m.entries.length ? list : h('p', { class: 'nl-muted' }, 'Finished runs are kept here (the last 20 of this file).'),
    m.entries.length ? h('div', { class: 'nl-history-footer' }, button('Clear history', 'Delete every stored run of this file', 'clear')) : null,
  );
}
