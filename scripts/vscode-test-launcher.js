#!/usr/bin/env node
// Stand-in for the VS Code executable that @vscode/test-electron's runTests spawns (see
// .vscode-test.mjs, useInstallation.fromPath). It accepts the same arguments
// (--extensionDevelopmentPath=… --extensionTestsPath=… --user-data-dir=… --extensions-dir=…, a
// workspace folder, launch args), starts the real VS Code server, opens the workbench in Chromium,
// relays the extension host's console, and exits with the tests' exit code.
'use strict';
const path = require('path');
const util = require('util');
const { startServer, workbenchUrl, launchBrowser } = require('./vscode-server');

const TIMEOUT_MS = Number(process.env.NOETHER_TEST_TIMEOUT_MS || 15 * 60 * 1000);

function parseArgs(argv) {
  const o = { folder: undefined, devPaths: [], testsPath: undefined, userDataDir: undefined, extensionsDir: undefined, disableWorkspaceTrust: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, v] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a.startsWith('--') ? a.slice(2) : undefined, undefined];
    const value = () => (v !== undefined ? v : argv[++i]);
    switch (k) {
      case 'extensionDevelopmentPath':
        o.devPaths.push(value());
        break;
      case 'extensionTestsPath':
        o.testsPath = value();
        break;
      case 'user-data-dir':
        o.userDataDir = value();
        break;
      case 'extensions-dir':
        o.extensionsDir = value();
        break;
      case 'disable-workspace-trust':
        o.disableWorkspaceTrust = true;
        break;
      case undefined:
        o.folder = a;
        break;
      default:
        break; // Electron-only flags (--no-sandbox, --disable-updates, …) do not apply to the server.
    }
  }
  return o;
}

/** The workbench sends console calls as a JSON array of printf-style arguments. */
function formatLog(message) {
  if (Array.isArray(message)) return util.format(...message.map((a) => (typeof a === 'string' || typeof a === 'number' ? a : JSON.stringify(a))));
  if (typeof message !== 'string') return JSON.stringify(message);
  if (message.startsWith('[')) {
    try {
      const args = JSON.parse(message);
      if (Array.isArray(args)) return util.format(...args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))));
    } catch {
      /* not JSON */
    }
  }
  return message;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!o.testsPath || o.devPaths.length === 0) {
    console.error('usage: vscode-test-launcher --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [--user-data-dir=D] [--extensions-dir=E] [FOLDER]');
    return 2;
  }
  const root = path.resolve(__dirname, '..');
  const server = await startServer({
    userDataDir: path.resolve(o.userDataDir || path.join(root, '.vscode-test', 'user-data')),
    extensionsDir: path.resolve(o.extensionsDir || path.join(root, '.vscode-test', 'extensions')),
    disableWorkspaceTrust: o.disableWorkspaceTrust,
  });
  const url = workbenchUrl(server.port, { folder: o.folder, extensionDevelopmentPath: o.devPaths[0], extensionTestsPath: o.testsPath });
  console.log(`[launcher] VS Code server on port ${server.port}; opening ${url}`);
  const browser = await launchBrowser();
  let code;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let onExit;
    const exited = new Promise((resolve) => (onExit = resolve));
    await page.exposeFunction('codeAutomationLog', (type, message) => {
      const text = formatLog(message);
      if (
        !process.env.NOETHER_VERBOSE &&
        /^(Creating a socket|Resolv(ing|ed) connection token|Updating additional builtin|ChatSessionStore)|open-vsx\.org|\[Service Worker\] registration/.test(
          text,
        )
      )
        return;
      (type === 'error' ? console.error : console.log)(text);
    });
    await page.exposeFunction('codeAutomationExit', (c) => onExit(Number(c)));
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await page.goto(url);
    let timer;
    const timeout = new Promise(
      (resolve) =>
        (timer = setTimeout(() => {
          console.error(`[launcher] the tests did not finish within ${TIMEOUT_MS} ms`);
          resolve(124);
        }, TIMEOUT_MS)),
    );
    code = await Promise.race([exited, timeout]);
    clearTimeout(timer);
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
  console.log(`[launcher] tests finished with exit code ${code}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[launcher] ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
