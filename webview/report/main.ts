// The Noether Lab report view: an experiment's report or a sweep, in a webview panel inside VS Code
// (also in remote and web sessions, where a file:// page in a browser cannot be opened). The host
// sends a ReportDoc; paragraphs are text with `$…$` typeset by KaTeX (trust: false) and `code`;
// figures are uPlot plots with PNG/SVG/CSV export; tables are built with DOM APIs. The document is
// kept in the webview state, so the view comes back after a window reload.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import 'katex/dist/katex.min.css';
import 'uplot/dist/uPlot.min.css';
import '../../media/webview/common.css';
import '../../media/webview/report.css';

import { ExportFormat, Figure, FromWebviewType, ToWebviewMessage, ToWebviewType } from '../../src/shared/protocol';
import type { ReportDoc, ReportSection, ReportTable } from '../../src/shared/reportDoc';
import { clear, h } from '../common/dom';
import { joinTables, Plot, PlotBand, PlotSeries, rebuildAllPlots } from '../common/plots';
import { renderTex } from '../common/tex';
import { readTheme, watchTheme } from '../common/theme';
import { getState, onMessage, patchState, request, send } from '../common/vscode';

interface ReportState {
  doc: ReportDoc;
}

const app = document.getElementById('app') as HTMLElement;
const status = h('span', { class: 'nl-status', role: 'status', 'aria-live': 'polite' });
const plots: Plot[] = [];
let doc: ReportDoc | undefined = getState<ReportState>().doc;

/** Text with `$TeX$` typeset and `code` in monospace; everything else stays text. */
function richText(text: string): (Node | string)[] {
  const out: (Node | string)[] = [];
  const re = /\$([^$\n]+)\$|`([^`\n]+)`/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(m[1] !== undefined ? renderTex(h('span', { class: 'nl-inline-tex' }), m[1], { fallback: m[1] }) : h('code', {}, m[2]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function exportData(format: ExportFormat, data: string, suggestedName: string): void {
  status.textContent = `Exporting ${suggestedName}…`;
  void request({ type: FromWebviewType.ExportData, format, data, suggestedName }).then((r) => {
    status.textContent = r.ok ? `Saved ${r.detail ?? suggestedName}` : r.detail === 'cancelled' ? '' : `Export failed: ${r.detail ?? ''}`;
  });
}

const KINDS = { line: 'line', points: 'points', dashed: 'dashed', bars: 'bars' } as const;

function figurePlot(parent: HTMLElement, fig: Figure, stem: string): void {
  const palette = readTheme().palette;
  const keys: string[] = [];
  const colorOf = (name: string) => {
    const key = name.split(':')[0].trim();
    if (!keys.includes(key)) keys.push(key);
    return palette[keys.indexOf(key) % palette.length];
  };
  const t = joinTables(
    fig.series.map((s) => {
      const y = s.y.map((v) => (Number.isFinite(v) ? v : null));
      const lo = s.yErr ? s.y.map((v, i) => (Number.isFinite(v) ? v - (s.yErr?.[i] ?? 0) : null)) : [];
      const hi = s.yErr ? s.y.map((v, i) => (Number.isFinite(v) ? v + (s.yErr?.[i] ?? 0) : null)) : [];
      return { x: s.x, ys: s.yErr ? [y, lo, hi] : [y] };
    }),
  );
  const series: PlotSeries[] = [];
  const bands: PlotBand[] = [];
  let col = 0;
  for (const s of fig.series) {
    const color = colorOf(s.name);
    // A report's points are a few measured values (with their standard errors): drawn large.
    series.push({ label: s.name, values: t.ys[col++], color, kind: KINDS[s.style ?? 'line'], ...(s.style === 'points' ? { size: 7 } : {}) });
    if (s.yErr) bands.push({ label: `${s.name} ± SE`, lower: t.ys[col++], upper: t.ys[col++], color });
  }
  const positive = series.every((s) => Array.prototype.every.call(s.values, (v: number | null | undefined) => v === null || v === undefined || v > 0));
  plots.push(
    new Plot(
      parent,
      {
        id: fig.id,
        title: fig.title,
        xLabel: fig.xLog ? `${fig.xLabel} (log scale in the saved report)` : fig.xLabel,
        yLabel: fig.yLabel,
        yScale: fig.yLog && positive ? 'log' : 'linear',
        fileStem: `${stem}-${fig.id}`,
        onExport: exportData,
      },
      { x: t.x, series, bands },
    ),
  );
}

function table(t: ReportTable): HTMLElement {
  return h(
    'div',
    { class: 'nl-table-wrap' },
    h(
      'table',
      { class: 'nl-table nl-report-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          t.columns.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        t.rows.map((r, i) =>
          h(
            'tr',
            { class: t.rowStatus?.[i] ? `nl-${t.rowStatus[i]}` : undefined },
            r.map((c, j) => h(j === 0 ? 'th' : 'td', j === 0 ? { scope: 'row' } : {}, richText(c))),
          ),
        ),
      ),
    ),
  );
}

function statusBadge(s: 'pass' | 'fail' | undefined, all = false): HTMLElement | null {
  if (!s) return null;
  return h('vscode-badge', { class: `nl-report-status nl-${s}` }, s === 'pass' ? (all ? 'ALL PASS' : 'PASS') : all ? 'SOME FAIL' : 'FAIL');
}

function section(s: ReportSection, stem: string): HTMLElement {
  const el = h(
    'section',
    { class: 'nl-report-section', id: `section-${s.id}` },
    h('h2', {}, s.title, ' ', statusBadge(s.status)),
    s.meta ? h('p', { class: 'nl-muted' }, s.meta) : null,
    s.paragraphs.map((p) => h('p', { class: 'nl-report-note' }, richText(p))),
  );
  const figs = h('div', { class: 'nl-plots' });
  el.append(figs);
  for (const f of s.figures) figurePlot(figs, f, stem);
  for (const t of s.tables) el.append(table(t));
  return el;
}

function render(): void {
  for (const p of plots.splice(0)) p.destroy();
  clear(app);
  if (!doc) {
    app.append(h('p', { class: 'nl-empty' }, 'Loading the report…'));
    return;
  }
  const stem =
    doc.title
      .replace(/^Noether Lab (experiments?: )?/i, '')
      .replace(/[^A-Za-z0-9_.-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'report';
  app.append(h('header', { class: 'nl-report-top' }, h('h1', {}, doc.title, ' ', statusBadge(doc.status, doc.sections.length > 1))));
  if (doc.files?.length)
    app.append(
      h(
        'p',
        { class: 'nl-muted nl-report-files' },
        'Written to ',
        doc.files.flatMap((f, i) => [i ? ' and ' : '', h('code', {}, f)]),
      ),
    );
  for (const p of doc.intro) app.append(h('p', { class: 'nl-report-note' }, richText(p)));
  if (doc.sections.length > 1)
    app.append(
      h(
        'nav',
        { class: 'nl-report-nav' },
        doc.sections.flatMap((s, i) => [i ? ' · ' : '', h('a', { href: `#section-${s.id}` }, s.id)]),
      ),
    );
  for (const s of doc.sections) app.append(section(s, stem));
  app.append(status);
}

function handle(m: ToWebviewMessage): void {
  if (m.type === ToWebviewType.Report) {
    doc = m.doc;
    patchState<ReportState>({ doc: m.doc });
    render();
  } else if (m.type === ToWebviewType.Theme) {
    requestAnimationFrame(() => rebuildAllPlots());
  }
}

onMessage(handle);
watchTheme(() => render());
render();
send({ type: FromWebviewType.Ready, view: 'report' });

// Read-only views of what is rendered, for the tests (the e2e suite reads them inside VS Code, where no
// harness can set a flag first). They hold no history: nothing grows with use.
(window as unknown as { __noetherLab: unknown }).__noetherLab = {
  plots: () => plots.map((p) => ({ id: p.opts.id, el: p.el, width: p.uplot?.width ?? 0, points: p.uplot?.data[0].length ?? 0 })),
  plot: (id: string) => plots.find((p) => p.opts.id === id),
  tex: () => document.querySelectorAll('.nl-inline-tex .katex').length,
};
