// Driving the VS Code workbench (the server of code-server@4.100.3 in Debian's Chromium, through
// playwright-core) for the end-to-end tests: the server and browser, polling, the webview frames,
// the command palette, quick picks, the colour theme, the Explorer and notifications.
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Frame, Page } from 'playwright-core';

// Plain JS shared with the integration-test launcher (not compiled).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS, not compiled
export const server = require(path.join(__dirname, '..', '..', '..', 'scripts', 'vscode-server.js')) as {
  ROOT: string;
  SERVER_MAIN: string;
  startServer(o: { userDataDir: string; extensionsDir: string; disableWorkspaceTrust?: boolean }): Promise<{ port: number; stop(): Promise<void> }>;
  workbenchUrl(port: number, o: { folder?: string; extensionDevelopmentPath?: string }): string;
  launchBrowser(o?: { headless?: boolean }): Promise<Browser>;
};

export const ROOT = server.ROOT;
export const RESULTS = path.join(ROOT, 'test-results');

export type Theme = 'Light Modern' | 'Dark Modern';
export const THEMES: readonly Theme[] = ['Light Modern', 'Dark Modern'];
export const themeTag = (theme: Theme) => (theme.startsWith('Light') ? 'light' : 'dark');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function poll<T>(what: string, get: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** The frame (webviews are nested iframes of the same origin) whose body text includes `text` (or passes the test). */
export async function frameWithText(page: Page, text: string | ((body: string) => boolean), timeoutMs = 30_000): Promise<Frame> {
  const ok = typeof text === 'string' ? (b: string) => b.includes(text) : text;
  return poll(
    `a webview frame showing ${typeof text === 'string' ? `"${text}"` : text.toString()}`,
    async () => {
      for (const f of page.frames()) {
        const body = await f.evaluate<string>('document.body ? document.body.innerText : ""').catch(() => '');
        if (ok(body)) return f;
      }
      return undefined;
    },
    timeoutMs,
  );
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs `title` from the command palette (retried: a command whose `when` clause waits on a context key the workbench sets late is listed late). */
export async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }) })
      .first();
    const shown = await row.waitFor({ state: 'visible', timeout: 10_000 }).then(
      () => true,
      (e: unknown) => {
        if (attempt >= 3) throw e;
        return false;
      },
    );
    if (shown) {
      await row.click();
      return;
    }
    await page.keyboard.press('Escape');
    await sleep(2000);
  }
}

/** Picks the row labelled exactly `label` in the open quick pick (its title must include `title`). */
export async function quickPick(page: Page, title: string, label: string, timeoutMs = 30_000): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: timeoutMs });
  // Filter first: the list is virtual, rows scrolled out of sight are not in the page.
  await page.locator('.quick-input-widget input').fill(label);
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

/** Answers the open input box (its title must include `title`) with `text`. */
export async function inputBox(page: Page, title: string, text: string, timeoutMs = 30_000): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: timeoutMs });
  const input = page.locator('.quick-input-widget input');
  await input.fill(text);
  await input.press('Enter');
}

export async function setTheme(page: Page, theme: Theme): Promise<void> {
  // The picker lists only the themes registered when it opens: retry until the built-in ones are in.
  for (let attempt = 0; ; attempt++) {
    await runCommand(page, 'Preferences: Color Theme');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first();
    const shown = await row.waitFor({ state: 'visible', timeout: 3000 }).then(
      () => true,
      () => false,
    );
    if (shown) {
      await row.click();
      break;
    }
    await page.keyboard.press('Escape');
    if (attempt >= 10) throw new Error(`the color theme picker never listed ${theme}`);
    await sleep(1000);
  }
  const wanted = theme.startsWith('Light') ? 'vs' : 'vs-dark';
  await poll(`the ${theme} theme`, async () => (await page.locator('.monaco-workbench').getAttribute('class'))?.split(/\s+/).includes(wanted));
}

/** The workbench on `folder` with the extension under development (theme set first, if given), and `file` opened from the Explorer. */
export async function openFromExplorer(page: Page, port: number, folder: string, file: string, theme?: Theme): Promise<void> {
  await page.goto(server.workbenchUrl(port, { folder, extensionDevelopmentPath: ROOT }));
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  const item = page.getByRole('treeitem', { name: file });
  if (!(await item.isVisible().catch(() => false))) await page.keyboard.press('Control+Shift+E');
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  if (theme) await setTheme(page, theme);
  await item.dblclick();
}

export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
}

export async function notificationsText(page: Page): Promise<string> {
  return (
    (await page
      .locator('.notifications-toasts')
      .innerText()
      .catch(() => '')) ?? ''
  );
}

export interface Workbench {
  browser: Browser;
  srv: { port: number; stop(): Promise<void> };
  workspace: string;
}

/** A fresh `work` folder with a workspace holding the examples (then `setup`'s changes), the server on it (trust off) and a browser. */
export async function startWorkbench(work: string, setup: (workspace: string) => void = () => undefined): Promise<Workbench> {
  const workspace = path.join(work, 'workspace');
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(workspace, { recursive: true });
  fs.cpSync(path.join(ROOT, 'examples'), workspace, { recursive: true });
  setup(workspace);
  const srv = await server.startServer({
    userDataDir: path.join(work, 'user-data'),
    extensionsDir: path.join(work, 'extensions'),
    disableWorkspaceTrust: true,
  });
  const browser = await server.launchBrowser();
  return { browser, srv, workspace };
}

export async function stopWorkbench(w: Partial<Workbench> | undefined): Promise<void> {
  await w?.browser?.close().catch(() => undefined);
  await w?.srv?.stop();
}
