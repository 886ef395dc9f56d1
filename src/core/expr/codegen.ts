// Straight-line JavaScript from the scalar graph. Code is generated only from graph nodes (never
// from a file's text): every identifier is one of ours (`p`, `d`, `t<id>`), every literal a
// number we format, so nothing a user writes can reach the generated source as code.
import { Graph, Node } from './graph';

export interface EmitOptions {
  /** Expression that reads parameter i (default `p[i]`). */
  param?: (i: number) => string;
  /** Expression that reads data component i (default `d[i]`). */
  data?: (i: number) => string;
  /** Prefix of temporaries, so that several emitted blocks can share one function. */
  prefix?: string;
}

export function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

/**
 * Statements computing `outputs`; returns the statements and, for each output, the expression
 * naming its value. Temporaries are declared with `const`, so the block belongs in its own scope.
 */
export function emitBlock(g: Graph, outputs: number[], opts: EmitOptions = {}): { code: string; values: string[] } {
  const param = opts.param ?? ((i: number) => `p[${i}]`);
  const data = opts.data ?? ((i: number) => `d[${i}]`);
  const prefix = opts.prefix ?? 't';
  const order = g.reachable(outputs);
  const name = new Map<number, string>();
  const lines: string[] = [];
  const ref = (id: number) => name.get(id) as string;
  for (const id of order) {
    const n = g.nodes[id];
    if (n.op === 'const') {
      name.set(id, numberLiteral(n.value));
      continue;
    }
    if (n.op === 'param') {
      const v = `${prefix}${id}`;
      lines.push(`const ${v} = ${param(n.index)};`);
      name.set(id, v);
      continue;
    }
    if (n.op === 'data') {
      const v = `${prefix}${id}`;
      lines.push(`const ${v} = ${data(n.index)};`);
      name.set(id, v);
      continue;
    }
    const v = `${prefix}${id}`;
    lines.push(`const ${v} = ${nodeExpr(g, n, ref)};`);
    name.set(id, v);
  }
  return { code: lines.join('\n'), values: outputs.map(ref) };
}

function nodeExpr(g: Graph, n: Node, ref: (id: number) => string): string {
  switch (n.op) {
    case 'add':
      return `${ref(n.a)} + ${ref(n.b)}`;
    case 'mul':
      return `${ref(n.a)} * ${ref(n.b)}`;
    case 'div':
      return `${ref(n.a)} / ${ref(n.b)}`;
    case 'neg':
      return `-${ref(n.a)}`;
    case 'pow': {
      const c = g.constValue(n.b);
      const x = ref(n.a);
      if (c !== undefined) {
        if (c === 2) return `${x} * ${x}`;
        if (c === 3) return `${x} * ${x} * ${x}`;
        if (c === 4) return `(${x} * ${x}) * (${x} * ${x})`;
        if (c === -1) return `1 / ${x}`;
        if (c === -2) return `1 / (${x} * ${x})`;
        if (c === 0.5) return `Math.sqrt(${x})`;
        if (c === -0.5) return `1 / Math.sqrt(${x})`;
      }
      return `Math.pow(${x}, ${ref(n.b)})`;
    }
    case 'fn':
      return n.fn === 'max' || n.fn === 'min' ? `Math.${n.fn}(${ref(n.a)}, ${ref(n.b as number)})` : fnExpr(n.fn, ref(n.a));
  }
  throw new Error(`cannot emit node ${n.op}`);
}

/** An elementwise function of one argument as an expression (shared with the tensor code generator). */
export function fnExpr(fn: string, x: string): string {
  switch (fn) {
    case 'neg':
      return `-${x}`;
    case 'exp':
    case 'log':
    case 'sqrt':
    case 'abs':
    case 'tanh':
    case 'sin':
    case 'cos':
      return `Math.${fn}(${x})`;
    case 'sigmoid':
      return `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`;
    case 'relu':
      return `(${x} > 0 ? ${x} : 0)`;
    case 'softplus':
      return `(${x} > 30 ? ${x} : Math.log1p(Math.exp(${x})))`;
    case 'step':
      return `(${x} > 0 ? 1 : 0)`;
    case 'sign':
      return `(${x} > 0 ? 1 : ${x} < 0 ? -1 : 0)`;
  }
  throw new Error(`unknown function ${fn}`);
}

export type Evaluator = (p: ArrayLike<number>, d: ArrayLike<number>, out: Float64Array) => void;

/** A compiled function writing the values of `outputs` into `out`. */
export function compileEvaluator(g: Graph, outputs: number[]): Evaluator {
  const { code, values } = emitBlock(g, outputs);
  const body = `"use strict";\n${code}\n${values.map((v, i) => `out[${i}] = ${v};`).join('\n')}`;
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- source built from graph nodes only (see header)
  return new Function('p', 'd', 'out', body) as Evaluator;
}

export type AveragedEvaluator = (p: ArrayLike<number>, rows: Float64Array, count: number, out: Float64Array) => void;

/**
 * A compiled function writing into `out` the mean of `outputs` over `count` examples stored as
 * consecutive rows of `dataDim` entries: one loop inside the generated code, no per-example call.
 */
export function compileAveragedEvaluator(g: Graph, outputs: number[], dataDim: number): AveragedEvaluator {
  const { code, values } = emitBlock(g, outputs, { data: (k) => `rows[r + ${k}]` });
  const body = [
    '"use strict";',
    ...values.map((_, i) => `let s${i} = 0;`),
    `for (let e = 0; e < count; e++) {`,
    `const r = e * ${dataDim};`,
    code,
    ...values.map((v, i) => `s${i} += ${v};`),
    '}',
    ...values.map((_, i) => `out[${i}] = s${i} / count;`),
  ].join('\n');
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- source built from graph nodes only (see header)
  return new Function('p', 'rows', 'count', 'out', body) as AveragedEvaluator;
}
