// The vector PDF export (webview/common/pdf.ts): the document's structure (header, xref offsets,
// trailer, MediaBox = the SVG's size), the drawing operators of a plot's lines and its tick labels,
// and the rendering (poppler's pdftoppm, installed by the suite's pre-script) against the PNG export;
// the protocol's validator of a PDF export.
// Same harness and fixtures as webview.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as esbuild from 'esbuild';
import { exportOf, openPanel, root, launchChromium, startHarness } from './harness.mjs';

const out = join(root, 'test-results/browser');
mkdirSync(out, { recursive: true });

let harness;
let browser;
let pdf;
let protocol;

before(async () => {
  execFileSync('sh', [join(root, 'test/browser/ensure-chromium.sh')], { stdio: 'inherit' });
  // The converter's pure functions, bundled for Node (DOMParser is needed only by svgToPdf).
  const built = await esbuild.build({
    entryPoints: [join(root, 'webview/common/pdf.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  });
  pdf = await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString('base64')}`);
  const proto = await esbuild.build({
    entryPoints: [join(root, 'src/shared/protocol.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  });
  protocol = await import(`data:text/javascript;base64,${Buffer.from(proto.outputFiles[0].text).toString('base64')}`);
  harness = await startHarness();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

/**
 * Check a PDF file's structure and return its parts: the header, every object at the offset its xref
 * entry gives, startxref at the xref table, the trailer; the page's MediaBox and content stream.
 */
function parsePdf(buf) {
  const s = buf.toString('latin1');
  assert.ok(s.startsWith('%PDF-1.4\n'), 'header %PDF-1.4');
  assert.ok(s.endsWith('%%EOF\n'), 'ends with %%EOF');
  const sx = /startxref\n(\d+)\n%%EOF\n$/.exec(s);
  assert.ok(sx, 'startxref');
  const xrefAt = Number(sx[1]);
  assert.equal(s.slice(xrefAt, xrefAt + 5), 'xref\n', 'startxref points at the xref table');
  const head = /^xref\n0 (\d+)\n/.exec(s.slice(xrefAt));
  const n = Number(head[1]);
  const table = s.slice(xrefAt + head[0].length, xrefAt + head[0].length + 20 * n);
  assert.equal(table.slice(0, 20), '0000000000 65535 f \n');
  const objects = {};
  for (let i = 1; i < n; i++) {
    const e = table.slice(20 * i, 20 * i + 20);
    assert.match(e, /^\d{10} 00000 n \n$/, `xref entry ${i} is 20 bytes`);
    const at = Number(e.slice(0, 10));
    assert.equal(s.slice(at, at + `${i} 0 obj\n`.length), `${i} 0 obj\n`, `xref offset of object ${i}`);
    const end = s.indexOf('\nendobj\n', at);
    objects[i] = s.slice(at + `${i} 0 obj\n`.length, end);
  }
  const trailer = /trailer\n<<(.*)>>\nstartxref/.exec(s.slice(xrefAt));
  assert.ok(trailer, 'trailer');
  assert.match(trailer[1], new RegExp(`/Size ${n}\\b`));
  const root = Number(/\/Root (\d+) 0 R/.exec(trailer[1])[1]);
  assert.match(objects[root], /\/Type \/Catalog/);
  const pageNo = Object.keys(objects).find((k) => /\/Type \/Page\b/.test(objects[k]));
  const page = objects[pageNo];
  const media = /\/MediaBox \[([^\]]+)\]/.exec(page)[1].split(' ').map(Number);
  const contentsNo = Number(/\/Contents (\d+) 0 R/.exec(page)[1]);
  const stream = /^<< \/Length (\d+) >>\nstream\n/.exec(objects[contentsNo]);
  const length = Number(stream[1]);
  const content = objects[contentsNo].slice(stream[0].length, stream[0].length + length);
  assert.equal(objects[contentsNo].slice(stream[0].length + length), '\nendstream', 'the stream is /Length bytes long');
  for (const f of ['Helvetica', 'Helvetica-Bold', 'Symbol'])
    assert.ok(
      Object.values(objects).some((o) => o.includes(`/BaseFont /${f}`)),
      f,
    );
  return { media, content, objects, page };
}

test('writePdf: xref offsets, trailer, stream length; text metrics, strings, paths, transforms', () => {
  const content = 'BT /F1 12 Tf 1 0 0 -1 10 20 Tm (caf\\351) Tj ET';
  const s = pdf.writePdf({ width: 200.5, height: 100, content, extGStates: { GS0: { CA: 0.5, ca: 0.25 } } });
  const { media, content: c, objects } = parsePdf(Buffer.from(s, 'latin1'));
  assert.deepEqual(media, [0, 0, 200.5, 100]);
  assert.equal(c, content);
  assert.ok(Object.values(objects).some((o) => o === '<< /Type /ExtGState /CA 0.5 /ca 0.25 >>'));
  // Helvetica's AFM widths: "Hello" = 722 + 556 + 222 + 222 + 556 at 10 pt.
  assert.ok(Math.abs(pdf.pdfTextWidth('Hello', 10) - 22.78) < 1e-9);
  assert.ok(Math.abs(pdf.pdfTextWidth('H', 10, true) - 7.22) < 1e-9);
  // Greek in Symbol, − as the en dash, superscripts as small raised digits, · in WinAnsi.
  assert.deepEqual(pdf.textRuns('η·t'), [
    { font: 'F3', shift: 0, bytes: 'h', width: 603 },
    { font: 'F1', shift: 0, bytes: '\u00b7t', width: 278 + 278 },
  ]);
  assert.deepEqual(
    pdf.textRuns('−2·10⁻⁴').map((r) => [r.font, r.shift, r.bytes]),
    [
      ['F1', 0, '\u00962\u00b710'],
      ['F1', 1, '\u00964'],
    ],
  );
  assert.deepEqual(
    pdf.textRuns('C₁ é ℝ ✓').map((r) => [r.shift, r.bytes]),
    [
      [0, 'C'],
      [-1, '1'],
      [0, ' \u00e9 R ?'],
    ],
  );
  assert.equal(pdf.pdfString('a(b)\\c\u00e9'), '(a\\(b\\)\\\\c\\351)');
  assert.equal(pdf.num(1e-7), '0');
  assert.equal(pdf.num(-0.0001), '0');
  assert.equal(pdf.num(12.3456), '12.346');
  assert.equal(pdf.num(1e21), '10000000');
  assert.equal(pdf.pathOps('M1 2 L3 4 h2 v-1 Z m1 1 l1 1'), '1 2 m\n3 4 l\n5 4 l\n5 3 l\nh\n2 3 m\n3 4 l');
  assert.equal(pdf.pathOps('M0 0 Q3 3 6 0'), '0 0 m\n2 2 4 2 6 0 c');
  const r = pdf.parseTransform('translate(12 100) rotate(-90)').map((v) => Math.round(v * 1e9) / 1e9);
  assert.deepEqual(r, [0, -1, 1, 0, 12, 100]);
  assert.deepEqual(
    pdf.parseSvgColor('rgba(204, 204, 204, 0.12)').map((v) => Math.round(v * 100) / 100),
    [0.8, 0.8, 0.8, 0.12],
  );
  assert.deepEqual(pdf.parseSvgColor('#3794ff'), [0x37 / 255, 0x94 / 255, 1, 1]);
  assert.equal(pdf.parseSvgColor('none'), null);
  // The host accepts a PDF only as a base64 data: URL (it writes the decoded bytes).
  const msg = (format, data) => ({ id: 1, type: 'exportData', format, data, suggestedName: `x.${format}` });
  assert.ok(protocol.isFromWebviewMessage(msg('pdf', 'data:application/pdf;base64,JVBERi0xLjQK')));
  assert.ok(!protocol.isFromWebviewMessage(msg('pdf', '%PDF-1.4\n')));
  assert.ok(!protocol.isFromWebviewMessage(msg('pdf', 'data:image/png;base64,AAAA')));
  assert.ok(!protocol.isFromWebviewMessage(msg('eps', 'x')));
});

const open = (theme, name) => openPanel(browser, harness.base, theme, name, assert);

/** The texts and drawn shapes of an SVG, as the page's DOMParser reads it. */
function svgParts(page, svg) {
  return page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const s = doc.documentElement;
    return {
      width: Number(s.getAttribute('width')),
      height: Number(s.getAttribute('height')),
      ticks: [...s.querySelectorAll('text')].map((t) => ({ text: t.textContent, bold: t.getAttribute('font-weight') === '600' })),
      polylines: s.querySelectorAll('polyline').length,
      paths: s.querySelectorAll('path').length,
      strokes: [...new Set([...s.querySelectorAll('polyline, path')].map((e) => e.getAttribute('stroke')))],
    };
  }, svg);
}

const pdftoppm = existsSync('/usr/bin/pdftoppm') ? '/usr/bin/pdftoppm' : null;
const work = mkdtempSync(join(tmpdir(), 'nl-pdf-'));

/** Render a PDF at 144 dpi (2 px a point, the PNG export's 2×) with pdftoppm; the PNG's path. */
function render(buf, name) {
  const file = join(work, `${name}.pdf`);
  writeFileSync(file, buf);
  execFileSync(pdftoppm, ['-png', '-r', '144', '-singlefile', file, join(out, `${name}-pdf`)]);
  return join(out, `${name}-pdf.png`);
}

/**
 * Compare two PNGs (the rendered PDF and the PNG export) in the page: their sizes and the share of
 * pixels that differ by more than 48 in some channel, after a 2 px blur so that text drawn in
 * different fonts (Helvetica's stand-in against DejaVu Sans) and antialiasing count little.
 */
function comparePngs(page, a, b) {
  return page.evaluate(
    async ([da, db]) => {
      const img = async (src) => {
        const i = new Image();
        i.src = src;
        await i.decode();
        return i;
      };
      const [ia, ib] = [await img(da), await img(db)];
      const w = Math.min(ia.width, ib.width);
      const h = Math.min(ia.height, ib.height);
      const pixels = (i) => {
        const c = document.createElement('canvas');
        c.width = w;
        c.height = h;
        const ctx = c.getContext('2d');
        ctx.filter = 'blur(2px)';
        ctx.drawImage(i, 0, 0);
        return ctx.getImageData(0, 0, w, h).data;
      };
      const [pa, pb] = [pixels(ia), pixels(ib)];
      let differ = 0;
      for (let k = 0; k < pa.length; k += 4) {
        if (Math.abs(pa[k] - pb[k]) > 48 || Math.abs(pa[k + 1] - pb[k + 1]) > 48 || Math.abs(pa[k + 2] - pb[k + 2]) > 48) differ++;
      }
      return { a: [ia.width, ia.height], b: [ib.width, ib.height], differ: differ / (w * h) };
    },
    [a, b],
  );
}

const dataUrl = (file) => `data:image/png;base64,${readFileSync(file).toString('base64')}`;

for (const theme of ['dark', 'light']) {
  test(`PDF export (${theme}): a plot, the phase portrait and heat maps: structure, operators, labels, rendering`, async (t) => {
    const { page, finish } = await open(theme, 'two-layer-scalar');

    // --- a charge plot: PDF beside its SVG and its PNG at 2× ---
    const sel = (fmt, extra = '') => `[data-plot-id="charge-0"] vscode-button[data-format="${fmt}"]${extra}`;
    assert.equal(await page.$eval(sel('pdf'), (b) => b.textContent.trim()), 'PDF');
    const svg = (await exportOf(page, sel('svg'))).data;
    const msg = await exportOf(page, sel('pdf'));
    const png = (await exportOf(page, sel('png', '[data-scale="2"]'))).data;
    assert.equal(msg.format, 'pdf');
    assert.equal(msg.suggestedName, 'two-layer-scalar-charge-1.pdf');
    assert.ok(msg.data.startsWith('data:application/pdf;base64,'), 'a base64 data: URL, like the PNG');
    const buf = Buffer.from(msg.data.slice(msg.data.indexOf(',') + 1), 'base64');
    writeFileSync(join(out, `export-charge-1-${theme}.pdf`), buf);
    const parts = await svgParts(page, svg);
    const doc = parsePdf(buf);
    assert.deepEqual(doc.media, [0, 0, parts.width, parts.height], 'MediaBox = the SVG size in points');
    // Every polyline of the SVG is a stroked path: a moveto, linetos, and S after its colour and width.
    const strokes = doc.content.match(/ RG\n[\d.]+ w\n\[[\d. ]*\] 0 d\n[\d.-]+ [\d.-]+ m\n(?:[\d.-]+ [\d.-]+ l\n)+S\n/g) ?? [];
    assert.ok(parts.polylines > 5, `${parts.polylines} polylines`);
    assert.ok(strokes.length >= parts.polylines, `${strokes.length} stroked paths for ${parts.polylines} polylines`);
    assert.match(doc.content, /\[7 4\] 0 d/, 'law (C) dashed 7 4');
    assert.match(doc.content, /\[10 3 2 3\] 0 d/, 'the predicted end dash-dotted');
    assert.match(doc.content, /W n/, 'the curves clipped to the plot area');
    assert.match(doc.content, /\/GS\d+ gs/, 'translucent grid and bands through graphics states');
    assert.match(doc.content, /0 -1 1 0 12 [\d.]+ cm/, 'the rotated y label');
    // Every text of the SVG (tick labels, title, legend, axis labels) in its fonts' encoding.
    for (const { text, bold } of parts.ticks) {
      for (const r of pdf.textRuns(text.replace(/\s+/g, ' ').trim(), bold))
        assert.ok(doc.content.includes(`${pdf.pdfString(r.bytes)} Tj`), `"${text}" (${r.bytes}) drawn`);
    }
    assert.ok(parts.ticks.length > 10, `${parts.ticks.length} texts`);

    let rendered = null;
    if (!pdftoppm) t.diagnostic('pdftoppm not installed (poppler-utils): the PDF is not rendered');
    else {
      rendered = render(buf, `export-charge-1-${theme}`);
      writeFileSync(join(out, `export-charge-1-${theme}@2x.png`), Buffer.from(png.split(',')[1], 'base64'));
      const cmp = await comparePngs(page, dataUrl(rendered), png);
      assert.deepEqual(cmp.a, cmp.b, 'the rendered PDF has the PNG export’s size at 144 dpi');
      assert.ok(cmp.differ < 0.03, `the rendered PDF looks like the PNG: ${(cmp.differ * 100).toFixed(2)} % of pixels differ`);
      t.diagnostic(`charge plot: ${(cmp.differ * 100).toFixed(2)} % of pixels differ from the PNG export`);
    }

    // --- the phase portrait: paths, circles, the level sets ---
    await page.waitForSelector('[data-figure-id="phase"] svg');
    const phaseSel = (fmt, extra = '') => `[data-figure-id="phase"] vscode-button[data-format="${fmt}"]${extra}`;
    const phaseSvg = (await exportOf(page, phaseSel('svg'))).data;
    const phaseMsg = await exportOf(page, phaseSel('pdf'));
    const phasePng = (await exportOf(page, phaseSel('png', '[data-scale="2"]'))).data;
    assert.equal(phaseMsg.suggestedName, 'two-layer-scalar-phase.pdf');
    const phaseBuf = Buffer.from(phaseMsg.data.slice(phaseMsg.data.indexOf(',') + 1), 'base64');
    writeFileSync(join(out, `export-phase-${theme}.pdf`), phaseBuf);
    const pp = await svgParts(page, phaseSvg);
    const pdoc = parsePdf(phaseBuf);
    assert.deepEqual(pdoc.media, [0, 0, pp.width, pp.height]);
    assert.ok(pp.paths >= 8, `${pp.paths} paths`);
    assert.ok((pdoc.content.match(/\nS\n/g) ?? []).length >= pp.paths, 'every path stroked');
    assert.ok((pdoc.content.match(/ c\n/g) ?? []).length >= 4, 'circles as Bézier arcs');
    for (const { text, bold } of pp.ticks) {
      for (const r of pdf.textRuns(text.replace(/\s+/g, ' ').trim(), bold)) assert.ok(pdoc.content.includes(`${pdf.pdfString(r.bytes)} Tj`), `"${text}" drawn`);
    }
    if (pdftoppm) {
      const file = render(phaseBuf, `export-phase-${theme}`);
      writeFileSync(join(out, `export-phase-${theme}@2x.png`), Buffer.from(phasePng.split(',')[1], 'base64'));
      const cmp = await comparePngs(page, dataUrl(file), phasePng);
      assert.deepEqual(cmp.a, cmp.b);
      assert.ok(cmp.differ < 0.03, `the rendered phase portrait looks like the PNG: ${(cmp.differ * 100).toFixed(2)} %`);
      t.diagnostic(`phase portrait: ${(cmp.differ * 100).toFixed(2)} % of pixels differ from the PNG export`);
    }
    assert.ok(rendered === null || existsSync(rendered));
    await finish();

    // --- the heat maps of Q = U Uᵀ − Wᵀ W: filled rects, bold titles ---
    const m = await open(theme, 'two-layer-matrix');
    await m.page.waitForSelector('[data-figure-id="matrix-0"] svg');
    const mSel = (fmt, extra = '') => `[data-figure-id="matrix-0"] vscode-button[data-format="${fmt}"]${extra}`;
    const mSvg = (await exportOf(m.page, mSel('svg'))).data;
    const mBuf = Buffer.from((await exportOf(m.page, mSel('pdf'))).data.split(',')[1], 'base64');
    const mPng = (await exportOf(m.page, mSel('png', '[data-scale="2"]'))).data;
    const mp = await svgParts(m.page, mSvg);
    const mdoc = parsePdf(mBuf);
    assert.deepEqual(mdoc.media, [0, 0, mp.width, mp.height]);
    assert.ok((mdoc.content.match(/ re\nf\n/g) ?? []).length >= 27 + 24, 'three 3 × 3 maps and the colour bar filled');
    assert.ok(mdoc.content.includes('/F2 '), 'the bold titles in Helvetica-Bold');
    for (const { text, bold } of mp.ticks) {
      for (const r of pdf.textRuns(text.replace(/\s+/g, ' ').trim(), bold)) assert.ok(mdoc.content.includes(`${pdf.pdfString(r.bytes)} Tj`), `"${text}" drawn`);
    }
    if (pdftoppm) {
      const file = render(mBuf, `export-matrix-${theme}`);
      const cmp = await comparePngs(m.page, dataUrl(file), mPng);
      assert.deepEqual(cmp.a, cmp.b);
      // More text for its area than the plots (two lines of bold title): up to 5 % (the cells alone are ~16 %).
      assert.ok(cmp.differ < 0.05, `the rendered heat maps look like the PNG: ${(cmp.differ * 100).toFixed(2)} %`);
      t.diagnostic(`heat maps: ${(cmp.differ * 100).toFixed(2)} % of pixels differ from the PNG export`);
    }
    await m.finish();
  });
}
