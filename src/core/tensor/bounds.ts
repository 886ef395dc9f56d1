// Tensor values with a running bound on their rounding error (the tensor form of
// expr/errorBound.ts): every entry carries v and e with |v − v_exact| ≤ e to first order, the exact
// value being the same expression in real arithmetic at the same inputs. A sum of k products adds
// k units of the largest partial sum's size. Used to decide whether a symmetry residual at a
// re-check point is rounding error, at any model size.
import { Layout } from './compile';
import { flatStart, sizeOf, TGraph } from './graph';

const U = 2 ** -53;
const LIB = 2 * U;

export interface TensorBounds {
  value: Float64Array[];
  error: Float64Array[];
}

function unaryBound(fn: string, x: number, ex: number): [number, number] {
  switch (fn) {
    case 'neg':
      return [-x, ex];
    case 'exp': {
      const v = Math.exp(x);
      return [v, Math.abs(v) * Math.expm1(ex) + LIB * Math.abs(v)];
    }
    case 'log': {
      const v = Math.log(x);
      return [v, Math.abs(x) > ex ? ex / (Math.abs(x) - ex) + LIB * Math.abs(v) : Infinity];
    }
    case 'sqrt': {
      const v = Math.sqrt(x);
      return [v, (x > ex ? ex / (2 * Math.sqrt(x - ex)) : Math.sqrt(ex)) + U * Math.abs(v)];
    }
    case 'abs':
      return [Math.abs(x), ex];
    case 'tanh': {
      const v = Math.tanh(x);
      return [v, ex + LIB * Math.abs(v)];
    }
    case 'sigmoid': {
      const v = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
      return [v, 0.25 * ex + 4 * U * Math.abs(v)];
    }
    case 'relu':
      return [x > 0 ? x : 0, ex];
    case 'softplus': {
      const v = x > 30 ? x : Math.log1p(Math.exp(x));
      return [v, ex + 4 * U * Math.abs(v)];
    }
    case 'sin':
      return [Math.sin(x), ex + LIB];
    case 'cos':
      return [Math.cos(x), ex + LIB];
    case 'step':
      return [x > 0 ? 1 : 0, Math.abs(x) <= ex ? 1 : 0];
    case 'sign':
      return [x > 0 ? 1 : x < 0 ? -1 : 0, Math.abs(x) <= ex ? 2 : 0];
  }
  throw new Error(`unknown function ${fn}`);
}

function binaryBound(fn: string, a: number, ea: number, b: number, eb: number, constExp: number | undefined): [number, number] {
  switch (fn) {
    case 'add': {
      const v = a + b;
      return [v, ea + eb + U * Math.abs(v)];
    }
    case 'sub': {
      const v = a - b;
      return [v, ea + eb + U * Math.abs(v)];
    }
    case 'mul': {
      const v = a * b;
      return [v, Math.abs(a) * eb + Math.abs(b) * ea + ea * eb + U * Math.abs(v)];
    }
    case 'div': {
      const v = a / b;
      return [v, Math.abs(b) > eb ? (ea + Math.abs(v) * eb) / (Math.abs(b) - eb) + U * Math.abs(v) : Infinity];
    }
    case 'pow': {
      const v = Math.pow(a, b);
      if (constExp !== undefined) {
        const reach = Math.abs(a) + ea;
        let e = Math.abs(constExp) * Math.pow(constExp >= 1 ? reach : Math.max(Math.abs(a) - ea, 0), constExp - 1) * ea + LIB * Math.abs(v);
        if (!Number.isFinite(e)) e = ea === 0 ? LIB * Math.abs(v) : Infinity;
        return [v, e];
      }
      if (ea === 0 && eb === 0) return [v, LIB * Math.abs(v)];
      return [v, Math.abs(v) * (Math.abs(b) * (a !== 0 ? ea / Math.abs(a) : Infinity) + Math.abs(Math.log(Math.abs(a))) * eb) + LIB * Math.abs(v)];
    }
    case 'max':
      return [Math.max(a, b), Math.max(ea, eb)];
    case 'min':
      return [Math.min(a, b), Math.max(ea, eb)];
  }
  throw new Error(`unknown operation ${fn}`);
}

/** Evaluates `outputs` at (θ, z) with entrywise rounding-error bounds. */
export function evaluateBounds(g: TGraph, outputs: number[], layout: Layout, theta: ArrayLike<number>, z: ArrayLike<number>): TensorBounds {
  const V = new Map<number, Float64Array>();
  const E = new Map<number, Float64Array>();
  for (const id of g.reachable(outputs)) {
    const n = g.nodes[id];
    const N = sizeOf(n.shape);
    const v = new Float64Array(N);
    const e = new Float64Array(N);
    const va = (x: number) => V.get(x) as Float64Array;
    const ea = (x: number) => E.get(x) as Float64Array;
    switch (n.op) {
      case 'param':
        for (let i = 0; i < N; i++) v[i] = theta[layout.paramOffset[n.index] + i];
        break;
      case 'data':
        for (let i = 0; i < N; i++) v[i] = z[layout.dataOffset[n.index] + i];
        break;
      case 'const':
        v.set(n.values);
        break;
      case 'unary': {
        const a = va(n.a);
        const ae = ea(n.a);
        for (let i = 0; i < N; i++) [v[i], e[i]] = unaryBound(n.fn, a[i], ae[i]);
        break;
      }
      case 'binary': {
        const a = va(n.a);
        const b = va(n.b);
        const ae = ea(n.a);
        const be = ea(n.b);
        const sa = a.length === 1 && N > 1;
        const sb = b.length === 1 && N > 1;
        const c = n.fn === 'pow' ? g.scalarConst(n.b) : undefined;
        for (let i = 0; i < N; i++) [v[i], e[i]] = binaryBound(n.fn, a[sa ? 0 : i], ae[sa ? 0 : i], b[sb ? 0 : i], be[sb ? 0 : i], c);
        break;
      }
      case 'matmul':
      case 'outer': {
        const a = va(n.a);
        const b = va(n.b);
        const ae = ea(n.a);
        const be = ea(n.b);
        const sA = g.shape(n.a);
        const sB = g.shape(n.b);
        const outer = n.op === 'outer';
        const m = outer ? sA[0] : sA.length === 2 ? sA[0] : 1;
        const k = outer ? 1 : sA[sA.length - 1];
        const nn = outer ? sB[0] : sB.length === 2 ? sB[1] : 1;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < nn; j++) {
            let s = 0;
            let err = 0;
            let mag = 0;
            for (let l = 0; l < k; l++) {
              const x = a[i * k + l];
              const y = b[l * nn + j];
              const ex = ae[i * k + l];
              const ey = be[l * nn + j];
              s += x * y;
              err += Math.abs(x) * ey + Math.abs(y) * ex + ex * ey;
              mag += Math.abs(x * y);
            }
            v[i * nn + j] = s;
            e[i * nn + j] = err + k * U * mag;
          }
        }
        break;
      }
      case 'transpose': {
        const [r, cc] = g.shape(n.a);
        const a = va(n.a);
        const ae = ea(n.a);
        for (let i = 0; i < r; i++)
          for (let j = 0; j < cc; j++) {
            v[j * r + i] = a[i * cc + j];
            e[j * r + i] = ae[i * cc + j];
          }
        break;
      }
      case 'sum': {
        const a = va(n.a);
        const ae = ea(n.a);
        let s = 0;
        let err = 0;
        let mag = 0;
        for (let i = 0; i < a.length; i++) {
          s += a[i];
          err += ae[i];
          mag += Math.abs(a[i]);
        }
        v[0] = s;
        e[0] = err + a.length * U * mag;
        break;
      }
      case 'fill':
        v.fill(va(n.a)[0]);
        e.fill(ea(n.a)[0]);
        break;
      case 'index': {
        const st = flatStart(g.shape(n.a), n.at);
        v.set(va(n.a).subarray(st, st + N));
        e.set(ea(n.a).subarray(st, st + N));
        break;
      }
      case 'scatter': {
        const st = flatStart(n.shape, n.at);
        v.set(va(n.a), st);
        e.set(ea(n.a), st);
        break;
      }
      case 'stack': {
        let off = 0;
        for (const item of n.items) {
          v.set(va(item), off);
          e.set(ea(item), off);
          off += va(item).length;
        }
        break;
      }
    }
    for (let i = 0; i < N; i++) if (Number.isNaN(e[i])) e[i] = Infinity;
    V.set(id, v);
    E.set(id, e);
  }
  return { value: outputs.map((id) => V.get(id) as Float64Array), error: outputs.map((id) => E.get(id) as Float64Array) };
}
