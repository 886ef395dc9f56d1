// Vector PDF export: the SVG our own drawing code produces (plots.ts toSvg, svgPlots.ts heat maps and
// phase portraits) converted to a one-page PDF 1.4 document, the page the SVG's size in points.
//
// Hand-written rather than a library: the SVGs use a handful of elements (rect, line, polyline,
// polygon, path with M/L/H/V/C/S/Q/T/Z, circle, text, g with a rect clip path, translate/rotate
// transforms), and the libraries that convert SVG to PDF (jsPDF + svg2pdf.js, pdfkit + svg-to-pdfkit)
// bring several hundred KB into the webview bundle. What is not drawn: elliptical arcs in paths (a
// straight line to the arc's end), gradients, patterns, markers, images, CSS classes' styles (we
// write presentation attributes only), tspans' own positions.
//
// Text uses the standard fonts every PDF viewer has (no embedding): Helvetica (and Helvetica-Bold
// for font-weight ≥ 600) in WinAnsiEncoding, and Symbol for what WinAnsi lacks but Symbol has:
// Greek letters and ≈ ≤ ≥ ≠ ∞ ∂ ∇ ∑ √ ∈ → ←. Outside both: superscripts and subscripts (10⁻⁴,
// C₁, Wᵀ) are glyph approximations (the plain characters at 70 % size, raised or lowered), the
// minus sign − is the en dash (as wide as a digit), and anything else is its ASCII letter without
// accents (NFKD), or '?'. text-anchor uses the fonts' own advance widths (Adobe's AFM metrics,
// below), so centred and right-aligned labels sit where the SVG puts them.
//
// The SVG is parsed with the browser's DOMParser (it is our own SVG text; nothing is evaluated).

// ---- font metrics: Adobe's AFM advance widths (1/1000 em), codes 32–255 of the encoding ----

/** Helvetica, WinAnsiEncoding codes 32–255 (0 where WinAnsi has no character). */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
  556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278,
  469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260,
  334, 584, 350, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944,
  0, 500, 667, 278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834,
  834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722,
  722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556,
  556, 556, 500, 556, 500,
];
/** Helvetica-Bold, WinAnsiEncoding codes 32–255. */
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584,
  611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333,
  584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280,
  389, 584, 350, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944,
  0, 500, 667, 278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834,
  834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722,
  722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611,
  611, 611, 556, 611, 556,
];
/** Symbol, its built-in encoding, codes 32–255. */
const SYMBOL = [
  250, 333, 713, 500, 549, 833, 778, 439, 333, 333, 500, 549, 250, 549, 250, 278, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 549, 549, 549,
  444, 549, 722, 667, 722, 612, 611, 763, 603, 722, 333, 631, 722, 686, 889, 722, 722, 768, 741, 556, 592, 611, 690, 439, 768, 645, 795, 611, 333, 863, 333,
  658, 500, 500, 631, 549, 549, 494, 439, 521, 411, 603, 329, 603, 549, 549, 576, 521, 549, 549, 521, 549, 603, 439, 576, 713, 686, 493, 686, 494, 480, 200,
  480, 549, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 750, 620, 247, 549, 167, 713, 500, 753, 753, 753,
  753, 1042, 987, 603, 987, 603, 400, 549, 411, 549, 549, 713, 494, 460, 549, 549, 549, 549, 1000, 603, 1000, 658, 823, 686, 795, 987, 768, 768, 823, 768, 768,
  713, 713, 713, 713, 713, 713, 713, 768, 713, 790, 790, 890, 823, 549, 250, 713, 603, 603, 1042, 987, 603, 987, 603, 494, 329, 790, 790, 786, 713, 384, 384,
  384, 384, 384, 384, 494, 494, 494, 494, 0, 329, 274, 686, 686, 686, 384, 384, 384, 384, 384, 384, 494, 494, 494, 494, 0,
];

/** WinAnsi codes 128–159 by Unicode character (the rest of 160–255 is Latin-1 itself). */
const WIN_ANSI_HIGH: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  ƒ: 0x83,
  '„': 0x84,
  '…': 0x85,
  '†': 0x86,
  '‡': 0x87,
  ˆ: 0x88,
  '‰': 0x89,
  Š: 0x8a,
  '‹': 0x8b,
  Œ: 0x8c,
  Ž: 0x8e,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '˜': 0x98,
  '™': 0x99,
  š: 0x9a,
  '›': 0x9b,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
  // Not WinAnsi: glyph approximations in it.
  '−': 0x96,
  '‐': 0x2d,
  '‑': 0x2d,
  '\u00a0': 0x20,
  '\u2009': 0x20,
  '\u202f': 0x20,
  '⋅': 0xb7,
  '∙': 0xb7,
  '∗': 0x2a,
  '∕': 0x2f,
  '∣': 0x7c,
  ℓ: 0x6c,
};

/** Symbol's codes of Greek letters and mathematical signs WinAnsi lacks. */
const SYMBOL_CODES: Record<string, number> = (() => {
  const out: Record<string, number> = {};
  const greek =
    'αa βb γg δd εe ζz ηh θq ιi κk λl μm νn ξx οo πp ρr σs ςV τt υu φf χc ψy ωw ϕj ϑJ ϖv ϵe ΑA ΒB ΓG ΔD ΕE ΖZ ΗH ΘQ ΙI ΚK ΛL ΜM ΝN ΞX ΟO ΠP ΡR ΣS ΤT ΥU ΦF ΧC ΨY ΩW';
  for (const pair of greek.split(' ')) out[pair[0]] = pair.charCodeAt(1);
  Object.assign(out, {
    '≈': 0xbb,
    '≤': 0xa3,
    '≥': 0xb3,
    '≠': 0xb9,
    '≡': 0xba,
    '∞': 0xa5,
    '∂': 0xb6,
    '∇': 0xd1,
    '∑': 0xe5,
    '∏': 0xd5,
    '√': 0xd6,
    '∈': 0xce,
    '∉': 0xcf,
    '→': 0xae,
    '←': 0xac,
    '↔': 0xab,
    '⇒': 0xde,
    '∝': 0xb5,
    '∼': 0x7e,
    '′': 0xa2,
    '″': 0xb2,
    '∅': 0xc6,
    '∫': 0xf2,
    '⊥': 0x5e,
    '∀': 0x22,
    '∃': 0x24,
    '∧': 0xd9,
    '∨': 0xda,
    '⊗': 0xc4,
    '⊕': 0xc5,
  });
  return out;
})();

/** Superscript and subscript characters: the plain character drawn small, raised (+1) or lowered (−1). */
const SHIFTED: Record<string, [string, 1 | -1]> = (() => {
  const out: Record<string, [string, 1 | -1]> = {};
  const sup = '⁰0 ¹1 ²2 ³3 ⁴4 ⁵5 ⁶6 ⁷7 ⁸8 ⁹9 ⁺+ ⁻− ⁼= ⁽( ⁾) ⁿn ⁱi ᵀT ᵗt ᵏk ᵐm ʲj ˣx ʸy ᵃa ᵇb ᶜc ᵈd ᵉe ᶠf ᵍg ʰh ˡl ᵒo ᵖp ʳr ˢs ᵘu ᵛv ʷw ᶻz';
  const sub = '₀0 ₁1 ₂2 ₃3 ₄4 ₅5 ₆6 ₇7 ₈8 ₉9 ₊+ ₋− ₌= ₍( ₎) ₐa ₑe ₒo ₓx ₕh ₖk ₗl ₘm ₙn ₚp ₛs ₜt ᵢi ⱼj ᵣr ᵤu ᵥv';
  for (const [list, shift] of [
    [sup, 1],
    [sub, -1],
  ] as const)
    for (const pair of list.split(' ')) out[pair[0]] = [pair.slice(1), shift];
  return out;
})();

export type PdfFont = 'F1' | 'F2' | 'F3';

/** A run of text in one font and position: the bytes of a PDF string and its width in 1/1000 em. */
export interface TextRun {
  font: PdfFont;
  shift: -1 | 0 | 1;
  bytes: string;
  width: number;
}

function widthOf(font: PdfFont, code: number): number {
  const table = font === 'F3' ? SYMBOL : font === 'F2' ? HELVETICA_BOLD : HELVETICA;
  return code >= 32 && code <= 255 ? table[code - 32] || 0 : 0;
}

/** One character → [font, code] (see the comment at the top for the fallbacks). */
function encodeChar(ch: string, bold: boolean): [PdfFont, number][] {
  const helv: PdfFont = bold ? 'F2' : 'F1';
  const cp = ch.codePointAt(0) as number;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa1 && cp <= 0xff)) return [[helv, cp]];
  if (ch in WIN_ANSI_HIGH) return [[helv, WIN_ANSI_HIGH[ch]]];
  if (ch in SYMBOL_CODES) return [['F3', SYMBOL_CODES[ch]]];
  if (cp < 0x20) return [];
  // Accented and compatibility forms (e.g. ﬁ, ℝ) → their plain letters; otherwise '?'.
  const plain = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  if (plain !== ch && [...plain].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) <= 0x7e)) return [...plain].map((c) => [helv, c.charCodeAt(0)]);
  return [[helv, 0x3f]];
}

/** A string as runs of one font and one shift each. */
export function textRuns(text: string, bold = false): TextRun[] {
  const runs: TextRun[] = [];
  for (const raw of text) {
    const shifted = SHIFTED[raw];
    const shift = shifted ? shifted[1] : 0;
    for (const [font, code] of encodeChar(shifted ? shifted[0] : raw, bold)) {
      const last = runs[runs.length - 1];
      const byte = String.fromCharCode(code);
      if (last && last.font === font && last.shift === shift) {
        last.bytes += byte;
        last.width += widthOf(font, code);
      } else runs.push({ font, shift, bytes: byte, width: widthOf(font, code) });
    }
  }
  return runs;
}

/** Size of superscripts and subscripts relative to the text, and their offset (in em of the text). */
const SHIFT_SCALE = 0.7;
const SHIFT_RISE = { 1: 0.38, [-1]: -0.18 } as const;

/** The advance width of a string in points at `size` (Helvetica's metrics; shifted runs smaller). */
export function pdfTextWidth(text: string, size: number, bold = false): number {
  return textRuns(text, bold).reduce((w, r) => w + (r.width / 1000) * size * (r.shift ? SHIFT_SCALE : 1), 0);
}

/** A PDF literal string of bytes 0–255: ( ) \ escaped, everything outside printable ASCII as octal. */
export function pdfString(bytes: string): string {
  let out = '(';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    const ch = bytes[i];
    if (ch === '(' || ch === ')' || ch === '\\') out += `\\${ch}`;
    else if (c < 0x20 || c > 0x7e) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return out + ')';
}

// ---- the document ----

/** A number as PDF writes it: no exponent, at most 3 decimals, within ±10⁷ (far off any page). */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const s = (Math.round(Math.max(-1e7, Math.min(1e7, v)) * 1000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

export interface PdfPage {
  width: number;
  height: number;
  /** The page's content stream (operators; latin-1 bytes as chars). */
  content: string;
  /** Graphics states by name (e.g. GS0 → { CA: 0.5, ca: 0.5 }). */
  extGStates: Record<string, { CA?: number; ca?: number }>;
}

/**
 * A PDF 1.4 file of one page, as a binary string (each char one byte): catalog, pages, page,
 * content, the three standard fonts, the graphics states; a cross-reference table with each
 * object's byte offset, and the trailer.
 */
export function writePdf(page: PdfPage): string {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body);
  const gsNames = Object.keys(page.extGStates);
  const firstGs = 9;
  const gsRes = gsNames.length ? ` /ExtGState << ${gsNames.map((n, i) => `/${n} ${firstGs + i} 0 R`).join(' ')} >>` : '';
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add('<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  add(
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${num(page.width)} ${num(page.height)}] /Contents 4 0 R /Resources << /ProcSet [/PDF /Text] /Font << /F1 5 0 R /F2 6 0 R /F3 7 0 R >>${gsRes} >> >>`,
  );
  add(`<< /Length ${page.content.length} >>\nstream\n${page.content}\nendstream`);
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>');
  add('<< /Producer (Noether Lab) >>');
  for (const n of gsNames) {
    const g = page.extGStates[n];
    add(`<< /Type /ExtGState${g.CA !== undefined ? ` /CA ${num(g.CA)}` : ''}${g.ca !== undefined ? ` /ca ${num(g.ca)}` : ''} >>`);
  }
  // The binary comment line tells transfer tools the file is binary.
  let out = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 8 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}

/** Bytes of a binary string (chars 0–255). */
export function binaryBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

// ---- SVG → content stream ----

/** [r, g, b] in 0–1 and alpha, or null for none. Hex (#rgb, #rgba, #rrggbb, #rrggbbaa), rgb()/rgba(), a few names. */
export function parseSvgColor(c: string | null | undefined): [number, number, number, number] | null {
  if (!c) return null;
  const s = c.trim().toLowerCase();
  if (s === 'none' || s === 'transparent') return null;
  const NAMED: Record<string, string> = {
    black: '#000',
    white: '#fff',
    red: '#f00',
    green: '#008000',
    blue: '#00f',
    gray: '#808080',
    grey: '#808080',
    yellow: '#ff0',
    orange: '#ffa500',
  };
  if (NAMED[s]) return parseSvgColor(NAMED[s]);
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    let h = m[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((x) => x + x).join('');
    if (h.length !== 6 && h.length !== 8) return [0, 0, 0, 1];
    const p = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return [p(0) / 255, p(2) / 255, p(4) / 255, h.length === 8 ? p(6) / 255 : 1];
  }
  m = /^rgba?\(([^)]*)\)$/.exec(s);
  if (m) {
    const parts = m[1].split(/[\s,/]+/).filter(Boolean);
    const ch = (x: string | undefined) => (x === undefined ? 0 : x.endsWith('%') ? parseFloat(x) / 100 : parseFloat(x) / 255);
    const a = parts[3] === undefined ? 1 : parts[3].endsWith('%') ? parseFloat(parts[3]) / 100 : parseFloat(parts[3]);
    return [ch(parts[0]), ch(parts[1]), ch(parts[2]), Number.isFinite(a) ? a : 1];
  }
  // Anything else (hsl(), other names): black, so it is still visible on paper.
  return [0, 0, 0, 1];
}

type Matrix = [number, number, number, number, number, number];

/** An SVG transform attribute as one matrix (translate, scale, rotate, matrix, skewX/Y). */
export function parseTransform(t: string | null): Matrix | null {
  if (!t) return null;
  let m: Matrix = [1, 0, 0, 1, 0, 0];
  const mul = (a: Matrix, b: Matrix): Matrix => [
    a[0] * b[0] + a[2] * b[1],
    a[1] * b[0] + a[3] * b[1],
    a[0] * b[2] + a[2] * b[3],
    a[1] * b[2] + a[3] * b[3],
    a[0] * b[4] + a[2] * b[5] + a[4],
    a[1] * b[4] + a[3] * b[5] + a[5],
  ];
  const re = /(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)/g;
  let g: RegExpExecArray | null;
  while ((g = re.exec(t))) {
    const a = g[2]
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    let n: Matrix;
    switch (g[1]) {
      case 'matrix':
        n = [a[0], a[1], a[2], a[3], a[4], a[5]];
        break;
      case 'translate':
        n = [1, 0, 0, 1, a[0] || 0, a[1] || 0];
        break;
      case 'scale':
        n = [a[0], 0, 0, a[1] ?? a[0], 0, 0];
        break;
      case 'rotate': {
        const r = ((a[0] || 0) * Math.PI) / 180;
        const [cx, cy] = [a[1] || 0, a[2] || 0];
        n = [Math.cos(r), Math.sin(r), -Math.sin(r), Math.cos(r), cx - cx * Math.cos(r) + cy * Math.sin(r), cy - cx * Math.sin(r) - cy * Math.cos(r)];
        break;
      }
      case 'skewX':
        n = [1, 0, Math.tan(((a[0] || 0) * Math.PI) / 180), 1, 0, 0];
        break;
      default:
        n = [1, Math.tan(((a[0] || 0) * Math.PI) / 180), 0, 1, 0, 0];
    }
    m = mul(m, n);
  }
  return m;
}

/** Path data (absolute and relative M L H V C S Q T Z; A as a line to its end) as PDF path operators. */
export function pathOps(d: string): string {
  const tokens = d.match(/[a-zA-Z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g) ?? [];
  const out: string[] = [];
  let i = 0;
  let cmd = '';
  let [x, y, sx, sy] = [0, 0, 0, 0];
  let [cx, cy] = [0, 0]; // last control point (for S and T)
  let prev = '';
  const next = () => Number(tokens[i++]);
  const isNum = () => i < tokens.length && !/^[a-zA-Z]$/.test(tokens[i]);
  while (i < tokens.length) {
    if (/^[a-zA-Z]$/.test(tokens[i])) cmd = tokens[i++];
    else if (!cmd) {
      i++;
      continue;
    }
    const rel = cmd === cmd.toLowerCase();
    const C = cmd.toUpperCase();
    const ox = rel ? x : 0;
    const oy = rel ? y : 0;
    if (C === 'Z') {
      out.push('h');
      [x, y] = [sx, sy];
      prev = C;
      continue;
    }
    if (!isNum()) break;
    switch (C) {
      case 'M':
        x = ox + next();
        y = oy + next();
        [sx, sy] = [x, y];
        out.push(`${num(x)} ${num(y)} m`);
        cmd = rel ? 'l' : 'L';
        break;
      case 'L':
        x = ox + next();
        y = oy + next();
        out.push(`${num(x)} ${num(y)} l`);
        break;
      case 'H':
        x = ox + next();
        out.push(`${num(x)} ${num(y)} l`);
        break;
      case 'V':
        y = oy + next();
        out.push(`${num(x)} ${num(y)} l`);
        break;
      case 'C': {
        const p = [ox + next(), oy + next(), ox + next(), oy + next(), ox + next(), oy + next()];
        out.push(`${p.map(num).join(' ')} c`);
        [cx, cy, x, y] = [p[2], p[3], p[4], p[5]];
        break;
      }
      case 'S': {
        const [c1x, c1y] = prev === 'C' || prev === 'S' ? [2 * x - cx, 2 * y - cy] : [x, y];
        const p = [ox + next(), oy + next(), ox + next(), oy + next()];
        out.push(`${[c1x, c1y, ...p].map(num).join(' ')} c`);
        [cx, cy, x, y] = p;
        break;
      }
      case 'Q':
      case 'T': {
        const [qx, qy] = C === 'Q' ? [ox + next(), oy + next()] : prev === 'Q' || prev === 'T' ? [2 * x - cx, 2 * y - cy] : [x, y];
        const [ex, ey] = [ox + next(), oy + next()];
        // The quadratic as a cubic.
        out.push(`${[x + (2 / 3) * (qx - x), y + (2 / 3) * (qy - y), ex + (2 / 3) * (qx - ex), ey + (2 / 3) * (qy - ey), ex, ey].map(num).join(' ')} c`);
        [cx, cy, x, y] = [qx, qy, ex, ey];
        break;
      }
      case 'A':
        for (let k = 0; k < 5; k++) next();
        x = ox + next();
        y = oy + next();
        out.push(`${num(x)} ${num(y)} l`);
        break;
      default:
        i = tokens.length;
    }
    prev = C;
  }
  return out.join('\n');
}

/** A circle as four Bézier arcs. */
export function circleOps(cx: number, cy: number, r: number): string {
  const k = 0.5522847498 * r;
  return [
    `${num(cx + r)} ${num(cy)} m`,
    `${num(cx + r)} ${num(cy + k)} ${num(cx + k)} ${num(cy + r)} ${num(cx)} ${num(cy + r)} c`,
    `${num(cx - k)} ${num(cy + r)} ${num(cx - r)} ${num(cy + k)} ${num(cx - r)} ${num(cy)} c`,
    `${num(cx - r)} ${num(cy - k)} ${num(cx - k)} ${num(cy - r)} ${num(cx)} ${num(cy - r)} c`,
    `${num(cx + k)} ${num(cy - r)} ${num(cx + r)} ${num(cy - k)} ${num(cx + r)} ${num(cy)} c`,
    'h',
  ].join('\n');
}

interface Style {
  fill: string | null;
  stroke: string | null;
  strokeWidth: number;
  dash: number[];
  fillOpacity: number;
  strokeOpacity: number;
  opacity: number;
  fontSize: number;
  bold: boolean;
  anchor: string;
}

const INITIAL: Style = {
  fill: '#000',
  stroke: null,
  strokeWidth: 1,
  dash: [],
  fillOpacity: 1,
  strokeOpacity: 1,
  opacity: 1,
  fontSize: 16,
  bold: false,
  anchor: 'start',
};

function styleOf(el: Element, parent: Style): Style {
  const a = (n: string) => el.getAttribute(n);
  const s: Style = { ...parent };
  if (a('fill') !== null) s.fill = a('fill');
  if (a('stroke') !== null) s.stroke = a('stroke');
  if (a('stroke-width') !== null) s.strokeWidth = parseFloat(a('stroke-width') as string) || 0;
  if (a('stroke-dasharray') !== null) {
    const d = (a('stroke-dasharray') as string)
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    s.dash = d.every((v) => Number.isFinite(v) && v >= 0) && d.some((v) => v > 0) ? (d.length % 2 ? [...d, ...d] : d) : [];
  }
  if (a('fill-opacity') !== null) s.fillOpacity = parseFloat(a('fill-opacity') as string);
  if (a('stroke-opacity') !== null) s.strokeOpacity = parseFloat(a('stroke-opacity') as string);
  // opacity is not inherited but composes with the parent's: multiplied in (exact for a single element).
  s.opacity = parent.opacity * (a('opacity') !== null ? parseFloat(a('opacity') as string) : 1);
  if (a('font-size') !== null) s.fontSize = parseFloat(a('font-size') as string) || s.fontSize;
  const w = a('font-weight');
  if (w !== null) s.bold = w === 'bold' || w === 'bolder' || Number(w) >= 600;
  if (a('text-anchor') !== null) s.anchor = a('text-anchor') as string;
  return s;
}

/** The page's content from a parsed <svg> element. */
export function svgElementToPage(svg: Element): PdfPage {
  const vb = (svg.getAttribute('viewBox') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  const attrNum = (v: string | null, fallback: number) => (v !== null && Number.isFinite(parseFloat(v)) ? parseFloat(v) : fallback);
  const hasVb = vb.length === 4 && vb.every(Number.isFinite) && vb[2] > 0 && vb[3] > 0;
  const width = attrNum(svg.getAttribute('width'), hasVb ? vb[2] : 560);
  const height = attrNum(svg.getAttribute('height'), hasVb ? vb[3] : 320);
  const [vx, vy, vw, vh] = hasVb ? vb : [0, 0, width, height];
  const ops: string[] = [];
  const extGStates: PdfPage['extGStates'] = {};
  const gsByKey = new Map<string, string>();
  const gs = (CA: number, ca: number): string => {
    const key = `${num(CA)}/${num(ca)}`;
    let name = gsByKey.get(key);
    if (!name) {
      name = `GS${gsByKey.size}`;
      gsByKey.set(key, name);
      extGStates[name] = { CA, ca };
    }
    return name;
  };
  const clips = new Map<string, Element>();
  for (const c of Array.from(svg.getElementsByTagName('clipPath'))) if (c.id) clips.set(c.id, c);
  // SVG user space on the page: y down from the top, scaled from the viewBox.
  ops.push(`1 0 0 -1 0 ${num(height)} cm`, `${num(width / vw)} 0 0 ${num(height / vh)} ${num(-vx * (width / vw))} ${num(-vy * (height / vh))} cm`, '4 M');
  const len = (v: string | null, of: number) => (v !== null && v.trim().endsWith('%') ? (parseFloat(v) / 100) * of : attrNum(v, 0));

  /** Paint the current path with the style: fill, stroke, both, or nothing. */
  const paint = (path: string, s: Style, canFill = true) => {
    const fill = canFill ? parseSvgColor(s.fill) : null;
    const stroke = s.strokeWidth > 0 ? parseSvgColor(s.stroke) : null;
    if (!fill && !stroke) return;
    const state: string[] = [];
    const fa = fill ? fill[3] * s.fillOpacity * s.opacity : 1;
    const sa = stroke ? stroke[3] * s.strokeOpacity * s.opacity : 1;
    if (fa < 1 || sa < 1) state.push(`/${gs(Math.max(0, sa), Math.max(0, fa))} gs`);
    if (fill) state.push(`${fill.slice(0, 3).map(num).join(' ')} rg`);
    if (stroke) state.push(`${stroke.slice(0, 3).map(num).join(' ')} RG`, `${num(s.strokeWidth)} w`, `[${s.dash.map(num).join(' ')}] 0 d`);
    ops.push('q', ...state, path, fill && stroke ? 'B' : fill ? 'f' : 'S', 'Q');
  };

  const text = (el: Element, s: Style) => {
    const content = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    const fill = parseSvgColor(s.fill);
    if (!content || !fill) return;
    const x = attrNum((el.getAttribute('x') ?? '').split(/[\s,]+/)[0] || null, 0);
    const y = attrNum((el.getAttribute('y') ?? '').split(/[\s,]+/)[0] || null, 0);
    const runs = textRuns(content, s.bold);
    const w = runs.reduce((t, r) => t + (r.width / 1000) * s.fontSize * (r.shift ? SHIFT_SCALE : 1), 0);
    const x0 = s.anchor === 'middle' ? x - w / 2 : s.anchor === 'end' ? x - w : x;
    const alpha = fill[3] * s.fillOpacity * s.opacity;
    const out = ['BT'];
    if (alpha < 1) out.unshift('q', `/${gs(1, Math.max(0, alpha))} gs`);
    // Text space flipped back upright at the baseline.
    out.push(`${fill.slice(0, 3).map(num).join(' ')} rg`, `1 0 0 -1 ${num(x0)} ${num(y)} Tm`);
    let rise = 0;
    for (const r of runs) {
      const size = r.shift ? s.fontSize * SHIFT_SCALE : s.fontSize;
      const want = r.shift ? SHIFT_RISE[r.shift] * s.fontSize : 0;
      out.push(`/${r.font} ${num(size)} Tf`);
      if (want !== rise) out.push(`${num(want)} Ts`);
      rise = want;
      out.push(`${pdfString(r.bytes)} Tj`);
    }
    out.push('ET');
    if (alpha < 1) out.push('Q');
    ops.push(...out);
  };

  const points = (el: Element) => {
    const p = (el.getAttribute('points') ?? '')
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    const out: string[] = [];
    for (let k = 0; k + 1 < p.length; k += 2) out.push(`${num(p[k])} ${num(p[k + 1])} ${k ? 'l' : 'm'}`);
    return out;
  };

  const walk = (el: Element, parent: Style) => {
    const tag = el.localName;
    if (tag === 'defs' || tag === 'clipPath' || tag === 'title' || tag === 'desc' || tag === 'metadata' || tag === 'style' || tag === 'script') return;
    const s = styleOf(el, parent);
    const transform = parseTransform(el.getAttribute('transform'));
    const clipRef = /url\(\s*#([^)\s]+)\s*\)/.exec(el.getAttribute('clip-path') ?? '');
    const clip = clipRef ? clips.get(clipRef[1]) : undefined;
    const wrap = !!transform || !!clip;
    if (wrap) ops.push('q');
    if (transform) ops.push(`${transform.map(num).join(' ')} cm`);
    if (clip) {
      // Clip paths of rects, circles and paths (their union), in the user space of the clipped element.
      const shapes: string[] = [];
      for (const c of Array.from(clip.children)) {
        if (c.localName === 'rect')
          shapes.push(
            `${num(len(c.getAttribute('x'), vw))} ${num(len(c.getAttribute('y'), vh))} ${num(len(c.getAttribute('width'), vw))} ${num(len(c.getAttribute('height'), vh))} re`,
          );
        else if (c.localName === 'circle') shapes.push(circleOps(len(c.getAttribute('cx'), vw), len(c.getAttribute('cy'), vh), len(c.getAttribute('r'), vw)));
        else if (c.localName === 'path') shapes.push(pathOps(c.getAttribute('d') ?? ''));
      }
      if (shapes.length) ops.push(...shapes, 'W n');
    }
    switch (tag) {
      case 'svg':
      case 'g':
      case 'a':
        for (const c of Array.from(el.children)) walk(c, s);
        break;
      case 'rect': {
        const w = len(el.getAttribute('width'), vw);
        const h = len(el.getAttribute('height'), vh);
        if (w > 0 && h > 0) paint(`${num(len(el.getAttribute('x'), vw))} ${num(len(el.getAttribute('y'), vh))} ${num(w)} ${num(h)} re`, s);
        break;
      }
      case 'line':
        paint(
          `${num(len(el.getAttribute('x1'), vw))} ${num(len(el.getAttribute('y1'), vh))} m ${num(len(el.getAttribute('x2'), vw))} ${num(len(el.getAttribute('y2'), vh))} l`,
          s,
          false,
        );
        break;
      case 'polyline':
      case 'polygon': {
        const p = points(el);
        if (p.length) paint(p.join('\n') + (tag === 'polygon' ? '\nh' : ''), s);
        break;
      }
      case 'path': {
        const p = pathOps(el.getAttribute('d') ?? '');
        if (p) paint(p, s);
        break;
      }
      case 'circle': {
        const r = len(el.getAttribute('r'), vw);
        if (r > 0) paint(circleOps(len(el.getAttribute('cx'), vw), len(el.getAttribute('cy'), vh), r), s);
        break;
      }
      case 'ellipse': {
        const [rx, ry] = [len(el.getAttribute('rx'), vw), len(el.getAttribute('ry'), vh)];
        if (rx > 0 && ry > 0) {
          const [ex, ey] = [len(el.getAttribute('cx'), vw), len(el.getAttribute('cy'), vh)];
          ops.push('q', `${num(rx)} 0 0 ${num(ry)} ${num(ex)} ${num(ey)} cm`);
          paint(circleOps(0, 0, 1), { ...s, strokeWidth: s.strokeWidth / Math.sqrt(rx * ry) });
          ops.push('Q');
        }
        break;
      }
      case 'text':
        text(el, s);
        break;
      default:
        break;
    }
    if (wrap) ops.push('Q');
  };
  walk(svg, INITIAL);
  return { width, height, content: ops.join('\n'), extGStates };
}

/** Our SVG text → a PDF file as a binary string (one char per byte). */
export function svgToPdf(svgText: string): string {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) throw new Error('not an SVG document');
  return writePdf(svgElementToPage(root));
}

/** Our SVG text → a PDF as a data: URL (the form the export message carries to the host). */
export function svgToPdfDataUrl(svgText: string): string {
  const bin = svgToPdf(svgText);
  let b64 = '';
  for (let i = 0; i < bin.length; i += 0x7ffe) b64 += btoa(bin.slice(i, i + 0x7ffe));
  return `data:application/pdf;base64,${b64}`;
}
