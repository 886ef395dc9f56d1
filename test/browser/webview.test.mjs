// Browser tests of the Noether Lab webviews (panel and side view) in Debian's Chromium, driven by
// playwright-core. The pages are built by the extension's own webviewHtml() with the same strict CSP
// and a fresh nonce; fixtures are fed through window.postMessage like the host does.
//
// Run: npm run test:browser   (builds, installs chromium if missing, writes screenshots to
// test-results/browser/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { chromium } from 'playwright-core';
import { root, startHarness } from './harness.mjs';

const fixtures = join(root, 'test/browser/fixtures');
const out = join(root, 'test-results/browser');
mkdirSync(out, { recursive: true });
const load = (name) => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
const analyses = Object.fromEntries(['two-layer-scalar', 'two-layer-matrix', 'scale-invariant', 'softmax-translation', 'tanh-network'].map((n) => [n, load(`analysis-${n}.json`)]));
const simulation = load('simulation-two-layer-scalar.json');

let harness;
let browser;
let nextId = 1000;
const measured = {};

before(async () => {
  execFileSync('sh', [join(root, 'test/browser/ensure-chromium.sh')], { stdio: 'inherit' });
  harness = await startHarness();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  await harness?.close();
  writeFileSync(join(out, 'measurements.json'), JSON.stringify(measured, null, 2));
});

/** A page with console errors, page errors, failed requests and CSP violations collected. */
async function open(view, theme, viewport = { width: 1200, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
    else if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(`${harness.base}/harness/${view}.html?theme=${theme}`);
  await page.waitForFunction(() => window.__posted?.some((m) => m.type === 'ready'));
  const post = (msg) => page.evaluate((m) => window.postMessage(m, '*'), { id: nextId++, ...msg });
  const posted = () => page.evaluate(() => window.__posted);
  const finish = async () => {
    const csp = await page.evaluate(() => window.__cspViolations);
    await context.close();
    return { csp, problems, warnings };
  };
  return { page, post, posted, finish, problems, warnings };
}

/** Pixels drawn on each canvas of a plot (alpha > 0) and a checksum. */
function canvasStats(page, plotId) {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-plot-id="${id}"] canvas`);
    if (!c) return null;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) n++;
      sum = (sum + d[i] * 3 + d[i + 1] * 5 + d[i + 2] * 7 + d[i + 3] * (i % 97)) % 1000000007;
    }
    return { width: c.width, height: c.height, drawn: n, sum };
  }, plotId);
}

function truncateRun(run, k) {
  const s = run.series;
  const cut = (a) => a.slice(0, k);
  return {
    ...run,
    series: {
      steps: cut(s.steps), lossMean: cut(s.lossMean), lossStd: cut(s.lossStd),
      charges: s.charges.map((c) => ({ mean: cut(c.mean), std: cut(c.std), predicted: cut(c.predicted) })),
      drift: s.drift.map((d) => ({ measured: cut(d.measured), predicted: cut(d.predicted) })),
      traceH: cut(s.traceH), lambdaMaxH: cut(s.lambdaMaxH),
    },
  };
}

/** Click a tab header, as a user would (this is what the webview state remembers). */
async function selectTab(page, index) {
  await page.click(`vscode-tab-header[data-tab="${['symmetries', 'dynamics', 'stationary'][index]}"]`);
  await page.waitForTimeout(150);
  assert.equal(await page.evaluate(() => document.querySelector('vscode-tabs').selectedIndex), index);
}

const analysisMsg = (name) => ({ type: 'analysis', uri: `file:///work/examples/${name}.loss`, fileName: `${name}.loss`, analysis: analyses[name] });

function assertClean(result, label) {
  assert.deepEqual(result.csp, [], `${label}: CSP violations ${JSON.stringify(result.csp)}`);
  assert.deepEqual(result.problems, [], `${label}: console errors / page errors`);
}

for (const theme of ['dark', 'light', 'high-contrast']) {
  test(`panel (${theme}): cards, equilibria, streaming plots, exports, validation`, async () => {
    const t = await open('panel', theme);
    const { page, post, posted } = t;
    const ready = (await posted()).find((m) => m.type === 'ready');
    assert.equal(ready.view, 'panel');
    assert.equal(typeof ready.id, 'number');

    // --- symmetry cards with KaTeX ---
    await post(analysisMsg('two-layer-scalar'));
    await page.waitForSelector('.nl-card');
    const cards = await page.evaluate(() => [...document.querySelectorAll('.nl-card')].map((c) => ({
      katex: c.querySelectorAll('.katex').length,
      errors: c.querySelectorAll('.katex-error').length,
      badges: [...c.querySelectorAll('vscode-badge')].map((b) => b.textContent.trim()),
      chips: [...c.querySelectorAll('.nl-chip')].map((b) => b.textContent),
    })));
    assert.equal(cards.length, 1);
    assert.ok(cards[0].katex >= 4, `KaTeX in card: ${cards[0].katex}`);
    assert.equal(cards[0].errors, 0);
    assert.deepEqual(cards[0].badges, ['rescaling', 'proved']);
    assert.deepEqual(cards[0].chips, ['u', 'w']);
    measured.katexPerCard = cards[0].katex;

    // --- equilibria table ---
    const table = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#nl-equilibria tbody tr[data-component]')].map((r) => [r.dataset.component, [...r.querySelectorAll('td')].map((td) => td.textContent)])));
    const eq = analyses['two-layer-scalar'].symmetries[0].equilibrium.point;
    for (const c of ['u', 'w']) {
      assert.equal(Number(table[c][0]), analyses['two-layer-scalar'].initial[c]);
      assert.ok(Math.abs(Number(table[c][1]) - eq[c]) < 1e-5, `${c}: ${table[c][1]} vs ${eq[c]}`);
    }
    measured.equilibriumTable = table;
    await page.screenshot({ path: join(out, `panel-${theme}-symmetries.png`), fullPage: true });

    // --- buttons post commands; chips post showInEditor ---
    await page.click('vscode-button[data-command="run"]');
    await page.click('.nl-chip');
    let msgs = await posted();
    assert.ok(msgs.some((m) => m.type === 'command' && m.command === 'run' && typeof m.id === 'number'));
    assert.ok(msgs.some((m) => m.type === 'showInEditor' && m.component === 'u'));

    // --- streaming progress updates the plots ---
    await selectTab(page, 1);
    const run0 = simulation.runs[0];
    await post({ type: 'simulationProgress', progress: { run: 0, fraction: 0.1, partial: truncateRun(run0, 200) } });
    await page.waitForSelector('[data-plot-id="loss"] canvas');
    await page.waitForTimeout(200);
    const p1 = await page.evaluate(() => window.__noetherLab.plots().map((p) => [p.id, p.points]));
    const s1 = await canvasStats(page, 'charge-0');
    assert.ok(!(await page.$eval('.nl-progress', (e) => e.hidden)), 'progress bar visible while streaming');
    await post({ type: 'simulationProgress', progress: { run: 0, fraction: 0.5, partial: truncateRun(run0, 1000) } });
    await page.waitForTimeout(250);
    const p2 = await page.evaluate(() => window.__noetherLab.plots().map((p) => [p.id, p.points]));
    const s2 = await canvasStats(page, 'charge-0');
    assert.deepEqual(p1.find(([id]) => id === 'loss'), ['loss', 200]);
    assert.deepEqual(p2.find(([id]) => id === 'loss'), ['loss', 1000]);
    assert.notEqual(s1.sum, s2.sum, 'the charge plot redraws as data streams in');
    const progressText = await page.$eval('.nl-progress-text', (e) => e.textContent);
    assert.match(progressText, /50%/);
    measured.streaming = { pointsAfter1: 200, pointsAfter2: 1000, progressText };

    // --- the full result: every plot exists and is drawn ---
    await post({ type: 'simulationResult', result: simulation });
    await page.waitForTimeout(300);
    const ids = await page.evaluate(() => window.__noetherLab.plots().map((p) => p.id));
    for (const id of ['loss', 'charge-0', 'drift-0', 'curvature']) assert.ok(ids.includes(id), `plot ${id}`);
    measured[`plots-${theme}`] = {};
    for (const id of ['loss', 'charge-0', 'drift-0', 'curvature']) {
      const s = await canvasStats(page, id);
      assert.ok(s && s.drawn > 2000, `${id} has drawn pixels (${s?.drawn})`);
      measured[`plots-${theme}`][id] = s.drawn;
    }
    assert.ok(await page.$eval('.nl-progress', (e) => e.hidden), 'progress bar hidden after the result');
    const legend = await page.$$eval('[data-plot-id="charge-0"] .u-legend .u-series th', (e) => e.map((x) => x.textContent.trim()));
    assert.ok(legend.some((l) => /sgd .* measured/.test(l)) && legend.some((l) => /gd .* measured/.test(l)) && legend.some((l) => /predicted/.test(l)), `legend: ${legend}`);
    await page.screenshot({ path: join(out, `panel-${theme}-dynamics.png`), fullPage: true });

    // --- zoom: drag on the loss plot, kept in state; double-click resets ---
    const over = await page.$('[data-plot-id="loss"] .u-over');
    const box = await over.boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForTimeout(100);
    const zoomed = await page.evaluate(() => JSON.parse(sessionStorage.getItem('nl-state')).zoom?.loss);
    assert.ok(zoomed && zoomed[0] > 1000 && zoomed[1] < 12000, `zoom stored: ${zoomed}`);
    measured.zoom = zoomed;

    // --- exports: PNG, SVG, CSV through exportData ---
    for (const fmt of ['png', 'svg', 'csv']) await page.click(`[data-plot-id="charge-0"] vscode-button[data-format="${fmt}"]`);
    msgs = await posted();
    const exports = msgs.filter((m) => m.type === 'exportData');
    const png = exports.find((m) => m.format === 'png');
    const svg = exports.find((m) => m.format === 'svg');
    const csv = exports.find((m) => m.format === 'csv');
    assert.ok(png.data.startsWith('data:image/png;base64,') && png.data.length > 5000, 'PNG data URL');
    assert.equal(png.suggestedName, 'two-layer-scalar-charge-1.png');
    assert.ok(svg.data.startsWith('<svg') && svg.data.includes('<polyline') && svg.data.includes('</svg>'), 'SVG text');
    const csvLines = csv.data.trim().split('\n');
    assert.match(csvLines[0], /^"step",".*measured"/);
    const recorded = new Set(simulation.runs.flatMap((r) => r.series.steps)).size;
    assert.equal(csvLines.length, recorded + 1, `CSV: header + ${recorded} recorded steps`);
    measured.exports = { pngChars: png.data.length, svgChars: svg.data.length, csvRows: csvLines.length - 1 };
    if (theme === 'dark') {
      writeFileSync(join(out, 'export-charge-1.png'), Buffer.from(png.data.split(',')[1], 'base64'));
      writeFileSync(join(out, 'export-charge-1.svg'), svg.data);
    }
    await post({ type: 'reply', replyTo: png.id, ok: true, detail: '/tmp/charge.png' });
    await page.waitForFunction(() => document.querySelector('.nl-status').textContent.includes('/tmp/charge.png'));
    // double-click resets the zoom
    await page.dblclick('[data-plot-id="loss"] .u-over');
    await page.waitForTimeout(100);
    assert.equal(await page.evaluate(() => JSON.parse(sessionStorage.getItem('nl-state')).zoom?.loss), undefined);

    // --- stationary histograms with the theory overlay ---
    await selectTab(page, 2);
    await page.waitForTimeout(200);
    for (const id of ['hist-0-u', 'hist-0-w']) {
      const s = await canvasStats(page, id);
      assert.ok(s && s.drawn > 2000, `${id} drawn (${s?.drawn})`);
    }
    const statMean = await page.$eval('#nl-stationary tr[data-component="u"] td', (e) => e.textContent);
    assert.ok(Math.abs(Number(statMean) - simulation.runs[0].stationary.mean.u) < 1e-4);
    await page.screenshot({ path: join(out, `panel-${theme}-stationary.png`), fullPage: true });

    // --- escape times when the run has them (test-only first passages) ---
    const withEscape = structuredClone(simulation);
    withEscape.runs[0].firstPassage = Array.from({ length: 32 }, (_, i) => (i % 5 === 4 ? null : 200 + i * 97));
    await post({ type: 'simulationResult', result: withEscape });
    await page.waitForSelector('[data-plot-id="escape"] canvas');
    await page.waitForTimeout(150);
    const esc = await canvasStats(page, 'escape');
    assert.ok(esc.drawn > 1000, `escape plot drawn (${esc.drawn})`);

    // --- focusSymmetry ---
    await post({ type: 'focusSymmetry', index: 0 });
    await page.waitForTimeout(100);
    assert.equal(await page.evaluate(() => document.querySelector('vscode-tabs').selectedIndex), 0);
    assert.ok(await page.$eval('#sym-0', (e) => e.classList.contains('nl-focus')));

    // --- invalid messages are ignored (and logged as warnings, not errors) ---
    const before = await page.$eval('#app', (e) => e.textContent);
    const warned = t.warnings.length;
    const invalid = [
      null, 'analysis', 42, { type: 'analysis' }, { id: 1, type: 'bogus' },
      { id: 2, type: 'analysis', uri: 'x', fileName: 'x', analysis: { file: 'x', components: 'u' } },
      { id: 3, type: 'simulationProgress', progress: { run: 0, fraction: 7 } },
      { id: 4, type: 'simulationResult', result: { file: 'x', components: [], runs: [{ run: 0 }] } },
      { id: 5, type: 'focusSymmetry', index: -1 },
      { type: 'focusSymmetry', index: 0 },
    ];
    for (const m of invalid) await page.evaluate((x) => window.postMessage(x, '*'), m);
    await page.waitForTimeout(200);
    assert.equal(await page.$eval('#app', (e) => e.textContent), before, 'DOM unchanged by invalid messages');
    assert.equal(t.warnings.length - warned, invalid.length, 'each invalid message logged once');
    measured.invalidIgnored = invalid.length;

    // --- text from the file is never HTML ---
    const evil = structuredClone(analyses['two-layer-scalar']);
    evil.components = ['<img src=x id=pwn>', 'w'];
    evil.initial = { '<img src=x id=pwn>': 1.5, w: 0.2 };
    evil.symmetries[0].involves = ['<img src=x id=pwn>', 'w'];
    evil.symmetries[0].equilibrium.point = { '<img src=x id=pwn>': 0.5, w: 0.5 };
    evil.symmetries[0].charge.tex = '\\href{javascript:alert(1)}{x} + \\htmlId{pwn2}{y}';
    await post({ type: 'analysis', uri: 'file:///evil.loss', fileName: '<script>alert(1)</script>.loss', analysis: evil });
    await page.waitForTimeout(200);
    assert.equal(await page.$('#pwn'), null);
    assert.equal(await page.$('#pwn2'), null);
    assert.equal(await page.$('a[href^="javascript"]'), null);
    assert.equal(await page.$eval('.nl-file', (e) => e.textContent), '<script>alert(1)</script>.loss');

    // --- state survives a reload (hide/show): tab and analysis come back before any message ---
    await post(analysisMsg('two-layer-scalar'));
    await selectTab(page, 1);
    await page.reload();
    await page.waitForFunction(() => window.__posted?.some((m) => m.type === 'ready'));
    await page.waitForSelector('.nl-card', { state: 'attached' });
    assert.equal(await page.evaluate(() => document.querySelector('vscode-tabs').selectedIndex), 1);

    const result = await t.finish();
    assertClean(result, `panel ${theme}`);
  });
}

test('panel: the other examples (matrix, scaling, translation, none)', async () => {
  const t = await open('panel', 'dark');
  const { page, post } = t;
  const expect = { 'two-layer-matrix': 6, 'scale-invariant': 1, 'softmax-translation': 3, 'tanh-network': 0 };
  for (const [name, n] of Object.entries(expect)) {
    await post(analysisMsg(name));
    await page.waitForTimeout(300);
    const info = await page.evaluate(() => ({
      cards: document.querySelectorAll('.nl-card').length,
      katex: document.querySelectorAll('.nl-card .katex').length,
      errors: document.querySelectorAll('.katex-error').length,
      rows: document.querySelectorAll('#nl-equilibria tbody tr[data-component]').length,
      none: !!document.getElementById('nl-no-symmetry'),
      kinds: [...document.querySelectorAll('.nl-card')].map((c) => c.dataset.kind),
    }));
    assert.equal(info.cards, n, name);
    assert.equal(info.errors, 0, `${name}: KaTeX errors`);
    assert.equal(info.none, n === 0);
    if (name === 'two-layer-matrix') {
      assert.equal(info.rows, 18);
      assert.deepEqual(info.kinds, ['rescaling', 'rescaling', 'rescaling', 'linear', 'linear', 'linear']);
      await page.screenshot({ path: join(out, 'panel-dark-two-layer-matrix.png'), fullPage: true });
    }
    if (name === 'softmax-translation') assert.equal(info.rows, 0);
    measured[`example-${name}`] = info;
  }
  assertClean(await t.finish(), 'examples');
});

for (const theme of ['dark', 'light', 'high-contrast']) {
  test(`side view (${theme}): empty state, summary, sparklines`, async () => {
    const t = await open('sidebar', theme, { width: 320, height: 760 });
    const { page, post, posted } = t;
    assert.equal((await posted()).find((m) => m.type === 'ready').view, 'sidebar');
    await post({ type: 'summary', uri: null, fileName: null });
    await page.waitForSelector('#nl-empty-state');
    if (theme === 'dark') await page.screenshot({ path: join(out, `sidebar-${theme}-empty.png`) });
    await post({ type: 'summary', uri: 'file:///w/two-layer-scalar.loss', fileName: 'two-layer-scalar.loss', analysis: analyses['two-layer-scalar'], simulation });
    await page.waitForSelector('.nl-sym .katex');
    await page.waitForTimeout(250);
    assert.equal(await page.$('#nl-empty-state'), null);
    const sparks = await page.$$eval('.nl-spark', (e) => e.map((x) => x.dataset.plotId));
    assert.deepEqual(sparks, ['spark-loss', 'spark-charge-0']);
    for (const id of sparks) {
      const s = await canvasStats(page, id);
      assert.ok(s.drawn > 300, `${id} drawn (${s.drawn})`);
      measured[`sidebar-${theme}-${id}`] = s.drawn;
    }
    const chip = await page.$eval('.nl-sym .nl-chip', (e) => e.textContent);
    assert.match(chip, /^u = 0\.5477/);
    await page.click('.nl-sym .nl-chip');
    assert.ok((await posted()).some((m) => m.type === 'showInEditor' && m.component === 'u'));
    await page.screenshot({ path: join(out, `sidebar-${theme}.png`), fullPage: true });
    // invalid message ignored
    await page.evaluate(() => window.postMessage({ id: 9, type: 'summary', uri: 3 }, '*'));
    await page.waitForTimeout(100);
    assert.ok(await page.$('.nl-sym .katex'));
    assertClean(await t.finish(), `sidebar ${theme}`);
  });
}
