// End-to-end tests through the workbench UI of a real VS Code (the server of code-server@4.100.3 in
// Debian's Chromium, driven by playwright-core): open an example from the Explorer, run
// "Noether Lab: Analyze" from the command palette, see the panel's webview render, hover a
// parameter, open the side view, run a simulation; screenshots in light and dark themes go to
// test-results/. Run with `npm run test:e2e` (after `bash scripts/setup-vscode-server.sh`).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  clearNotifications,
  frameWithText,
  notificationsText,
  openFromExplorer,
  poll,
  RESULTS,
  ROOT,
  runCommand,
  server,
  setTheme,
  sleep,
  startWorkbench,
  stopWorkbench,
  type Workbench,
} from './workbench-driver';

const WORK = path.join(ROOT, '.vscode-test', 'e2e');
const WORKSPACE = path.join(WORK, 'workspace');

const QUICK_RUN = `# A short run for the end-to-end test.
param u = 1.5
param w = 0.2
data  x ~ normal(0, 1)
data  eps ~ normal(0, 0.5)
let   y = 2*x + eps
loss  = (u*w*x - y)^2 / 2
train sgd(lr = 0.05, batch = 4, steps = 4000, chains = 8, seed = 7)
train gd(lr = 0.05, steps = 4000, seed = 7)
`;

const DIVERGING = `# lr above the stability bound 2/λ_max(H) = 2: most chains diverge.
param w = 0
data  x ~ normal(0, 1)
data  eps ~ normal(0, 0.5)
loss  = (w*x - (2*x + eps))^2 / 2
train sgd(lr = 2.5, batch = 1, steps = 2000, chains = 16, seed = 4)
`;

describe('Noether Lab in the VS Code workbench (e2e)', { timeout: 10 * 60_000 }, () => {
  let w: Workbench;
  let browser: Browser;
  let srv: Workbench['srv'];

  before(async () => {
    w = await startWorkbench(WORK, (workspace) => {
      fs.writeFileSync(path.join(workspace, 'quick-run.loss'), QUICK_RUN);
      fs.writeFileSync(path.join(workspace, 'diverging.loss'), DIVERGING);
    });
    ({ browser, srv } = w);
  });

  after(() => stopWorkbench(w));

  for (const theme of ['Light Modern', 'Dark Modern'] as const) {
    const tag = theme.startsWith('Light') ? 'light' : 'dark';

    it(`analyses an example opened from the Explorer and renders the panel (${tag})`, async () => {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(server.workbenchUrl(srv.port, { folder: WORKSPACE, extensionDevelopmentPath: ROOT }));
        await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
        const item = page.getByRole('treeitem', { name: 'two-layer-scalar.loss' });
        if (!(await item.isVisible().catch(() => false))) await page.keyboard.press('Control+Shift+E');
        await item.waitFor({ state: 'visible', timeout: 30_000 });
        await setTheme(page, theme);
        await clearNotifications(page);

        // Open the example from the Explorer.
        await item.dblclick();
        const editor = page.locator('.editor-instance .monaco-editor').first();
        await editor.locator('.view-line', { hasText: 'param u = 1.5' }).waitFor({ state: 'visible', timeout: 30_000 });
        // Syntax colouring: the grammar gives `param` its own token colour.
        await poll('several token colours on the param line (the TextMate grammar)', async () => {
          const classes = await editor
            .locator('.view-line', { hasText: 'param u = 1.5' })
            .locator('span span')
            .evaluateAll((els) => els.map((e) => e.className));
          return new Set(classes).size > 2;
        });

        // The CodeLens on `loss` shows the symmetry once the analysis is in; the sgd line, where it ends.
        await page.locator('.codelens-decoration', { hasText: '1 symmetry: rescaling' }).waitFor({ state: 'visible', timeout: 30_000 });
        await page
          .locator('.codelens-decoration', { hasText: 'SGD ends at u = 1.414, w = 1.414 · ≈6400 steps' })
          .waitFor({ state: 'visible', timeout: 30_000 });

        // Noether Lab: Analyze from the command palette → the panel's webview renders the analysis.
        await runCommand(page, 'Noether Lab: Analyze');
        const panel = await frameWithText(page, 'Symmetry groups and Noether charges');
        const panelText = await panel.evaluate<string>('document.body.innerText');
        assert.match(
          panelText,
          /Where SGD ends[\s\S]*SGD ends at u = 1\.414, w = 1\.414[\s\S]*Symmetry groups and Noether charges/,
          'the prediction comes first',
        );
        assert.match(panelText, /rescaling/);
        assert.match(panelText, /two-layer-scalar\.loss/);
        await clearNotifications(page);
        await sleep(1000); // KaTeX and fonts
        await page.screenshot({ path: path.join(RESULTS, `e2e-panel-${tag}.png`) });

        // Hover on the parameter `u`: law (C) in closed form, where SGD ends, the charge and the laws.
        await editor.locator('.view-line', { hasText: 'param u = 1.5' }).locator('span span', { hasText: /^u$/ }).first().hover();
        const hover = page.locator('.monaco-hover', { hasText: 'u² − w²' }).first();
        await hover.waitFor({ state: 'visible', timeout: 15_000 });
        const hoverText = await hover.innerText();
        const hoverLines = hoverText.trim().split('\n');
        assert.match(
          hoverLines[0],
          /^d\(u² − w²\)\/dt = −η·\[\(1\/B\)·\(2·u²·w² − 8·u·w \+ 8\.25\) \+ \(u²·w² − 4·u·w \+ 4\)\]·\(u² − w²\)/,
          'the hover starts with law (C) in closed form',
        );
        assert.match(
          hoverLines[1],
          /^equilibrium: u² − w² = 0, or where the rate vanishes: .* — solved: SGD ends at u = 1\.414, w = 1\.414 · C₁ = 0 · relaxes in ≈6400 steps/,
          'then the equilibrium beside where SGD ends',
        );
        assert.match(hoverText, /gradient flow/);
        assert.match(hoverText, /Show in panel/);
        await page.screenshot({ path: path.join(RESULTS, `e2e-hover-${tag}.png`) });
        await page.keyboard.press('Escape');

        // The side view (activity bar → Noether Lab).
        await page.locator('.activitybar .action-item a[aria-label^="Noether Lab"], .activitybar .action-label[aria-label^="Noether Lab"]').first().click();
        // The side view's own frame: the file, its symmetries and the run state (the panel has no "No run yet").
        const side = await frameWithText(
          page,
          (b) => b.includes('two-layer-scalar.loss') && /No run yet|Latest run/.test(b) && !b.includes('Symmetry groups and Noether charges'),
        );
        assert.match(await side.evaluate<string>('document.body.innerText'), /symmetries[\s\S]*rescaling/i);
        await sleep(500);
        await page.screenshot({ path: path.join(RESULTS, `e2e-sidebar-${tag}.png`) });
        assert.deepStrictEqual(
          errors.filter((e) => /noether/i.test(e)),
          [],
        );
      } catch (e) {
        await page.screenshot({ path: path.join(RESULTS, `e2e-failure-${tag}.png`) }).catch(() => undefined);
        throw e;
      } finally {
        await page.close();
      }
    });
  }

  it('runs a train line from its CodeLens and plots the run in the panel', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await openFromExplorer(page, srv.port, WORKSPACE, 'quick-run.loss');
      await page.locator('.view-line', { hasText: 'train sgd' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // The CodeLens "Run sgd" above the first train line.
      await page.locator('.codelens-decoration a', { hasText: 'Run sgd' }).first().click({ timeout: 30_000 });
      const panel = await frameWithText(page, 'Symmetry groups and Noether charges');
      await poll('the run to finish', async () => !(await notificationsText(page)).includes('Noether Lab: running'), 60_000);
      await panel
        .getByRole('tab', { name: /Dynamics/ })
        .or(panel.locator('text=Dynamics'))
        .first()
        .click();
      await poll('the run plotted in the panel', async () => (await panel.locator('canvas').count()) > 0, 60_000);
      await sleep(1500);
      await page.screenshot({ path: path.join(RESULTS, 'e2e-run-dark.png') });
    } catch (e) {
      await page.screenshot({ path: path.join(RESULTS, 'e2e-failure-run.png') }).catch(() => undefined);
      throw e;
    } finally {
      await page.close();
    }
  });

  it('warns on lr, runs, shows an error notification, and Show details opens the log and the run', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await openFromExplorer(page, srv.port, WORKSPACE, 'diverging.loss');
      // The stability warning squiggles the value of lr (a warning decoration in the editor).
      await page.locator('.view-overlays .squiggly-warning').first().waitFor({ state: 'attached', timeout: 30_000 });
      await clearNotifications(page);
      await page.locator('.codelens-decoration a', { hasText: 'Run sgd' }).first().click({ timeout: 30_000 });
      const toast = page.locator('.notification-toast', { hasText: 'chains diverged' }).first();
      await toast.waitFor({ state: 'visible', timeout: 60_000 });
      assert.match(await toast.innerText(), /diverging\.loss, run 0 \(sgd η=2\.5 B=1\): \d+ of 16 chains diverged, the first at step \d+/);
      await page.screenshot({ path: path.join(RESULTS, 'e2e-diverged-notification.png') });
      await toast.getByRole('button', { name: 'Show details' }).click();
      // The log channel with every diverged chain, and the panel's run marked diverged.
      // (the log scrolls to its end: the diverged chains, one line each, after the summary)
      // (the editor of the Output view renders spaces as no-break spaces)
      const output = async () =>
        (
          await page
            .locator('.part.panel')
            .innerText()
            .catch(() => '')
        ).replace(/\u00a0/g, ' ');
      await poll('the log with the diverged chains', async () => /\[error\]\s+chain \d+ diverged at step \d+/.test(await output()), 30_000);
      const panel = await frameWithText(page, (b) => /13 of 16\s+diverged/.test(b) || /\d+ of 16\s+diverged/.test(b));
      assert.match(await panel.evaluate<string>('document.body.innerText'), /sgd η=2\.5 B=1 diverged: \d+ of 16 chains diverged/);
      await page.screenshot({ path: path.join(RESULTS, 'e2e-diverged-details.png') });
    } catch (e) {
      await page.screenshot({ path: path.join(RESULTS, 'e2e-failure-diverged.png') }).catch(() => undefined);
      throw e;
    } finally {
      await page.close();
    }
  });
});

describe('Noether Lab in an untrusted workspace (e2e, workspace trust on)', { timeout: 5 * 60_000 }, () => {
  let browser: Browser;
  let srv: { port: number; stop(): Promise<void> };
  const work = path.join(WORK, 'untrusted');
  const workspace = path.join(work, 'workspace');

  before(async () => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'quick-run.loss'), QUICK_RUN);
    srv = await server.startServer({ userDataDir: path.join(work, 'user-data'), extensionsDir: path.join(work, 'extensions') });
    browser = await server.launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await srv?.stop();
  });

  it('keeps analysis and hovers, but refuses to run a simulation', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await page.goto(server.workbenchUrl(srv.port, { folder: workspace, extensionDevelopmentPath: ROOT }));
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      // A folder nobody has trusted opens in Restricted Mode (should VS Code ask instead, answer no).
      await poll('Restricted Mode', async () => {
        const no = page.getByRole('button', { name: /No, I don.t trust the authors/ });
        if (await no.isVisible().catch(() => false)) await no.click();
        return page.locator('.statusbar', { hasText: 'Restricted Mode' }).isVisible();
      });
      const item = page.getByRole('treeitem', { name: 'quick-run.loss' });
      if (!(await item.isVisible().catch(() => false))) await page.keyboard.press('Control+Shift+E');
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      await item.dblclick();
      // The analysis still runs (nothing from the file is executed): its CodeLens appears.
      await page.locator('.codelens-decoration', { hasText: '1 symmetry: rescaling' }).waitFor({ state: 'visible', timeout: 30_000 });
      await clearNotifications(page);
      await page.locator('.codelens-decoration a', { hasText: 'Run sgd' }).first().click({ timeout: 30_000 });
      await poll(
        'the untrusted-workspace warning',
        async () => /simulations are disabled in an untrusted workspace/.test(await notificationsText(page)),
        30_000,
      );
      // The panel still shows the analysis.
      await frameWithText(page, 'Symmetry groups and Noether charges');
      await sleep(1000);
      await page.screenshot({ path: path.join(RESULTS, 'e2e-untrusted.png') });
    } catch (e) {
      await page.screenshot({ path: path.join(RESULTS, 'e2e-failure-untrusted.png') }).catch(() => undefined);
      throw e;
    } finally {
      await page.close();
    }
  });
});

describe('the packaged .vsix, installed into VS Code (e2e)', { timeout: 6 * 60_000 }, () => {
  let browser: Browser;
  let srv: { port: number; stop(): Promise<void> };
  const work = path.join(WORK, 'vsix');
  const workspace = path.join(work, 'workspace');
  const extensions = path.join(work, 'extensions');

  before(async () => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(workspace, { recursive: true });
    fs.cpSync(path.join(ROOT, 'examples'), workspace, { recursive: true });
    // Package exactly as a user would get it, then install it with VS Code's own CLI.
    const { execFileSync } = await import('child_process');
    const vsix = path.join(work, 'noether-lab.vsix');
    execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--readme-path', 'docs/EXTENSION.md', '--out', vsix], {
      cwd: ROOT,
      stdio: 'pipe',
      input: '',
    });
    const out = execFileSync(
      process.execPath,
      [
        server.SERVER_MAIN,
        '--install-extension',
        vsix,
        '--extensions-dir',
        extensions,
        '--user-data-dir',
        path.join(work, 'user-data'),
        '--accept-server-license-terms',
      ],
      { encoding: 'utf8' },
    );
    assert.match(out, /successfully installed/);
    srv = await server.startServer({ userDataDir: path.join(work, 'user-data'), extensionsDir: extensions, disableWorkspaceTrust: true });
    browser = await server.launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await srv?.stop();
  });

  it('activates from the installed package: CodeLens, analysis and the panel', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await page.goto(server.workbenchUrl(srv.port, { folder: workspace }));
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      const item = page.getByRole('treeitem', { name: 'two-layer-matrix.loss' });
      if (!(await item.isVisible().catch(() => false))) await page.keyboard.press('Control+Shift+E');
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      await item.dblclick();
      await page.locator('.codelens-decoration', { hasText: '6 symmetries' }).waitFor({ state: 'visible', timeout: 60_000 });
      await runCommand(page, 'Noether Lab: Analyze');
      const panel = await frameWithText(page, 'Symmetry groups and Noether charges');
      assert.match(await panel.evaluate<string>('document.body.innerText'), /linear/);
      await sleep(1000);
      await page.screenshot({ path: path.join(RESULTS, 'e2e-vsix.png') });
    } catch (e) {
      await page.screenshot({ path: path.join(RESULTS, 'e2e-failure-vsix.png') }).catch(() => undefined);
      throw e;
    } finally {
      await page.close();
    }
  });
});
