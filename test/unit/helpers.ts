// Shared helpers for the unit tests.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeSource, AnalysisResult } from '../../src/core/analysis/analyze';
import { checkSource } from '../../src/core/lang/check';
import { hasScalarView, ScalarModel } from '../../src/core/lang/model';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const EXAMPLES = path.join(ROOT, 'examples');

export function readExample(name: string): string {
  return fs.readFileSync(path.join(EXAMPLES, name), 'utf8');
}

/** A valid small model (with its scalar view). */
export function modelOf(source: string, dir = EXAMPLES): ScalarModel {
  const r = checkSource(source, { readFile: (p) => fs.readFileSync(path.resolve(dir, p), 'utf8') });
  if (!r.model) throw new Error('expected a valid model, got:\n' + r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  if (!hasScalarView(r.model)) throw new Error('expected a small model with a scalar view');
  return r.model;
}

/** Writes `text` to a file `name` in a fresh temporary folder; returns its path. */
export function tmpFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-test-'));
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const analyses = new Map<string, AnalysisResult>();

/** The analysis of an example (or of `source`, named `name`), made once per test file. */
export function analysis(name: string, source = readExample(`${name}.loss`)): AnalysisResult {
  const hit = analyses.get(name);
  if (hit) return hit;
  const a = analyzeSource(source, { file: `${name}.loss` });
  analyses.set(name, a);
  return a;
}
