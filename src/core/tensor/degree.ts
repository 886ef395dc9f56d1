// The degree of a tensor expression as a polynomial in the data (Infinity where it is not one):
// a loss whose per-example gradient has degree ≤ 3 in independent, symmetric data has its expected
// gradient exactly from a cubature rule with 2·d points (analysis/expectedLoss.ts).
import { TGraph } from './graph';

/** Largest degree in the data over the entries of each of `ids` (the max over them). */
export function dataDegree(g: TGraph, ids: number[]): number {
  const deg = new Map<number, number>();
  const of = (id: number): number => {
    const known = deg.get(id);
    if (known !== undefined) return known;
    const d = nodeDegree(g, id, of);
    deg.set(id, d);
    return d;
  };
  // Operands have smaller ids: visiting in id order keeps the recursion one level deep.
  const top = Math.max(-1, ...ids);
  for (let id = 0; id <= top; id++) of(id);
  return Math.max(0, ...ids.map(of));
}

function nodeDegree(g: TGraph, id: number, of: (id: number) => number): number {
  const nd = g.nodes[id];
  switch (nd.op) {
    case 'param':
    case 'const':
      return 0;
    case 'data':
      return 1;
    case 'unary':
      // A function of the data other than negation is no polynomial (exp, tanh, relu, abs, …).
      return nd.fn === 'neg' ? of(nd.a) : of(nd.a) === 0 ? 0 : Infinity;
    case 'binary': {
      const a = of(nd.a);
      const b = of(nd.b);
      switch (nd.fn) {
        case 'add':
        case 'sub':
          return Math.max(a, b);
        case 'mul':
          return a + b;
        case 'div':
          return b === 0 ? a : Infinity;
        case 'pow': {
          if (a === 0 && b === 0) return 0;
          const e = g.constValues(nd.b);
          const k = e?.[0];
          if (b !== 0 || !e || k === undefined || !e.every((x) => x === k) || !Number.isInteger(k) || k < 0) return Infinity;
          return k === 0 ? 0 : a * k;
        }
        default:
          return a === 0 && b === 0 ? 0 : Infinity;
      }
    }
    case 'matmul':
    case 'outer':
      return of(nd.a) + of(nd.b);
    case 'stack':
      return Math.max(0, ...nd.items.map(of));
    default:
      return of(nd.a);
  }
}
