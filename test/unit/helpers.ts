// Shared helpers for the unit tests.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeSource, AnalysisResult } from '../../src/core/analysis/analyze';
import { checkSource } from '../../src/core/lang/check';
import { hasScalarView, Model, ScalarModel } from '../../src/core/lang/model';
import { compileLossGradient } from '../../src/core/tensor/evaluate';

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

/** Evaluates a `.loss` expression (a closed form's `expr`) at θ by declaring the parameters with those values. */
export function evalExpr(model: Model, expr: string, theta: ArrayLike<number>): number {
  const decl = model.params.map((p) => {
    const v = Array.from({ length: p.size }, (_, k) => theta[p.offset + k]);
    if (p.shape.length === 0) return `param ${p.name} = ${v[0]}`;
    if (p.shape.length === 1) return `param ${p.name}[${p.shape[0]}] = [${v.join(', ')}]`;
    const rows = Array.from({ length: p.shape[0] }, (_, i) => `[${v.slice(i * p.shape[1], (i + 1) * p.shape[1]).join(', ')}]`);
    return `param ${p.name}[${p.shape[0]}, ${p.shape[1]}] = [${rows.join(', ')}]`;
  });
  const r = checkSource(`${decl.join('\n')}\nloss = ${expr}\n`);
  if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const out = new Float64Array(1 + r.model.components.length);
  compileLossGradient(r.model)(
    r.model.components.map((c) => theta[model.components.indexOf(c)]),
    new Float64Array(0),
    out,
  );
  return out[0];
}
