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
import { root, launchChromium, startHarness } from './harness.mjs';

const fixtures = join(root, 'test/browser/fixtures');
const out = join(root, 'test-results/browser');
mkdirSync(out, { recursive: true });
const load = (name) => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
// Real output of the current engine (regenerate with scripts/browser-fixtures.mjs).
const analyses = Object.fromEntries(
  [
    'two-layer-scalar',
    'two-layer-matrix',
    'anisotropic-two-layer',
    'scale-invariant',
    'softmax-translation',
    'tanh-network',
    'linear-regression',
    'linear-regression-diverging',
    'linear-net-gl20',
    'relu-mlp-411',
    'deep-scalar-chain',
  ].map((n) => [n, load(`analysis-${n}.json`)]),
);
const simulations = Object.fromEntries(
  [
    'two-layer-scalar',
    'two-layer-matrix',
    'anisotropic-two-layer',
    'linear-regression',
    'linear-regression-diverging',
    'relu-mlp-411',
    'deep-scalar-chain',
  ].map((n) => [n, load(`simulation-${n}.json`)]),
);
const simulation = simulations['two-layer-scalar'];

let harness;
let browser;
let nextId = 1000;
const measured = {};

before(async () => {
  execFileSync('sh', [join(root, 'test/browser/ensure-chromium.sh')], { stdio: 'inherit' });
  harness = await startHarness();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await harness?.close();
  writeFileSync(join(out, 'measurements.json'), JSON.stringify(measured, null, 2));
});

/** A page with console errors, page errors, failed requests and CSP violations collected. */
async function open(view, theme, viewport = { width: 1200, height: 900 }, query = '') {
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
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(`${harness.base}/harness/${view}.html?theme=${theme}${query}`);
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

/** The first k records of a run, as a partial result streams them (every per-record array cut). */
function truncateRun(run, k) {
  const isSeries = (a) => a.every((v) => v === null || typeof v === 'number');
  const cut = (x) =>
    Array.isArray(x)
      ? isSeries(x)
        ? x.slice(0, k)
        : x.map(cut)
      : x && typeof x === 'object'
        ? Object.fromEntries(Object.entries(x).map(([key, v]) => [key, cut(v)]))
        : x;
  return { ...run, series: cut(run.series) };
}

/** Polls a condition on this side (e.g. console messages the page has logged) until it holds. */
async function waitUntil(condition, what, timeoutMs = 10_000) {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves after the webview has rendered what it was sent (it renders on the next animation frame). */
function rendered(page) {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/** Waits until the plots with these ids exist and have drawn on their canvas. */
async function plotsDrawn(page, ids) {
  await page.waitForFunction((want) => {
    const have = window.__noetherLab.plots();
    return want.every((id) => have.some((p) => p.id === id && p.width > 0));
  }, ids);
  await rendered(page);
}

/** Click a tab header, as a user would (this is what the webview state remembers). */
async function selectTab(page, index) {
  await page.click(`vscode-tab-header[data-tab="${['symmetries', 'dynamics', 'stationary'][index]}"]`);
  await page.waitForFunction((i) => document.querySelector('vscode-tabs').selectedIndex === i, index);
  await rendered(page);
}

const analysisMsg = (name) => ({ type: 'analysis', uri: `file:///work/examples/${name}.loss`, fileName: `${name}.loss`, analysis: analyses[name] });
const resultMsg = (name) => ({ type: 'simulationResult', result: simulations[name] });

/** The text of each cell of a table's body rows, keyed by the row's data attribute. */
function tableRows(page, selector, key) {
  return page.evaluate(
    ([sel, k]) =>
      Object.fromEntries(
        [...document.querySelectorAll(`${sel} tbody tr:not(.nl-note-row)`)].map((r) => [
          r.dataset[k] ?? r.querySelector('th').textContent,
          [...r.querySelectorAll('td')].map((td) => td.textContent.trim()),
        ]),
      ),
    [selector, key],
  );
}

function assertClean(result, label) {
  assert.deepEqual(result.csp, [], `${label}: CSP violations ${JSON.stringify(result.csp)}`);
  assert.deepEqual(result.problems, [], `${label}: console errors / page errors`);
}

for (const theme of ['dark', 'light', 'high-contrast']) {
  test(`panel (${theme}): group cards, equilibria, streaming plots, exports, validation`, async () => {
    const t = await open('panel', theme);
    const { page, post, posted } = t;
    const ready = (await posted()).find((m) => m.type === 'ready');
    assert.equal(ready.view, 'panel');
    assert.equal(typeof ready.id, 'number');

    // --- one card per symmetry group, with KaTeX; its generator collapsed beneath ---
    await post(analysisMsg('two-layer-scalar'));
    await page.waitForSelector('.nl-card[data-kind]');
    const cards = await page.evaluate(() =>
      [...document.querySelectorAll('.nl-card[data-kind]')].map((c) => ({
        id: c.id,
        name: c.querySelector('.nl-card-name').textContent,
        katex: c.querySelectorAll('.katex').length,
        errors: c.querySelectorAll('.katex-error, .nl-tex-fallback').length,
        badges: [...c.querySelectorAll(':scope > header vscode-badge')].map((b) => b.textContent.trim()),
        proof: c.querySelector('.nl-proof').textContent,
        charge: c.querySelector(':scope > .nl-charge').title,
        chips: [...c.querySelectorAll(':scope > .nl-involves .nl-chip')].map((b) => b.textContent),
        generators: [...c.querySelectorAll('.nl-gen')].map((g) => g.id),
        open: c.querySelector('details.nl-generators').open,
        summary: c.querySelector('details.nl-generators > summary').textContent,
      })),
    );
    assert.equal(cards.length, 1);
    assert.equal(cards[0].id, 'group-0');
    assert.equal(cards[0].name, 'rescaling of u, w');
    assert.ok(cards[0].katex >= 4, `KaTeX in card: ${cards[0].katex}`);
    assert.equal(cards[0].errors, 0);
    assert.deepEqual(cards[0].badges, ['rescaling', 'proved', 'dim 1']);
    assert.equal(cards[0].proof, 'Proved by the homogeneity calculus on the tensor graph.');
    assert.equal(cards[0].charge, 'C₁ = u² − w²');
    assert.deepEqual(cards[0].chips, ['u', 'w']);
    assert.deepEqual(cards[0].generators, ['sym-0']);
    assert.equal(cards[0].open, false, 'the generators are collapsed');
    assert.equal(cards[0].summary, 'Generator — C₁');
    assert.match(await page.$eval('#group-0 > .nl-ends-charge', (e) => e.textContent), /^Where SGD ends: C₁ = 0 \(run 0, sgd η=0\.05 B=4\)$/);
    measured.katexPerCard = cards[0].katex;

    // --- "Where SGD ends" comes first: the end point, the charge there, the relaxation ---
    const pred = analyses['two-layer-scalar'].predictions[0];
    const order = await page.evaluate(() =>
      [...document.querySelectorAll('#nl-predictions, .nl-card[data-kind], .nl-secondary-section')].map((e) => e.id || e.className),
    );
    assert.equal(order[0], 'nl-predictions', `the predictions come first: ${order}`);
    assert.match(order[order.length - 1], /nl-secondary-section/, 'the start-orbit table comes last');
    assert.equal(await page.$eval('#prediction-0 .nl-ends', (e) => e.textContent), 'SGD ends at u = 1.414, w = 1.414');
    assert.match(await page.$eval('#prediction-0 .nl-relaxation', (e) => e.textContent), /^≈6400 steps/);
    const endPoint = await tableRows(page, '#nl-end-point-0', 'component');
    for (const c of ['u', 'w']) {
      assert.equal(Number(endPoint[c][0]), analyses['two-layer-scalar'].initial[c], `${c} start`);
      assert.ok(Math.abs(Number(endPoint[c][1]) - pred.minimum.point[c]) < 1e-5, `${c} minimum: ${endPoint[c][1]}`);
      assert.ok(Math.abs(Number(endPoint[c][2]) - pred.endPoint[c]) < 1e-5, `${c} end: ${endPoint[c][2]}`);
    }
    const predCharges = await tableRows(page, '#nl-pred-charges-0', 'symmetry');
    assert.deepEqual(predCharges['0'].slice(0, 2), ['2.21', '0'], 'C₁ from 2.21 at the start to 0 at the end');
    assert.match(await page.$eval('#sym-0 .nl-ends-charge', (e) => e.textContent), /Where SGD ends: C₁ = 0 \(run 0/);
    assert.match(await page.$eval('#sym-0 .nl-secondary', (e) => e.textContent), /^Secondary, start's orbit: C₁: 2\.21 → 0$/);
    measured.endPoint = endPoint;

    // --- the start-orbit solve: secondary, labelled, collapsed ---
    const table = await tableRows(page, '#nl-equilibria', 'component');
    const eq = analyses['two-layer-scalar'].symmetries[0].equilibrium.point;
    for (const c of ['u', 'w']) {
      assert.equal(Number(table[c][0]), analyses['two-layer-scalar'].initial[c]);
      assert.ok(Math.abs(Number(table[c][1]) - eq[c]) < 1e-5, `${c}: ${table[c][1]} vs ${eq[c]}`);
    }
    assert.match(await page.$eval('.nl-secondary-section h2', (e) => e.textContent), /^Secondary: /);
    assert.equal(await page.$eval('.nl-secondary-details', (e) => e.open), false, 'collapsed by default');
    measured.equilibriumTable = table;
    await page.screenshot({ path: join(out, `panel-${theme}-symmetries.png`), fullPage: true });

    // --- buttons post commands; chips post showInEditor ---
    await page.click('vscode-button[data-command="run"]');
    await page.click('.nl-card[data-kind] .nl-chip');
    let msgs = await posted();
    assert.ok(msgs.some((m) => m.type === 'command' && m.command === 'run' && typeof m.id === 'number'));
    assert.ok(msgs.some((m) => m.type === 'showInEditor' && m.component === 'u'));

    // --- streaming progress updates the plots ---
    await selectTab(page, 1);
    const run0 = simulation.runs[0];
    await post({ type: 'simulationProgress', progress: { run: 0, fraction: 0.1, partial: truncateRun(run0, 200) } });
    await page.waitForSelector('[data-plot-id="loss"] canvas');
    await plotsDrawn(page, ['loss', 'charge-0']);
    const p1 = await page.evaluate(() => window.__noetherLab.plots().map((p) => [p.id, p.points]));
    const s1 = await canvasStats(page, 'charge-0');
    assert.ok(!(await page.$eval('.nl-progress', (e) => e.hidden)), 'progress bar visible while streaming');
    await post({ type: 'simulationProgress', progress: { run: 0, fraction: 0.5, partial: truncateRun(run0, 1000) } });
    await page.waitForFunction(() => window.__noetherLab.plots().find((p) => p.id === 'loss')?.points === 1000);
    await rendered(page);
    const p2 = await page.evaluate(() => window.__noetherLab.plots().map((p) => [p.id, p.points]));
    const s2 = await canvasStats(page, 'charge-0');
    assert.deepEqual(
      p1.find(([id]) => id === 'loss'),
      ['loss', 200],
    );
    assert.deepEqual(
      p2.find(([id]) => id === 'loss'),
      ['loss', 1000],
    );
    assert.notEqual(s1.sum, s2.sum, 'the charge plot redraws as data streams in');
    const progressText = await page.$eval('.nl-progress-text', (e) => e.textContent);
    assert.match(progressText, /50%/);
    measured.streaming = { pointsAfter1: 200, pointsAfter2: 1000, progressText };

    // --- the full result: every plot exists and is drawn ---
    await post({ type: 'simulationResult', result: simulation });
    await page.waitForFunction(
      () => document.querySelectorAll('#nl-runs tbody tr').length === 2 && !!document.querySelector('[data-plot-id="curvature"] canvas'),
    );
    await plotsDrawn(page, ['loss', 'charge-0', 'drift-0', 'curvature']);
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
    assert.ok(legend.some((l) => /sgd .* measured/.test(l)) && legend.some((l) => /gd .* measured/.test(l)), `legend: ${legend}`);
    assert.ok(
      legend.some((l) => /sgd .* law \(C\)/.test(l)),
      `law (C)'s curve in the legend: ${legend}`,
    );
    assert.ok(
      legend.some((l) => /sgd .* SGD end \(predicted\)/.test(l)),
      `the predicted end charge in the legend: ${legend}`,
    );
    await page.screenshot({ path: join(out, `panel-${theme}-dynamics.png`), fullPage: true });

    // --- zoom: drag on the loss plot, kept in state; double-click resets ---
    const over = await page.$('[data-plot-id="loss"] .u-over');
    const box = await over.boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => !!JSON.parse(sessionStorage.getItem('nl-state')).zoom?.loss);
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
    await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('nl-state')).zoom?.loss === undefined);
    assert.equal(await page.evaluate(() => JSON.parse(sessionStorage.getItem('nl-state')).zoom?.loss), undefined);

    // --- stationary histograms with the theory overlay ---
    await selectTab(page, 2);
    await plotsDrawn(page, ['hist-0-u', 'hist-0-w']);
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
    await plotsDrawn(page, ['escape']);
    const esc = await canvasStats(page, 'escape');
    assert.ok(esc.drawn > 1000, `escape plot drawn (${esc.drawn})`);

    // --- focusSymmetry: opens the group's generators and shows the generator ---
    await post({ type: 'focusSymmetry', index: 0 });
    await page.waitForFunction(() => document.getElementById('sym-0').classList.contains('nl-focus'));
    assert.equal(await page.evaluate(() => document.querySelector('vscode-tabs').selectedIndex), 0);
    assert.equal(await page.$eval('#group-0 details.nl-generators', (e) => e.open), true);
    assert.ok(await page.$('#sym-0 .nl-gen-charge .katex'), 'the generator is typeset once shown');
    // --- focusGroup (a hover's group link) ---
    await selectTab(page, 1);
    await post({ type: 'focusGroup', group: 0 });
    await page.waitForFunction(() => document.getElementById('group-0').classList.contains('nl-focus'));
    assert.equal(await page.evaluate(() => document.querySelector('vscode-tabs').selectedIndex), 0);
    // --- focusPrediction (the CodeLens and the Where SGD ends command) ---
    await selectTab(page, 1);
    await post({ type: 'focusPrediction', run: 0 });
    await page.waitForFunction(() => document.getElementById('prediction-0').classList.contains('nl-focus'));
    assert.equal(await page.evaluate(() => document.querySelector('vscode-tabs').selectedIndex), 0);

    // --- invalid messages are ignored (and logged as warnings, not errors) ---
    const before = await page.$eval('#app', (e) => e.textContent);
    const warned = t.warnings.length;
    const invalid = [
      null,
      'analysis',
      42,
      { type: 'analysis' },
      { id: 1, type: 'bogus' },
      { id: 2, type: 'analysis', uri: 'x', fileName: 'x', analysis: { file: 'x', components: 'u' } },
      { id: 3, type: 'simulationProgress', progress: { run: 0, fraction: 7 } },
      { id: 4, type: 'simulationResult', result: { file: 'x', components: [], runs: [{ run: 0 }] } },
      { id: 5, type: 'focusSymmetry', index: -1 },
      { type: 'focusSymmetry', index: 0 },
      { id: 6, type: 'focusPrediction', run: -1 },
      { id: 10, type: 'focusGroup', group: -1 },
      { id: 11, type: 'focusGroup', group: 'x' },
      // A run without its status, or with a verdict the protocol does not know.
      { id: 7, type: 'simulationResult', result: { ...simulation, runs: [{ ...simulation.runs[0], status: undefined }] } },
      {
        id: 8,
        type: 'simulationResult',
        result: { ...simulation, runs: [{ ...simulation.runs[0], charges: [{ ...simulation.runs[0].charges[0], verdict: 'maybe' }] }] },
      },
      {
        id: 9,
        type: 'analysis',
        uri: 'x',
        fileName: 'x',
        analysis: { ...analyses['two-layer-scalar'], predictions: [{ ...analyses['two-layer-scalar'].predictions[0], status: 'unknown' }] },
      },
    ];
    const warnedAll = t.warnings.length + invalid.length;
    for (const m of invalid) await page.evaluate((x) => window.postMessage(x, '*'), m);
    await waitUntil(() => t.warnings.length >= warnedAll, 'a warning per invalid message');
    await rendered(page);
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
    evil.groups[0].name = '<img src=x id=pwn4>';
    evil.groups[0].tensors = ['<img src=x id=pwn5>', 'w'];
    evil.groups[0].charge.tex = '\\href{javascript:alert(2)}{x}';
    evil.predictions[0].endPoint = { '<img src=x id=pwn>': 1.4, w: 1.4 };
    evil.predictions[0].minimum.point = { '<img src=x id=pwn>': 1.8, w: 1.1 };
    evil.predictions[0].reason = '<img src=x id=pwn3>';
    await post({ type: 'analysis', uri: 'file:///evil.loss', fileName: '<script>alert(1)</script>.loss', analysis: evil });
    await page.waitForFunction(() => document.querySelector('.nl-file').textContent.startsWith('<script>'));
    // (a generator's charge is typeset when its list is opened)
    await page.evaluate(() => document.querySelectorAll('details.nl-generators').forEach((d) => (d.open = true)));
    await rendered(page);
    assert.match(await page.$eval('#prediction-0 .nl-ends', (e) => e.textContent), /<img src=x id=pwn> = 1\.4/);
    assert.equal(await page.$('#pwn'), null);
    assert.equal(await page.$('#pwn2'), null);
    assert.equal(await page.$('#pwn3'), null);
    assert.equal(await page.$('#pwn4'), null);
    assert.equal(await page.$('#pwn5'), null);
    assert.equal(await page.$eval('#group-0 .nl-card-name', (e) => e.textContent), '<img src=x id=pwn4>');
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

test('panel: test hooks on window only under the test harness flag', async () => {
  // The bundle has run to its end once it said `ready` (the hooks are set in the same task).
  for (const [query, want] of [
    ['&instrument=0', 'undefined'],
    ['', 'object'],
  ]) {
    const t = await open('panel', 'dark', undefined, query);
    assert.equal(await t.page.evaluate(() => typeof window.__noetherLab), want, `query '${query}'`);
    assertClean(await t.finish(), `panel ${query}`);
  }
});

test('panel: the other examples (matrix, anisotropic, scaling, translation, none)', async () => {
  const t = await open('panel', 'dark');
  const { page, post } = t;
  const expect = {
    'two-layer-matrix': { cards: 1, generators: 6, statuses: ['equilibrium'], rows: 18 },
    'anisotropic-two-layer': { cards: 1, generators: 3, statuses: ['equilibrium'], rows: 6 },
    'scale-invariant': { cards: 1, generators: 1, statuses: ['grows', 'equilibrium'], rows: 0 },
    'softmax-translation': { cards: 2, generators: 3, statuses: ['equilibrium'], rows: 0 },
    'tanh-network': { cards: 0, generators: 0, statuses: ['none'], rows: 0 },
  };
  for (const [name, want] of Object.entries(expect)) {
    await post(analysisMsg(name));
    await page.waitForFunction((n) => document.querySelector('.nl-file').textContent === `${n}.loss`, name);
    await page.evaluate(() => document.querySelectorAll('details.nl-generators').forEach((d) => (d.open = true)));
    await rendered(page);
    const info = await page.evaluate(() => ({
      cards: document.querySelectorAll('.nl-card[data-kind]').length,
      names: [...document.querySelectorAll('.nl-group .nl-card-name')].map((e) => e.textContent),
      charges: [...document.querySelectorAll('.nl-group > .nl-charge')].map((e) => e.title),
      generators: document.querySelectorAll('.nl-gen[data-kind]').length,
      katex: document.querySelectorAll('.nl-card .katex').length,
      errors: document.querySelectorAll('.katex-error, .nl-tex-fallback').length,
      rows: document.querySelectorAll('#nl-equilibria tbody tr[data-component]').length,
      none: !!document.getElementById('nl-no-symmetry'),
      kinds: [...document.querySelectorAll('.nl-gen[data-kind]')].map((c) => c.dataset.kind),
      statuses: [...document.querySelectorAll('.nl-prediction')].map((c) => c.dataset.status),
      ends: [...document.querySelectorAll('.nl-prediction .nl-ends')].map((e) => e.textContent),
      reasons: [...document.querySelectorAll('.nl-prediction .nl-reason')].map((e) => e.textContent),
    }));
    assert.equal(info.cards, want.cards, name);
    assert.equal(info.generators, want.generators, `${name}: generators`);
    assert.deepEqual(
      info.names,
      analyses[name].groups.map((g) => g.name),
      `${name}: one card per group, by name`,
    );
    assert.equal(info.errors, 0, `${name}: KaTeX errors`);
    assert.equal(info.none, want.cards === 0);
    assert.equal(info.rows, want.rows, `${name}: start-orbit rows`);
    assert.deepEqual(info.statuses, want.statuses, `${name}: prediction statuses`);
    const preds = analyses[name].predictions;
    info.statuses.forEach((st, k) => {
      if (st !== 'equilibrium') assert.equal(info.reasons[k], preds[k].reason, `${name}: the reason is shown`);
    });
    if (name === 'two-layer-matrix') {
      assert.deepEqual(info.charges, ['Q = U Uᵀ − Wᵀ W'], 'the charge in matrix form');
      assert.deepEqual(info.kinds, ['rescaling', 'rescaling', 'rescaling', 'linear', 'linear', 'linear']);
      assert.equal(await page.$eval('#group-0 .nl-card-name', (e) => e.textContent), 'GL(3) on the hidden index of U, W');
      assert.deepEqual(await page.$$eval('#group-0 > header vscode-badge', (e) => e.map((x) => x.textContent.trim())), ['linear', 'proved', 'dim 6']);
      assert.equal(
        await page.$eval('#group-0 > .nl-ends-charge', (e) => e.textContent),
        'Where SGD ends: C₁ = 0, C₂ = 0, C₃ = 0, C₄ = 0, … (+2 more) (run 0, sgd η=0.01 B=1)',
      );
      // 18 moved components: the headline shows 8 and says how many more.
      assert.match(info.ends[0], /^SGD ends at U\[0,0\] = 1\.024, .* … \(\+10 more\)$/);
      assert.equal(await page.$$eval('#nl-pred-charges-0 tbody tr', (r) => r.length), 6);
    }
    if (name === 'anisotropic-two-layer') {
      // Orientation-dependent charges: flagged, with their invariants and O(η) terms.
      const inv = await tableRows(page, '#nl-invariants-0');
      const want2 = preds[0].invariants;
      assert.equal(Object.keys(inv).length, want2.length);
      assert.equal(inv['C1 + C2'][0], String(Number(want2[0].predicted.toPrecision(4))), `C1 + C2: ${inv['C1 + C2']}`);
      assert.equal(inv['C1 + C2'][1].replace('−', '-'), String(Number(want2[0].etaTerm.toPrecision(4))));
      assert.deepEqual(await page.$$eval('#nl-pred-charges-0 tbody tr td:last-child', (e) => e.map((x) => x.textContent)), [
        'gauge-dependent',
        'gauge-dependent',
        'gauge-dependent',
      ]);
      await page.screenshot({ path: join(out, 'panel-dark-anisotropic-symmetries.png'), fullPage: true });
      // Where the group's rotations turn the charges, the engine ends SGD elsewhere than at the
      // law-of-balance point and sends that point as `balance`: said why, and shown as secondary.
      const turned = structuredClone(analyses[name]);
      const p0 = turned.predictions[0];
      p0.reason = 'the law-of-balance point (every charge drift zero) is not stationary here';
      p0.balance = { point: { ...p0.endPoint }, charges: [0.25, 0.5, null] };
      p0.rotation = [0.001];
      await post({ type: 'analysis', uri: 'file:///w/turned.loss', fileName: 'turned.loss', analysis: turned });
      await page.waitForFunction(() => document.querySelector('.nl-file').textContent === 'turned.loss');
      assert.equal(await page.$eval('#prediction-0 .nl-reason', (e) => e.textContent), p0.reason);
      assert.equal(
        await page.$eval('#prediction-0 .nl-balance', (e) => e.textContent),
        'secondary — every charge drift vanishes there, but it is not stationary: C₁ = 0.25, C₂ = 0.5',
      );
    }
    if (name === 'softmax-translation') {
      assert.deepEqual(info.charges, ['C = 1ᵀW', 'C = 1ᵀb']);
      // With several groups, the predicted charges are listed under their group's name.
      assert.deepEqual(
        await page.$$eval('#nl-pred-charges-0 tr.nl-group-row', (e) => e.map((x) => x.textContent)),
        analyses[name].groups.map((g) => g.name),
      );
      await page.screenshot({ path: join(out, 'panel-dark-softmax-groups.png'), fullPage: true });
    }
    if (name === 'scale-invariant') assert.equal(info.ends[0], 'SGD ends: no equilibrium — C₁ grows without bound');
    if (name === 'tanh-network') assert.deepEqual(info.ends, ['SGD ends: no prediction']);
    measured[`example-${name}`] = info;
  }
  assertClean(await t.finish(), 'examples');
});

for (const theme of ['light', 'dark']) {
  test(`panel (${theme}): models beyond 400 components — groups summarised, no prediction, charges by label`, async () => {
    for (const width of [1200, 480]) {
      const t = await open('panel', theme, { width, height: 900 });
      const { page, post } = t;
      // GL(20): 210 generators, three listed, the rest summarised.
      await post(analysisMsg('linear-net-gl20'));
      await page.waitForSelector('#group-0');
      const gl = analyses['linear-net-gl20'];
      assert.equal(await page.$eval('.nl-subtitle', (e) => e.textContent), '440 parameter components · 210 symmetries');
      assert.equal(await page.$eval('#group-0 .nl-card-name', (e) => e.textContent), 'GL(20) on the hidden index of U, W');
      assert.deepEqual(await page.$$eval('#group-0 > header vscode-badge', (e) => e.map((x) => x.textContent.trim())), ['linear', 'proved', 'dim 210']);
      assert.equal(await page.$eval('#group-0 > .nl-charge', (e) => e.title), 'Q = U Uᵀ − Wᵀ W');
      assert.equal(
        await page.$eval('#group-0 details.nl-generators > summary', (e) => e.textContent),
        'Generators: 3 listed of 210 — Q[0,0], Q[1,1], Q[0,1] tracked in runs, 207 more not listed',
      );
      assert.deepEqual(await page.$$eval('#group-0 .nl-gen-name', (e) => e.map((x) => x.textContent)), ['Q[0,0]', 'Q[1,1]', 'Q[0,1]']);
      assert.match(await page.$eval('#group-0 .nl-unlisted', (e) => e.textContent), /^207 more not listed: the other entries of Q = U Uᵀ − Wᵀ W/);
      // No prediction: the reason, and nothing made up (no end-point table, no "How", no start orbit).
      assert.equal(await page.$eval('#prediction-0', (e) => e.dataset.status), 'none');
      assert.equal(await page.$eval('#prediction-0 .nl-reason', (e) => e.textContent), gl.predictions[0].reason);
      assert.equal(await page.$('#nl-end-point-0'), null);
      assert.equal(await page.$('#nl-equilibria'), null);
      assert.equal(await page.$('#group-0 .nl-secondary'), null);
      await page.evaluate(() => document.querySelectorAll('details.nl-generators').forEach((d) => (d.open = true)));
      await rendered(page);
      assert.equal(await page.$$eval('#group-0 .nl-gen .katex', (e) => e.length), 3, 'each listed generator typeset');
      assert.equal(await page.$$eval('.katex-error, .nl-tex-fallback', (e) => e.length), 0);
      await page.screenshot({ path: join(out, `large-${theme}-${width}-gl20.png`), fullPage: true });

      // A ReLU net: a rescaling of each of its 12 hidden neurons, every generator labelled.
      await post(analysisMsg('relu-mlp-411'));
      await post(resultMsg('relu-mlp-411'));
      await page.waitForFunction(() => document.querySelector('.nl-file').textContent === 'relu-mlp-411.loss');
      const mlp = analyses['relu-mlp-411'];
      assert.equal(await page.$eval('#group-0 .nl-card-name', (e) => e.textContent), mlp.groups[0].name);
      assert.equal(await page.$eval('#group-0 > .nl-charge', (e) => e.title), 'Q_j = ‖W1[j,:]‖² + b1[j]² − ‖W2[:,j]‖² for each j');
      assert.equal(await page.$$eval('#group-0 .nl-gen', (e) => e.length), 12);
      // The laws are shown (typeset, or as text where the engine's TeX does not parse), never hidden.
      assert.equal(await page.$$eval('#group-0 > .nl-laws dd', (e) => e.filter((x) => x.textContent.trim().length > 5).length), 3);
      await page.screenshot({ path: join(out, `large-${theme}-${width}-relu-mlp-symmetries.png`), fullPage: true });
      // Dynamics: the charges under their group's heading, titled by label, in a grid.
      await selectTab(page, 1);
      await plotsDrawn(page, ['loss', 'charge-0', 'charge-11', 'drift-11']);
      const heading = await page.$eval('.nl-group-heading', (e) => ({ name: e.querySelector('h3').textContent, text: e.textContent }));
      assert.equal(heading.name, mlp.groups[0].name);
      assert.match(heading.text, /12 charges tracked$/);
      assert.equal(await page.$eval('[data-plot-id="charge-3"] .nl-plot-title', (e) => e.textContent), 'Charge Q[3]');
      assert.equal(await page.$eval('[data-plot-id="drift-3"] .nl-plot-title', (e) => e.textContent), 'Drift dQ[3]/dt: measured vs law (C)');
      assert.equal(await page.$$eval('.nl-dyn > .nl-plot-cell', (e) => e.length), 24, 'twelve charges and twelve drifts in the grid');
      if (width === 1200) {
        const cols = await page.$$eval('.nl-dyn > .nl-plot-cell', (e) => new Set(e.slice(0, 6).map((x) => Math.round(x.getBoundingClientRect().left))).size);
        assert.equal(cols, 3, 'three columns at 1200 px');
      }
      assert.match(
        await page.$eval('.nl-verdict-block[data-run="0"]', (e) => e.textContent),
        /No prediction to compare: no predicted value: the end-point solve/,
      );
      await page.screenshot({ path: join(out, `large-${theme}-${width}-relu-mlp-dynamics.png`), fullPage: true });
      // Nothing overflows the page sideways.
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal overflow');
      const result = await t.finish();
      // The engine's TeX of this group's per-step laws may not parse (a double subscript): shown as text, logged as a warning.
      assertClean(result, `large ${theme} ${width}`);
    }
  });
}

for (const theme of ['light', 'dark']) {
  test(`panel (${theme}): predictions beside measurements, theory overlay, a diverged run`, async () => {
    const t = await open('panel', theme, { width: 1200, height: 900 });
    const { page, post } = t;

    // --- the scalar net: the verdict table, law (C)'s note, the predicted end charge ---
    await post(analysisMsg('two-layer-scalar'));
    await post(resultMsg('two-layer-scalar'));
    await page.waitForSelector('#prediction-0');
    await page.screenshot({ path: join(out, `predictions-${theme}-two-layer-scalar-symmetries.png`), fullPage: true });
    await selectTab(page, 1);
    await plotsDrawn(page, ['loss', 'charge-0']);
    const sgd = simulations['two-layer-scalar'].runs[0];
    const c = sgd.charges[0];
    const row = await tableRows(page, '#nl-verdicts-0');
    const cells = row['C₁ (rescaling)'];
    assert.ok(cells, `a row for C₁: ${JSON.stringify(row)}`);
    assert.equal(cells[0], '0', 'predicted end charge');
    const four = (x) => String(Number(x.toPrecision(4)));
    assert.equal(cells[2], `${four(c.measured)} ± ${four(c.measuredStdErr)}`, 'measured ± SE (four digits)');
    assert.equal(Number(cells[3]), Number(c.z.toFixed(2)), 'z');
    assert.equal(cells[4], c.verdict);
    assert.equal(cells[5], `≈${c.stepsNeeded}`, 'steps still needed');
    assert.equal(await page.$eval('#nl-verdicts-0 tr[data-verdict] + tr.nl-note-row', (e) => e.textContent), c.verdictNote, 'how the verdict was reached');
    // GD has no prediction: one line instead of a table.
    assert.match(await page.$eval('.nl-verdict-block[data-run="1"]', (e) => e.textContent), /No prediction to compare/);
    assert.match(await page.$eval('#nl-lawc', (e) => e.textContent), /^Law \(C\) curves: law \(C\) summed step by step along every chain/);
    // The predicted end charge is a horizontal line at 0 in the charge plot (uPlot's own data).
    const endLine = await page.evaluate(() => {
      const u = window.__noetherLab.plot('charge-0').uplot;
      const k = u.series.findIndex((x) => /sgd .* SGD end \(predicted\)/.test(x.label));
      return k > 0 ? [...new Set(u.data[k].filter((v) => v !== undefined && v !== null))] : null;
    });
    assert.deepEqual(endLine, [0]);
    await page.screenshot({ path: join(out, `predictions-${theme}-two-layer-scalar-dynamics.png`), fullPage: true });
    // Stationary: burn-in reported, not stationary yet; the theory is the law of the product u·w
    // (a depth-1 chain, with its collapse temperature), each component a labelled Gaussian fit.
    await selectTab(page, 2);
    await plotsDrawn(page, ['hist-0-u', 'product-0']);
    assert.match(await page.$eval('#nl-burnin', (e) => e.textContent), new RegExp(`start at step ${sgd.stationary.burnin} \\(MSER-5`));
    assert.equal(sgd.stationary.reached, false);
    assert.ok(await page.$eval('#nl-not-stationary', (e) => e.offsetHeight > 0 && /Not stationary yet/.test(e.textContent)), 'a visible warning');
    // (a histogram's legend has no live values, so no row for x)
    assert.deepEqual(await page.$$eval('[data-plot-id="hist-0-u"] .u-legend .u-series th', (e) => e.map((x) => x.textContent.trim())), [
      'sgd η=0.05 B=4 histogram',
      'Gaussian fit (the theory is for the product)',
    ]);
    assert.match(
      await page.$eval('#nl-overlay-note', (e) => e.textContent),
      /^Overlay on each component: Gaussian fit \(the theory here is the law of the product u·w, above\)/,
    );
    const uw = sgd.stationary.theory;
    const s4 = (x) => String(Number(x.toPrecision(4)));
    assert.equal(
      await page.$eval('#nl-product-facts', (e) => e.textContent),
      `mode ${s4(uw.mode)}; T = ηκ = ${s4(uw.temperature)}; T_c = ${s4(uw.tc)} (in units of ηκ)`,
    );
    assert.ok(
      await page.evaluate(
        () => document.getElementById('nl-not-stationary').compareDocumentPosition(document.getElementById('nl-product')) & Node.DOCUMENT_POSITION_FOLLOWING,
      ),
      'the warning before the law',
    );
    await page.screenshot({ path: join(out, `predictions-${theme}-two-layer-scalar-stationary.png`), fullPage: true });

    // --- the GL(3) net: six charges, each with its O(η) term, beside the measurement ---
    await post(analysisMsg('two-layer-matrix'));
    await post(resultMsg('two-layer-matrix'));
    await page.waitForFunction(() => document.querySelector('.nl-file').textContent === 'two-layer-matrix.loss');
    await selectTab(page, 0);
    await page.screenshot({ path: join(out, `predictions-${theme}-two-layer-matrix-symmetries.png`), fullPage: true });
    await selectTab(page, 1);
    await plotsDrawn(page, ['loss', 'charge-0', 'charge-5']);
    const mrun = simulations['two-layer-matrix'].runs[0];
    const mrows = await tableRows(page, '#nl-verdicts-0');
    assert.equal(Object.keys(mrows).length, 6);
    mrun.charges.forEach((q) => {
      const r = mrows[`C${'₀₁₂₃₄₅₆₇₈₉'[q.symmetry + 1]} (${q.kind})`];
      assert.equal(r[4], q.verdict);
      assert.ok(Math.abs(Number(r[1].replace('−', '-').replace('e−', 'e-')) - q.etaTerm) < 5e-4 * Math.abs(q.etaTerm), `O(η) term ${r[1]} vs ${q.etaTerm}`);
    });
    await page.screenshot({ path: join(out, `predictions-${theme}-two-layer-matrix-dynamics.png`), fullPage: true });
    await selectTab(page, 2);
    await plotsDrawn(page, ['hist-0-U[0,0]']);
    await page.screenshot({ path: join(out, `predictions-${theme}-two-layer-matrix-stationary.png`), fullPage: true });

    // --- linear regression: the overlay is THEORY §5's density, labelled with its source ---
    await post(analysisMsg('linear-regression'));
    await post(resultMsg('linear-regression'));
    await page.waitForFunction(() => document.querySelector('.nl-file').textContent === 'linear-regression.loss');
    await plotsDrawn(page, ['hist-0-w']);
    const lr = simulations['linear-regression'].runs[0].stationary;
    assert.equal(await page.$('#nl-not-stationary'), null, 'stationary: no warning');
    const statRow = (await tableRows(page, '#nl-stationary', 'component')).w;
    assert.ok(Math.abs(Number(statRow[5]) - lr.theory.var.w) < 1e-6, `theory variance ${statRow[5]} vs ${lr.theory.var.w}`);
    const labels = await page.$$eval('[data-plot-id="hist-0-w"] .u-legend .u-series th', (e) => e.map((x) => x.textContent.trim()));
    assert.ok(labels.includes('theory: discrete-time SGD linearised at the minimum'), `legend: ${labels}`);
    assert.ok((await page.$eval('#nl-overlay-note', (e) => e.textContent)).includes(lr.theory.source));
    // The overlay is N(theory mean, theory variance): its peak bin is the one holding the theory mean.
    const peak = await page.evaluate(() => {
      const u = window.__noetherLab.plot('hist-0-w').uplot;
      const ys = u.data[2];
      return u.data[0][ys.indexOf(Math.max(...ys.filter((v) => v !== null)))];
    });
    const hist = lr.histograms.w;
    const width = hist.edges[1] - hist.edges[0];
    assert.ok(Math.abs(peak - lr.theory.mean.w) <= width, `overlay peak at ${peak}, theory mean ${lr.theory.mean.w}`);
    await page.screenshot({ path: join(out, `predictions-${theme}-linear-regression-stationary.png`), fullPage: true });

    // --- a diverged run: status, one summary, survivor-only curves, gaps where nothing survived ---
    await post(analysisMsg('linear-regression-diverging'));
    await post(resultMsg('linear-regression-diverging'));
    await page.waitForFunction(() => document.querySelector('.nl-file').textContent === 'linear-regression-diverging.loss');
    const div = simulations['linear-regression-diverging'].runs[0];
    assert.equal(div.status, 'diverged');
    assert.match(await page.$eval('#prediction-0 .nl-stability', (e) => e.textContent), /lr = 2\.5 is at or above the bound 2/);
    await selectTab(page, 0);
    await page.screenshot({ path: join(out, `diverged-${theme}-symmetries.png`), fullPage: true });
    await selectTab(page, 1);
    await plotsDrawn(page, ['loss', 'curvature']);
    const runRow = await page.$eval('#nl-runs tbody tr[data-run="0"]', (r) => ({
      status: r.dataset.status,
      cells: [...r.querySelectorAll('td')].map((td) => td.textContent),
    }));
    assert.equal(runRow.status, 'diverged');
    assert.equal(runRow.cells[5], `${div.divergence.chains} of ${div.divergence.of}`);
    assert.equal(runRow.cells[6], 'diverged');
    assert.equal(
      await page.$eval('.nl-divergence[data-run="0"]', (e) => e.firstChild.textContent + e.childNodes[1].textContent),
      `sgd η=2.5 B=1 diverged: ${div.divergence.message}`,
    );
    const alive = div.series.survivors[div.series.survivors.length - 1];
    const lossTitle = await page.$eval('[data-plot-id="loss"] .nl-plot-title', (e) => e.textContent);
    assert.ok(lossTitle.includes(`survivors only (${alive} of ${div.chains})`), lossTitle);
    const lossLegend = await page.$$eval('[data-plot-id="loss"] .u-legend .u-series th', (e) => e.map((x) => x.textContent.trim()));
    assert.ok(
      lossLegend.some((l) => l.includes(`(survivors only: ${alive} of ${div.chains})`)),
      `legend: ${lossLegend}`,
    );
    await page.screenshot({ path: join(out, `diverged-${theme}-dynamics.png`), fullPage: true });
    await selectTab(page, 2);
    await page.waitForSelector('#nl-stationary');
    assert.match(await page.$eval('#nl-burnin', (e) => e.textContent), new RegExp(`over the ${alive} surviving of ${div.chains} chains`));
    await page.screenshot({ path: join(out, `diverged-${theme}-stationary.png`), fullPage: true });

    // When no chain survives, the engine's statistics are NaN (null after JSON): gaps, never zeros.
    const dead = structuredClone(div);
    const n = dead.series.steps.length;
    const from = Math.floor(n * 0.8);
    for (let k = from; k < n; k++) {
      dead.series.survivors[k] = 0;
      dead.series.lossMean[k] = null;
      dead.series.lossStd[k] = null;
    }
    await post({ type: 'simulationResult', result: { ...simulations['linear-regression-diverging'], runs: [dead] } });
    await selectTab(page, 1);
    await page.waitForFunction((k) => window.__noetherLab.plot('loss')?.uplot?.data[1][k] === null, from);
    const tail = await page.evaluate((k) => {
      const u = window.__noetherLab.plot('loss').uplot;
      return { values: [...new Set(u.data[1].slice(k))], drawnBefore: u.data[1][k - 1] };
    }, from);
    assert.deepEqual(tail.values, [null], 'nothing plotted where no chain survived');
    assert.ok(typeof tail.drawnBefore === 'number' && tail.drawnBefore > 0);
    assert.ok((await page.$eval('[data-plot-id="loss"] .nl-plot-title', (e) => e.textContent)).includes('survivors only (0 of 16)'));
    assertClean(await t.finish(), `predictions ${theme}`);
  });
}

/**
 * Every element matching `selector` (typeset TeX) is shown whole: inside its card, and either as wide
 * as its box or in a box that scrolls sideways (never cut off by an ancestor's overflow).
 */
async function assertNotClipped(page, selector, label) {
  const boxes = await page.$$eval(selector, (els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      const card = e.closest('.nl-card, .nl-product') ?? document.body;
      const c = card.getBoundingClientRect();
      const overflow = getComputedStyle(e).overflowX;
      return {
        text: e.title || e.textContent.slice(0, 60),
        visible: r.width > 0 && r.height > 0,
        inside: r.left >= c.left - 1 && r.right <= c.right + 1,
        fits: e.scrollWidth <= e.clientWidth + 1,
        scrolls: overflow === 'auto' || overflow === 'scroll',
        marked: e.classList.contains('nl-overflowing'),
        width: Math.round(r.width),
        height: Math.round(r.height),
        scrollWidth: e.scrollWidth,
      };
    }),
  );
  assert.ok(boxes.length > 0, `${label}: nothing matches ${selector}`);
  for (const b of boxes) {
    assert.ok(b.visible, `${label}: ${b.text} is not shown`);
    assert.ok(b.inside, `${label}: ${b.text} overflows its card`);
    assert.ok(b.fits || b.scrolls, `${label}: ${b.text} is clipped`);
    assert.equal(b.marked, !b.fits, `${label}: ${b.text} ${b.fits ? 'fits but is marked as scrolling' : 'scrolls without showing it'}`);
  }
  return boxes;
}

for (const theme of ['light', 'dark']) {
  test(`panel (${theme}): law (C) in closed form, the count of conservation laws, a deep chain's law of the product`, async () => {
    for (const width of [1200, 480]) {
      const t = await open('panel', theme, { width, height: 900 });
      const { page, post } = t;
      const wait = (name) => page.waitForFunction((n) => document.querySelector('.nl-file').textContent === `${n}.loss`, name);

      // --- the scalar net: the law in the papers' form (KaTeX), the equilibrium, then where SGD ends ---
      await post(analysisMsg('two-layer-scalar'));
      await page.waitForSelector('#group-0 .nl-closed-form');
      const law = analyses['two-layer-scalar'].symmetries[0].laws.sgdClosedForm;
      const closedForm = (gi) =>
        page.$eval(`#group-${gi}`, (card) => {
          const e = card.querySelector('.nl-closed-form');
          return {
            labels: [...e.querySelectorAll('.nl-eq-label')].map((x) => x.textContent),
            laws: [...e.querySelectorAll('[data-role="law"]')].map((x) => ({
              title: x.title,
              katex: x.querySelectorAll('.katex').length,
              fallback: x.classList.contains('nl-tex-fallback'),
            })),
            equilibria: [...e.querySelectorAll('[data-role="equilibrium"]')].map((x) => ({ title: x.title, katex: x.querySelectorAll('.katex').length })),
            more: e.querySelector('.nl-closed-form-more')?.textContent ?? null,
            order: [...card.children].map((x) => x.classList[0]),
          };
        });
      const scalar = await closedForm(0);
      assert.deepEqual(scalar.labels, ['Law (C) in closed form', 'At the noise equilibrium']);
      assert.deepEqual(scalar.laws, [{ title: law.text, katex: 1, fallback: false }]);
      assert.deepEqual(scalar.equilibria, [{ title: law.equilibrium.text, katex: 1 }]);
      // The card: the charge, the closed form, where SGD ends (the solved point), then the generic laws.
      const at = (cls) => scalar.order.indexOf(cls);
      assert.ok(at('nl-charge') < at('nl-closed-form') && at('nl-closed-form') < at('nl-eq') && at('nl-eq') < at('nl-laws'), scalar.order.join(' '));
      assert.equal(
        await page.$eval('#nl-conservation', (e) => e.textContent),
        'The charge of the symmetries is all the conservation laws of gradient flow (Lie-algebra rank 1 of 2).',
      );
      measured[`closedForm-${width}-scalar`] = await assertNotClipped(page, '.nl-closed-form-tex', `scalar ${width}`);
      await page.screenshot({ path: join(out, `closed-form-${theme}-${width}-two-layer-scalar.png`), fullPage: true });

      // --- the deep chain: two generators, two factorised laws and their equilibria ---
      await post(analysisMsg('deep-scalar-chain'));
      await wait('deep-scalar-chain');
      const chain = await closedForm(0);
      const chainLaws = analyses['deep-scalar-chain'].symmetries.map((s) => s.laws.sgdClosedForm);
      assert.deepEqual(
        chain.laws,
        chainLaws.map((l) => ({ title: l.text, katex: 1, fallback: false })),
      );
      assert.deepEqual(
        chain.equilibria.map((e) => e.title),
        chainLaws.map((l) => l.equilibrium.text),
      );
      measured[`closedForm-${width}-chain`] = await assertNotClipped(page, '.nl-closed-form-tex', `chain ${width}`);
      await page.screenshot({ path: join(out, `closed-form-${theme}-${width}-deep-chain.png`), fullPage: true });

      // --- GL(3): the group's law in matrix form leads (typeset); each generator's law, a sum over
      // components, beside the generator, typeset when opened ---
      await post(analysisMsg('two-layer-matrix'));
      await wait('two-layer-matrix');
      const matrix = await closedForm(0);
      const groupLaw = analyses['two-layer-matrix'].groups[0].sgdClosedForm;
      assert.deepEqual(matrix.laws, [{ title: groupLaw.text, katex: 1, fallback: false }]);
      assert.match(groupLaw.text, /= −η·\(1\/B\)·0\.12·Q/);
      assert.equal(matrix.more, 'In matrix form on the minimum manifold; each generator’s own law (C), anywhere: open the generators below.');
      assert.deepEqual(
        matrix.equilibria.map((e) => e.title),
        [groupLaw.equilibrium.text],
      );
      assert.equal(
        await page.$eval('#nl-conservation', (e) => e.textContent),
        'The 6 charges of the symmetries are all the conservation laws of gradient flow (Lie-algebra rank 12 of 18).',
      );
      await page.evaluate(() => document.querySelectorAll('details.nl-generators').forEach((d) => (d.open = true)));
      await rendered(page);
      assert.equal(await page.$$eval('#group-0 .nl-gen-law .katex', (e) => e.length), 6, 'each generator its law, typeset');
      assert.equal(await page.$$eval('.katex-error, .nl-tex-fallback', (e) => e.length), 0);
      measured[`closedForm-${width}-matrix`] = await assertNotClipped(page, '.nl-closed-form-tex', `matrix ${width}`);
      await page.screenshot({ path: join(out, `closed-form-${theme}-${width}-two-layer-matrix.png`), fullPage: true });

      // --- a model beyond the closed form's size: the reason, briefly; the conservation laws not counted ---
      await post(analysisMsg('relu-mlp-411'));
      await wait('relu-mlp-411');
      assert.match(
        await page.$eval('#group-0 .nl-closed-form-none', (e) => e.textContent),
        /^Law \(C\) in closed form: none: the closed form is computed for models up to \d+ components\.$/,
      );
      assert.equal(await page.$('#group-0 .nl-closed-form'), null);
      assert.match(await page.$eval('#nl-conservation', (e) => e.textContent), /^Conservation laws of gradient flow: not counted \(/);

      // --- the deep chain's run: the law of the product over the histogram of its samples ---
      await post(analysisMsg('deep-scalar-chain'));
      await post(resultMsg('deep-scalar-chain'));
      await wait('deep-scalar-chain');
      await selectTab(page, 2);
      await plotsDrawn(page, ['product-0']);
      const st = simulations['deep-scalar-chain'].runs[0].stationary;
      assert.equal(await page.$eval('#nl-product h2', (e) => e.textContent), 'Stationary law of the product a·b·c');
      assert.ok(
        (await page.$eval('#nl-product-source', (e) => e.textContent)).startsWith(`Continuous-time law (O(η) corrections not included): ${st.theory.source}`),
      );
      assert.match(await page.$eval('#nl-product-facts', (e) => e.textContent), /^mode [\d.]+; T = ηκ = 0\.01; no sharp collapse temperature at depth D = 2$/);
      const q = await tableRows(page, '#nl-product-quantiles', 'level');
      assert.deepEqual(Object.keys(q), ['q10', 'q25', 'q50', 'q75', 'q90']);
      Object.values(q).forEach((cells, k) => {
        assert.equal(Number(cells[0]), Number(st.theory.quantiles[k].toPrecision(4)), `theory q${k}`);
        const [m, se] = cells[1].split(' ± ').map((x) => Number(x.replace(/−/g, '-')));
        assert.equal(m, Number(st.product.quantiles[k].toPrecision(4)), `measured q${k}`);
        assert.ok(Math.abs(se - st.product.quantileStdErr[k]) <= 0.005 * st.product.quantileStdErr[k], `SE q${k}: ${cells[1]}`);
        assert.equal(
          Number(cells[2].replace('−', '-')),
          Number(((st.product.quantiles[k] - st.theory.quantiles[k]) / st.product.quantileStdErr[k]).toFixed(2)),
          `z q${k}`,
        );
      });
      const legend = await page.$$eval('[data-plot-id="product-0"] .u-legend .u-series th', (e) => e.map((x) => x.textContent.trim()));
      assert.deepEqual(legend, ['sgd η=0.02 B=2 histogram of a·b·c', 'continuous-time law (O(η) corrections not included)']);
      assert.equal(
        await page.$eval('[data-plot-id="product-0"] .nl-plot-title', (e) => e.textContent),
        'Stationary distribution of a·b·c (the central 99 % of its samples)',
      );
      // The bars are the run's histogram; the curve is the law's mass in each bin, times the samples.
      const plotted = await page.evaluate(() => {
        const u = window.__noetherLab.plot('product-0').uplot;
        return { x: [...u.data[0]], bars: [...u.data[1]], law: [...u.data[2]] };
      });
      assert.deepEqual(plotted.bars, st.product.histogram.counts);
      const lawTotal = plotted.law.reduce((a, b) => a + b, 0);
      const inside = st.product.histogram.counts.reduce((a, b) => a + b, 0);
      assert.ok(
        lawTotal > 0.5 * st.product.samples && lawTotal <= st.product.samples * 1.0001,
        `the law's mass in the bins: ${lawTotal} of ${st.product.samples}`,
      );
      const peak = plotted.x[plotted.law.indexOf(Math.max(...plotted.law))];
      const binWidth = st.product.histogram.edges[1] - st.product.histogram.edges[0];
      assert.ok(Math.abs(peak - st.theory.mode) <= 1.5 * binWidth, `the curve peaks at the law's mode: ${peak} vs ${st.theory.mode}`);
      // Measured and predicted bulk agree to within the O(η) the label warns of (a quarter of the samples).
      assert.ok(Math.abs(lawTotal - inside) < 0.25 * inside, `law ${lawTotal} vs measured ${inside} in the bins`);
      assert.ok((await canvasStats(page, 'product-0')).drawn > 1000, 'the plot drew');
      // The components' own overlays say the theory is the product's.
      assert.deepEqual(await page.$$eval('[data-plot-id="hist-0-a"] .u-legend .u-series th', (e) => e.map((x) => x.textContent.trim())), [
        'sgd η=0.02 B=2 histogram',
        'Gaussian fit (the theory is for the product)',
      ]);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal overflow');
      await page.screenshot({ path: join(out, `product-${theme}-${width}-deep-chain-stationary.png`), fullPage: true });
      assertClean(await t.finish(), `closed form ${theme} ${width}`);
    }
  });
}

for (const theme of ['dark', 'light', 'high-contrast']) {
  test(`side view (${theme}): empty state, summary, sparklines`, async () => {
    const t = await open('sidebar', theme, { width: 320, height: 760 });
    const { page, post, posted } = t;
    assert.equal((await posted()).find((m) => m.type === 'ready').view, 'sidebar');
    await post({ type: 'summary', uri: null, fileName: null });
    await page.waitForSelector('#nl-empty-state');
    if (theme === 'dark') await page.screenshot({ path: join(out, `sidebar-${theme}-empty.png`) });
    await post({
      type: 'summary',
      uri: 'file:///w/two-layer-scalar.loss',
      fileName: 'two-layer-scalar.loss',
      analysis: analyses['two-layer-scalar'],
      simulation,
    });
    await page.waitForSelector('.nl-sym .katex');
    await page.waitForSelector('.nl-spark canvas');
    await rendered(page);
    assert.equal(await page.$('#nl-empty-state'), null);
    assert.equal(await page.$eval('#nl-sgd-ends', (e) => e.textContent), 'SGD ends at u = 1.414, w = 1.414 · ≈6400 steps');
    assert.match(await page.$eval('.nl-verdicts[data-run="0"]', (e) => e.textContent), /C₁ relaxing/);
    const sparks = await page.$$eval('.nl-spark', (e) => e.map((x) => x.dataset.plotId));
    assert.deepEqual(sparks, ['spark-loss', 'spark-charge-0']);
    for (const id of sparks) {
      const s = await canvasStats(page, id);
      assert.ok(s.drawn > 300, `${id} drawn (${s.drawn})`);
      measured[`sidebar-${theme}-${id}`] = s.drawn;
    }
    // The groups by name, with the charge.
    assert.deepEqual(await page.$$eval('.nl-sym-name', (e) => e.map((x) => x.textContent)), ['rescaling of u, w']);
    assert.equal(await page.$eval('.nl-sym .nl-charge', (e) => e.title), 'C₁ = u² − w²');
    assert.equal(await page.$eval('.nl-sym .nl-eq .nl-muted', (e) => e.textContent), 'SGD ends with C₁ = 0');
    // The chips give where SGD ends (not the start-orbit point).
    const chip = await page.$eval('.nl-sym .nl-chip', (e) => e.textContent);
    assert.equal(chip, 'u = 1.414');
    await page.click('.nl-sym .nl-chip');
    assert.ok((await posted()).some((m) => m.type === 'showInEditor' && m.component === 'u'));
    await page.screenshot({ path: join(out, `sidebar-${theme}.png`), fullPage: true });
    // invalid message ignored (and logged)
    const warned = t.warnings.length;
    await page.evaluate(() => window.postMessage({ id: 9, type: 'summary', uri: 3 }, '*'));
    await waitUntil(() => t.warnings.length > warned, 'the warning for the invalid message');
    assert.ok(await page.$('.nl-sym .katex'));
    // A diverged run: said so, with k of N.
    await post({
      type: 'summary',
      uri: 'file:///w/d.loss',
      fileName: 'linear-regression-diverging.loss',
      analysis: analyses['linear-regression-diverging'],
      simulation: simulations['linear-regression-diverging'],
    });
    await page.waitForSelector('.nl-diverged');
    const diverged = simulations['linear-regression-diverging'].runs[0].divergence;
    assert.ok(diverged.chains > 0 && diverged.chains < 16, 'some chains, not all, diverge');
    assert.equal(await page.$eval('.nl-diverged', (e) => e.textContent), `sgd η=2.5 B=1 diverged: ${diverged.chains} of 16 chains (curves: survivors only)`);
    assert.equal(await page.$eval('#nl-sgd-ends', (e) => e.textContent), 'SGD ends: no prediction');
    if (theme !== 'high-contrast') await page.screenshot({ path: join(out, `sidebar-${theme}-diverged.png`), fullPage: true });
    // Two groups, and a big model: groups by name; at most eight charge sparklines, named by label.
    await post({ type: 'summary', uri: 'file:///w/s.loss', fileName: 'softmax-translation.loss', analysis: analyses['softmax-translation'] });
    await page.waitForFunction(() => document.querySelector('h1.nl-file').textContent === 'softmax-translation.loss');
    assert.deepEqual(
      await page.$$eval('.nl-sym-name', (e) => e.map((x) => x.textContent)),
      analyses['softmax-translation'].groups.map((g) => g.name),
    );
    assert.equal(await page.$eval('h2', (e) => e.textContent), 'Symmetries: 3 in 2 groups');
    await post({
      type: 'summary',
      uri: 'file:///w/m.loss',
      fileName: 'relu-mlp-411.loss',
      analysis: analyses['relu-mlp-411'],
      simulation: simulations['relu-mlp-411'],
    });
    await page.waitForSelector('[data-spark="charge-7"] canvas');
    await rendered(page);
    assert.deepEqual(await page.$$eval('.nl-spark-label span:first-child', (e) => e.map((x) => x.textContent)), [
      'loss',
      'Q[0]',
      'Q[1]',
      'Q[2]',
      'Q[3]',
      'Q[4]',
      'Q[5]',
      'Q[6]',
      'Q[7]',
    ]);
    assert.equal(await page.$eval('.nl-more-sparks', (e) => e.textContent), "4 more charges in the panel's Dynamics tab.");
    assert.equal(await page.$eval('.nl-sym .nl-badge.nl-dim', (e) => e.textContent.trim()), 'dim 12');
    if (theme !== 'high-contrast') await page.screenshot({ path: join(out, `sidebar-${theme}-groups-large.png`), fullPage: true });
    assertClean(await t.finish(), `sidebar ${theme}`);
  });
}
