// PNG figures of the experiments for the README: runs `noether experiment NAME --size full` for each
// experiment (or reuses docs/figures/report/NAME.json with --reuse), renders every figure's SVG (the
// same renderer as the HTML report) in Debian's Chromium through playwright-core, and writes
// docs/figures/<figure id>.png.
//   node scripts/experiment-figures.mjs [NAME ...] [--size small|full] [--reuse]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { createRequire } from 'module';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const reuse = args.includes('--reuse');
const sizeAt = args.indexOf('--size');
const size = sizeAt >= 0 ? args[sizeAt + 1] : 'full';
const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--size');
const list = names.length
  ? names
  : [
      'balance',
      'equilibrium',
      'scale-invariance',
      'fluctuations',
      'deep-diagonal',
      'escape',
      'noise-curvature',
      'sharpness',
      'discrete-equilibrium',
      'escape-contrast',
      'escape-dimension',
    ];
const outDir = path.join(root, 'docs', 'figures');
const reportDir = path.join(outDir, 'report');
fs.mkdirSync(reportDir, { recursive: true });

// The SVG renderer, bundled from the TypeScript source.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-fig-'));
const bundle = path.join(tmp, 'report.cjs');
await esbuild.build({
  entryPoints: [path.join(root, 'src/core/experiments/report.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: bundle,
  logLevel: 'warning',
});
const { figureSvg } = createRequire(import.meta.url)(bundle);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage({ viewport: { width: 800, height: 460 }, deviceScaleFactor: 2 });
  for (const name of list) {
    const json = path.join(reportDir, `${name}.json`);
    if (!reuse || !fs.existsSync(json)) {
      const started = Date.now();
      const r = spawnSync(process.execPath, [path.join(root, 'bin/noether.js'), 'experiment', name, '--size', size, '--out', reportDir], { stdio: 'inherit' });
      console.log(`${name} (${size}): exit ${r.status}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const result = JSON.parse(fs.readFileSync(json, 'utf8'));
    for (const fig of result.figures) {
      const svg = figureSvg(fig, 800, 460);
      await page.setContent(`<!DOCTYPE html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
      const file = path.join(outDir, `${fig.id}.png`);
      await page.locator('svg').screenshot({ path: file });
      console.log(`wrote ${path.relative(root, file)}`);
    }
  }
} finally {
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
