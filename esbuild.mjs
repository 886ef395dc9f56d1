// One build script for every bundle: the CLI, the extension host, the analysis, run, simulation
// and proof workers, and the webviews. Entries whose source does not exist yet are skipped.
import * as esbuild from 'esbuild';
import { existsSync } from 'fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] };
const browser = {
  ...common,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  loader: { '.woff2': 'file', '.woff': 'file', '.ttf': 'file' },
};

const entries = [
  ['src/cli/noether.ts', 'dist/cli.js', node],
  ['src/extension.ts', 'dist/extension.js', node],
  ['src/worker/analysisWorker.ts', 'dist/analysisWorker.js', node],
  ['src/worker/runWorker.ts', 'dist/runWorker.js', node],
  ['src/core/numeric/simWorker.ts', 'dist/simWorker.js', node],
  ['src/core/symbolic/proofWorker.ts', 'dist/proofWorker.js', node],
  ['webview/panel/main.ts', 'dist/webview/panel.js', browser],
  ['webview/sidebar/main.ts', 'dist/webview/sidebar.js', browser],
  ['webview/report/main.ts', 'dist/webview/report.js', browser],
];
const builds = entries.filter(([src]) => existsSync(src)).map(([src, out, opts]) => ({ ...opts, entryPoints: [src], outfile: out }));

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
