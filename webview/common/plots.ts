// Interactive plots on uPlot, with PNG / SVG / PDF / CSV export.
//
// Why uPlot: it draws on a canvas and sets styles only through the CSSOM, so it runs under the
// webview's strict Content-Security-Policy (no 'unsafe-eval', no inline styles or scripts); it is
// small (~23 KB gzipped) and fast (100k points in ~50 ms), which matters while a run streams in.
// Plotly and Vega need CSP exceptions ('unsafe-eval' / inline styles).
//
// A plot here is described by plain data (x, series, bands), so the same description feeds uPlot,
// the hand-built SVG export and the CSV export.
import uPlot from 'uplot';
import { h } from './dom';
import { csvNum, fmtShort, fmtTick, fmtTicks } from './format';
import { readTheme, Theme, withAlpha } from './theme';
import { svgToPdfDataUrl } from './pdf';
import type { ExportFormat } from '../../src/shared/protocol';

/** uPlot's scale distributions (its const enum Scale.Distr, which isolated modules cannot read from the .d.ts). */
const DISTR_LINEAR = 1 as uPlot.Scale.Distr;
const DISTR_LOG = 3 as uPlot.Scale.Distr;
const DISTR_ASINH = 4 as uPlot.Scale.Distr;

export type SeriesKind = 'line' | 'dashed' | 'dotted' | 'dashdot' | 'points' | 'bars' | 'step' | 'spline';

/**
 * Dash patterns of the dashed kinds (uPlot, the legend and the SVG/PNG export). The panel's
 * convention: measured solid, a theory curve (law (C)) dashed, a predicted level dash-dotted.
 */
export const DASH: Partial<Record<SeriesKind, number[]>> = { dashed: [7, 4], dotted: [2, 3], dashdot: [10, 3, 2, 3] };

/**
 * A value of a series: a number; null (or NaN) where it is missing, drawn as a gap (a diverged run,
 * a statistic with no surviving chain); undefined where the series has no point at that x (another
 * series' x in a joined table, a quantity probed only at some records), which the line spans.
 */
export type PlotValue = number | null | undefined;

export interface PlotSeries {
  label: string;
  values: ArrayLike<PlotValue>;
  color: string;
  kind?: SeriesKind;
  width?: number;
  /** Points' diameter in px (kind 'points'): 3 and translucent by default (a dense scatter); larger ones are drawn opaque (a few measured values). */
  size?: number;
  /** Left out of the legend (e.g. every chain trace but the first of a run). */
  noLegend?: boolean;
  /** A single chain's path: drawn under the means, its CSV column after theirs, under `csvLabel`. */
  trace?: boolean;
  csvLabel?: string;
}

/** A shaded region between two curves (mean ± std), drawn under the series. */
export interface PlotBand {
  label: string;
  lower: ArrayLike<PlotValue>;
  upper: ArrayLike<PlotValue>;
  color: string;
}

export interface PlotData {
  x: ArrayLike<number>;
  series: PlotSeries[];
  bands?: PlotBand[];
}

export interface PlotOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  height?: number;
  /** Sparkline: no axes, legend, cursor or export buttons. */
  compact?: boolean;
  /** Force the y range to include 0 (histograms). */
  yZero?: boolean;
  /** y axis: linear (default), log (positive data, e.g. a loss) or asinh (signed data spanning
   *  orders of magnitude, e.g. a drift; the number is the linear threshold). */
  yScale?: 'linear' | 'log' | { asinh: number };
  /** Show the values under the cursor in the legend (default true; off for narrow histograms). */
  legendValues?: boolean;
  /** Tick labels of the y axis (e.g. `1e40` for a plot of log₁₀ values). */
  yTicks?: (v: number) => string;
  /** Stem of exported file names. */
  fileStem?: string;
  /** Extra header content (e.g. a KaTeX title). */
  headerExtra?: HTMLElement;
  /** Called with an export the user asked for. */
  onExport?: (format: ExportFormat, data: string, suggestedName: string) => void;
  /** Plots with the same link zoom together along x (the time plots of a tab). */
  link?: string;
  /** Show the log-x / log-y toggles (default: on for full plots). */
  toggles?: boolean;
}

/** A user's per-plot choices (kept in the webview state): log axes. */
export interface PlotPrefs {
  logX?: boolean;
  logY?: boolean;
}

export interface PrefsStore {
  get(id: string): PlotPrefs;
  set(id: string, prefs: PlotPrefs): void;
}

let prefsStore: PrefsStore = { get: () => ({}), set: () => undefined };
export function setPrefsStore(store: PrefsStore): void {
  prefsStore = store;
}

/** Remembered x zoom per plot id (kept in the webview state). */
export interface ZoomStore {
  get(id: string): [number, number] | undefined;
  set(id: string, range: [number, number] | undefined): void;
}

let zoomStore: ZoomStore = { get: () => undefined, set: () => undefined };
export function setZoomStore(store: ZoomStore): void {
  zoomStore = store;
}

const allPlots = new Set<Plot>();

/** Re-create every plot (theme change). */
export function rebuildAllPlots(): void {
  for (const p of allPlots) p.rebuild();
}

export class Plot {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private u: uPlot | undefined;
  private data: PlotData;
  private signature = '';
  private theme: Theme = readTheme();
  private resizeObserver: ResizeObserver;
  private lastWidth = 0;
  private toggleEls: { logx?: HTMLElement; logy?: HTMLElement } = {};

  private titleEl: HTMLElement | undefined;

  constructor(
    parent: HTMLElement,
    public opts: PlotOptions,
    data: PlotData,
  ) {
    this.data = data;
    this.body = h('div', { class: 'nl-plot-body' });
    if (opts.compact) {
      this.el = h('div', { class: 'nl-spark', 'data-plot-id': opts.id, title: opts.title }, this.body);
    } else {
      const buttons = exportButtons((format, scale) => void this.export(format, scale));
      const toggles =
        opts.toggles === false
          ? []
          : (['logx', 'logy'] as const).map((which) => {
              const b = h(
                'button',
                {
                  type: 'button',
                  class: 'nl-toggle',
                  'data-toggle': which,
                  'aria-pressed': 'false',
                  title: `Logarithmic ${which === 'logx' ? 'x' : 'y'} axis`,
                },
                which === 'logx' ? 'log x' : 'log y',
              );
              b.addEventListener('click', () => this.toggle(which));
              this.toggleEls[which] = b;
              return b;
            });
      this.el = h(
        'section',
        { class: 'nl-plot-card', 'data-plot-id': opts.id },
        h(
          'header',
          { class: 'nl-plot-header' },
          (this.titleEl = h('h3', { class: 'nl-plot-title' }, opts.title)),
          opts.headerExtra ?? null,
          h('span', { class: 'nl-spacer' }),
          toggles.length ? h('span', { class: 'nl-toggles' }, toggles) : null,
          h('span', { class: 'nl-export-buttons' }, buttons),
        ),
        this.body,
      );
    }
    parent.appendChild(this.el);
    this.resizeObserver = new ResizeObserver(() => this.fit());
    this.resizeObserver.observe(this.body);
    allPlots.add(this);
    this.create();
  }

  /**
   * New data, and optionally new options: a new title is set in place (e.g. "survivors only" as
   * chains diverge while a run streams), a new axis (scale, label, ticks) rebuilds the plot.
   */
  update(data: PlotData, opts?: PlotOptions): void {
    if (opts) {
      const axis = (o: PlotOptions) => JSON.stringify([o.yScale, o.yLabel, o.xLabel, o.yZero, !!o.yTicks]);
      const rebuild = axis(opts) !== axis(this.opts);
      if (this.titleEl && opts.title !== this.opts.title) this.titleEl.textContent = opts.title;
      this.opts = { ...opts, onExport: this.opts.onExport, headerExtra: this.opts.headerExtra };
      if (rebuild) {
        this.data = data;
        this.create();
        return;
      }
    }
    this.data = data;
    if (!this.u || sig(data) !== this.signature) {
      this.create();
      return;
    }
    this.u.setData(toAligned(data), true);
    this.applyZoom();
  }

  rebuild(): void {
    this.theme = readTheme();
    this.create();
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.u?.destroy();
    this.u = undefined;
    allPlots.delete(this);
    this.el.remove();
  }

  get uplot(): uPlot | undefined {
    return this.u;
  }

  /** The y scale in effect: the user's log toggle over the plot's own choice. */
  yScale(): PlotOptions['yScale'] {
    const pref = prefsStore.get(this.opts.id).logY;
    if (pref === undefined || this.opts.yTicks) return this.opts.yScale;
    if (!pref) return 'linear';
    if (this.opts.yScale && this.opts.yScale !== 'linear') return this.opts.yScale;
    const values = this.data.series.flatMap((s) => Array.from(s.values).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
    if (values.length && values.every((v) => v > 0)) return 'log';
    // Signed data: asinh, linear within a tenth of the typical magnitude.
    const typical = median(values.map(Math.abs).filter((v) => v > 0));
    return { asinh: typical > 0 ? typical / 10 : 1 };
  }

  logX(): boolean {
    return !!prefsStore.get(this.opts.id).logX;
  }

  private toggle(which: 'logx' | 'logy'): void {
    const prefs = { ...prefsStore.get(this.opts.id) };
    if (which === 'logx') prefs.logX = !this.logX();
    else prefs.logY = !(this.yScale() !== undefined && this.yScale() !== 'linear');
    prefsStore.set(this.opts.id, prefs);
    this.create();
  }

  private width(): number {
    const w = Math.floor(this.body.clientWidth);
    return w > 0 ? w : this.opts.compact ? 200 : 560;
  }

  private fit(): void {
    if (!this.u) return;
    const w = Math.floor(this.body.clientWidth);
    if (w > 0 && w !== this.lastWidth) {
      this.lastWidth = w;
      this.u.setSize({ width: w, height: this.height() });
    }
  }

  private height(): number {
    return this.opts.height ?? (this.opts.compact ? 44 : 240);
  }

  private create(): void {
    this.u?.destroy();
    this.theme = readTheme();
    this.signature = sig(this.data);
    this.u = new uPlot(this.uplotOptions(), toAligned(this.data), this.body);
    this.lastWidth = this.u.width;
    this.applyZoom();
    // Series left out of the legend (uPlot lists every series): hidden through the CSSOM.
    const rows = this.u.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
    this.data.series.forEach((s, i) => {
      if (s.noLegend && rows[i + 1]) rows[i + 1].style.display = 'none';
    });
    this.u.over.addEventListener('dblclick', () => linkedZoom(this, undefined));
    const ys = this.yScale();
    this.toggleEls.logx?.setAttribute('aria-pressed', String(this.logX()));
    this.toggleEls.logy?.setAttribute('aria-pressed', String(!!ys && ys !== 'linear'));
    if (this.opts.yTicks) this.toggleEls.logy?.setAttribute('disabled', '');
  }

  /** Apply the remembered x zoom, or show all the data when there is none. */
  applyZoom(reset = false): void {
    if (!this.u) return;
    const z = zoomStore.get(this.opts.id);
    if (z) this.u.setScale('x', { min: z[0], max: z[1] });
    else if (reset) {
      const [lo, hi] = extent(this.u.data[0]);
      this.u.setScale('x', { min: lo, max: hi });
    }
  }

  private uplotOptions(): uPlot.Options {
    const t = this.theme;
    const compact = !!this.opts.compact;
    const font = `${Math.max(10, t.fontSize - 2)}px ${t.font}`;
    const labelFont = `${Math.max(11, t.fontSize - 1)}px ${t.font}`;
    const ys = this.yScale();
    const logX = this.logX();
    const axis = (label: string): uPlot.Axis => ({
      show: !compact,
      label,
      stroke: t.fg,
      font,
      labelFont,
      labelSize: 18,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1, size: 4 },
      values: (_u, splits) => fmtTicks(splits),
    });
    const series: uPlot.Series[] = [
      { label: this.opts.xLabel, value: (_u, v) => (v === null || v === undefined ? '—' : fmtShort(v)) },
      ...this.data.series.map((s) => seriesOptions(s, t)),
    ];
    const bands = this.data.bands ?? [];
    const yZero = !!this.opts.yZero;
    const [x0, x1] = extent(this.data.x);
    // Room on the right for half of the last x tick label (it is centred on its tick), so that it is
    // never clipped, in the panel or in an export.
    const rightPad = compact ? 2 : Math.max(12, Math.ceil(textWidth([fmtTick(x1), fmtTick(x0)], font) / 2) + 6);
    const logSplits = {
      filter: majorOnly,
      grid: { stroke: t.grid, width: 1, filter: majorOnly },
      ticks: { stroke: t.grid, width: 1, size: 4, filter: majorOnly },
    };
    const minPositiveX = Array.from(this.data.x)
      .filter((v) => v > 0)
      .reduce((a, b) => Math.min(a, b), Infinity);
    return {
      width: this.width(),
      height: this.height(),
      series,
      padding: compact ? [2, 2, 2, 2] : [10, rightPad, 0, 0],
      scales: {
        // log x: asinh, linear below the first recorded step after 0 (steps start at 0).
        x: { time: false, ...(logX ? { distr: DISTR_ASINH, log: 10, asinh: Number.isFinite(minPositiveX) ? minPositiveX : 1 } : {}) },
        y: {
          ...yDistr(ys),
          range: (u, dmin, dmax) => {
            let lo = dmin;
            let hi = dmax;
            const [bl, bh] = bandExtent(u, bands);
            if (bl < lo || lo === null) lo = bl;
            if (bh > hi || hi === null) hi = bh;
            if (yZero) lo = Math.min(0, lo);
            if (lo === null || hi === null || !Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
            if (ys === 'log') {
              const pos = positiveMin(u);
              if (!(lo > 0)) lo = pos;
              if (!(hi > 0)) hi = 1;
              return uPlot.rangeLog(lo, hi, 10, true);
            }
            if (ys && typeof ys === 'object') return uPlot.rangeAsinh(lo, hi, 10, true);
            if (lo === hi) {
              const d = Math.abs(lo) * 0.1 || 1;
              return [lo - d, hi + d];
            }
            const r = uPlot.rangeNum(lo, hi, 0.08, true);
            if (yZero && lo >= 0) r[0] = 0;
            return r;
          },
        },
      },
      axes: [
        { ...axis(this.opts.xLabel), size: 30, labelSize: 16, labelGap: 0, ...(logX ? logSplits : {}) },
        {
          ...axis(this.opts.yLabel),
          // Wide enough for the widest tick label (e.g. −1.5·10⁻⁴), never less than 48 px.
          size: (self, values, axisIdx, cycleNum) => {
            const a = self.axes[axisIdx] as uPlot.Axis & { _size?: number };
            if (cycleNum > 1 && a._size) return a._size;
            return Math.max(48, Math.ceil(textWidth((values ?? []).map(String), font) + 12));
          },
          // On log / asinh axes keep only powers of ten (uPlot's minor splits make a busy grid).
          ...(ys && ys !== 'linear' ? logSplits : {}),
          ...(this.opts.yTicks
            ? {
                values: (_u: uPlot, splits: number[]) =>
                  splits.map((v) => (v === null || v === undefined ? '' : (this.opts.yTicks as (x: number) => string)(v))),
              }
            : {}),
        },
      ],
      legend: { show: !compact, live: this.opts.legendValues !== false },
      cursor: compact ? { show: false, drag: { x: false, y: false } } : { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
      hooks: {
        drawAxes: [(u) => drawBands(u, bands, t)],
        // Remember only the user's zooms (a drag selection); uPlot applies its own scale changes
        // in a microtask, so a setScale hook cannot tell them apart from data updates.
        setSelect: [
          (u) => {
            if (u.select.width < 2) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            if (Number.isFinite(a) && Number.isFinite(b)) linkedZoom(this, [Math.min(a, b), Math.max(a, b)]);
          },
        ],
      },
    };
  }

  // ---- export ----

  private async export(format: ExportFormat, scale = 2): Promise<void> {
    const stem = this.opts.fileStem ?? this.opts.id;
    const data = format === 'png' ? await this.toPng(scale) : format === 'svg' ? this.toSvg() : format === 'pdf' ? svgToPdfDataUrl(this.toSvg()) : this.toCsv();
    this.opts.onExport?.(format, data, `${stem}${format === 'png' && scale !== 2 ? `@${scale}x` : ''}.${format}`);
  }

  toCsv(): string {
    const d = this.data;
    const cols: { label: string; values: ArrayLike<PlotValue> }[] = [{ label: this.opts.xLabel, values: d.x }];
    // The means and theory first, then the single chains' columns.
    for (const s of [...d.series.filter((x) => !x.trace), ...d.series.filter((x) => x.trace)]) cols.push({ label: s.csvLabel ?? s.label, values: s.values });
    for (const b of d.bands ?? []) {
      cols.push({ label: `${b.label} (lower)`, values: b.lower });
      cols.push({ label: `${b.label} (upper)`, values: b.upper });
    }
    const lines = [cols.map((c) => csvCell(c.label)).join(',')];
    for (let i = 0; i < d.x.length; i++) lines.push(cols.map((c) => csvNum(c.values[i])).join(','));
    return lines.join('\n') + '\n';
  }

  /** A PNG of the SVG export at `scale` × its CSS size (2× or 3× for print), whatever the screen. */
  toPng(scale = 2): Promise<string> {
    return svgToPng(this.toSvg(), scale, this.theme.bg);
  }

  private legendItems(): LegendItem[] {
    const out: LegendItem[] = [];
    for (const s of this.data.series) {
      if (s.noLegend) continue;
      out.push({
        label: s.label,
        color: s.color,
        dash: DASH[s.kind ?? 'line'],
        fill: s.kind === 'bars' ? withAlpha(s.color, 0.5) : undefined,
        points: s.kind === 'points',
      });
    }
    for (const b of this.data.bands ?? []) out.push({ label: b.label, color: b.color, fill: withAlpha(b.color, 0.2) });
    return out;
  }

  /** An SVG drawn from the series themselves (vector, editable), in the current theme's colours. */
  toSvg(): string {
    const u = this.u;
    const t = this.theme;
    const W = u ? u.width : 560;
    const H = u ? u.height : this.height();
    const pr = u ? u.ctx.canvas.width / Math.max(1, u.width) : 1;
    const bb = u
      ? { left: u.bbox.left / pr, top: u.bbox.top / pr, width: u.bbox.width / pr, height: u.bbox.height / pr }
      : { left: 60, top: 10, width: W - 70, height: H - 50 };
    const xs = u?.scales.x;
    const ys = u?.scales.y;
    const d = this.data;
    const [x0, x1] = xs && xs.min != null && xs.max != null ? [xs.min, xs.max] : extent(d.x);
    const [y0, y1] = ys && ys.min != null && ys.max != null ? [ys.min, ys.max] : [0, 1];
    const fontCss = `11px ${t.font}`;
    const title = wrapText(this.opts.title, `600 13px ${t.font}`, W - 20);
    const titleH = 8 + title.length * 17;
    const legend = layoutLegend(this.legendItems(), W, fontCss);
    const px = (v: number) =>
      u && u.scales.x.distr && u.scales.x.distr !== DISTR_LINEAR ? bb.left + u.valToPos(v, 'x') : bb.left + ((v - x0) / (x1 - x0 || 1)) * bb.width;
    const logY = u?.scales.y.distr === DISTR_LOG;
    const py = (v: number) => {
      if (u && u.scales.y.distr && u.scales.y.distr !== DISTR_LINEAR) return titleH + bb.top + u.valToPos(logY && !(v > 0) ? y0 : v, 'y');
      return titleH + bb.top + (1 - (v - y0) / (y1 - y0 || 1)) * bb.height;
    };
    const yTicks =
      u && u.scales.y.distr && u.scales.y.distr !== DISTR_LINEAR ? magnitudeTicks(y0, y1, logY) : niceTicks(y0, y1, Math.max(2, Math.floor(bb.height / 40)));
    const xTicks =
      u && u.scales.x.distr && u.scales.x.distr !== DISTR_LINEAR ? magnitudeTicks(x0, x1, false) : niceTicks(x0, x1, Math.max(2, Math.floor(bb.width / 80)));
    const yLabels = this.opts.yTicks ? yTicks.map(this.opts.yTicks) : fmtTicks(yTicks);
    const xLabels = fmtTicks(xTicks);
    const f = (v: number) => v.toFixed(2);
    const out: string[] = [];
    const fontAttr = `font-family="${xmlEscape(t.font)}" font-size="11"`;
    const totalH = H + titleH + legend.height;
    out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${totalH}" viewBox="0 0 ${W} ${totalH}">`);
    out.push(`<rect width="100%" height="100%" fill="${xmlEscape(t.bg)}"/>`);
    title.forEach((line, k) =>
      out.push(
        `<text x="10" y="${17 + k * 17}" fill="${xmlEscape(t.fg)}" font-family="${xmlEscape(t.font)}" font-size="13" font-weight="600">${xmlEscape(line)}</text>`,
      ),
    );
    out.push(
      `<defs><clipPath id="plot-area"><rect x="${f(bb.left)}" y="${f(titleH + bb.top)}" width="${f(bb.width)}" height="${f(bb.height)}"/></clipPath></defs>`,
    );
    // Grid and tick labels; a label that would cross the edge is anchored inside it.
    for (const [k, v] of xTicks.entries()) {
      const X = px(v);
      const label = xLabels[k];
      const half = textWidth([label], fontCss) / 2;
      const anchor = X + half > W - 2 ? 'end' : X - half < 2 ? 'start' : 'middle';
      const tx = anchor === 'end' ? W - 2 : anchor === 'start' ? 2 : X;
      out.push(`<line x1="${f(X)}" x2="${f(X)}" y1="${f(titleH + bb.top)}" y2="${f(titleH + bb.top + bb.height)}" stroke="${xmlEscape(t.grid)}"/>`);
      out.push(
        `<text class="nl-xtick" x="${f(tx)}" y="${f(titleH + bb.top + bb.height + 14)}" text-anchor="${anchor}" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(label)}</text>`,
      );
    }
    for (const [k, v] of yTicks.entries()) {
      out.push(`<line x1="${f(bb.left)}" x2="${f(bb.left + bb.width)}" y1="${f(py(v))}" y2="${f(py(v))}" stroke="${xmlEscape(t.grid)}"/>`);
      out.push(
        `<text class="nl-ytick" x="${f(bb.left - 6)}" y="${f(py(v) + 4)}" text-anchor="end" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(yLabels[k])}</text>`,
      );
    }
    out.push(`<rect x="${f(bb.left)}" y="${f(titleH + bb.top)}" width="${f(bb.width)}" height="${f(bb.height)}" fill="none" stroke="${xmlEscape(t.grid)}"/>`);
    out.push(
      `<text x="${f(bb.left + bb.width / 2)}" y="${f(titleH + H - 4)}" text-anchor="middle" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(this.opts.xLabel)}</text>`,
    );
    out.push(
      `<text transform="translate(12 ${f(titleH + bb.top + bb.height / 2)}) rotate(-90)" text-anchor="middle" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(this.opts.yLabel)}</text>`,
    );
    out.push(`<g clip-path="url(#plot-area)">`);
    for (const b of d.bands ?? []) {
      for (const seg of segments(d.x, b.lower, b.upper)) {
        const pts = [
          ...seg.map((i) => `${f(px(d.x[i]))},${f(py(b.upper[i] as number))}`),
          ...seg
            .slice()
            .reverse()
            .map((i) => `${f(px(d.x[i]))},${f(py(b.lower[i] as number))}`),
        ];
        out.push(`<polygon points="${pts.join(' ')}" fill="${xmlEscape(b.color)}" fill-opacity="0.18" stroke="none"/>`);
      }
    }
    for (const s of d.series) {
      const color = xmlEscape(s.color);
      if (s.kind === 'bars') {
        const n = d.x.length;
        const gap = n > 1 ? Math.abs(px(d.x[1]) - px(d.x[0])) : bb.width / 4;
        for (let i = 0; i < n; i++) {
          const v = s.values[i];
          if (v === null || v === undefined) continue;
          const top = py(Math.max(v, 0));
          const base = py(Math.max(0, y0));
          out.push(
            `<rect x="${f(px(d.x[i]) - gap * 0.45)}" y="${f(Math.min(top, base))}" width="${f(gap * 0.9)}" height="${f(Math.abs(base - top))}" fill="${color}" fill-opacity="0.45" stroke="${color}"/>`,
          );
        }
      } else if (s.kind === 'points') {
        for (let i = 0; i < d.x.length; i++) {
          const v = s.values[i];
          if (v !== null && v !== undefined && Number.isFinite(v))
            out.push(`<circle cx="${f(px(d.x[i]))}" cy="${f(py(v))}" r="${f(Math.max(2, (s.size ?? 3) / 2))}" fill="${color}"/>`);
        }
      } else {
        const pattern = DASH[s.kind ?? 'line'];
        const dash = pattern ? ` stroke-dasharray="${pattern.join(' ')}"` : '';
        for (const seg of segments(d.x, s.values)) {
          let pts: string[];
          if (s.kind === 'step') {
            pts = [];
            seg.forEach((i, k) => {
              if (k > 0) pts.push(`${f(px(d.x[i]))},${f(py(s.values[seg[k - 1]] as number))}`);
              pts.push(`${f(px(d.x[i]))},${f(py(s.values[i] as number))}`);
            });
          } else pts = seg.map((i) => `${f(px(d.x[i]))},${f(py(s.values[i] as number))}`);
          out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="${s.width ?? t.lineWidth}"${dash}/>`);
        }
      }
    }
    out.push(`</g>`);
    out.push(legendSvg(legend, titleH + H, t));
    out.push(`</svg>`);
    return out.join('\n');
  }
}

/** The export buttons of a plot card: PNG at 2× and 3×, SVG, PDF, CSV (CSV only where there is a table). */
export function exportButtons(onClick: (format: ExportFormat, scale?: number) => void, csv = true): HTMLElement[] {
  const defs: { format: ExportFormat; scale?: number; label: string; title: string }[] = [
    { format: 'png', scale: 2, label: 'PNG 2×', title: 'Export as PNG at twice the size on screen' },
    { format: 'png', scale: 3, label: '3×', title: 'Export as PNG at three times the size on screen' },
    { format: 'svg', label: 'SVG', title: 'Export as SVG (vector)' },
    { format: 'pdf', label: 'PDF', title: 'Export as PDF (vector, Helvetica)' },
    ...(csv ? [{ format: 'csv' as const, label: 'CSV', title: 'Export the data as CSV' }] : []),
  ];
  return defs.map((d) => {
    const b = h('vscode-button', { secondary: true, class: 'nl-export', 'data-format': d.format, 'data-scale': d.scale, title: d.title }, d.label);
    b.addEventListener('click', () => onClick(d.format, d.scale));
    return b;
  });
}

/** Zoom (or reset, with no range) every plot linked to this one along x, and remember it. */
function linkedZoom(plot: Plot, range: [number, number] | undefined): void {
  const link = plot.opts.link;
  const group = link ? [...allPlots].filter((p) => p.opts.link === link) : [plot];
  for (const p of group) {
    zoomStore.set(p.opts.id, range);
    if (p !== plot || !range) p.applyZoom(true);
  }
}

export interface LegendItem {
  label: string;
  color: string;
  dash?: number[];
  fill?: string;
  points?: boolean;
}

interface LegendLayout {
  items: { x: number; y: number; item: LegendItem }[];
  height: number;
}

/** Legend entries in rows, each as wide as its label (wrapping to a new row at the width). */
export function layoutLegend(items: LegendItem[], width: number, font: string): LegendLayout {
  const out: LegendLayout['items'] = [];
  let x = 10;
  let row = 0;
  for (const item of items) {
    const w = 26 + textWidth([item.label], font) + 16;
    if (x + w > width - 4 && x > 10) {
      row++;
      x = 10;
    }
    out.push({ x, y: 14 + row * 18, item });
    x += w;
  }
  return { items: out, height: items.length ? (row + 1) * 18 + 8 : 4 };
}

export function legendSvg(legend: LegendLayout, top: number, t: Theme): string {
  const f = (v: number) => v.toFixed(2);
  const out: string[] = [];
  const fontAttr = `font-family="${xmlEscape(t.font)}" font-size="11"`;
  for (const { x, y, item: it } of legend.items) {
    const ly = top + y;
    if (it.fill) out.push(`<rect x="${f(x)}" y="${ly - 5}" width="20" height="10" fill="${xmlEscape(it.color)}" fill-opacity="0.4"/>`);
    else if (it.points) out.push(`<circle cx="${f(x + 10)}" cy="${ly}" r="3" fill="${xmlEscape(it.color)}"/>`);
    else
      out.push(
        `<line x1="${f(x)}" x2="${f(x + 20)}" y1="${ly}" y2="${ly}" stroke="${xmlEscape(it.color)}" stroke-width="2"${it.dash ? ` stroke-dasharray="${it.dash.join(' ')}"` : ''}/>`,
      );
    out.push(`<text x="${f(x + 26)}" y="${ly + 4}" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(it.label)}</text>`);
  }
  return out.join('\n');
}

let measureCtx: CanvasRenderingContext2D | null = null;

/** The widest of these strings in a CSS font (canvas metrics; 7 px a character without a canvas). */
export function textWidth(texts: string[], font: string): number {
  measureCtx ??= document.createElement('canvas').getContext('2d');
  if (!measureCtx) return Math.max(0, ...texts.map((s) => s.length * 7));
  measureCtx.font = font;
  return Math.max(0, ...texts.map((s) => measureCtx!.measureText(s).width));
}

/** Words in lines no wider than `width`. */
export function wrapText(text: string, font: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/)) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && textWidth([next], font) > width) {
      lines.push(cur);
      cur = word;
    } else cur = next;
  }
  if (cur || !lines.length) lines.push(cur);
  return lines;
}

/**
 * Rasterise an SVG (from the exports) at `scale` × its size: the PNG then has the same layout as the
 * SVG at print resolution, whatever the screen's pixel ratio. The SVG is a data: image (the CSP
 * allows data: images); it has no foreignObject, so the canvas stays readable.
 */
export async function svgToPng(svg: string, scale: number, background: string): Promise<string> {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  const W = m ? Number(m[1]) : 560;
  const H = m ? Number(m[2]) : 320;
  const img = new Image();
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  img.src = `data:image/svg+xml;base64,${btoa(bin)}`;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = Math.round(W * scale);
  c.height = Math.round(H * scale);
  const ctx = c.getContext('2d');
  if (!ctx) return 'data:image/png;base64,';
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.drawImage(img, 0, 0, c.width, c.height);
  return c.toDataURL('image/png');
}

function median(a: number[]): number {
  if (!a.length) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function seriesOptions(s: PlotSeries, t: Theme): uPlot.Series {
  const width = s.width ?? t.lineWidth;
  const base: uPlot.Series = {
    label: s.label,
    stroke: s.color,
    width,
    // null is a gap (nothing measured there), undefined is spanned (no point of this series there).
    spanGaps: false,
    value: (_u, v) => (v === null || v === undefined ? '—' : fmtShort(v)),
    points: { show: false },
  };
  switch (s.kind) {
    case 'dashed':
    case 'dotted':
    case 'dashdot':
      return { ...base, dash: DASH[s.kind] };
    case 'points': {
      const size = s.size ?? 3;
      const color = size > 3 ? s.color : withAlpha(s.color, 0.5);
      return { ...base, width: 0, paths: () => null, points: { show: true, size, width: 0, fill: color, stroke: color } };
    }
    case 'bars':
      return { ...base, width: 1, fill: withAlpha(s.color, 0.45), paths: uPlot.paths.bars!({ size: [0.9, Infinity] }) };
    case 'step':
      return { ...base, paths: uPlot.paths.stepped!({ align: 1 }) };
    case 'spline':
      return { ...base, paths: uPlot.paths.spline!() };
    default:
      return base;
  }
}

/** Powers of ten only (within rounding: uPlot builds far decades by repeated multiplication). */
function majorOnly(_u: uPlot, splits: number[]): (number | null)[] {
  return splits.map((v) => {
    if (v === 0) return v;
    const l = Math.log10(Math.abs(v));
    return Math.abs(l - Math.round(l)) < 1e-6 ? v : null;
  });
}

function yDistr(ys: PlotOptions['yScale']): Partial<uPlot.Scale> {
  if (ys === 'log') return { distr: DISTR_LOG, log: 10 };
  if (ys && typeof ys === 'object') return { distr: DISTR_ASINH, log: 10, asinh: ys.asinh };
  return {};
}

function positiveMin(u: uPlot): number {
  let m = Infinity;
  for (let k = 1; k < u.data.length; k++) {
    for (const v of u.data[k]) if (v !== null && v !== undefined && v > 0 && v < m) m = v;
  }
  return Number.isFinite(m) ? m : 1e-3;
}

function toAligned(d: PlotData): uPlot.AlignedData {
  return [
    Array.from(d.x),
    ...d.series.map((s) => Array.from(s.values, (v) => (v === undefined ? undefined : v === null || !Number.isFinite(v) ? null : v))),
  ] as uPlot.AlignedData;
}

function sig(d: PlotData): string {
  return [d.series.map((s) => `${s.label}|${s.kind ?? 'line'}|${s.color}`).join(';'), (d.bands ?? []).map((b) => b.label).join(';')].join('#');
}

function visibleRange(u: uPlot): [number, number] {
  const xs = u.data[0];
  const min = u.scales.x.min ?? -Infinity;
  const max = u.scales.x.max ?? Infinity;
  let i0 = 0;
  while (i0 < xs.length && xs[i0] < min) i0++;
  let i1 = xs.length - 1;
  while (i1 >= 0 && xs[i1] > max) i1--;
  return [i0, i1];
}

function bandExtent(u: uPlot, bands: PlotBand[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  if (!bands.length) return [lo, hi];
  const [i0, i1] = visibleRange(u);
  for (const b of bands) {
    for (let i = i0; i <= i1; i++) {
      const l = b.lower[i];
      const h2 = b.upper[i];
      if (l !== null && l !== undefined && Number.isFinite(l)) lo = Math.min(lo, l);
      if (h2 !== null && h2 !== undefined && Number.isFinite(h2)) hi = Math.max(hi, h2);
    }
  }
  return [lo, hi];
}

function drawBands(u: uPlot, bands: PlotBand[], t: Theme): void {
  if (!bands.length) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const xs = u.data[0];
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  const ymin = u.scales.y.min ?? 0;
  const logY = u.scales.y.distr === DISTR_LOG;
  const clampLow = (v: number) => (logY && !(v > 0) ? ymin : v);
  for (const b of bands) {
    ctx.fillStyle = withAlpha(b.color, t.kind.startsWith('high-contrast') ? 0.3 : 0.18);
    for (const seg of segments(xs, b.lower, b.upper)) {
      ctx.beginPath();
      seg.forEach((i, k) => {
        const X = u.valToPos(xs[i], 'x', true);
        const Y = u.valToPos(b.upper[i] as number, 'y', true);
        if (k === 0) ctx.moveTo(X, Y);
        else ctx.lineTo(X, Y);
      });
      for (let k = seg.length - 1; k >= 0; k--) {
        const i = seg[k];
        ctx.lineTo(u.valToPos(xs[i], 'x', true), u.valToPos(clampLow(b.lower[i] as number), 'y', true));
      }
      ctx.closePath();
      ctx.fill();
    }
  }
  ctx.restore();
}

/**
 * Runs of indices where every given array has a finite value: a null or non-finite value ends a
 * run (a gap), an undefined one is skipped (spanned), as uPlot draws them.
 */
function segments(x: ArrayLike<number>, ...arrays: ArrayLike<PlotValue>[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (arrays.some((a) => a[i] === undefined)) continue;
    const ok = Number.isFinite(x[i]) && arrays.every((a) => Number.isFinite(a[i] as number));
    if (ok) cur.push(i);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

function extent(x: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Powers of ten within [lo, hi] (and their negatives and 0 for signed asinh axes). */
function magnitudeTicks(lo: number, hi: number, log: boolean): number[] {
  const out: number[] = [];
  const a = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(a > 0)) return [0];
  const top = Math.ceil(Math.log10(a));
  for (let k = top - 6; k <= top; k++) {
    const v = 10 ** k;
    if (v >= lo && v <= hi) out.push(v);
    if (!log && -v >= lo && -v <= hi) out.push(-v);
  }
  if (!log && lo <= 0 && hi >= 0) out.push(0);
  return out.sort((x, y) => x - y);
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch] as string);
}

function csvCell(s: string): string {
  // Quote always; neutralise spreadsheet formulas (a label could come from a .loss file).
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

/**
 * Merge tables with different x into one x (sorted union). A table's own missing values (null, NaN)
 * stay null (gaps); the x of other tables, where it has no point, are undefined (spanned).
 */
export function joinTables(tables: { x: ArrayLike<number>; ys: ArrayLike<PlotValue>[] }[]): { x: number[]; ys: PlotValue[][] } {
  if (!tables.length) return { x: [], ys: [] };
  const own = (v: PlotValue): PlotValue => (v === undefined || v === null || Number.isNaN(v) ? (v === undefined ? undefined : null) : v);
  const first = tables[0].x;
  const same = tables.every((t) => t.x.length === first.length && Array.prototype.every.call(t.x, (v: number, i: number) => v === first[i]));
  if (same) return { x: Array.from(first), ys: tables.flatMap((t) => t.ys.map((y) => Array.from(y, own))) };
  const xs = [...new Set(tables.flatMap((t) => Array.from(t.x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((v, i) => [v, i]));
  const ys: PlotValue[][] = [];
  for (const t of tables) {
    for (const y of t.ys) {
      const col = new Array<PlotValue>(xs.length).fill(undefined);
      for (let i = 0; i < t.x.length; i++) col[index.get(t.x[i]) as number] = own(y[i]);
      ys.push(col);
    }
  }
  return { x: xs, ys };
}
