// Helpers shared by the language tests (lang-*.test.ts).
import * as assert from 'node:assert/strict';
import { Expr, Program, Statement } from '../../src/core/lang/ast';
import { checkSource, CheckResult } from '../../src/core/lang/check';
import { Diagnostic, DiagnosticBag } from '../../src/core/lang/diagnostics';
import { parse } from '../../src/core/lang/parser';
import { compileEvaluator } from '../../src/core/expr/codegen';
import { compileTensorEvaluator } from '../../src/core/tensor/compile';
import { layoutOf } from '../../src/core/tensor/evaluate';
import { scalarize } from '../../src/core/tensor/scalarize';
import { Model } from '../../src/core/lang/model';
import { DataReader, readerOf } from '../../src/core/io/files';

/** A readFile over an in-memory set of files (text, or bytes for binary data); anything else fails as a missing file would. */
export function memoryFiles(files: Record<string, string | Uint8Array> = {}): DataReader {
  return readerOf(files);
}

export function check(source: string, files: Record<string, string | Uint8Array> = {}): CheckResult {
  return checkSource(source, { readFile: memoryFiles(files) });
}

export function errorsOf(source: string, files: Record<string, string | Uint8Array> = {}): Diagnostic[] {
  return check(source, files).diagnostics.filter((d) => d.severity === 'error');
}

/** The only error of a file (fails if there is not exactly one). */
export function onlyError(source: string, files: Record<string, string | Uint8Array> = {}): Diagnostic {
  const errs = errorsOf(source, files);
  assert.equal(errs.length, 1, `expected exactly one error, got:\n${errs.map(fmt).join('\n') || '(none)'}`);
  return errs[0];
}

export function fmt(d: Diagnostic): string {
  return `${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${d.severity} ${d.message}`;
}

/** Asserts a diagnostic's range, [line, column, endColumn] on one line or [line, column, endLine, endColumn]. */
export function assertRange(d: Diagnostic, range: [number, number, number] | [number, number, number, number]): void {
  const want =
    range.length === 3
      ? { line: range[0], column: range[1], endLine: range[0], endColumn: range[2] }
      : { line: range[0], column: range[1], endLine: range[2], endColumn: range[3] };
  assert.deepEqual({ line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn }, want, fmt(d));
}

/**
 * Replaces the diagnostic's span with its fix (the documented meaning of `fix`). As in an editor,
 * a position past the end of its line means the end of that line (errors "at the end of the
 * line" are one column wide there).
 */
export function applyFix(source: string, d: Diagnostic): string {
  assert.ok(d.fix, `expected a fix on: ${fmt(d)}`);
  const lines = source.split('\n');
  const offset = (line: number, col: number) => {
    let o = 0;
    for (let l = 1; l < line; l++) o += lines[l - 1].length + 1;
    return o + Math.min(col, (lines[line - 1] ?? '').length + 1) - 1;
  };
  const a = offset(d.line, d.column);
  const b = offset(d.endLine, d.endColumn);
  return source.slice(0, a) + d.fix.replacement + source.slice(b);
}

export function parseOk(source: string): Program {
  const diags = new DiagnosticBag();
  const p = parse(source, diags);
  assert.deepEqual(diags.items.map(fmt), [], 'expected no parse errors');
  return p;
}

export function firstExpr(source: string): Expr {
  const s = parseOk(source).statements[0];
  if (s.kind === 'let' || s.kind === 'loss') return s.value;
  throw new Error(`no expression in ${s.kind}`);
}

/** An S-expression view of an expression tree, to test precedence and associativity. */
export function show(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return String(e.value);
    case 'name':
      return e.name;
    case 'list':
      return `[${e.items.map(show).join(' ')}]`;
    case 'unary':
      return `(${e.op} ${show(e.arg)})`;
    case 'binary':
      return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case 'call':
      return `(${e.callee}${e.args.map((a) => ' ' + show(a)).join('')})`;
    case 'index':
      return `(idx ${show(e.target)}${e.indices.map((a) => ' ' + show(a)).join('')})`;
  }
}

export function stmt<K extends Statement['kind']>(p: Program, i: number, kind: K): Extract<Statement, { kind: K }> {
  const s = p.statements[i];
  assert.equal(s.kind, kind);
  return s as Extract<Statement, { kind: K }>;
}

export function modelOk(source: string, files: Record<string, string | Uint8Array> = {}): Model {
  const r = check(source, files);
  assert.ok(r.model, 'expected a valid model, got:\n' + r.diagnostics.map(fmt).join('\n'));
  return r.model;
}

/**
 * A tensor node of a checked file as a function of the parameter and data vectors, evaluated twice:
 * by the tensor evaluator (loops) and by the scalar view (straight-line code), which must agree.
 */
function nodeFn(m: Model, id: number): (p: number[], d?: number[]) => number[] {
  const layout = layoutOf(m);
  const tensor = compileTensorEvaluator(m.tgraph, [id], layout);
  const view = scalarize(m.tgraph, [id], layout.paramOffset, layout.dataOffset);
  const nodes = view.values.get(id) as number[];
  const scalar = compileEvaluator(view.graph, nodes);
  const a = new Float64Array(tensor.size);
  const b = new Float64Array(nodes.length);
  return (p, d = []) => {
    tensor.evaluate(p, d, a);
    scalar(p, d, b);
    a.forEach((x, i) =>
      assert.ok(Object.is(x, b[i]) || Math.abs(x - b[i]) <= 1e-12 * Math.max(1, Math.abs(b[i])), `tensor ${x} vs scalar ${b[i]} at entry ${i}`),
    );
    return [...a];
  };
}

/** The loss of a checked file as a function of the parameter and data vectors. */
export function lossFn(m: Model): (p: number[], d?: number[]) => number {
  const f = nodeFn(m, m.tloss);
  return (p, d = []) => f(p, d)[0];
}

/** The value of `let name` of a checked file, flattened row-major. */
export function letFn(m: Model, name: string): (p: number[], d?: number[]) => number[] {
  const info = m.lets.find((l) => l.name === name);
  assert.ok(info, `no let ${name}`);
  return nodeFn(m, info.value.id);
}

export function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
}

/** Only the position fields of a span (tokens used as spans carry more). */
export function sp(s: { line: number; column: number; endLine: number; endColumn: number }) {
  return { line: s.line, column: s.column, endLine: s.endLine, endColumn: s.endColumn };
}
