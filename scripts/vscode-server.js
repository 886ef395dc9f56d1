// Shared by the integration-test stand-in executable and the e2e tests: start the real VS Code
// server (code-server@4.100.3's server-main.js, installed by scripts/setup-vscode-server.sh) and
// open its workbench in Debian's Chromium through playwright-core.
// See ../../shared/spec/VSCODE-TESTING.md.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const CODE_SERVER_VERSION = '4.100.3';
const SERVER_MAIN = path.join(
  ROOT,
  '.vscode-test',
  `code-server-${CODE_SERVER_VERSION}`,
  'node_modules',
  'code-server',
  'lib',
  'vscode',
  'out',
  'server-main.js',
);
const CHROMIUM = process.env.NOETHER_CHROMIUM || '/usr/bin/chromium';

function checkInstalled() {
  const missing = [];
  if (!fs.existsSync(SERVER_MAIN)) missing.push(`the VS Code server (${SERVER_MAIN})`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM})`);
  if (missing.length) {
    throw new Error(`missing ${missing.join(' and ')}: run \`bash scripts/setup-vscode-server.sh\` first`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start server-main.js; resolves when it prints "Web UI available at".
 * @param {{ userDataDir: string, extensionsDir: string, disableWorkspaceTrust?: boolean, env?: NodeJS.ProcessEnv, log?: (s: string) => void, timeoutMs?: number }} o
 */
async function startServer(o) {
  checkInstalled();
  const log = o.log || ((s) => process.stdout.write(s));
  fs.mkdirSync(o.userDataDir, { recursive: true });
  fs.mkdirSync(o.extensionsDir, { recursive: true });
  const port = await freePort();
  const args = [
    SERVER_MAIN,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--enable-smoke-test-driver',
    '--user-data-dir',
    o.userDataDir,
    '--extensions-dir',
    o.extensionsDir,
    '--disable-telemetry',
    ...(o.disableWorkspaceTrust ? ['--disable-workspace-trust'] : []),
  ];
  const env = { ...process.env, ...(o.env || {}) };
  delete env.ELECTRON_RUN_AS_NODE;
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the VS Code server did not start within ${o.timeoutMs || 60000} ms:\n${output}`)), o.timeoutMs || 60000);
    const onData = (chunk) => {
      const s = chunk.toString();
      output += s;
      if (process.env.NOETHER_SERVER_LOG) log(`[server] ${s}`);
      if (output.includes('Web UI available at')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the VS Code server exited with code ${code}:\n${output}`));
    });
  });
  await ready;
  const stop = () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        proc.kill('SIGTERM');
      }
      setTimeout(() => {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        resolve();
      }, 5000).unref();
    });
  return { port, proc, stop, output: () => output };
}

/** The workbench URL that opens `folder` with the extension under development (and its tests). */
function workbenchUrl(port, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  payload.push(['skipWelcome', 'true'], ['skipReleaseNotes', 'true']);
  const q = [];
  if (folder) q.push(`folder=${encodeURIComponent(path.resolve(folder))}`);
  q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `http://127.0.0.1:${port}/?${q.join('&')}`;
}

/** Debian's Chromium through playwright-core. */
async function launchBrowser({ headless = true } = {}) {
  checkInstalled();
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

module.exports = { ROOT, SERVER_MAIN, CHROMIUM, checkInstalled, startServer, workbenchUrl, launchBrowser };
