// The tensor expression graph: the checked form of a `.loss` file whatever its size. Nodes carry a
// shape (scalar [], vector [n], matrix [m, n]); matrix products, elementwise maps with scalar
// broadcasting, reductions, transposes and indexing stay whole tensors, so the graph, its
// derivatives and the code generated from it grow with the expression, not with the number of
// parameters (a 784 × 64 layer is one node, not 50 176). Nodes are hash-consed and topologically
// ordered (operands have smaller ids). Constant subexpressions are folded.
import { evalFn, FnName, HashConsed } from '../expr/graph';

export type Shape = readonly number[];

export type UnaryFn = 'neg' | Exclude<FnName, 'max' | 'min'>;
export type BinaryFn = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min';

export type TNode =
  | { op: 'param'; index: number; shape: Shape }
  | { op: 'data'; index: number; shape: Shape }
  | { op: 'const'; values: Float64Array; shape: Shape }
  /** Elementwise f(a). */
  | { op: 'unary'; fn: UnaryFn; a: number; shape: Shape }
  /** Elementwise a ∘ b; one side may be a scalar (broadcast). */
  | { op: 'binary'; fn: BinaryFn; a: number; b: number; shape: Shape }
  /** [m,k]@[k,n] → [m,n]; [m,k]@[k] → [m]; [k]@[k,n] → [n]; [k]@[k] → []. */
  | { op: 'matmul'; a: number; b: number; shape: Shape }
  /** [m] ⊗ [n] → [m, n]. */
  | { op: 'outer'; a: number; b: number; shape: Shape }
  | { op: 'transpose'; a: number; shape: Shape }
  /** Sum of all entries → []. */
  | { op: 'sum'; a: number; shape: Shape }
  /** A scalar repeated to `shape`. */
  | { op: 'fill'; a: number; shape: Shape }
  /** a[at…]: a row of a matrix, an entry of a matrix or of a vector. */
  | { op: 'index'; a: number; at: number[]; shape: Shape }
  /** Zeros of `shape` with a placed at `at` (the adjoint of index). */
  | { op: 'scatter'; a: number; at: number[]; shape: Shape }
  /** Items of one shape stacked along a new leading axis. */
  | { op: 'stack'; items: number[]; shape: Shape };

export function sizeOf(shape: Shape): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** Offset of the entry (or the row) `at` in a row-major tensor of `shape`. */
export function flatStart(shape: Shape, at: number[]): number {
  return shape.length === 2 ? (at.length === 1 ? at[0] * shape[1] : at[0] * shape[1] + at[1]) : at[0];
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Shape of a matrix product, or undefined when the operands do not fit. */
export function matmulShape(a: Shape, b: Shape): Shape | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const k1 = a[a.length - 1];
  const k2 = b[0];
  if (k1 !== k2) return undefined;
  if (a.length === 2 && b.length === 2) return [a[0], b[1]];
  if (a.length === 2) return [a[0]];
  if (b.length === 2) return [b[1]];
  return [];
}

export class TGraph extends HashConsed<TNode> {
  /** Total entries of all nodes: the generated code's workspace. */
  entries = 0;

  constructor() {
    super(nodeKey);
  }

  /** A graph of these nodes (the `nodes` of another graph), with the same ids. */
  static fromNodes(nodes: readonly TNode[]): TGraph {
    return new TGraph().internAll(nodes);
  }

  protected added(node: TNode): void {
    this.entries += sizeOf(node.shape);
  }

  shape(id: number): Shape {
    return this.nodes[id].shape;
  }

  constValues(id: number): Float64Array | undefined {
    const n = this.nodes[id];
    return n.op === 'const' ? n.values : undefined;
  }

  /** The value of a scalar constant node, else undefined. */
  scalarConst(id: number): number | undefined {
    const v = this.constValues(id);
    return v && this.nodes[id].shape.length === 0 ? v[0] : undefined;
  }

  param(index: number, shape: Shape): number {
    return this.intern({ op: 'param', index, shape });
  }

  data(index: number, shape: Shape): number {
    return this.intern({ op: 'data', index, shape });
  }

  constant(values: ArrayLike<number>, shape: Shape = []): number {
    const vals = Float64Array.from(values, (v) => (Object.is(v, -0) ? 0 : v));
    return this.intern({ op: 'const', values: vals, shape });
  }

  scalar(v: number): number {
    return this.constant([v], []);
  }

  zeros(shape: Shape): number {
    return this.constant(new Float64Array(sizeOf(shape)), shape);
  }

  unary(fn: UnaryFn, a: number): number {
    const sh = this.shape(a);
    const ca = this.constValues(a);
    if (ca)
      return this.constant(
        Array.from(ca, (x) => (fn === 'neg' ? -x : evalFn(fn, x, 0))),
        sh,
      );
    const na = this.nodes[a];
    if (fn === 'neg' && na.op === 'unary' && na.fn === 'neg') return na.a;
    return this.intern({ op: 'unary', fn, a, shape: sh });
  }

  neg(a: number): number {
    return this.unary('neg', a);
  }

  binary(fn: BinaryFn, a: number, b: number): number {
    const sa = this.shape(a);
    const sb = this.shape(b);
    const shape = sa.length === 0 ? sb : sa;
    const ca = this.constValues(a);
    const cb = this.constValues(b);
    if (ca && cb) {
      const n = sizeOf(shape);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = applyBinary(fn, ca[sa.length === 0 ? 0 : i], cb[sb.length === 0 ? 0 : i]);
      return this.constant(out, shape);
    }
    // Simplifications with constants whose entries are all one value (a scalar or a filled tensor).
    const ua = uniform(ca);
    const ub = uniform(cb);
    const keepsShape = (id: number) => sameShape(this.shape(id), shape);
    switch (fn) {
      case 'add':
        if (ua === 0 && keepsShape(b)) return b;
        if (ub === 0 && keepsShape(a)) return a;
        break;
      case 'sub':
        if (ub === 0 && keepsShape(a)) return a;
        if (a === b) return this.zeros(shape);
        if (ua === 0 && keepsShape(b)) return this.neg(b);
        break;
      case 'mul':
        if (ua === 1 && keepsShape(b)) return b;
        if (ub === 1 && keepsShape(a)) return a;
        if (ua === 0 || ub === 0) return this.zeros(shape);
        if (ua === -1 && keepsShape(b)) return this.neg(b);
        if (ub === -1 && keepsShape(a)) return this.neg(a);
        break;
      case 'div':
        if (ub === 1 && keepsShape(a)) return a;
        if (ua === 0) return this.zeros(shape);
        if (sb.length === 0 && ub !== undefined && ub !== 0 && Number.isFinite(1 / ub)) return this.binary('mul', a, this.scalar(1 / ub));
        break;
      case 'pow':
        if (ub === 1 && keepsShape(a)) return a;
        if (ub === 0) return this.constant(new Float64Array(sizeOf(shape)).fill(1), shape);
        break;
      case 'max':
      case 'min':
        if (a === b) return a;
        break;
    }
    // Commutative operations: one order, so that a∘b and b∘a are one node.
    const [x, y] = (fn === 'add' || fn === 'mul' || fn === 'max' || fn === 'min') && sameShape(sa, sb) && b < a ? [b, a] : [a, b];
    return this.intern({ op: 'binary', fn, a: x, b: y, shape });
  }

  add(a: number, b: number): number {
    return this.binary('add', a, b);
  }
  sub(a: number, b: number): number {
    return this.binary('sub', a, b);
  }
  mul(a: number, b: number): number {
    return this.binary('mul', a, b);
  }
  div(a: number, b: number): number {
    return this.binary('div', a, b);
  }

  matmul(a: number, b: number): number {
    const shape = matmulShape(this.shape(a), this.shape(b));
    if (!shape) throw new Error(`matmul of [${this.shape(a).join(', ')}] and [${this.shape(b).join(', ')}]`);
    const ca = this.constValues(a);
    const cb = this.constValues(b);
    if (ca && cb) return this.constant(constMatmul(ca, this.shape(a), cb, this.shape(b)), shape);
    if ((ca && ca.every((v) => v === 0)) || (cb && cb.every((v) => v === 0))) return this.zeros(shape);
    return this.intern({ op: 'matmul', a, b, shape });
  }

  outer(a: number, b: number): number {
    const [m] = this.shape(a);
    const [n] = this.shape(b);
    const shape = [m, n];
    const ca = this.constValues(a);
    const cb = this.constValues(b);
    if (ca && cb) {
      const out = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = ca[i] * cb[j];
      return this.constant(out, shape);
    }
    return this.intern({ op: 'outer', a, b, shape });
  }

  transpose(a: number): number {
    const sh = this.shape(a);
    if (sh.length < 2) return a;
    const shape = [sh[1], sh[0]];
    const na = this.nodes[a];
    if (na.op === 'transpose') return na.a;
    const ca = this.constValues(a);
    if (ca) {
      const out = new Float64Array(ca.length);
      for (let i = 0; i < sh[0]; i++) for (let j = 0; j < sh[1]; j++) out[j * sh[0] + i] = ca[i * sh[1] + j];
      return this.constant(out, shape);
    }
    return this.intern({ op: 'transpose', a, shape });
  }

  sum(a: number): number {
    const sh = this.shape(a);
    if (sh.length === 0) return a;
    const ca = this.constValues(a);
    if (ca) return this.scalar(ca.reduce((s, v) => s + v, 0));
    const na = this.nodes[a];
    if (na.op === 'fill') return this.mul(na.a, this.scalar(sizeOf(sh)));
    return this.intern({ op: 'sum', a, shape: [] });
  }

  fill(a: number, shape: Shape): number {
    if (shape.length === 0) return a;
    const x = this.scalarConst(a);
    if (x !== undefined) return this.constant(new Float64Array(sizeOf(shape)).fill(x), shape);
    return this.intern({ op: 'fill', a, shape });
  }

  index(a: number, at: number[]): number {
    const sh = this.shape(a);
    const shape = sh.length === 2 && at.length === 1 ? [sh[1]] : [];
    const ca = this.constValues(a);
    if (ca) {
      if (shape.length === 1) return this.constant(ca.slice(at[0] * sh[1], (at[0] + 1) * sh[1]), shape);
      return this.scalar(ca[sh.length === 2 ? at[0] * sh[1] + at[1] : at[0]]);
    }
    const na = this.nodes[a];
    if (na.op === 'stack') {
      const item = na.items[at[0]];
      return at.length === 1 ? item : this.index(item, at.slice(1));
    }
    return this.intern({ op: 'index', a, at, shape });
  }

  scatter(a: number, at: number[], shape: Shape): number {
    if (this.constValues(a)?.every((v) => v === 0)) return this.zeros(shape);
    return this.intern({ op: 'scatter', a, at, shape });
  }

  stack(items: number[]): number {
    const inner = this.shape(items[0]);
    const shape = [items.length, ...inner];
    const cs = items.map((i) => this.constValues(i));
    if (cs.every((c) => c !== undefined)) {
      const out = new Float64Array(sizeOf(shape));
      const k = sizeOf(inner);
      cs.forEach((c, i) => out.set(c, i * k));
      return this.constant(out, shape);
    }
    return this.intern({ op: 'stack', items, shape });
  }

  /** Ids of every node `roots` depend on, in increasing (topological) order. */
  reachable(roots: number[]): number[] {
    const seen = new Uint8Array(this.nodes.length);
    const stack = [...roots];
    while (stack.length) {
      const id = stack.pop() as number;
      if (seen[id]) continue;
      seen[id] = 1;
      for (const o of operands(this.nodes[id])) stack.push(o);
    }
    const out: number[] = [];
    for (let i = 0; i < seen.length; i++) if (seen[i]) out.push(i);
    return out;
  }
}

/** The hash-consing key of a node: equal keys, equal nodes. */
function nodeKey(n: TNode): string {
  switch (n.op) {
    case 'param':
      return `p${n.index}`;
    case 'data':
      return `d${n.index}`;
    case 'const':
      return `c[${n.shape.join(',')}]${Array.from(n.values).join(',')}`;
    case 'unary':
      return `${n.fn}(${n.a})`;
    case 'binary':
      return `${n.fn}(${n.a},${n.b})`;
    case 'matmul':
      return `@(${n.a},${n.b})`;
    case 'outer':
      return `o(${n.a},${n.b})`;
    case 'transpose':
      return `T(${n.a})`;
    case 'sum':
      return `sum(${n.a})`;
    case 'fill':
      return `fill(${n.a};${n.shape.join(',')})`;
    case 'index':
      return `[${n.a};${n.at.join(',')}]`;
    case 'scatter':
      return `sc(${n.a};${n.at.join(',')};${n.shape.join(',')})`;
    case 'stack':
      return `st(${n.items.join(',')})`;
  }
}

/** The common value of a constant's entries, if they are all equal. */
function uniform(v: Float64Array | undefined): number | undefined {
  if (!v || v.length === 0) return undefined;
  const x = v[0];
  for (let i = 1; i < v.length; i++) if (v[i] !== x) return undefined;
  return x;
}

export function operands(n: TNode): number[] {
  switch (n.op) {
    case 'param':
    case 'data':
    case 'const':
      return [];
    case 'binary':
    case 'matmul':
    case 'outer':
      return [n.a, n.b];
    case 'stack':
      return n.items;
    default:
      return [n.a];
  }
}

export function applyBinary(fn: BinaryFn, x: number, y: number): number {
  switch (fn) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return x / y;
    case 'pow':
      return Math.pow(x, y);
    case 'max':
      return Math.max(x, y);
    case 'min':
      return Math.min(x, y);
  }
}

function constMatmul(a: Float64Array, sa: Shape, b: Float64Array, sb: Shape): Float64Array {
  const m = sa.length === 2 ? sa[0] : 1;
  const k = sa[sa.length - 1];
  const n = sb.length === 2 ? sb[1] : 1;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * k + l] * b[l * n + j];
      out[i * n + j] = s;
    }
  }
  return out;
}
