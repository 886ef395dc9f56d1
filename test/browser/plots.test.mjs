// Browser tests of the panel's plots (issue 12 §1–2, issue 14 §4): nothing clipped, readable ticks,
// log toggles, linked zoom, the time axis, chain traces, PNG at 2×/3×, the phase portrait and the
// heat maps of matrix and per-neuron charges. Same harness and fixtures as webview.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { exportOf, openPanel, root, launchChromium, startHarness } from './harness.mjs';

const fixtures = join(root, 'test/browser/fixtures');
const out = join(root, 'test-results/browser');
mkdirSync(out, { recursive: true });
const load = (name) => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));

let harness;
let browser;

before(async () => {
  execFileSync('sh', [join(root, 'test/browser/ensure-chromium.sh')], { stdio: 'inherit' });
  harness = await startHarness();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

const open = (theme, name) => openPanel(browser, harness.base, theme, name, assert);

/** Width and height from a PNG data URL's IHDR chunk. */
function pngSize(dataUrl) {
  const b = Buffer.from(dataUrl.split(',')[1], 'base64');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Each text's box in an SVG (rendered in the page) against the SVG's viewBox. */
function svgTextBoxes(page, svg, selector) {
  return page.evaluate(
    ([text, sel]) => {
      const host = document.createElement('div');
      document.body.append(host);
      const el = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
      host.append(document.importNode(el, true));
      const s = host.querySelector('svg');
      const [, , w, h] = s.getAttribute('viewBox').split(' ').map(Number);
      const boxes = [...s.querySelectorAll(sel)].map((t) => {
        const b = t.getBBox();
        return { text: t.textContent, x: b.x, right: b.x + b.width, y: b.y, bottom: b.y + b.height };
      });
      host.remove();
      return { w, h, boxes };
    },
    [svg, selector],
  );
}

for (const theme of ['dark', 'light']) {
  test(`plots (${theme}): no clipping, readable ticks, PNG at 2× and 3×, log toggles, linked zoom, time axis, chain traces`, async () => {
    const { page, finish } = await open(theme, 'two-layer-scalar');

    // --- the SVG export: every tick label inside the viewBox, ticks like 20k (never 2e+4) ---
    const svg = (await exportOf(page, '[data-plot-id="charge-0"] vscode-button[data-format="svg"]')).data;
    const ticks = await svgTextBoxes(page, svg, 'text:not([transform])');
    for (const b of ticks.boxes) {
      assert.ok(b.x >= -0.5 && b.right <= ticks.w + 0.5, `"${b.text}" inside the width ${ticks.w}: ${b.x}…${b.right}`);
      assert.ok(b.y >= -0.5 && b.bottom <= ticks.h + 0.5, `"${b.text}" inside the height`);
    }
    const xt = (await svgTextBoxes(page, svg, '.nl-xtick')).boxes.map((b) => b.text);
    assert.ok(xt.includes('20k') || xt.includes('18k'), `x ticks in k: ${xt}`);
    assert.ok(
      xt.every((s) => !/e[+−-]?\d/.test(s)),
      `no e-notation: ${xt}`,
    );
    // In the panel: the canvas leaves room right of the plot area for half the last label.
    const room = await page.evaluate(() => {
      const u = window.__noetherLab.plot('charge-0').uplot;
      const pr = u.ctx.canvas.width / u.width;
      return u.width - (u.bbox.left + u.bbox.width) / pr;
    });
    assert.ok(room >= 12, `right padding ${room} px`);

    // --- PNG at 2× and 3× the plot's size ---
    const svgW = Number(/width="(\d+)"/.exec(svg)[1]);
    const svgH = Number(/height="([\d.]+)"/.exec(svg)[1]);
    const png2 = await exportOf(page, '[data-plot-id="charge-0"] vscode-button[data-format="png"][data-scale="2"]');
    const png3 = await exportOf(page, '[data-plot-id="charge-0"] vscode-button[data-format="png"][data-scale="3"]');
    assert.deepEqual(pngSize(png2.data), { width: 2 * svgW, height: Math.round(2 * svgH) });
    assert.deepEqual(pngSize(png3.data), { width: 3 * svgW, height: Math.round(3 * svgH) });
    assert.equal(png2.suggestedName, 'two-layer-scalar-charge-1.png');
    assert.equal(png3.suggestedName, 'two-layer-scalar-charge-1@3x.png');
    if (theme === 'dark') writeFileSync(join(out, 'export-charge-1@2x.png'), Buffer.from(png2.data.split(',')[1], 'base64'));

    // --- distinct styles: measured solid, law (C) dashed in another colour, the predicted end dash-dotted ---
    const styles = await page.evaluate(() =>
      window.__noetherLab
        .plot('charge-0')
        .uplot.series.slice(1)
        .map((s) => ({ label: s.label, stroke: s._stroke ?? s.stroke, dash: s.dash ?? null })),
    );
    const mean = styles.find((s) => /sgd .* measured$/.test(s.label));
    const lawC = styles.find((s) => /sgd .* law \(C\)/.test(s.label));
    const end = styles.find((s) => /sgd .* SGD end \(predicted\)/.test(s.label));
    assert.ok(mean && lawC && end, JSON.stringify(styles.map((s) => s.label)));
    assert.equal(mean.dash, null);
    assert.deepEqual(lawC.dash, [7, 4]);
    assert.deepEqual(end.dash, [10, 3, 2, 3]);
    assert.notEqual(String(lawC.stroke), String(mean.stroke), 'law (C) is not in the measured colour');
    const curv = await page.evaluate(() =>
      window.__noetherLab
        .plot('curvature')
        .uplot.series.slice(1, 3)
        .map((s) => String(s._stroke ?? s.stroke)),
    );
    assert.notEqual(curv[0], curv[1], 'tr H and λmax in different colours');

    // --- chain traces: thin lines of chains 0–3 under the mean, one legend entry ---
    const legend = await page.$$eval('[data-plot-id="charge-0"] .u-legend .u-series', (rows) =>
      rows.filter((r) => r.style.display !== 'none').map((r) => r.textContent),
    );
    assert.ok(
      legend.some((l) => /chains 0–3 \(thin\)/.test(l)),
      `legend: ${legend}`,
    );
    assert.equal(legend.filter((l) => /chain 1\b/.test(l)).length, 0, 'other traces are not listed');
    const series = await page.evaluate(() => window.__noetherLab.plot('charge-0').uplot.series.length);
    assert.ok(series >= 1 + 4 + 3, `${series} series`);

    // --- log y toggle: the tick labels change and the choice is kept ---
    const yTicksOf = async () =>
      (await svgTextBoxes(page, (await exportOf(page, '[data-plot-id="charge-0"] vscode-button[data-format="svg"]')).data, '.nl-ytick')).boxes.map(
        (b) => b.text,
      );
    const linear = await yTicksOf();
    await page.click('[data-plot-id="charge-0"] [data-toggle="logy"]');
    assert.equal(await page.$eval('[data-plot-id="charge-0"] [data-toggle="logy"]', (e) => e.getAttribute('aria-pressed')), 'true');
    const logTicks = await yTicksOf();
    assert.notDeepEqual(logTicks, linear, `log ticks ${logTicks} vs ${linear}`);
    assert.equal(await page.evaluate(() => JSON.parse(sessionStorage.getItem('nl-state')).plotPrefs['charge-0'].logY), true);
    assert.notEqual(await page.evaluate(() => window.__noetherLab.plot('charge-0').uplot.scales.y.distr), 1);
    await page.click('[data-plot-id="charge-0"] [data-toggle="logx"]');
    assert.equal(await page.evaluate(() => window.__noetherLab.plot('charge-0').uplot.scales.x.distr), 4);
    await page.click('[data-plot-id="charge-0"] [data-toggle="logx"]');

    // --- linked zoom: a drag on the loss plot zooms the charge and curvature plots too; double-click resets all ---
    const box = await (await page.$('[data-plot-id="loss"] .u-over')).boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => !!JSON.parse(sessionStorage.getItem('nl-state')).zoom?.curvature);
    const scales = await page.evaluate(() =>
      ['loss', 'charge-0', 'curvature'].map((id) => {
        const s = window.__noetherLab.plot(id).uplot.scales.x;
        return [s.min, s.max];
      }),
    );
    for (const [lo, hi] of scales) assert.ok(lo > 2000 && hi < 12000, `linked zoom: ${scales}`);
    assert.ok(Math.abs(scales[1][0] - scales[0][0]) < 1e-6 && Math.abs(scales[2][1] - scales[0][1]) < 1e-6, 'the same range');
    await page.dblclick('[data-plot-id="charge-0"] .u-over');
    await page.waitForFunction(() => !JSON.parse(sessionStorage.getItem('nl-state')).zoom?.loss);
    const reset = await page.evaluate(() => window.__noetherLab.plot('curvature').uplot.scales.x.max);
    assert.ok(reset >= 19999, `reset: ${reset}`);
    await page.screenshot({ path: join(out, `plots-${theme}-dynamics.png`), fullPage: true });

    // --- the time axis: t = η·steps ---
    await page.selectOption('#nl-time-axis', 'time');
    await page.waitForFunction(() => window.__noetherLab.plot('loss').opts.xLabel === 't = η·step');
    const tmax = await page.evaluate(() => Math.max(...window.__noetherLab.plot('loss').uplot.data[0]));
    assert.ok(Math.abs(tmax - 20000 * 0.05) < 1e-9, `t max ${tmax}`);
    await page.selectOption('#nl-time-axis', 'steps');

    await finish();
  });

  test(`plots (${theme}): phase portrait, matrix charge and per-neuron heat maps`, async () => {
    // --- the phase portrait of u, w: trajectories, the level set through the start, the minimum manifold, the end ---
    let t = await open(theme, 'two-layer-scalar');
    let page = t.page;
    await page.waitForSelector('[data-figure-id="phase"] svg');
    const roles = await page.$$eval('[data-figure-id="phase"] [data-role]', (e) => e.map((x) => x.dataset.role));
    const count = (r) => roles.filter((x) => x === r).length;
    assert.equal(count('trajectory'), 5, 'four SGD chains and the GD chain');
    for (const r of ['orbit-start', 'minimum-manifold', 'level-end', 'predicted-end', 'start']) assert.ok(count(r) >= 1, `${r} in ${[...new Set(roles)]}`);
    assert.deepEqual(await page.$$eval('[data-figure-id="phase"] select', (s) => s.map((x) => x.selectedOptions[0].textContent)), ['u', 'w']);
    // The level set through the start passes through it: u² − w² = 2.21.
    const orbitOk = await page.$eval('[data-figure-id="phase"] [data-role="orbit-start"]', (p) => p.getAttribute('d').length > 100);
    assert.ok(orbitOk);
    // Swapping the axes redraws and is remembered.
    await page.selectOption('[data-figure-id="phase"] select[data-axis="x"]', { label: 'w' });
    await page.selectOption('[data-figure-id="phase"] select[data-axis="y"]', { label: 'u' });
    await page.waitForFunction(() => document.querySelector('[data-figure-id="phase"] svg').textContent.includes('u against w'));
    const phaseSvg = await exportOf(page, '[data-figure-id="phase"] vscode-button[data-format="svg"]');
    assert.match(phaseSvg.data, /^<svg[^>]+viewBox/);
    assert.equal(phaseSvg.suggestedName, 'two-layer-scalar-phase.svg');
    await page.selectOption('[data-figure-id="phase"] select[data-axis="x"]', { label: 'u' });
    await page.selectOption('[data-figure-id="phase"] select[data-axis="y"]', { label: 'w' });
    await page.waitForFunction(() => document.querySelector('[data-figure-id="phase"] svg').textContent.includes('w against u'));
    await (await page.$('[data-figure-id="phase"]')).screenshot({ path: join(out, `phase-${theme}.png`) });
    const png = await exportOf(page, '[data-figure-id="phase"] vscode-button[data-format="png"][data-scale="2"]');
    const size = pngSize(png.data);
    const w = Number(/width="(\d+)"/.exec(phaseSvg.data)[1]);
    assert.equal(size.width, 2 * w);
    await t.finish();

    // --- the GL(3) charge Q = U Uᵀ − Wᵀ W: start, measured, predicted; a diverging scale centred at 0 ---
    t = await open(theme, 'two-layer-matrix');
    page = t.page;
    await page.waitForSelector('[data-figure-id="matrix-0"] svg');
    const maps = await page.$$eval('[data-figure-id="matrix-0"] .nl-heatmap', (g) =>
      g.map((x) => ({ title: x.dataset.title, cells: [...x.querySelectorAll('.nl-cell')].map((c) => [Number(c.dataset.value), c.getAttribute('fill')]) })),
    );
    assert.deepEqual(
      maps.map((m) => m.title),
      ['start', 'measured (end)', 'predicted (end)'],
    );
    for (const m of maps) assert.equal(m.cells.length, 9, `${m.title}: 3 × 3 cells`);
    // Q at the start from the file's initial values: its diagonal is each generator's charge there.
    const a = load('analysis-two-layer-matrix.json');
    a.symmetries.slice(0, 3).forEach((s, i) => assert.ok(Math.abs(maps[0].cells[4 * i][0] - s.equilibrium.chargeInitial) < 1e-9, `Q[${i}][${i}]`));
    // Symmetric.
    assert.ok(Math.abs(maps[0].cells[1][0] - maps[0].cells[3][0]) < 1e-12);
    const neutral = theme === 'light' ? 'rgb(244, 244, 244)' : 'rgb(58, 58, 58)';
    const zeros = maps[2].cells.filter(([v]) => Math.abs(v) < 1e-9);
    assert.ok(zeros.length > 0, 'the predicted Q has zero entries');
    for (const [, fill] of zeros) assert.equal(fill, neutral, 'a zero is the neutral colour');
    const bar = await page.$$eval('[data-figure-id="matrix-0"] .nl-colorbar', (r) => r.length);
    assert.ok(bar >= 10, 'a colour bar');
    await (await page.$('[data-figure-id="matrix-0"]')).screenshot({ path: join(out, `matrix-charge-${theme}.png`) });
    await t.finish();

    // --- per-neuron charges over time (12 neurons × the records) ---
    t = await open(theme, 'relu-mlp-411');
    page = t.page;
    await page.waitForSelector('[data-figure-id="neurons"] svg');
    const sim = load('simulation-relu-mlp-411.json');
    const rows = await page.$$eval('[data-figure-id="neurons"] .nl-cell', (c) => c.length);
    assert.equal(rows, 12 * sim.runs[0].series.steps.length);
    const first = await page.$eval('[data-figure-id="neurons"] .nl-cell', (c) => Number(c.dataset.value));
    assert.ok(Math.abs(first - sim.runs[0].series.charges[0].mean[0]) < 1e-12);
    await (await page.$('[data-figure-id="neurons"]')).screenshot({ path: join(out, `neurons-${theme}.png`) });
    await t.finish();
  });
}
