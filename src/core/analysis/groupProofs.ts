// Proofs of tensor-level symmetries on the tensor graph itself, at any model size:
//  - homogeneity: under θ_i → e^{λ d_i} θ_i every entry of every node scales by e^{λ·degree}
//    (products add degrees, sums need equal ones, relu and |·| keep them, a matrix product needs
//    one degree along its contracted index); the loss has degree 0, so it is invariant;
//  - covariance: under the action of GL(k) on one axis class every node's axis is invariant, a
//    vector (→ e^{M}·) or a covector (→ ·e^{−M}); only linear maps may touch a transformed axis and a
//    contraction must pair a vector with a covector, so a scalar loss is invariant for every M.
// Either calculus succeeding is a proof; failing proves nothing (the symmetry may still hold).
import { TGraph, sizeOf } from '../tensor/graph';
import { AxisMember, summedProducts } from '../tensor/axes';
import { ParamInfo } from '../lang/model';

/** Degree marker of an entry that is identically zero (any degree fits it). */
const ANY = NaN;
const isAny = (x: number) => Number.isNaN(x);

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Combines two degrees that must agree (a sum, a max): ANY adopts the other; undefined on conflict. */
function same(a: number, b: number): number | undefined {
  if (isAny(a)) return b;
  if (isAny(b)) return a;
  return close(a, b) ? a : undefined;
}

/**
 * Is the loss invariant under θ → e^{λ·diag(d)}θ (d over the flattened components)? Proved by
 * tracking each node entry's degree of homogeneity.
 */
export function proveTensorHomogeneity(g: TGraph, loss: number, params: ParamInfo[], d: ArrayLike<number>): boolean {
  const deg = new Map<number, Float64Array>();
  for (const id of g.reachable([loss])) {
    const n = g.nodes[id];
    const N = sizeOf(n.shape);
    const out = new Float64Array(N);
    const A = (x: number) => deg.get(x) as Float64Array;
    const at = (arr: Float64Array, i: number) => (arr.length === 1 ? arr[0] : arr[i]);
    switch (n.op) {
      case 'param': {
        const p = params[n.index];
        for (let i = 0; i < N; i++) out[i] = d[p.offset + i];
        break;
      }
      case 'data':
        break;
      case 'const':
        for (let i = 0; i < N; i++) out[i] = n.values[i] === 0 ? ANY : 0;
        break;
      case 'unary': {
        const a = A(n.a);
        for (let i = 0; i < N; i++) {
          const x = a[i];
          switch (n.fn) {
            case 'neg':
            case 'relu':
            case 'abs':
              out[i] = x;
              break;
            case 'sqrt':
              out[i] = isAny(x) ? ANY : x / 2;
              break;
            case 'step':
            case 'sign':
              // Positive scalings keep the sign; at an identically zero entry both are 0.
              out[i] = isAny(x) ? ANY : 0;
              break;
            default:
              if (!isAny(x) && !close(x, 0)) return false;
              out[i] = 0;
          }
        }
        break;
      }
      case 'binary': {
        const a = A(n.a);
        const b = A(n.b);
        const c = n.fn === 'pow' ? g.scalarConst(n.b) : undefined;
        for (let i = 0; i < N; i++) {
          const x = at(a, i);
          const y = at(b, i);
          switch (n.fn) {
            case 'add':
            case 'sub':
            case 'max':
            case 'min': {
              const s = same(x, y);
              if (s === undefined) return false;
              out[i] = s;
              break;
            }
            case 'mul':
              out[i] = isAny(x) || isAny(y) ? ANY : x + y;
              break;
            case 'div':
              if (isAny(y)) return false;
              out[i] = isAny(x) ? ANY : x - y;
              break;
            case 'pow':
              if (c !== undefined) {
                if (isAny(x)) {
                  if (!(c > 0)) return false;
                  out[i] = ANY;
                } else out[i] = c * x;
              } else {
                if (!((isAny(x) || close(x, 0)) && (isAny(y) || close(y, 0)))) return false;
                out[i] = 0;
              }
              break;
          }
        }
        break;
      }
      case 'matmul': {
        const sa = g.shape(n.a);
        const sb = g.shape(n.b);
        const a = A(n.a);
        const b = A(n.b);
        const m = sa.length === 2 ? sa[0] : 1;
        const k = sa[sa.length - 1];
        const nn = sb.length === 2 ? sb[1] : 1;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < nn; j++) {
            let acc = ANY;
            for (let l = 0; l < k; l++) {
              const x = a[i * k + l];
              const y = b[l * nn + j];
              if (isAny(x) || isAny(y)) continue;
              const s = same(acc, x + y);
              if (s === undefined) return false;
              acc = s;
            }
            out[i * nn + j] = acc;
          }
        }
        break;
      }
      case 'outer': {
        const a = A(n.a);
        const b = A(n.b);
        const nn = b.length;
        for (let i = 0; i < a.length; i++) for (let j = 0; j < nn; j++) out[i * nn + j] = isAny(a[i]) || isAny(b[j]) ? ANY : a[i] + b[j];
        break;
      }
      case 'transpose': {
        const [r, c] = g.shape(n.a);
        const a = A(n.a);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
        break;
      }
      case 'sum': {
        let acc = ANY;
        for (const x of A(n.a)) {
          const s = same(acc, x);
          if (s === undefined) return false;
          acc = s;
        }
        out[0] = acc;
        break;
      }
      case 'fill':
        out.fill(A(n.a)[0]);
        break;
      case 'index': {
        const sa = g.shape(n.a);
        const st = sa.length === 2 ? (n.at.length === 1 ? n.at[0] * sa[1] : n.at[0] * sa[1] + n.at[1]) : n.at[0];
        out.set(A(n.a).subarray(st, st + N));
        break;
      }
      case 'scatter': {
        out.fill(ANY);
        const st = n.shape.length === 2 ? (n.at.length === 1 ? n.at[0] * n.shape[1] : n.at[0] * n.shape[1] + n.at[1]) : n.at[0];
        out.set(A(n.a), st);
        break;
      }
      case 'stack': {
        let off = 0;
        for (const item of n.items) {
          out.set(A(item), off);
          off += sizeOf(g.shape(item));
        }
        break;
      }
    }
    deg.set(id, out);
  }
  const top = (deg.get(loss) as Float64Array)[0];
  return isAny(top) || close(top, 0);
}

/** How an axis transforms under one class's GL action: 0 invariant, +1 vector, −1 covector. */
type AxisType = number[];

/**
 * Is the loss invariant under the whole of GL(k) acting on the axis class `members` (T → e^{M}T
 * along a member's axis, T → T e^{−M} for a covector member)? Proved by the covariance calculus.
 */
export function proveCovariance(g: TGraph, loss: number, members: AxisMember[]): boolean {
  const types = new Map<number, AxisType>();
  const zero = new Set<number>();
  const order = g.reachable([loss]);
  // sum(a ⊙ b) contracts a with b: the product is covariant only as the operand of that sum.
  const contractions = summedProducts(g, order);
  const paired = new Set<number>();
  const inv = (t: AxisType) => t.every((x) => x === 0);
  for (const id of order) {
    const n = g.nodes[id];
    const rank = n.shape.length;
    const T = (x: number) => types.get(x) as AxisType;
    let out: AxisType | undefined = new Array<number>(rank).fill(0);
    switch (n.op) {
      case 'param':
        for (const m of members) if (m.param === n.index) out[m.axis] = m.sign;
        break;
      case 'data':
        break;
      case 'const':
        if (n.values.every((v) => v === 0)) zero.add(id);
        break;
      case 'unary':
        if (zero.has(n.a) && (n.fn === 'neg' || n.fn === 'relu' || n.fn === 'abs' || n.fn === 'sqrt')) zero.add(id);
        if (n.fn === 'neg') out = [...T(n.a)];
        else if (!inv(T(n.a))) out = undefined;
        break;
      case 'binary': {
        const ta = T(n.a);
        const tb = T(n.b);
        const za = zero.has(n.a);
        const zb = zero.has(n.b);
        if (n.fn === 'add' || n.fn === 'sub') {
          if (za && zb) zero.add(id);
          // A transformed tensor plus anything but itself-alike (or zero) is not covariant.
          if (za) out = tb.length === rank ? [...tb] : inv(tb) ? out : undefined;
          else if (zb) out = ta.length === rank ? [...ta] : inv(ta) ? out : undefined;
          else if (ta.length === tb.length && ta.every((x, i) => x === tb[i])) out = [...ta];
          else out = undefined;
        } else if (contractions.has(id) && !inv(ta) && ta.every((x, i) => x + tb[i] === 0)) {
          paired.add(id);
        } else if (n.fn === 'mul' || n.fn === 'div') {
          if (n.fn === 'mul' && (za || zb)) zero.add(id);
          // Scaling by an invariant scalar is linear; anything else must be invariant.
          const scalarB = tb.length === 0;
          const scalarA = ta.length === 0;
          if (scalarB) out = [...ta];
          else if (scalarA && n.fn === 'mul') out = [...tb];
          else if (!(inv(ta) && inv(tb))) out = undefined;
        } else if (!(inv(ta) && inv(tb))) out = undefined;
        break;
      }
      case 'matmul': {
        const sa = g.shape(n.a);
        const sb = g.shape(n.b);
        const ta = T(n.a);
        const tb = T(n.b);
        if (zero.has(n.a) || zero.has(n.b)) zero.add(id);
        const ca = ta[sa.length - 1];
        const cb = tb[0];
        if (ca + cb !== 0)
          out = undefined; // a contraction pairs a vector with a covector (or two invariants)
        else {
          const res: number[] = [];
          if (sa.length === 2) res.push(ta[0]);
          if (sb.length === 2) res.push(tb[1]);
          out = res;
        }
        break;
      }
      case 'outer':
        out = [T(n.a)[0], T(n.b)[0]];
        break;
      case 'transpose':
        out = [T(n.a)[1], T(n.a)[0]];
        if (zero.has(n.a)) zero.add(id);
        break;
      case 'sum':
        if (!paired.has(n.a) && !inv(T(n.a))) out = undefined;
        break;
      case 'fill':
        break;
      case 'index': {
        const ta = T(n.a);
        if (g.shape(n.a).length === 2 && n.at.length === 1) out = ta[0] === 0 ? [ta[1]] : undefined;
        else if (!inv(ta)) out = undefined;
        break;
      }
      case 'scatter': {
        const ta = T(n.a);
        if (n.shape.length === 2 && n.at.length === 1) out = [0, ta[0]];
        else if (!inv(ta)) out = undefined;
        break;
      }
      case 'stack': {
        const t0 = T(n.items[0]);
        if (!n.items.every((it) => T(it).every((x, i) => x === t0[i]))) out = undefined;
        else out = [0, ...t0];
        break;
      }
    }
    if (!out) return false;
    types.set(id, out);
  }
  return true;
}
