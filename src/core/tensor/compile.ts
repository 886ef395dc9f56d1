// Code generation from the tensor graph: each node becomes one loop over Float64Arrays (a matrix
// product a loop nest), so the code's size depends on the expression, not on the tensors' sizes,
// and V8 optimises it whatever the model's size. Every value lives at a fixed offset: parameters in
// θ, data in z, constants in a pool K, everything else in a workspace w allocated once. The source
// is built from node kinds, offsets and sizes only (numbers we format), never from a file's text.
import { fnExpr } from '../expr/codegen';
import { flatStart, TGraph, TNode, sizeOf } from './graph';
import { emitDots } from './dots';

/** Where a node's entries are: an array name and the offset of its first entry. */
export interface Address {
  array: 'th' | 'z' | 'w' | 'K';
  offset: number;
}

export interface Layout {
  /** Offset in θ of each parameter tensor (by param index) and in z of each data tensor. */
  paramOffset: number[];
  dataOffset: number[];
}

export interface Plan {
  addr: Map<number, Address>;
  /** Workspace size and the constant pool. */
  workspace: number;
  constants: Float64Array;
  order: number[];
}

/** Assigns every node reachable from `roots` an address. */
export function plan(g: TGraph, roots: number[], layout: Layout): Plan {
  const order = g.reachable(roots);
  const addr = new Map<number, Address>();
  let w = 0;
  const pool: number[] = [];
  for (const id of order) {
    const n = g.nodes[id];
    if (n.op === 'param') addr.set(id, { array: 'th', offset: layout.paramOffset[n.index] });
    else if (n.op === 'data') addr.set(id, { array: 'z', offset: layout.dataOffset[n.index] });
    else if (n.op === 'const') {
      addr.set(id, { array: 'K', offset: pool.length });
      for (const v of n.values) pool.push(v);
    } else {
      addr.set(id, { array: 'w', offset: w });
      w += sizeOf(n.shape);
    }
  }
  return { addr, workspace: w, constants: Float64Array.from(pool), order };
}

/** Expression for entry `i` (a code string) of the node at `a`. */
function at(a: Address, i: string): string {
  return `${a.array}[${a.offset} + ${i}]`;
}

export function binaryExpr(fn: string, x: string, y: string): string {
  switch (fn) {
    case 'add':
      return `${x} + ${y}`;
    case 'sub':
      return `${x} - ${y}`;
    case 'mul':
      return `${x} * ${y}`;
    case 'div':
      return `${x} / ${y}`;
    case 'pow':
      return `Math.pow(${x}, ${y})`;
    case 'max':
      return `Math.max(${x}, ${y})`;
    case 'min':
      return `Math.min(${x}, ${y})`;
  }
  throw new Error(`unknown operation ${fn}`);
}

/** One statement (a loop or a loop nest) computing node `id` into its workspace address. */
export function emitNode(g: TGraph, id: number, p: Plan): string {
  const n: TNode = g.nodes[id];
  const o = p.addr.get(id) as Address;
  const A = (x: number) => p.addr.get(x) as Address;
  const N = sizeOf(n.shape);
  switch (n.op) {
    case 'param':
    case 'data':
    case 'const':
      return '';
    case 'unary': {
      const a = A(n.a);
      return `for (let i = 0; i < ${N}; i++) { const x = ${at(a, 'i')}; ${at(o, 'i')} = ${fnExpr(n.fn, 'x')}; }`;
    }
    case 'binary': {
      const a = A(n.a);
      const b = A(n.b);
      const sa = sizeOf(g.shape(n.a));
      const sb = sizeOf(g.shape(n.b));
      const xa = sa === N ? at(a, 'i') : 'xa';
      const xb = sb === N ? at(b, 'i') : 'xb';
      // Integer powers are products (faster and exact like the scalar kernels).
      const c = n.fn === 'pow' ? g.scalarConst(n.b) : undefined;
      let expr: string;
      if (c === 2) expr = '(x * x)';
      else if (c === 3) expr = '(x * x * x)';
      else if (c === 0.5) expr = 'Math.sqrt(x)';
      else if (c === -1) expr = '(1 / x)';
      else expr = binaryExpr(n.fn, 'x', xb);
      const pre = [sa === N ? '' : `const xa = ${at(a, '0')};`, sb === N ? '' : `const xb = ${at(b, '0')};`].join(' ');
      return `{ ${pre} for (let i = 0; i < ${N}; i++) { const x = ${xa}; ${at(o, 'i')} = ${expr}; } }`;
    }
    case 'matmul': {
      const a = A(n.a);
      const b = A(n.b);
      const sa = g.shape(n.a);
      const sb = g.shape(n.b);
      const m = sa.length === 2 ? sa[0] : 1;
      const k = sa[sa.length - 1];
      const nn = sb.length === 2 ? sb[1] : 1;
      const out = { array: o.array, offset: o.offset, outer: nn, inner: 1 };
      if (sa.length === 1 && sb.length === 2) {
        // aᵀB: output j is the dot product of a with column j of B.
        return emitDots({
          P: nn,
          Q: 1,
          T: k,
          X: { array: b.array, offset: b.offset, outer: 1, inner: nn },
          Y: { array: a.array, offset: a.offset, outer: 0, inner: 1 },
          O: { ...out, outer: 1 },
          op: '=',
        });
      }
      return emitDots({
        P: m,
        Q: nn,
        T: k,
        X: { array: a.array, offset: a.offset, outer: k, inner: 1 },
        Y: { array: b.array, offset: b.offset, outer: 1, inner: nn },
        O: out,
        op: '=',
      });
    }
    case 'outer': {
      const a = A(n.a);
      const b = A(n.b);
      const [m, nn] = n.shape;
      return `for (let i = 0; i < ${m}; i++) { const ai = ${at(a, 'i')}; const ro = ${o.offset} + i * ${nn}; for (let j = 0; j < ${nn}; j++) w[ro + j] = ai * ${at(b, 'j')}; }`;
    }
    case 'transpose': {
      const a = A(n.a);
      const [r, c] = g.shape(n.a);
      return `for (let i = 0; i < ${r}; i++) for (let j = 0; j < ${c}; j++) ${at(o, `j * ${r} + i`)} = ${at(a, `i * ${c} + j`)};`;
    }
    case 'sum': {
      const a = A(n.a);
      const M = sizeOf(g.shape(n.a));
      return `{ let s = 0; for (let i = 0; i < ${M}; i++) s += ${at(a, 'i')}; ${at(o, '0')} = s; }`;
    }
    case 'fill': {
      const a = A(n.a);
      return `{ const x = ${at(a, '0')}; for (let i = 0; i < ${N}; i++) ${at(o, 'i')} = x; }`;
    }
    case 'index': {
      const a = A(n.a);
      const start = flatStart(g.shape(n.a), n.at);
      return `for (let i = 0; i < ${N}; i++) ${at(o, 'i')} = ${at(a, `${start} + i`)};`;
    }
    case 'scatter': {
      const a = A(n.a);
      const start = flatStart(n.shape, n.at);
      const M = sizeOf(g.shape(n.a));
      return `{ for (let i = 0; i < ${N}; i++) ${at(o, 'i')} = 0; for (let i = 0; i < ${M}; i++) ${at(o, `${start} + i`)} = ${at(a, 'i')}; }`;
    }
    case 'stack': {
      const M = sizeOf(g.shape(n.items[0]));
      return n.items.map((item, k) => `for (let i = 0; i < ${M}; i++) ${at(o, `${k * M} + i`)} = ${at(A(item), 'i')};`).join('\n');
    }
  }
}

/** Statements computing every node of the plan in order. */
export function emitPlan(g: TGraph, p: Plan): string {
  return p.order
    .map((id) => emitNode(g, id, p))
    .filter((s) => s)
    .join('\n');
}

export type TensorEvaluator = (theta: ArrayLike<number>, z: ArrayLike<number>, out: Float64Array) => void;

/** A compiled function writing the entries of `outputs` (concatenated) into `out`. */
export function compileTensorEvaluator(g: TGraph, outputs: number[], layout: Layout): { evaluate: TensorEvaluator; size: number } {
  const p = plan(g, outputs, layout);
  const copies: string[] = [];
  let off = 0;
  for (const id of outputs) {
    const a = p.addr.get(id) as Address;
    const N = sizeOf(g.shape(id));
    copies.push(`for (let i = 0; i < ${N}; i++) out[${off} + i] = ${at(a, 'i')};`);
    off += N;
  }
  const body = `"use strict";\nreturn function evaluate(th, z, out) {\n${emitPlan(g, p)}\n${copies.join('\n')}\n};`;
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- source built from node kinds, offsets and sizes only (see header)
  const factory = new Function('w', 'K', body) as (w: Float64Array, K: Float64Array) => TensorEvaluator;
  return { evaluate: factory(new Float64Array(p.workspace), p.constants), size: off };
}
