// Figures drawn as SVG (heat maps, phase portraits): the SVG text is both what the panel shows
// (parsed as SVG, never as HTML) and what the SVG export saves; the PNG export rasterises it at 2×
// or 3×, the PDF export converts it to a vector PDF (pdf.ts). Every label is XML-escaped; colours
// come from the theme.
import { h } from './dom';
import { fmtTick, fmtTicks } from './format';
import { exportButtons, LegendItem, layoutLegend, legendSvg, niceTicks, svgToPng, textWidth, wrapText, xmlEscape } from './plots';
import { parseColor, readTheme, Theme } from './theme';
import { svgToPdfDataUrl } from './pdf';

/** A diverging colour scale centred at 0: blue below, red above, the background's neutral at 0. */
export function divergingColor(v: number, max: number, t: Theme): string {
  const neutral = parseColor(t.kind === 'light' || t.kind === 'high-contrast-light' ? '#f4f4f4' : '#3a3a3a');
  const end = parseColor(v < 0 ? t.palette[0] : t.palette[4]);
  const f = max > 0 && Number.isFinite(v) ? Math.min(1, Math.abs(v) / max) : 0;
  const mix = (i: number) => Math.round(neutral[i] + (end[i] - neutral[i]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

export interface HeatMap {
  title: string;
  /** rows × columns; NaN or null where there is no value. */
  values: (number | null)[][];
  rowLabels: string[];
  colLabels?: string[];
  /** Label the columns only at these indices (a long time axis). */
  colTicks?: { index: number; label: string }[];
  xLabel?: string;
  yLabel?: string;
}

/**
 * Several heat maps side by side on one diverging scale (centred at 0, symmetric about it), with a
 * colour bar. Cells carry data-value for tests and tools.
 */
export function heatMapsSvg(title: string, maps: HeatMap[], width: number, t: Theme = readTheme(), cellMax = 36): string {
  const font = `11px ${t.font}`;
  const fontAttr = `font-family="${xmlEscape(t.font)}" font-size="11"`;
  const f = (v: number) => v.toFixed(2);
  let max = 0;
  for (const m of maps) for (const row of m.values) for (const v of row) if (v !== null && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  const titleLines = wrapText(title, `600 13px ${t.font}`, width - 20);
  const top = 10 + titleLines.length * 17 + 6;
  const labelW = Math.max(0, ...maps.map((m) => textWidth(m.rowLabels, font))) + 8;
  const barW = 70;
  const gap = 18;
  const avail = Math.max(60, width - 10 - barW - maps.length * (labelW + gap));
  const cols = Math.max(1, ...maps.map((m) => m.values[0]?.length ?? 0));
  const rows = Math.max(1, ...maps.map((m) => m.values.length));
  const cw = Math.max(2, Math.min(cellMax, avail / maps.length / cols));
  const ch = Math.max(3, Math.min(cellMax, cols > 40 ? 220 / rows : cw));
  const out: string[] = [];
  const body: string[] = [];
  let x = 10;
  const mapTop = top + 18;
  for (const m of maps) {
    const x0 = x + labelW;
    body.push(`<g class="nl-heatmap" data-title="${xmlEscape(m.title)}">`);
    body.push(`<text x="${f(x0)}" y="${f(top + 8)}" fill="${xmlEscape(t.fg)}" ${fontAttr} font-weight="600">${xmlEscape(m.title)}</text>`);
    m.values.forEach((row, i) => {
      row.forEach((v, j) => {
        const ok = v !== null && Number.isFinite(v);
        body.push(
          `<rect class="nl-cell" x="${f(x0 + j * cw)}" y="${f(mapTop + i * ch)}" width="${f(cw + 0.3)}" height="${f(ch + 0.3)}" fill="${ok ? divergingColor(v, max, t) : 'none'}" data-value="${ok ? v : ''}"/>`,
        );
      });
      if (ch >= 9 || i % Math.ceil(9 / ch) === 0) {
        body.push(
          `<text x="${f(x0 - 4)}" y="${f(mapTop + i * ch + ch / 2 + 4)}" text-anchor="end" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(m.rowLabels[i] ?? '')}</text>`,
        );
      }
    });
    const mcols = m.values[0]?.length ?? 0;
    const bottom = mapTop + m.values.length * ch;
    const ticks = m.colTicks ?? (m.colLabels ?? []).map((label, index) => ({ index, label }));
    for (const tk of ticks) {
      const cx = x0 + (tk.index + 0.5) * cw;
      const half = textWidth([tk.label], font) / 2;
      const anchor = cx + half > x0 + mcols * cw + 4 ? 'end' : 'middle';
      body.push(
        `<text x="${f(anchor === 'end' ? x0 + mcols * cw : cx)}" y="${f(bottom + 14)}" text-anchor="${anchor}" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(tk.label)}</text>`,
      );
    }
    if (m.xLabel)
      body.push(
        `<text x="${f(x0 + (mcols * cw) / 2)}" y="${f(bottom + 30)}" text-anchor="middle" fill="${xmlEscape(t.muted)}" ${fontAttr}>${xmlEscape(m.xLabel)}</text>`,
      );
    body.push(`</g>`);
    x = x0 + mcols * cw + gap;
  }
  // The colour bar: −max … 0 … +max.
  const bx = Math.min(x + 4, width - barW + 4);
  const bh = Math.max(60, rows * ch);
  const steps = 24;
  for (let k = 0; k < steps; k++) {
    const v = max * (1 - (2 * (k + 0.5)) / steps);
    body.push(
      `<rect class="nl-colorbar" x="${f(bx)}" y="${f(mapTop + (k * bh) / steps)}" width="12" height="${f(bh / steps + 0.3)}" fill="${divergingColor(v, max, t)}"/>`,
    );
  }
  for (const [v, yy] of [
    [max, mapTop],
    [0, mapTop + bh / 2],
    [-max, mapTop + bh],
  ] as const) {
    body.push(`<text x="${f(bx + 16)}" y="${f(yy + 4)}" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(fmtTick(v))}</text>`);
  }
  const height = mapTop + Math.max(bh, rows * ch) + 40;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${f(height)}" viewBox="0 0 ${width} ${f(height)}">`);
  out.push(`<rect width="100%" height="100%" fill="${xmlEscape(t.bg)}"/>`);
  titleLines.forEach((line, k) =>
    out.push(
      `<text x="10" y="${17 + k * 17}" fill="${xmlEscape(t.fg)}" font-family="${xmlEscape(t.font)}" font-size="13" font-weight="600">${xmlEscape(line)}</text>`,
    ),
  );
  out.push(...body, `</svg>`);
  return out.join('\n');
}

export interface PhaseCurve {
  points: [number, number][];
  color: string;
  width?: number;
  dash?: number[];
  opacity?: number;
  role: string;
}

export interface PhaseMarker {
  at: [number, number];
  color: string;
  shape: 'circle' | 'cross' | 'square';
  role: string;
}

export interface PhasePortrait {
  title: string;
  xLabel: string;
  yLabel: string;
  curves: PhaseCurve[];
  markers: PhaseMarker[];
  legend: LegendItem[];
  /** The view: [xmin, xmax, ymin, ymax]. */
  view: [number, number, number, number];
}

/** A phase portrait: curves (trajectories, level sets) and markers in a square-ish plot area, with a legend. */
export function phaseSvg(p: PhasePortrait, width: number, t: Theme = readTheme()): string {
  const font = `11px ${t.font}`;
  const fontAttr = `font-family="${xmlEscape(t.font)}" font-size="11"`;
  const f = (v: number) => v.toFixed(2);
  const titleLines = wrapText(p.title, `600 13px ${t.font}`, width - 20);
  const top = 10 + titleLines.length * 17;
  const [x0, x1, y0, y1] = p.view;
  const xt = niceTicks(x0, x1, 6);
  const yt = niceTicks(y0, y1, 6);
  const xl = fmtTicks(xt);
  const yl = fmtTicks(yt);
  const left = 20 + textWidth(yl, font) + 10;
  const right = Math.ceil(textWidth([xl[xl.length - 1] ?? fmtTick(x1)], font) / 2) + 10;
  const side = Math.max(120, Math.min(width - left - right, 420));
  const bb = { left, top: top + 6, width: side, height: side };
  const px = (v: number) => bb.left + ((v - x0) / (x1 - x0 || 1)) * bb.width;
  const py = (v: number) => bb.top + (1 - (v - y0) / (y1 - y0 || 1)) * bb.height;
  const legend = layoutLegend(p.legend, width, font);
  const H = bb.top + bb.height + 36;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${f(H + legend.height)}" viewBox="0 0 ${width} ${f(H + legend.height)}">`);
  out.push(`<rect width="100%" height="100%" fill="${xmlEscape(t.bg)}"/>`);
  titleLines.forEach((line, k) =>
    out.push(
      `<text x="10" y="${17 + k * 17}" fill="${xmlEscape(t.fg)}" font-family="${xmlEscape(t.font)}" font-size="13" font-weight="600">${xmlEscape(line)}</text>`,
    ),
  );
  out.push(`<defs><clipPath id="phase-area"><rect x="${f(bb.left)}" y="${f(bb.top)}" width="${f(bb.width)}" height="${f(bb.height)}"/></clipPath></defs>`);
  for (const [k, v] of xt.entries()) {
    out.push(`<line x1="${f(px(v))}" x2="${f(px(v))}" y1="${f(bb.top)}" y2="${f(bb.top + bb.height)}" stroke="${xmlEscape(t.grid)}"/>`);
    out.push(
      `<text class="nl-xtick" x="${f(px(v))}" y="${f(bb.top + bb.height + 14)}" text-anchor="middle" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(xl[k])}</text>`,
    );
  }
  for (const [k, v] of yt.entries()) {
    out.push(`<line x1="${f(bb.left)}" x2="${f(bb.left + bb.width)}" y1="${f(py(v))}" y2="${f(py(v))}" stroke="${xmlEscape(t.grid)}"/>`);
    out.push(`<text x="${f(bb.left - 6)}" y="${f(py(v) + 4)}" text-anchor="end" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(yl[k])}</text>`);
  }
  out.push(`<rect x="${f(bb.left)}" y="${f(bb.top)}" width="${f(bb.width)}" height="${f(bb.height)}" fill="none" stroke="${xmlEscape(t.grid)}"/>`);
  out.push(
    `<text x="${f(bb.left + bb.width / 2)}" y="${f(bb.top + bb.height + 30)}" text-anchor="middle" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(p.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(12 ${f(bb.top + bb.height / 2)}) rotate(-90)" text-anchor="middle" fill="${xmlEscape(t.fg)}" ${fontAttr}>${xmlEscape(p.yLabel)}</text>`,
  );
  out.push(`<g clip-path="url(#phase-area)">`);
  for (const c of p.curves) {
    if (c.points.length < 2) continue;
    // A NaN point breaks the path (a level set is drawn as separate pieces).
    let move = true;
    const parts: string[] = [];
    for (const [a, b] of c.points) {
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        move = true;
        continue;
      }
      const [X, Y] = [px(a), py(b)];
      if (!Number.isFinite(X) || !Number.isFinite(Y) || Math.abs(X) > 1e6 || Math.abs(Y) > 1e6) {
        move = true;
        continue;
      }
      parts.push(`${move ? 'M' : 'L'}${f(X)} ${f(Y)}`);
      move = false;
    }
    const d = parts.join(' ');
    if (!d) continue;
    out.push(
      `<path class="nl-phase-curve" data-role="${xmlEscape(c.role)}" d="${d}" fill="none" stroke="${xmlEscape(c.color)}" stroke-width="${c.width ?? 1.5}"${c.dash ? ` stroke-dasharray="${c.dash.join(' ')}"` : ''}${c.opacity !== undefined ? ` stroke-opacity="${c.opacity}"` : ''}/>`,
    );
  }
  for (const m of p.markers) {
    const [X, Y] = [px(m.at[0]), py(m.at[1])];
    if (!Number.isFinite(X) || !Number.isFinite(Y)) continue;
    const c = xmlEscape(m.color);
    if (m.shape === 'circle')
      out.push(`<circle class="nl-phase-marker" data-role="${xmlEscape(m.role)}" cx="${f(X)}" cy="${f(Y)}" r="5" fill="${c}" stroke="${xmlEscape(t.bg)}"/>`);
    else if (m.shape === 'square')
      out.push(
        `<rect class="nl-phase-marker" data-role="${xmlEscape(m.role)}" x="${f(X - 4.5)}" y="${f(Y - 4.5)}" width="9" height="9" fill="none" stroke="${c}" stroke-width="2"/>`,
      );
    else
      out.push(
        `<path class="nl-phase-marker" data-role="${xmlEscape(m.role)}" d="M${f(X - 6)} ${f(Y - 6)} L${f(X + 6)} ${f(Y + 6)} M${f(X - 6)} ${f(Y + 6)} L${f(X + 6)} ${f(Y - 6)}" stroke="${c}" stroke-width="2.5"/>`,
      );
  }
  out.push(`</g>`);
  out.push(legendSvg(legend, H, t));
  out.push(`</svg>`);
  return out.join('\n');
}

/** Parse our own SVG text into an element (as SVG, so nothing in it is HTML). */
export function svgElement(svg: string): SVGSVGElement {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return document.importNode(doc.documentElement, true) as unknown as SVGSVGElement;
}

/**
 * A card holding an SVG figure, with PNG (2×, 3×), SVG and PDF export; `controls` sit in its header.
 * `draw(width)` returns the SVG text for the card's width; it is redrawn when the width changes.
 */
export class SvgFigure {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private svg = '';
  private lastWidth = 0;
  private readonly observer: ResizeObserver;

  constructor(
    id: string,
    title: string,
    private draw: (width: number) => string,
    private onExport: (format: 'png' | 'svg' | 'pdf', data: string, name: string) => void,
    private fileStem: string,
    controls: HTMLElement[] = [],
  ) {
    this.body = h('div', { class: 'nl-figure-body' });
    const buttons = exportButtons((format, scale) => void this.export(format as 'png' | 'svg' | 'pdf', scale ?? 2), false);
    this.el = h(
      'section',
      { class: 'nl-plot-card nl-figure', 'data-figure-id': id },
      h(
        'header',
        { class: 'nl-plot-header' },
        h('h3', { class: 'nl-plot-title' }, title),
        ...controls,
        h('span', { class: 'nl-spacer' }),
        h('span', { class: 'nl-export-buttons' }, buttons),
      ),
      this.body,
    );
    this.observer = new ResizeObserver(() => {
      const w = Math.floor(this.body.clientWidth);
      if (w > 0 && Math.abs(w - this.lastWidth) > 4) this.redraw();
    });
    this.observer.observe(this.body);
  }

  setDraw(draw: (width: number) => string): void {
    this.draw = draw;
    this.redraw();
  }

  redraw(): void {
    const w = Math.floor(this.body.clientWidth) || 640;
    this.lastWidth = w;
    this.svg = this.draw(w);
    this.body.replaceChildren(svgElement(this.svg));
  }

  get svgText(): string {
    return this.svg;
  }

  destroy(): void {
    this.observer.disconnect();
    this.el.remove();
  }

  private async export(format: 'png' | 'svg' | 'pdf', scale: number): Promise<void> {
    if (format === 'svg') this.onExport('svg', this.svg, `${this.fileStem}.svg`);
    else if (format === 'pdf') this.onExport('pdf', svgToPdfDataUrl(this.svg), `${this.fileStem}.pdf`);
    else this.onExport('png', await svgToPng(this.svg, scale, readTheme().bg), `${this.fileStem}${scale !== 2 ? `@${scale}x` : ''}.png`);
  }
}
