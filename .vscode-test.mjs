// @vscode/test-cli configuration for the integration tests (npm run test:integration).
// They run inside a real VS Code: the VS Code server of code-server@4.100.3 opened in Chromium by a
// stand-in executable (scripts/vscode-test-launcher.js), because no desktop VS Code can be
// downloaded on these machines (../shared/spec/VSCODE-TESTING.md). Where one can, drop
// `useInstallation` and the same tests run in the downloaded desktop build.
import { defineConfig } from '@vscode/test-cli';
import { cpSync, mkdirSync, rmSync } from 'fs';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';

const root = dirname(fileURLToPath(import.meta.url));
// A fresh workspace each run: a copy of the examples (tests write files into it).
const workspace = join(root, '.vscode-test', 'workspace');
rmSync(workspace, { recursive: true, force: true });
mkdirSync(workspace, { recursive: true });
cpSync(join(root, 'examples'), workspace, { recursive: true });

const desktop = process.env.NOETHER_VSCODE_DESKTOP === '1';

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/**/*.test.js',
  workspaceFolder: workspace,
  // The API's panelMessages/sidebarMessages record only in test runs (src/panel/messageLog.ts).
  env: { NOETHER_LAB_RECORD_MESSAGES: '1' },
  ...(desktop ? { version: 'stable' } : { useInstallation: { fromPath: join(root, 'scripts', 'vscode-test-launcher.js') } }),
  mocha: { ui: 'tdd', timeout: 120_000, color: true },
});
