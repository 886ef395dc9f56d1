// The scalar expression graph every analysis works on. Tensors are lowered to arrays of scalar
// nodes; nodes are hash-consed, so equal subexpressions are one node (common subexpressions are
// shared for free in derivatives and generated code). Node ids are topologically ordered:
// a node's operands always have smaller ids.

export type FnName =
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'softplus'
  | 'sin'
  | 'cos'
  | 'max'
  | 'min'
  /** Heaviside step, 1 for x > 0 else 0: the derivative of relu (0 at 0, as in PyTorch). */
  | 'step'
  /** sign(x) in {-1, 0, 1}: the derivative of abs. */
  | 'sign';

export type Node =
  | { op: 'const'; value: number }
  | { op: 'param'; index: number }
  | { op: 'data'; index: number }
  | { op: 'add'; a: number; b: number }
  | { op: 'mul'; a: number; b: number }
  | { op: 'div'; a: number; b: number }
  | { op: 'neg'; a: number }
  | { op: 'pow'; a: number; b: number }
  | { op: 'fn'; fn: FnName; a: number; b?: number };

/**
 * Hash-consed nodes (the scalar and the tensor graph): a node equal to one already there (the same
 * key) is that one; a node's id is its index, its operands come before it.
 */
export class HashConsed<N> {
  readonly nodes: N[] = [];
  private readonly ids = new Map<string, number>();

  constructor(private readonly keyOf: (node: N) => string) {}

  protected intern(node: N): number {
    const key = this.keyOf(node);
    const found = this.ids.get(key);
    if (found !== undefined) return found;
    const id = this.nodes.length;
    this.nodes.push(node);
    this.ids.set(key, id);
    this.added(node);
    return id;
  }

  /** Called once for each new node. */
  protected added(node: N): void {
    void node;
  }

  /** Interns another graph's node list into this new one: each node is new, so it keeps its id. */
  protected internAll(nodes: readonly N[]): this {
    nodes.forEach((n, i) => {
      const id = this.intern(n);
      if (id !== i) throw new Error(`node ${i} repeats node ${id}: not the nodes of a graph`);
    });
    return this;
  }
}

/** The hash-consing key of a node: equal keys, equal nodes. */
function nodeKey(n: Node): string {
  switch (n.op) {
    case 'const':
      return `c${n.value}`;
    case 'param':
      return `p${n.index}`;
    case 'data':
      return `d${n.index}`;
    case 'add':
      return `+${n.a},${n.b}`;
    case 'mul':
      return `*${n.a},${n.b}`;
    case 'div':
      return `/${n.a},${n.b}`;
    case 'neg':
      return `-${n.a}`;
    case 'pow':
      return `^${n.a},${n.b}`;
    case 'fn':
      return n.b === undefined ? `${n.fn}(${n.a})` : `${n.fn}(${n.a},${n.b})`;
  }
}

export class Graph extends HashConsed<Node> {
  constructor() {
    super(nodeKey);
  }

  /** A graph of these nodes (the `nodes` of another graph), with the same ids. */
  static fromNodes(nodes: readonly Node[]): Graph {
    return new Graph().internAll(nodes);
  }

  constant(value: number): number {
    // -0 and 0 are the same constant; NaN keeps its own key.
    const v = Object.is(value, -0) ? 0 : value;
    return this.intern({ op: 'const', value: v });
  }

  param(index: number): number {
    return this.intern({ op: 'param', index });
  }

  data(index: number): number {
    return this.intern({ op: 'data', index });
  }

  constValue(id: number): number | undefined {
    const n = this.nodes[id];
    return n.op === 'const' ? n.value : undefined;
  }

  add(a: number, b: number): number {
    const ca = this.constValue(a);
    const cb = this.constValue(b);
    if (ca !== undefined && cb !== undefined) return this.constant(ca + cb);
    if (ca === 0) return b;
    if (cb === 0) return a;
    const nb = this.nodes[b];
    if (nb.op === 'neg' && nb.a === a) return this.constant(0);
    const na = this.nodes[a];
    if (na.op === 'neg' && na.a === b) return this.constant(0);
    const [x, y] = a <= b ? [a, b] : [b, a];
    return this.intern({ op: 'add', a: x, b: y });
  }

  sub(a: number, b: number): number {
    if (a === b) return this.constant(0);
    return this.add(a, this.neg(b));
  }

  neg(a: number): number {
    const n = this.nodes[a];
    if (n.op === 'const') return this.constant(-n.value);
    if (n.op === 'neg') return n.a;
    return this.intern({ op: 'neg', a });
  }

  mul(a: number, b: number): number {
    const ca = this.constValue(a);
    const cb = this.constValue(b);
    if (ca !== undefined && cb !== undefined) return this.constant(ca * cb);
    if (ca === 0 || cb === 0) return this.constant(0);
    if (ca === 1) return b;
    if (cb === 1) return a;
    if (ca === -1) return this.neg(b);
    if (cb === -1) return this.neg(a);
    // Pull negations out so that x*(-y) and -(x*y) are one node.
    const na = this.nodes[a];
    const nb = this.nodes[b];
    if (na.op === 'neg') return this.neg(this.mul(na.a, b));
    if (nb.op === 'neg') return this.neg(this.mul(a, nb.a));
    if (a === b) return this.pow(a, this.constant(2));
    const [x, y] = a <= b ? [a, b] : [b, a];
    return this.intern({ op: 'mul', a: x, b: y });
  }

  div(a: number, b: number): number {
    const ca = this.constValue(a);
    const cb = this.constValue(b);
    if (ca !== undefined && cb !== undefined) return this.constant(ca / cb);
    if (ca === 0) return this.constant(0);
    if (cb === 1) return a;
    if (cb === -1) return this.neg(a);
    if (cb !== undefined && cb !== 0 && isFinite(1 / cb)) return this.mul(a, this.constant(1 / cb));
    if (a === b) return this.constant(1);
    const na = this.nodes[a];
    if (na.op === 'neg') return this.neg(this.div(na.a, b));
    return this.intern({ op: 'div', a, b });
  }

  pow(a: number, b: number): number {
    const ca = this.constValue(a);
    const cb = this.constValue(b);
    if (ca !== undefined && cb !== undefined) return this.constant(Math.pow(ca, cb));
    if (cb === 0) return this.constant(1);
    if (cb === 1) return a;
    const na = this.nodes[a];
    // (x^p)^q = x^(pq) holds for integer q; keep it to that case.
    if (cb !== undefined && na.op === 'pow' && Number.isInteger(cb)) {
      const inner = this.constValue(na.b);
      if (inner !== undefined) return this.pow(na.a, this.constant(inner * cb));
    }
    return this.intern({ op: 'pow', a, b });
  }

  fn(fn: FnName, a: number, b?: number): number {
    const ca = this.constValue(a);
    if (b === undefined && ca !== undefined) return this.constant(evalFn(fn, ca, 0));
    if (b !== undefined) {
      const cb = this.constValue(b);
      if (ca !== undefined && cb !== undefined) return this.constant(evalFn(fn, ca, cb));
      if (a === b) return a; // max(x, x) = min(x, x) = x
      return this.intern({ op: 'fn', fn, a, b });
    }
    return this.intern({ op: 'fn', fn, a });
  }

  /** Ids of every node `roots` depend on, in increasing (topological) order. */
  reachable(roots: number[]): number[] {
    const seen = new Uint8Array(this.nodes.length);
    const stack = [...roots];
    while (stack.length) {
      const id = stack.pop() as number;
      if (seen[id]) continue;
      seen[id] = 1;
      const n = this.nodes[id];
      if ('a' in n) stack.push(n.a);
      if ('b' in n && n.b !== undefined) stack.push(n.b);
    }
    const out: number[] = [];
    for (let i = 0; i < seen.length; i++) if (seen[i]) out.push(i);
    return out;
  }

  /**
   * The roots rebuilt with some leaves replaced: `leaf` returns the node a parameter or data node
   * becomes (undefined keeps it). Rebuilding through the constructors folds what becomes constant.
   */
  substitute(roots: number[], leaf: (n: Node, id: number) => number | undefined): number[] {
    const map = new Map<number, number>();
    const m = (x: number) => map.get(x) as number;
    for (const id of this.reachable(roots)) {
      const n = this.nodes[id];
      let out: number;
      switch (n.op) {
        case 'const':
          out = id;
          break;
        case 'param':
        case 'data':
          out = leaf(n, id) ?? id;
          break;
        case 'add':
          out = this.add(m(n.a), m(n.b));
          break;
        case 'mul':
          out = this.mul(m(n.a), m(n.b));
          break;
        case 'div':
          out = this.div(m(n.a), m(n.b));
          break;
        case 'neg':
          out = this.neg(m(n.a));
          break;
        case 'pow':
          out = this.pow(m(n.a), m(n.b));
          break;
        case 'fn':
          out = this.fn(n.fn, m(n.a), n.b !== undefined ? m(n.b) : undefined);
          break;
      }
      map.set(id, out);
    }
    return roots.map(m);
  }
}

export function evalFn(fn: FnName, x: number, y: number): number {
  switch (fn) {
    case 'exp':
      return Math.exp(x);
    case 'log':
      return Math.log(x);
    case 'sqrt':
      return Math.sqrt(x);
    case 'abs':
      return Math.abs(x);
    case 'tanh':
      return Math.tanh(x);
    case 'sigmoid':
      return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    case 'relu':
      return x > 0 ? x : 0;
    case 'softplus':
      return x > 30 ? x : Math.log1p(Math.exp(x));
    case 'sin':
      return Math.sin(x);
    case 'cos':
      return Math.cos(x);
    case 'max':
      return Math.max(x, y);
    case 'min':
      return Math.min(x, y);
    case 'step':
      return x > 0 ? 1 : 0;
    case 'sign':
      return x > 0 ? 1 : x < 0 ? -1 : 0;
  }
}
