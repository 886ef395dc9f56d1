// Code generation for a whole minibatch at once: every node that depends on the data carries the
// batch as its innermost axis (entry i of example b at i·B + b), so a matrix product of a weight
// with a batch of activations is one loop nest that loads each weight once for all B examples (the
// way `bmm` serves a batch), and a weight gradient Σ_b δ_b x_bᵀ is one reduction over b instead of
// B passes over the gradient. Nodes that do not depend on the data are computed once per step.
// Like compile.ts, the source is built from node kinds, offsets and sizes only.
import { fnExpr } from '../expr/codegen';
import { emitDots } from './dots';
import { binaryExpr as plainBinary, Layout } from './compile';
import { flatStart, operands, sizeOf, TGraph, TNode } from './graph';

export interface BatchedAddress {
  array: 'th' | 'z' | 'w' | 'K';
  offset: number;
  /** Holds one value per example (entry i of example b at offset + i·B + b). */
  batched: boolean;
}

export interface BatchedPlan {
  B: number;
  addr: Map<number, BatchedAddress>;
  workspace: number;
  constants: Float64Array;
  order: number[];
  /** Outer products of two batched vectors the caller reduces over the batch itself (never stored). */
  skipped: Set<number>;
}

/**
 * Addresses for every node `roots` need, with the batch innermost for data-dependent nodes. Of the
 * candidates in `fuse` (outer products only the caller reads), those of two batched vectors get no
 * storage: the caller reduces Σ_b a_b ⊗ c_b directly.
 */
export function planBatched(g: TGraph, roots: number[], layout: Layout, B: number, fuse: Set<number> = new Set()): BatchedPlan {
  const skipped = new Set<number>();
  const order = g.reachable(roots);
  const addr = new Map<number, BatchedAddress>();
  let w = 0;
  const pool: number[] = [];
  for (const id of order) {
    const n = g.nodes[id];
    if (n.op === 'param') addr.set(id, { array: 'th', offset: layout.paramOffset[n.index], batched: false });
    else if (n.op === 'data') addr.set(id, { array: 'z', offset: layout.dataOffset[n.index] * B, batched: true });
    else if (n.op === 'const') {
      addr.set(id, { array: 'K', offset: pool.length, batched: false });
      for (const v of n.values) pool.push(v);
    } else {
      const batched = operands(n).some((o) => (addr.get(o) as BatchedAddress).batched);
      if (n.op === 'outer' && fuse.has(id) && (addr.get(n.a) as BatchedAddress).batched && (addr.get(n.b) as BatchedAddress).batched) {
        skipped.add(id);
        addr.set(id, { array: 'w', offset: -1, batched: true });
        continue;
      }
      addr.set(id, { array: 'w', offset: w, batched });
      w += sizeOf(n.shape) * (batched ? B : 1);
    }
  }
  return { B, addr, workspace: w, constants: Float64Array.from(pool), order, skipped };
}

/** Entry `i` of example `b` of a node (code strings). */
function ref(a: BatchedAddress, i: string, b: string, B: number): string {
  return a.batched ? `${a.array}[${a.offset} + (${i}) * ${B} + ${b}]` : `${a.array}[${a.offset} + ${i}]`;
}

/** a ∘ b as code; integer and half powers by a constant as products (like the other kernels). */
function binaryExpr(fn: string, x: string, y: string, c: number | undefined): string {
  if (fn === 'pow') {
    if (c === 2) return `(${x} * ${x})`;
    if (c === 3) return `(${x} * ${x} * ${x})`;
    if (c === 0.5) return `Math.sqrt(${x})`;
    if (c === -1) return `(1 / ${x})`;
  }
  return plainBinary(fn, x, y);
}

/** A per-example statement for `b` (one example's loop nest over strided entries): the general case. */
function perExample(body: string, B: number): string {
  return `for (let b = 0; b < ${B}; b++) { ${body} }`;
}

/** One statement computing node `id` for the whole batch (or once, if it does not depend on the data). */
export function emitBatched(g: TGraph, id: number, p: BatchedPlan): string {
  const n: TNode = g.nodes[id];
  const B = p.B;
  const o = p.addr.get(id) as BatchedAddress;
  const A = (x: number) => p.addr.get(x) as BatchedAddress;
  const N = sizeOf(n.shape);
  // Unbatched nodes: the single-example code, with b fixed at 0 (never read).
  const R = (a: BatchedAddress, i: string, b = 'b') => ref(a, i, b, B);
  switch (n.op) {
    case 'param':
    case 'data':
    case 'const':
      return '';
    case 'unary': {
      const a = A(n.a);
      if (!o.batched) return `for (let i = 0; i < ${N}; i++) { const x = ${R(a, 'i', '0')}; ${R(o, 'i', '0')} = ${fnExpr(n.fn, 'x')}; }`;
      return `for (let t = 0; t < ${N * B}; t++) { const x = ${a.array}[${a.offset} + t]; w[${o.offset} + t] = ${fnExpr(n.fn, 'x')}; }`;
    }
    case 'binary': {
      const a = A(n.a);
      const c = A(n.b);
      const sa = sizeOf(g.shape(n.a));
      const sc = sizeOf(g.shape(n.b));
      const k = n.fn === 'pow' ? g.scalarConst(n.b) : undefined;
      if (!o.batched) {
        const xa = sa === N ? R(a, 'i', '0') : R(a, '0', '0');
        const xc = sc === N ? R(c, 'i', '0') : R(c, '0', '0');
        return `for (let i = 0; i < ${N}; i++) { const x = ${xa}; ${R(o, 'i', '0')} = ${binaryExpr(n.fn, 'x', xc, k)}; }`;
      }
      // Operands: batched full (t), batched scalar (b), unbatched full (i, hoisted), unbatched scalar (hoisted).
      const pre: string[] = [];
      const operand = (x: BatchedAddress, size: number, name: string) => {
        if (x.batched) return size === N ? `${x.array}[${x.offset} + ib + b]` : `${x.array}[${x.offset} + b]`;
        if (size === N) return `${name}_i`;
        pre.push(`const ${name}_0 = ${x.array}[${x.offset}];`);
        return `${name}_0`;
      };
      const xa = operand(a, sa, 'xa');
      const xc = operand(c, sc, 'xc');
      const hoist = [
        !a.batched && sa === N ? `const xa_i = ${a.array}[${a.offset} + i];` : '',
        !c.batched && sc === N ? `const xc_i = ${c.array}[${c.offset} + i];` : '',
      ].join(' ');
      return `{ ${pre.join(' ')} for (let i = 0; i < ${N}; i++) { const ib = i * ${B}; ${hoist} for (let b = 0; b < ${B}; b++) { const x = ${xa}; w[${o.offset} + ib + b] = ${binaryExpr(n.fn, 'x', xc, k)}; } } }`;
    }
    case 'matmul': {
      const a = A(n.a);
      const c = A(n.b);
      const sa = g.shape(n.a);
      const sc = g.shape(n.b);
      const m = sa.length === 2 ? sa[0] : 1;
      const k = sa[sa.length - 1];
      const nn = sc.length === 2 ? sc[1] : 1;
      if (!o.batched) {
        return `for (let i = 0; i < ${m}; i++) for (let j = 0; j < ${nn}; j++) { let s = 0; for (let l = 0; l < ${k}; l++) s += ${R(a, `i * ${k} + l`, '0')} * ${R(c, `l * ${nn} + j`, '0')}; ${R(o, `i * ${nn} + j`, '0')} = s; }`;
      }
      const out = `w[${o.offset}`;
      if (!a.batched && c.batched) {
        // Weight (or any unbatched [m,k]) times a batch: blocks of rows × examples, each weight
        // entry loaded once per block (for a matrix operand, one such product per column j).
        const dots = (j: string) =>
          emitDots({
            P: m,
            Q: B,
            T: k,
            X: { array: a.array, offset: a.offset, outer: k, inner: 1 },
            Y: { array: c.array, offset: `${c.offset} + ${j} * ${B}`, outer: 1, inner: nn * B },
            O: { array: 'w', offset: `${o.offset} + ${j} * ${B}`, outer: nn * B, inner: 1 },
            op: '=',
          });
        return nn === 1 ? dots('0') : `for (let j = 0; j < ${nn}; j++) { ${dots('j')} }`;
      }
      if (a.batched && !c.batched) {
        // A batch times a weight (δᵀW): for each row i of the batched operand, blocks of columns × examples.
        const dots = (i: string) =>
          emitDots({
            P: nn,
            Q: B,
            T: k,
            X: { array: c.array, offset: c.offset, outer: 1, inner: nn },
            Y: { array: a.array, offset: `${a.offset} + ${i} * ${k * B}`, outer: 1, inner: B },
            O: { array: 'w', offset: `${o.offset} + ${i} * ${nn * B}`, outer: B, inner: 1 },
            op: '=',
          });
        return m === 1 ? dots('0') : `for (let i = 0; i < ${m}; i++) { ${dots('i')} }`;
      }
      // Both batched: per example, with the batch innermost in the accumulation.
      return (
        `{ for (let t = 0; t < ${m * nn * B}; t++) ${out} + t] = 0; for (let i = 0; i < ${m}; i++) for (let j = 0; j < ${nn}; j++) { const ob = ${o.offset} + (i * ${nn} + j) * ${B}; ` +
        `for (let l = 0; l < ${k}; l++) { const ab = ${a.offset} + (i * ${k} + l) * ${B}, cb = ${c.offset} + (l * ${nn} + j) * ${B}; ` +
        `for (let b = 0; b < ${B}; b++) w[ob + b] += ${a.array}[ab + b] * ${c.array}[cb + b]; } } }`
      );
    }
    case 'outer': {
      const a = A(n.a);
      const c = A(n.b);
      const [m, nn] = n.shape;
      if (!o.batched)
        return `for (let i = 0; i < ${m}; i++) for (let j = 0; j < ${nn}; j++) ${R(o, `i * ${nn} + j`, '0')} = ${R(a, 'i', '0')} * ${R(c, 'j', '0')};`;
      return `for (let i = 0; i < ${m}; i++) for (let j = 0; j < ${nn}; j++) { const ob = ${o.offset} + (i * ${nn} + j) * ${B}; for (let b = 0; b < ${B}; b++) w[ob + b] = ${R(a, 'i')} * ${R(c, 'j')}; }`;
    }
    case 'transpose': {
      const a = A(n.a);
      const [r, cc] = g.shape(n.a);
      if (!o.batched) return `for (let i = 0; i < ${r}; i++) for (let j = 0; j < ${cc}; j++) ${R(o, `j * ${r} + i`, '0')} = ${R(a, `i * ${cc} + j`, '0')};`;
      return `for (let i = 0; i < ${r}; i++) for (let j = 0; j < ${cc}; j++) { const ob = ${o.offset} + (j * ${r} + i) * ${B}, ab = ${a.offset} + (i * ${cc} + j) * ${B}; for (let b = 0; b < ${B}; b++) w[ob + b] = ${a.array}[ab + b]; }`;
    }
    case 'sum': {
      const a = A(n.a);
      const M = sizeOf(g.shape(n.a));
      if (!o.batched) return `{ let s = 0; for (let i = 0; i < ${M}; i++) s += ${R(a, 'i', '0')}; ${R(o, '0', '0')} = s; }`;
      return `{ for (let b = 0; b < ${B}; b++) w[${o.offset} + b] = 0; for (let i = 0; i < ${M}; i++) { const ab = ${a.offset} + i * ${B}; for (let b = 0; b < ${B}; b++) w[${o.offset} + b] += ${a.array}[ab + b]; } }`;
    }
    case 'fill': {
      const a = A(n.a);
      if (!o.batched) return `{ const x = ${R(a, '0', '0')}; for (let i = 0; i < ${N}; i++) ${R(o, 'i', '0')} = x; }`;
      return `for (let i = 0; i < ${N}; i++) { const ob = ${o.offset} + i * ${B}; for (let b = 0; b < ${B}; b++) w[ob + b] = ${a.array}[${a.offset} + b]; }`;
    }
    case 'index': {
      // A row or an entry: a contiguous block of entries (each with its batch).
      const a = A(n.a);
      const start = flatStart(g.shape(n.a), n.at);
      if (!o.batched) return `for (let i = 0; i < ${N}; i++) ${R(o, 'i', '0')} = ${R(a, `${start} + i`, '0')};`;
      return `for (let t = 0; t < ${N * B}; t++) w[${o.offset} + t] = ${a.array}[${a.offset + start * B} + t];`;
    }
    case 'scatter': {
      const a = A(n.a);
      const start = flatStart(n.shape, n.at);
      const M = sizeOf(g.shape(n.a));
      if (!o.batched)
        return `{ for (let i = 0; i < ${N}; i++) ${R(o, 'i', '0')} = 0; for (let i = 0; i < ${M}; i++) ${R(o, `${start} + i`, '0')} = ${R(a, 'i', '0')}; }`;
      return `{ for (let t = 0; t < ${N * B}; t++) w[${o.offset} + t] = 0; for (let t = 0; t < ${M * B}; t++) w[${o.offset + start * B} + t] = ${a.array}[${a.offset} + t]; }`;
    }
    case 'stack': {
      const M = sizeOf(g.shape(n.items[0]));
      return n.items
        .map((item, k) => {
          const a = A(item);
          if (!o.batched) return `for (let i = 0; i < ${M}; i++) ${R(o, `${k * M} + i`, '0')} = ${R(a, 'i', '0')};`;
          if (a.batched) return `for (let t = 0; t < ${M * B}; t++) w[${o.offset + k * M * B} + t] = ${a.array}[${a.offset} + t];`;
          return perExample(`for (let i = 0; i < ${M}; i++) w[${o.offset} + (${k * M} + i) * ${B} + b] = ${a.array}[${a.offset} + i];`, B);
        })
        .join('\n');
    }
  }
}
