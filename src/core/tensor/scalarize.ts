// The scalar view of a small tensor graph: every tensor node becomes its entries as scalar graph
// nodes (row-major), for what works entry by entry: symbolic proofs (nerdamer), exact polynomial
// expectations over the data, dense Hessians, the component-level symmetry search and the unrolled
// kernels of tiny models. Sums run in the same order as the tensor loops.
import { Graph } from '../expr/graph';
import { flatStart, TGraph, sizeOf } from './graph';

export interface ScalarView {
  graph: Graph;
  /** Scalar nodes of each requested root, row-major. */
  values: Map<number, number[]>;
}

/** Scalar nodes one scalarisation may create before it gives up (the model is too large for it). */
export const MAX_SCALAR_NODES = 300_000;

export class TooLargeForScalars extends Error {}

export function scalarize(tg: TGraph, roots: number[], paramOffset: number[], dataOffset: number[], g = new Graph(), limit = MAX_SCALAR_NODES): ScalarView {
  const values = new Map<number, number[]>();
  const start = g.nodes.length;
  const check = () => {
    if (g.nodes.length - start > limit) throw new TooLargeForScalars();
  };
  for (const id of tg.reachable(roots)) {
    const n = tg.nodes[id];
    const v = (x: number) => values.get(x) as number[];
    let out: number[];
    switch (n.op) {
      case 'param':
        out = Array.from({ length: sizeOf(n.shape) }, (_, k) => g.param(paramOffset[n.index] + k));
        break;
      case 'data':
        out = Array.from({ length: sizeOf(n.shape) }, (_, k) => g.data(dataOffset[n.index] + k));
        break;
      case 'const':
        out = Array.from(n.values, (x) => g.constant(x));
        break;
      case 'unary':
        out = v(n.a).map((x) => (n.fn === 'neg' ? g.neg(x) : g.fn(n.fn, x)));
        break;
      case 'binary': {
        const a = v(n.a);
        const b = v(n.b);
        const N = sizeOf(n.shape);
        out = [];
        for (let k = 0; k < N; k++) {
          const x = a[a.length === 1 ? 0 : k];
          const y = b[b.length === 1 ? 0 : k];
          switch (n.fn) {
            case 'add':
              out.push(g.add(x, y));
              break;
            case 'sub':
              out.push(g.sub(x, y));
              break;
            case 'mul':
              out.push(g.mul(x, y));
              break;
            case 'div':
              out.push(g.div(x, y));
              break;
            case 'pow':
              out.push(g.pow(x, y));
              break;
            case 'max':
            case 'min':
              out.push(g.fn(n.fn, x, y));
              break;
          }
        }
        break;
      }
      case 'matmul': {
        const a = v(n.a);
        const b = v(n.b);
        const sa = tg.shape(n.a);
        const sb = tg.shape(n.b);
        const [m, k1] = sa.length === 2 ? sa : [1, sa[0]];
        const nn = sb.length === 2 ? sb[1] : 1;
        // 2·m·nn·k1 nodes at most: counted before the product is built, not after.
        if (g.nodes.length - start + 2 * m * nn * k1 > limit) throw new TooLargeForScalars();
        out = [];
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < nn; j++) {
            let acc = g.constant(0);
            for (let k = 0; k < k1; k++) acc = g.add(acc, g.mul(a[i * k1 + k], b[k * nn + j]));
            out.push(acc);
          }
          check();
        }
        break;
      }
      case 'outer': {
        const a = v(n.a);
        const b = v(n.b);
        out = [];
        for (const x of a) for (const y of b) out.push(g.mul(x, y));
        break;
      }
      case 'transpose': {
        const a = v(n.a);
        const [r, c] = tg.shape(n.a);
        out = [];
        for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) out.push(a[i * c + j]);
        break;
      }
      case 'sum': {
        let acc = g.constant(0);
        for (const x of v(n.a)) acc = g.add(acc, x);
        out = [acc];
        break;
      }
      case 'fill':
        out = new Array<number>(sizeOf(n.shape)).fill(v(n.a)[0]);
        break;
      case 'index': {
        const a = v(n.a);
        const startAt = flatStart(tg.shape(n.a), n.at);
        out = a.slice(startAt, startAt + sizeOf(n.shape));
        break;
      }
      case 'scatter': {
        const a = v(n.a);
        const startAt = flatStart(n.shape, n.at);
        out = new Array<number>(sizeOf(n.shape)).fill(g.constant(0));
        a.forEach((x, k) => (out[startAt + k] = x));
        break;
      }
      case 'stack':
        out = n.items.flatMap((item) => v(item));
        break;
    }
    values.set(id, out);
    check();
  }
  return { graph: g, values };
}
