// Where the experiments' .loss files are, and writing reports (Node only: CLI and extension host).
import * as fs from 'fs';
import * as path from 'path';
import { reportHtml } from './report';
import { ExperimentResult } from './types';

/** The repository's experiments/ folder: next to dist/ (bundles), or up from out/src/core/experiments (tests). */
export function experimentsDir(start = __dirname): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'experiments');
    if (fs.existsSync(path.join(candidate, 'balance-scalar.loss'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the experiments/ folder above ${start}`);
}

export function lossReader(dir = experimentsDir()): (file: string) => string {
  return (file) => fs.readFileSync(path.join(dir, path.basename(file)), 'utf8');
}

/** Writes STEM.json and STEM.html into outDir; returns their paths. */
export function writeReports(results: ExperimentResult[], outDir: string, stem: string): { json: string; html: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, `${stem}.json`);
  const html = path.join(outDir, `${stem}.html`);
  fs.writeFileSync(json, JSON.stringify(results.length === 1 ? results[0] : results, finite, 2) + '\n');
  fs.writeFileSync(html, reportHtml(results, results.length === 1 ? `Noether Lab experiment: ${results[0].name}` : 'Noether Lab experiments'));
  return { json, html };
}

export function finite(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}
