// One build script for every bundle: the CLI (and, as they arrive, the extension host, the
// simulation worker and the webviews).
import * as esbuild from 'esbuild';
import { existsSync } from 'fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'node20' };
const builds = [
  { ...common, entryPoints: ['src/cli/noether.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs' },
];
for (const [entry, out] of [
  ['src/extension.ts', 'dist/extension.js'],
  ['src/worker/simulationWorker.ts', 'dist/worker.js'],
]) {
  if (existsSync(entry)) builds.push({ ...common, entryPoints: [entry], outfile: out, platform: 'node', format: 'cjs', external: ['vscode'] });
}
for (const [entry, out] of [['webview/panel/main.ts', 'dist/webview/panel.js'], ['webview/sidebar/main.ts', 'dist/webview/sidebar.js']]) {
  if (existsSync(entry)) builds.push({ ...common, entryPoints: [entry], outfile: out, platform: 'browser', format: 'iife', target: 'es2022' });
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
