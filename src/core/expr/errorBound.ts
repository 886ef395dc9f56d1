// Values with a running bound on their floating-point rounding error (Wilkinson's running error
// analysis, to first order): every node carries v and e with |v − v_exact| ≤ e, where the exact
// value is that of the same expression in real arithmetic at the same (exactly represented)
// inputs. Constants count as exact: they define the model. The symmetry re-check uses it to ask
// "is this residual rounding error?" with a threshold derived from the evaluation itself rather
// than a fixed tolerance.
import { Graph } from './graph';

/** Unit roundoff of IEEE double precision. */
export const UNIT_ROUNDOFF = 2 ** -53;
const U = UNIT_ROUNDOFF;
/** Library functions (exp, log, tanh, …) are within a few ulps in V8: count 2u of the result. */
const LIB = 2 * U;

export interface BoundedValues {
  value: Float64Array;
  error: Float64Array;
}

/** Evaluates `outputs` at (p, d), returning each output's value and rounding-error bound. */
export function evaluateWithErrors(g: Graph, outputs: number[], p: ArrayLike<number>, d: ArrayLike<number>): BoundedValues {
  const order = g.reachable(outputs);
  const v = new Map<number, number>();
  const e = new Map<number, number>();
  for (const id of order) {
    const n = g.nodes[id];
    let x = 0;
    let err = 0;
    const va = 'a' in n ? (v.get(n.a) as number) : 0;
    const ea = 'a' in n ? (e.get(n.a) as number) : 0;
    const vb = 'b' in n && n.b !== undefined ? (v.get(n.b) as number) : 0;
    const eb = 'b' in n && n.b !== undefined ? (e.get(n.b) as number) : 0;
    switch (n.op) {
      case 'const':
        x = n.value;
        break;
      case 'param':
        x = p[n.index];
        break;
      case 'data':
        x = d[n.index];
        break;
      case 'add':
        x = va + vb;
        err = ea + eb + U * Math.abs(x);
        break;
      case 'neg':
        x = -va;
        err = ea;
        break;
      case 'mul':
        x = va * vb;
        err = Math.abs(va) * eb + Math.abs(vb) * ea + ea * eb + U * Math.abs(x);
        break;
      case 'div':
        x = va / vb;
        err = Math.abs(vb) > eb ? (ea + Math.abs(x) * eb) / (Math.abs(vb) - eb) + U * Math.abs(x) : Infinity;
        break;
      case 'pow': {
        x = Math.pow(va, vb);
        const c = g.constValue(n.b);
        if (c !== undefined) {
          // d(a^c) = c a^(c−1) da; near a = 0 the first-order bound uses the larger endpoint.
          const reach = Math.abs(va) + ea;
          err = Math.abs(c) * Math.pow(c >= 1 ? reach : Math.max(Math.abs(va) - ea, 0), c - 1) * ea + LIB * Math.abs(x);
          if (!Number.isFinite(err)) err = ea === 0 ? LIB * Math.abs(x) : Infinity;
        } else {
          err = Math.abs(x) * (Math.abs(vb) * (va !== 0 ? ea / Math.abs(va) : Infinity) + Math.abs(Math.log(Math.abs(va))) * eb) + LIB * Math.abs(x);
          if (ea === 0 && eb === 0) err = LIB * Math.abs(x);
        }
        break;
      }
      case 'fn': {
        switch (n.fn) {
          case 'exp':
            x = Math.exp(va);
            err = Math.abs(x) * Math.expm1(ea) + LIB * Math.abs(x);
            break;
          case 'log':
            x = Math.log(va);
            err = Math.abs(va) > ea ? ea / (Math.abs(va) - ea) + LIB * Math.abs(x) : Infinity;
            break;
          case 'sqrt':
            x = Math.sqrt(va);
            err = (va > ea ? ea / (2 * Math.sqrt(va - ea)) : Math.sqrt(ea)) + U * Math.abs(x);
            break;
          case 'abs':
            x = Math.abs(va);
            err = ea;
            break;
          case 'tanh':
            x = Math.tanh(va);
            err = ea + LIB * Math.abs(x);
            break;
          case 'sigmoid':
            x = va >= 0 ? 1 / (1 + Math.exp(-va)) : Math.exp(va) / (1 + Math.exp(va));
            err = 0.25 * ea + 4 * U * Math.abs(x);
            break;
          case 'relu':
            x = va > 0 ? va : 0;
            err = ea;
            break;
          case 'softplus':
            x = va > 30 ? va : Math.log1p(Math.exp(va));
            err = ea + 4 * U * Math.abs(x);
            break;
          case 'sin':
            x = Math.sin(va);
            err = ea + LIB;
            break;
          case 'cos':
            x = Math.cos(va);
            err = ea + LIB;
            break;
          case 'max':
            x = Math.max(va, vb);
            err = Math.max(ea, eb);
            break;
          case 'min':
            x = Math.min(va, vb);
            err = Math.max(ea, eb);
            break;
          case 'step':
            // Exact unless the argument's sign is in doubt.
            x = va > 0 ? 1 : 0;
            err = Math.abs(va) <= ea ? 1 : 0;
            break;
          case 'sign':
            x = va > 0 ? 1 : va < 0 ? -1 : 0;
            err = Math.abs(va) <= ea ? 2 : 0;
            break;
        }
        break;
      }
    }
    v.set(id, x);
    e.set(id, Number.isNaN(err) ? Infinity : err);
  }
  return {
    value: Float64Array.from(outputs, (id) => v.get(id) as number),
    error: Float64Array.from(outputs, (id) => e.get(id) as number),
  };
}
