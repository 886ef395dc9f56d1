// Experiment reports: a self-contained HTML page (inline SVG plots rendered here from Figure data,
// TeX in notes (`$…$`) as MathML, no scripts, no network) and plain text for the terminal.
import katex from 'katex';
import { Check, ExperimentResult, Figure } from './types';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function num(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? Number(x.toPrecision(digits)).toString() : x.toExponential(digits - 1);
}

const TEX = /\$([^$\n]+)\$/g;

/** A note as HTML: its text escaped, each `$TeX$` typeset as MathML by KaTeX (trust: false). */
export function noteHtml(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(TEX)) {
    out += esc(text.slice(last, m.index));
    try {
      out += katex.renderToString(m[1], { output: 'mathml', throwOnError: true, trust: false, strict: 'ignore', maxSize: 20, maxExpand: 200 });
    } catch {
      out += `<code>${esc(m[1])}</code>`;
    }
    last = (m.index ?? 0) + m[0].length;
  }
  return out + esc(text.slice(last));
}

const GREEK: Record<string, string> = { alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', eta: 'η', kappa: 'κ', lambda: 'λ', sigma: 'σ', theta: 'θ', tau: 'τ', mu: 'μ', Sigma: 'Σ' };
const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻', '−': '⁻', '+': '⁺',
  γ: 'ᵞ', t: 'ᵗ', n: 'ⁿ', i: 'ⁱ', k: 'ᵏ', x: 'ˣ', η: 'ᵑ', T: 'ᵀ', β: 'ᵝ',
};

/** A note as plain text: each `$TeX$` written with Unicode (e^{-2\gamma t} → e⁻²ᵞᵗ). */
export function notePlain(text: string): string {
  return text.replace(TEX, (_m, tex: string) => {
    const t = tex.replace(/\\([A-Za-z]+)\s*/g, (w, name: string) => GREEK[name] ?? w).replace(/-/g, '−');
    return t.replace(/\^\{([^{}]*)\}|\^(.)/g, (w, group: string | undefined, one: string | undefined) => {
      const body = (group ?? one ?? '').replace(/\s+/g, '');
      const sup = [...body].map((c) => SUPERSCRIPT[c]);
      return sup.every(Boolean) ? sup.join('') : `^(${body})`;
    });
  });
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** One figure as an SVG element (width × height px). */
export function figureSvg(fig: Figure, width = 760, height = 420): string {
  // Series that share a name up to the first ':' (a measurement and its prediction) share a colour.
  const groups: string[] = [];
  const colorOf = fig.series.map((s) => {
    const key = s.name.split(':')[0].trim();
    if (!groups.includes(key)) groups.push(key);
    return COLORS[groups.indexOf(key) % COLORS.length];
  });
  const legendRows = Math.ceil(new Set(fig.series.map((s) => s.name)).size / 2);
  const m = { l: 70, r: 16, t: 34, b: 48 + 16 * legendRows };
  const W = width - m.l - m.r;
  const H = height - m.t - m.b;
  const tx = (v: number) => (fig.xLog ? Math.log10(v) : v);
  const ty = (v: number) => (fig.yLog ? Math.log10(v) : v);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of fig.series) {
    s.x.forEach((x, i) => {
      const y = s.y[i];
      const e = s.yErr?.[i] ?? 0;
      if (!Number.isFinite(x) || !Number.isFinite(y) || (fig.xLog && x <= 0)) return;
      xs.push(tx(x));
      for (const v of [y - e, y + e]) if (Number.isFinite(v) && !(fig.yLog && v <= 0)) ys.push(ty(v));
    });
  }
  let [x0, x1] = range(xs);
  let [y0, y1] = range(ys);
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const px = (v: number) => m.l + ((tx(v) - x0) / (x1 - x0)) * W;
  const py = (v: number) => m.t + H - ((ty(v) - y0) / (y1 - y0)) * H;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  // A bold 13 px sans-serif character is about 0.62 em wide: a long title gets a smaller font, not clipped ends.
  const titleSize = Math.max(9, Math.min(13, (width - 24) / (0.62 * [...fig.title].length)));
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="${titleSize.toFixed(1)}" font-weight="bold">${esc(fig.title)}</text>`);
  parts.push(`<clipPath id="clip-${esc(fig.id)}"><rect x="${m.l}" y="${m.t}" width="${W}" height="${H}"/></clipPath>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W}" height="${H}" fill="none" stroke="#444"/>`);
  // A log axis over less than two decades would show one or two powers of ten: 1-2-5 ticks instead.
  const xt = fig.xLog ? (x1 - x0 < 2 ? logTicks(x0, x1) : niceTicks(x0, x1).filter(Number.isInteger).map((e) => 10 ** e)) : niceTicks(x0, x1);
  const yt = fig.yLog ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const v of xt) {
    const X = px(v);
    parts.push(`<line x1="${X}" y1="${m.t + H}" x2="${X}" y2="${m.t + H + 5}" stroke="#444"/><line x1="${X}" y1="${m.t}" x2="${X}" y2="${m.t + H}" stroke="#eee"/>`);
    parts.push(`<text x="${X}" y="${m.t + H + 18}" text-anchor="middle">${esc(num(v, 3))}</text>`);
  }
  for (const v of yt) {
    const Y = py(v);
    parts.push(`<line x1="${m.l - 5}" y1="${Y}" x2="${m.l}" y2="${Y}" stroke="#444"/><line x1="${m.l}" y1="${Y}" x2="${m.l + W}" y2="${Y}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 8}" y="${Y + 4}" text-anchor="end">${esc(num(v, 3))}</text>`);
  }
  // The frame again, over grid lines that fall on its edges.
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W}" height="${H}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${m.l + W / 2}" y="${m.t + H + 36}" text-anchor="middle">${esc(fig.xLabel)}${fig.xLog ? ' (log)' : ''}</text>`);
  parts.push(`<text transform="translate(16 ${m.t + H / 2}) rotate(-90)" text-anchor="middle">${esc(fig.yLabel)}${fig.yLog ? ' (log)' : ''}</text>`);
  parts.push(`<g clip-path="url(#clip-${esc(fig.id)})">`);
  fig.series.forEach((s, k) => {
    const color = colorOf[k];
    const style = s.style ?? 'line';
    const pts = s.x.map((x, i) => [x, s.y[i], s.yErr?.[i]] as const).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && !(fig.yLog && y <= 0) && !(fig.xLog && x <= 0));
    if (style === 'line' || style === 'dashed') {
      // Error band for lines with yErr.
      if (s.yErr && style === 'line') {
        const upper = pts.map(([x, y, e]) => `${px(x).toFixed(1)},${py(y + (e ?? 0)).toFixed(1)}`);
        const lower = pts.map(([x, y, e]) => `${px(x).toFixed(1)},${py(fig.yLog ? Math.max(y - (e ?? 0), y * 1e-3) : y - (e ?? 0)).toFixed(1)}`).reverse();
        parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
      }
      const d = thin(pts).map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)} ${py(y).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${style === 'dashed' ? 1.6 : 1.8}"${style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/>`);
    } else if (style === 'points') {
      for (const [x, y, e] of pts) {
        if (e !== undefined && e > 0) {
          const lo = fig.yLog ? Math.max(y - e, y * 1e-3) : y - e;
          parts.push(`<line x1="${px(x)}" y1="${py(lo)}" x2="${px(x)}" y2="${py(y + e)}" stroke="${color}" stroke-width="1.5"/>`);
          parts.push(`<line x1="${px(x) - 4}" y1="${py(lo)}" x2="${px(x) + 4}" y2="${py(lo)}" stroke="${color}"/><line x1="${px(x) - 4}" y1="${py(y + e)}" x2="${px(x) + 4}" y2="${py(y + e)}" stroke="${color}"/>`);
        }
        parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3.5" fill="${color}"/>`);
      }
    } else {
      const base = fig.yLog ? 10 ** y0 : Math.max(y0, Math.min(y1, 0));
      const bw = Math.max(2, Math.min(18, W / Math.max(1, pts.length) / 3));
      for (const [x, y] of pts) {
        const top = Math.min(py(y), py(base));
        parts.push(`<rect x="${px(x) - bw / 2 + 6}" y="${top}" width="${bw}" height="${Math.abs(py(base) - py(y))}" fill="${color}" fill-opacity="0.55"/>`);
      }
    }
  });
  parts.push('</g>');
  // One legend entry per distinct name (several series may share one, e.g. one per start).
  const legend = fig.series.map((s, k) => ({ s, k })).filter(({ s }, i, all) => all.findIndex((o) => o.s.name === s.name) === i);
  legend.forEach(({ s, k }, row) => {
    const color = colorOf[k];
    const X = m.l + (row % 2) * (W / 2);
    const Y = m.t + H + 52 + 16 * Math.floor(row / 2);
    const style = s.style ?? 'line';
    const glyph =
      style === 'points'
        ? `<circle cx="${X + 10}" cy="${Y - 4}" r="3.5" fill="${color}"/>`
        : style === 'bars'
          ? `<rect x="${X + 4}" y="${Y - 9}" width="12" height="10" fill="${color}" fill-opacity="0.55"/>`
          : `<line x1="${X}" y1="${Y - 4}" x2="${X + 20}" y2="${Y - 4}" stroke="${color}" stroke-width="2"${style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/>`;
    parts.push(`${glyph}<text x="${X + 26}" y="${Y}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function range(v: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) for (const m of [1, 2, 5]) {
    const v = m * 10 ** e;
    if (Math.log10(v) >= lo && Math.log10(v) <= hi) out.push(v);
  }
  return out;
}

/** At most ~1500 points per path (keeps the SVG small). */
function thin<T>(pts: T[]): T[] {
  if (pts.length <= 1500) return pts;
  const k = Math.ceil(pts.length / 1500);
  return pts.filter((_p, i) => i % k === 0 || i === pts.length - 1);
}

function checkRow(c: Check): string {
  return `<tr class="${c.pass ? 'pass' : 'fail'}"><td>${esc(c.name)}</td><td>${num(c.predicted)}</td><td>${num(c.measured)} ± ${num(c.stdErr, 2)}</td><td>${num(Math.abs(c.measured - c.predicted), 3)}</td><td>${num(c.tolerance, 3)}</td><td><b>${c.pass ? 'PASS' : 'FAIL'}</b></td><td class="note">${esc(c.note ?? '')}</td></tr>`;
}

export function reportHtml(results: ExperimentResult[], heading = 'Noether Lab experiments'): string {
  const all = results.every((r) => r.pass);
  const body = results
    .map((r) => {
      const passed = r.checks.filter((c) => c.pass).length;
      return `<section id="${esc(r.name)}"><h2>${esc(r.title)} <span class="${r.pass ? 'pass' : 'fail'}">${r.pass ? 'PASS' : 'FAIL'}</span></h2>
<p class="meta">experiment <code>${esc(r.name)}</code>, size ${r.size}, ${r.seconds.toFixed(1)} s; ${passed}/${r.checks.length} checks pass</p>
${r.notes.map((n) => `<p>${noteHtml(n)}</p>`).join('\n')}
${r.figures.map((f) => `<figure>${figureSvg(f)}</figure>`).join('\n')}
<table><thead><tr><th>check</th><th>predicted</th><th>measured ± SE</th><th>|difference|</th><th>tolerance</th><th></th><th>note</th></tr></thead><tbody>
${r.checks.map(checkRow).join('\n')}
</tbody></table></section>`;
    })
    .join('\n');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(heading)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1 span,h2 span{font-size:.7em;padding:.1em .4em;border-radius:4px;color:#fff}
span.pass{background:#2a7d2a} span.fail{background:#b22}
table{border-collapse:collapse;font-size:12px;width:100%;margin:1em 0 2em}
th,td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
tr.fail td{background:#fde8e8} td.note{color:#666;font-size:11px}
figure{margin:1em 0} .meta{color:#666}
</style></head><body>
<h1>${esc(heading)} <span class="${all ? 'pass' : 'fail'}">${all ? 'ALL PASS' : 'SOME FAIL'}</span></h1>
<p>Each check sets a prediction beside the measurement with its standard error (independent chains or replicates); the tolerance is 4 standard errors plus, where the formula is itself approximate, the model-error term stated in the note.</p>
${results.map((r) => `<a href="#${esc(r.name)}">${esc(r.name)}</a>`).join(' · ')}
${body}
</body></html>
`;
}

export function reportText(r: ExperimentResult): string {
  const lines = [`${r.pass ? 'PASS' : 'FAIL'}  ${r.name}: ${r.title}  (${r.size}, ${r.seconds.toFixed(1)} s, ${r.checks.filter((c) => c.pass).length}/${r.checks.length} checks)`];
  for (const c of r.checks) {
    lines.push(`  ${c.pass ? 'pass' : 'FAIL'}  ${c.name}: predicted ${num(c.predicted)}, measured ${num(c.measured)} ± ${num(c.stdErr, 2)} (tolerance ${num(c.tolerance, 2)})`);
  }
  for (const n of r.notes) lines.push(`  · ${notePlain(n)}`);
  return lines.join('\n');
}
