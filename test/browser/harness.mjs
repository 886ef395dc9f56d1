// A static harness for the webview bundles: serves dist/webview and pages built by the extension's
// own webviewHtml() (same CSP meta tag, fresh nonce per page), plus a stub acquireVsCodeApi that
// records posted messages and keeps state in sessionStorage (like VS Code's getState/setState).
import { createServer } from 'http';
import { readFile } from 'fs/promises';
import { extname, join, normalize, resolve } from 'path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

export const root = resolve(new URL('../..', import.meta.url).pathname);

/** Load src/panel/html.ts (the extension's page builder) through esbuild. */
export async function loadHtmlModule() {
  const out = await esbuild.build({
    entryPoints: [join(root, 'src/panel/html.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

// Theme variables like those VS Code injects into webviews (a subset of Dark Modern, Light Modern and
// High Contrast).
export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      'editor-background': '#1f1f1f',
      'editor-foreground': '#cccccc',
      foreground: '#cccccc',
      descriptionForeground: '#9d9d9d',
      'sideBar-background': '#181818',
      'widget-border': '#313131',
      'panel-border': '#2b2b2b',
      'editorWidget-background': '#202020',
      focusBorder: '#0078d4',
      'textLink-foreground': '#4daafc',
      'charts-blue': '#3794ff',
      'charts-orange': '#d18616',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'charts-red': '#f14c4c',
      'charts-yellow': '#cca700',
      'button-background': '#0078d4',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#026ec1',
      'button-border': '#ffffff12',
      'button-secondaryBackground': '#313131',
      'button-secondaryForeground': '#cccccc',
      'button-secondaryHoverBackground': '#3c3c3c',
      'badge-background': '#616161',
      'badge-foreground': '#f8f8f8',
      'panelTitle-activeForeground': '#cccccc',
      'panelTitle-activeBorder': '#0078d4',
      'panelTitle-inactiveForeground': '#9d9d9d',
      'progressBar-background': '#0078d4',
      'testing-iconPassed': '#73c991',
      'editorWarning-foreground': '#cca700',
      errorForeground: '#f85149',
      'toolbar-hoverBackground': '#5a5d5e50',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      'editor-background': '#ffffff',
      'editor-foreground': '#3b3b3b',
      foreground: '#3b3b3b',
      descriptionForeground: '#3b3b3b',
      'sideBar-background': '#f8f8f8',
      'widget-border': '#e5e5e5',
      'panel-border': '#e5e5e5',
      'editorWidget-background': '#f8f8f8',
      focusBorder: '#005fb8',
      'textLink-foreground': '#005fb8',
      'charts-blue': '#1a85ff',
      'charts-orange': '#d18616',
      'charts-green': '#388a34',
      'charts-purple': '#652d90',
      'charts-red': '#e51400',
      'charts-yellow': '#bf8803',
      'button-background': '#005fb8',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#0258a8',
      'button-border': '#0000001a',
      'button-secondaryBackground': '#e5e5e5',
      'button-secondaryForeground': '#3b3b3b',
      'button-secondaryHoverBackground': '#cccccc',
      'badge-background': '#cccccc',
      'badge-foreground': '#3b3b3b',
      'panelTitle-activeForeground': '#3b3b3b',
      'panelTitle-activeBorder': '#005fb8',
      'panelTitle-inactiveForeground': '#3b3b3b',
      'progressBar-background': '#005fb8',
      'testing-iconPassed': '#388a34',
      'editorWarning-foreground': '#bf8803',
      errorForeground: '#f85149',
      'toolbar-hoverBackground': '#b8b8b850',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      'editor-background': '#000000',
      'editor-foreground': '#ffffff',
      foreground: '#ffffff',
      descriptionForeground: '#ffffff',
      'sideBar-background': '#000000',
      'widget-border': '#6fc3df',
      'panel-border': '#6fc3df',
      'editorWidget-background': '#0c141f',
      contrastBorder: '#6fc3df',
      contrastActiveBorder: '#f38518',
      focusBorder: '#f38518',
      'textLink-foreground': '#21a6ff',
      'charts-blue': '#3794ff',
      'charts-orange': '#d18616',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'charts-red': '#f14c4c',
      'charts-yellow': '#ffff00',
      'button-background': '#000000',
      'button-foreground': '#ffffff',
      'button-border': '#6fc3df',
      'button-secondaryBackground': '#000000',
      'button-secondaryForeground': '#ffffff',
      'badge-background': '#000000',
      'badge-foreground': '#ffffff',
      'panelTitle-activeForeground': '#ffffff',
      'panelTitle-activeBorder': '#6fc3df',
      'panelTitle-inactiveForeground': '#ffffff',
      'progressBar-background': '#6fc3df',
      'testing-iconPassed': '#73c991',
      'editorWarning-foreground': '#ffd370',
      errorForeground: '#f48771',
    },
  },
};

const COMMON_VARS = {
  'font-family': 'system-ui, "DejaVu Sans", sans-serif',
  'font-size': '13px',
  'font-weight': 'normal',
  'editor-font-family': '"DejaVu Sans Mono", monospace',
};

// The stub runs before the bundle (same nonce). VS Code allows one acquireVsCodeApi call.
const STUB = `(() => {
  const themes = ${JSON.stringify(THEMES)};
  const common = ${JSON.stringify(COMMON_VARS)};
  window.__posted = [];
  // The panel exposes its plots (window.__noetherLab) only to tests; ?instrument=0 opens it as VS Code would.
  window.__noetherLabTest = new URLSearchParams(location.search).get('instrument') !== '0';
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  let acquired = false;
  let state = JSON.parse(sessionStorage.getItem('nl-state') || 'null');
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => { window.__posted.push(structuredClone(m)); },
      getState: () => state,
      setState: (s) => { state = s; sessionStorage.setItem('nl-state', JSON.stringify(s)); return s; },
    });
  };
  window.__setTheme = (name) => {
    const t = themes[name];
    const style = document.documentElement.style;
    for (const [k, v] of Object.entries(common)) style.setProperty('--vscode-' + k, v);
    for (const [k, v] of Object.entries(t.vars)) style.setProperty('--vscode-' + k, v);
    document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
    document.body.classList.add(t.bodyClass);
    document.body.dataset.vscodeThemeKind = t.bodyClass;
  };
  window.__setTheme(new URLSearchParams(location.search).get('theme') || 'dark');
})();`;

const TYPES = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.html': 'text/html',
};

export async function startHarness() {
  const html = await loadHtmlModule();
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      const origin = `http://${req.headers.host}`;
      const page = /^\/harness\/(panel|sidebar)\.html$/.exec(url.pathname);
      if (page) {
        const view = page[1];
        const nonce = html.makeNonce();
        let doc = html.webviewHtml({
          cspSource: origin,
          nonce,
          scriptUri: `${origin}/dist/webview/${view}.js`,
          styleUri: `${origin}/dist/webview/${view}.css`,
          view,
          title: 'Noether Lab (harness)',
        });
        doc = doc.replace(`<script nonce="${nonce}"`, `<script nonce="${nonce}" src="${origin}/harness/stub.js"></script>\n<script nonce="${nonce}"`);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(doc);
        return;
      }
      if (url.pathname === '/favicon.ico') {
        // A VS Code webview never asks for one; Chromium does for a top-level page.
        res.writeHead(204);
        res.end();
        return;
      }
      if (url.pathname === '/harness/stub.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(STUB);
        return;
      }
      if (url.pathname.startsWith('/dist/webview/')) {
        const file = normalize(join(root, decodeURIComponent(url.pathname)));
        if (!file.startsWith(join(root, 'dist', 'webview'))) throw new Error('outside');
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
        return;
      }
      res.writeHead(404);
      res.end();
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)), html };
}

let nextPanelId = 5000;

/**
 * A panel page in `theme` fed the fixtures analysis-NAME.json and simulation-NAME.json, on its
 * Dynamics tab with the plots drawn; finish() closes it and asserts no CSP violations and no console
 * errors.
 */
export async function openPanel(browser, base, theme, name, assert) {
  const fixtures = join(root, 'test/browser/fixtures');
  const load = async (file) => JSON.parse(await readFile(join(fixtures, file), 'utf8'));
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${base}/harness/panel.html?theme=${theme}`);
  await page.waitForFunction(() => window.__posted?.some((m) => m.type === 'ready'));
  const post = (msg) => page.evaluate((m) => window.postMessage(m, '*'), { id: nextPanelId++, ...msg });
  await post({ type: 'analysis', uri: `file:///w/${name}.loss`, fileName: `${name}.loss`, analysis: await load(`analysis-${name}.json`) });
  await post({ type: 'simulationResult', result: await load(`simulation-${name}.json`) });
  await page.click('vscode-tab-header[data-tab="dynamics"]');
  await page.waitForFunction(() => window.__noetherLab.plots().some((p) => p.id === 'loss' && p.width > 0));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const finish = async () => {
    const csp = await page.evaluate(() => window.__cspViolations);
    await context.close();
    assert.deepEqual(csp, [], 'no CSP violations');
    assert.deepEqual(problems, [], 'no console errors');
  };
  return { page, post, finish };
}

/** The export a click on a plot's button posts (the last exportData message). */
export async function exportOf(page, selector) {
  const before = await page.evaluate(() => window.__posted.filter((m) => m.type === 'exportData').length);
  await page.click(selector);
  await page.waitForFunction((n) => window.__posted.filter((m) => m.type === 'exportData').length > n, before);
  return page.evaluate(() => window.__posted.filter((m) => m.type === 'exportData').at(-1));
}

/** Debian's Chromium, headless, as every browser test launches it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
}
