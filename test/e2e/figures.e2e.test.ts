// End-to-end screenshots of what issue 12 built, in the workbench of a real VS Code, in the light and
// the dark theme (test-results/e2e-<item>-<light|dark>.png): the hover of a matrix parameter (the
// GL(3) group's law in matrix form), the panel's matrix charges (the GL(3) card, then the heat maps
// of Q at the start, measured and predicted after a run), a phase portrait, a sweep plot (Sweep…
// driven through its quick pick and input box), and an experiment's report in a webview panel.
// Run with `npm run test:e2e` (after `bash scripts/setup-vscode-server.sh`).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Locator, Page } from 'playwright-core';
import {
  clearNotifications,
  frameWithText,
  inputBox,
  notificationsText,
  openFromExplorer,
  poll,
  quickPick,
  RESULTS,
  ROOT,
  runCommand,
  sleep,
  startWorkbench,
  stopWorkbench,
  THEMES,
  themeTag,
  type Theme,
  type Workbench,
} from './workbench-driver';

const WORK = path.join(ROOT, '.vscode-test', 'e2e-figures');

/** The analysis panel's frame (its Symmetries tab is always rendered). */
const panelFrame = (page: Page) => frameWithText(page, 'Symmetry groups and Noether charges', 60_000);

async function selectTab(panel: Frame, tab: 'symmetries' | 'dynamics'): Promise<void> {
  await panel.locator(`vscode-tab-header[data-tab="${tab}"]`).click();
}

/** Waits for a run started from a CodeLens to finish (its progress notification goes). */
async function runFinished(page: Page): Promise<void> {
  await poll('the run to start', async () => (await notificationsText(page)).includes('Noether Lab: running'), 30_000).catch(() => undefined);
  await poll('the run to finish', async () => !(await notificationsText(page)).includes('Noether Lab: running'), 120_000);
}

async function shot(page: Page, name: string, tag: string): Promise<void> {
  await sleep(800); // KaTeX, fonts, the last frame of a resize
  await page.screenshot({ path: path.join(RESULTS, `e2e-${name}-${tag}.png`) });
}

/** Scrolls `el` to the top of its webview. */
async function scrollToTop(el: Locator): Promise<void> {
  await el.evaluate((e) => (e as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start', behavior: 'instant' }));
}

/** The report webview's hook for tests (webview/report/main.ts), seen from inside its frame. */
interface ReportHook {
  __noetherLab: {
    plots(): { id: string; width: number; points: number }[];
    plot(id: string): { uplot: { data: (number | null)[][]; series: { label?: string; points?: { size?: number } }[] }; toSvg(): string };
  };
}

describe('Noether Lab figures in the VS Code workbench (e2e screenshots)', { timeout: 20 * 60_000 }, () => {
  let w: Workbench;

  before(async () => {
    w = await startWorkbench(WORK, (workspace) => {
      // A sweep of three values in seconds: the example's train line with fewer steps and chains.
      const lr = path.join(workspace, 'linear-regression.loss');
      const text = fs.readFileSync(lr, 'utf8');
      assert.match(text, /steps = 100000, chains = 16/);
      fs.writeFileSync(lr, text.replace('steps = 100000, chains = 16', 'steps = 5000, chains = 8'));
    });
  });

  after(() => stopWorkbench(w));

  /** A fresh workbench page in `theme` with `file` open; `body` drives it; a failure leaves a screenshot. */
  async function withPage(theme: Theme, file: string, failName: string, body: (page: Page, tag: string) => Promise<void>): Promise<void> {
    const tag = themeTag(theme);
    const page = await w.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await openFromExplorer(page, w.srv.port, w.workspace, file, theme);
      await clearNotifications(page);
      await body(page, tag);
      assert.deepStrictEqual(
        errors.filter((e) => /noether/i.test(e)),
        [],
      );
    } catch (e) {
      await page.screenshot({ path: path.join(RESULTS, `e2e-failure-${failName}-${tag}.png`) }).catch(() => undefined);
      throw e;
    } finally {
      await page.close();
    }
  }

  for (const theme of THEMES) {
    const tag = themeTag(theme);

    it(`the matrix hover, the GL(3) card and the heat maps of Q after a run (${tag})`, async () => {
      await withPage(theme, 'two-layer-matrix.loss', 'matrix', async (page) => {
        const editor = page.locator('.editor-instance .monaco-editor').first();
        const paramLine = editor.locator('.view-line', { hasText: 'param U[3, 3]' });
        await paramLine.waitFor({ state: 'visible', timeout: 30_000 });
        await page.locator('.codelens-decoration', { hasText: 'GL(3)' }).first().waitFor({ state: 'visible', timeout: 60_000 });

        // (1) Hover on U: it leads with the group's law in matrix form.
        const hover = page.locator('.monaco-hover', { hasText: 'dQ/dt' }).first();
        await poll(
          'the hover of U',
          async () => {
            await paramLine.locator('span span', { hasText: /^U$/ }).first().hover();
            return hover.isVisible();
          },
          30_000,
        );
        const hoverText = await hover.innerText();
        assert.match(
          hoverText.trim().split('\n')[0],
          /dQ\/dt = η·\(1\/B\)·\(Wᵀ M W − U N Uᵀ\) = −η·\(1\/B\)·0\.12·Q/,
          'the hover leads with the law in matrix form',
        );
        assert.match(hoverText, /GL\(3\)/);
        assert.match(hoverText, /Show in panel/);
        // The hover fits its box: nothing scrolls sideways out of sight.
        const overflow = await hover
          .locator('.monaco-hover-content, .hover-contents')
          .first()
          .evaluate((e) => e.scrollWidth - e.clientWidth)
          .catch(() => 0);
        assert.ok(overflow <= 1, `the hover's content is ${overflow} px wider than its box`);
        await shot(page, 'matrix-hover', tag);
        await page.keyboard.press('Escape');

        // (2) The panel: the GL(3) card with the law in matrix form (typeset, and as text).
        await runCommand(page, 'Noether Lab: Analyze');
        const panel = await panelFrame(page);
        const card = panel.locator('article.nl-group', { has: panel.locator('.nl-card-name', { hasText: 'GL(3)' }) }).first();
        await card.waitFor({ state: 'visible', timeout: 30_000 });
        await card.locator('.nl-closed-form-tex[data-role="law"] .katex').first().waitFor({ state: 'visible' });
        const asText = await card.locator('.nl-as-text pre').textContent();
        assert.match(asText ?? '', /dQ\/dt = η·\(1\/B\)·\(Wᵀ M W − U N Uᵀ\) = −η·\(1\/B\)·0\.12·Q/);
        await clearNotifications(page);
        await scrollToTop(card);
        await shot(page, 'matrix-card', tag);

        // A short run of the example, then the Dynamics tab's heat maps of Q: start, measured, predicted.
        await page.locator('.codelens-decoration a', { hasText: 'Run sgd' }).first().click({ timeout: 30_000 });
        await runFinished(page);
        await selectTab(panel, 'dynamics');
        const figure = panel.locator('section.nl-figure[data-figure-id^="matrix-"]').first();
        await figure.waitFor({ state: 'visible', timeout: 60_000 });
        const titles = await poll(
          'three heat maps of Q',
          async () => {
            const t = await figure.locator('g.nl-heatmap').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-title')));
            return t.length === 3 ? t : undefined;
          },
          60_000,
        );
        assert.deepStrictEqual(titles, ['start', 'measured (end)', 'predicted (end)']);
        const cells = await figure.locator('rect.nl-cell').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-value')));
        assert.equal(cells.length, 27, 'three 3×3 maps');
        assert.ok(
          cells.every((v) => v !== '' && Number.isFinite(Number(v))),
          `every cell has a value: ${cells.join(' ')}`,
        );
        await clearNotifications(page);
        await scrollToTop(figure);
        await shot(page, 'matrix-heatmaps', tag);
      });
    });

    it(`a phase portrait after SGD and GD runs of two-layer-scalar.loss (${tag})`, async () => {
      await withPage(theme, 'two-layer-scalar.loss', 'phase', async (page) => {
        await page.locator('.codelens-decoration a', { hasText: 'Compare SGD vs GD' }).first().click({ timeout: 60_000 });
        const panel = await panelFrame(page);
        await runFinished(page);
        await selectTab(panel, 'dynamics');
        const figure = panel.locator('section.nl-figure[data-figure-id="phase"]');
        await figure.waitFor({ state: 'visible', timeout: 60_000 });
        const roles = await poll(
          'the phase portrait drawn',
          async () => {
            const r = await figure
              .locator('path.nl-phase-curve')
              .evaluateAll((ps) => ps.map((p) => `${p.getAttribute('data-role')}:${(p.getAttribute('d') ?? '').split('L').length}`));
            return r.length ? r : undefined;
          },
          60_000,
        );
        // The chains' paths (many points each), the start's orbit (a level set of the charge) and the
        // minimum manifold; the start, the minimum and the predicted end marked.
        const points = (role: string) => roles.filter((r) => r.startsWith(`${role}:`)).map((r) => Number(r.split(':')[1]));
        assert.ok(points('trajectory').length >= 2 && points('trajectory').every((n) => n > 10), `chains' paths: ${roles.join(' ')}`);
        assert.ok(points('orbit-start').length === 1, `the start's orbit: ${roles.join(' ')}`);
        assert.ok(points('minimum-manifold').length === 1, `the minimum manifold: ${roles.join(' ')}`);
        const markers = await figure.locator('.nl-phase-marker').evaluateAll((ms) => ms.map((m) => m.getAttribute('data-role')));
        assert.deepStrictEqual([...markers].sort(), ['minimum', 'predicted-end', 'start']);
        await clearNotifications(page);
        await scrollToTop(figure);
        await shot(page, 'phase', tag);
      });
    });

    it(`Sweep… over lr: the sweep plot in a report panel (${tag})`, async () => {
      await withPage(theme, 'linear-regression.loss', 'sweep', async (page) => {
        await page.locator('.codelens-decoration a', { hasText: 'Run sgd' }).first().waitFor({ state: 'visible', timeout: 60_000 });
        await runCommand(page, 'Noether Lab: Sweep…');
        await quickPick(page, 'which key', 'lr');
        await inputBox(page, 'Sweep lr', '0.02, 0.05, 0.1');
        const report = await frameWithText(page, (b) => b.includes('Sweep of lr: linear-regression.loss') && b.includes('steps × 8 chains each'), 120_000);
        const ids = await poll('the sweep plots', async () => {
          const p = await report.evaluate(() =>
            (globalThis as unknown as ReportHook).__noetherLab.plots().map((x) => ({ id: x.id, width: x.width, points: x.points })),
          );
          return p.length && p.every((x) => x.width > 0) ? p : undefined;
        });
        assert.ok(
          ids.every((p) => p.points === 3),
          `three values of lr in every plot: ${JSON.stringify(ids)}`,
        );
        // The first plot (a variance, with theory): three measured points beside the theory.
        const first = ids[0].id;
        const series = await report.evaluate((id) => {
          const u = (globalThis as unknown as ReportHook).__noetherLab.plot(id).uplot;
          return u.series.slice(1).map((s, k) => ({ label: String(s.label), values: u.data[k + 1], size: s.points?.size ?? 0 }));
        }, first);
        const measured = series.find((s) => /measured$/.test(s.label));
        const theory = series.find((s) => /theory$/.test(s.label));
        assert.ok(measured && measured.values.every((v) => v !== null && Number.isFinite(v) && v > 0), `measured points: ${JSON.stringify(series)}`);
        assert.ok(measured.size >= 6, `the measured points are large enough to see: ${measured.size} px`);
        assert.ok(theory && theory.values.every((v) => v !== null && Number.isFinite(v)), 'the theory beside them');
        // Every plot's tick labels tell its ticks apart (E[w] ≈ 2 ± 0.003 is not labelled "2, 2, 2").
        for (const { id } of ids) {
          const svg = await report.evaluate((i) => (globalThis as unknown as ReportHook).__noetherLab.plot(i).toSvg(), id);
          for (const cls of ['nl-xtick', 'nl-ytick']) {
            const labels = [...svg.matchAll(new RegExp(`class="${cls}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);
            assert.ok(labels.length >= 2 && new Set(labels).size === labels.length, `${id}: ${cls} labels ${labels.join(', ')}`);
          }
        }
        const body = await report.evaluate<string>('document.body.innerText');
        assert.match(body, /lr from 0\.02 to 0\.1/);
        assert.match(body, /5000 steps × 8 chains each/);
        await clearNotifications(page);
        await shot(page, 'sweep', tag);
      });
    });

    it(`Run Experiment… escape-dimension (small): the report in a webview panel (${tag})`, async () => {
      await withPage(theme, 'two-layer-scalar.loss', 'report', async (page) => {
        await runCommand(page, 'Noether Lab: Run Experiment…');
        await quickPick(page, 'Run Experiment', 'escape-dimension');
        await quickPick(page, 'experiment size', 'small');
        // (the editor tab bears the title too: the report's frame is the one with its checks)
        const report = await frameWithText(page, (b) => b.includes('Noether Lab experiment: escape-dimension') && /checks pass/.test(b), 180_000);
        const body = await report.evaluate<string>('document.body.innerText');
        assert.match(body, /ALL PASS|PASS/);
        assert.doesNotMatch(body, /FAIL/);
        assert.match(body, /size small/);
        await poll('the report plots drawn', async () => {
          const p = await report.evaluate(() => (globalThis as unknown as ReportHook).__noetherLab.plots().map((x) => ({ width: x.width, points: x.points })));
          return p.length > 0 && p.every((x) => x.width > 0 && x.points > 0);
        });
        // The toast says where the report was written and offers to open it.
        const toast = page.locator('.notification-toast', { hasText: 'all checks PASS' }).first();
        await toast.waitFor({ state: 'visible', timeout: 30_000 });
        assert.ok(await toast.getByRole('button', { name: 'Open report' }).isVisible());
        await clearNotifications(page);
        await shot(page, 'report', tag);
      });
    });
  }
});
