// Expansion of graph nodes as polynomials in the data components, with coefficients in a ring:
// numbers (θ substituted: exact noise covariance at one point) or graph nodes (θ symbolic: the
// exact expected loss and gradient as functions of θ, for full-batch GD and the law (C) drift).
// A node that is not polynomial in the data (a function of data, division by data) is rejected.
import { Graph } from '../expr/graph';
import { ComponentDist, rawMoments } from '../lang/distributions';

export interface Ring<C> {
  zero: C;
  fromNumber(x: number): C;
  fromParam(index: number): C;
  add(a: C, b: C): C;
  mul(a: C, b: C): C;
  /** The coefficient as a number, if it is one. */
  asNumber(a: C): number | undefined;
  isZero(a: C): boolean;
  /** A function of data-free arguments (exp(u), u^p, max(u, 1)...): computed in the ring. */
  apply(g: Graph, nodeId: number, args: C[]): C | undefined;
}

/** Sparse polynomial: monomial key -> coefficient. Key "3:2,5:1" means z3² z5. */
export type Poly<C> = Map<string, C>;

export class NotPolynomial extends Error {}

const MAX_TERMS = 5000;
/** Monomial products one expansion may form before we give up on a closed form (bounded time). */
const MAX_WORK = 300_000;

/** How many monomial products a computation may still form (each expansion or caller its own). */
export class WorkBudget {
  private work = 0;

  constructor(readonly limit = MAX_WORK) {}

  /** Counts `n` products; throws NotPolynomial once the budget is spent. */
  spend(n: number): void {
    this.work += n;
    if (this.work > this.limit) throw new NotPolynomial();
  }
}

// Monomial keys repeat across every product and every expectation: parsing and multiplying them
// is memoised (bounded caches, cleared when full), which is most of the work of an expansion.
const MAX_KEY_CACHE = 200_000;
const parsed = new Map<string, [number, number][]>();
const products = new Map<string, string>();

export function parseKey(key: string): [number, number][] {
  if (key === '') return [];
  const hit = parsed.get(key);
  if (hit) return hit;
  const out = key.split(',').map((t): [number, number] => {
    const [v, e] = t.split(':');
    return [Number(v), Number(e)];
  });
  if (parsed.size >= MAX_KEY_CACHE) parsed.clear();
  parsed.set(key, out);
  return out;
}

function mulKeys(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  const pair = a < b ? `${a}|${b}` : `${b}|${a}`;
  const hit = products.get(pair);
  if (hit !== undefined) return hit;
  const m = new Map<number, number>(parseKey(a));
  for (const [v, e] of parseKey(b)) m.set(v, (m.get(v) ?? 0) + e);
  const out = [...m.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([v, e]) => `${v}:${e}`)
    .join(',');
  if (products.size >= MAX_KEY_CACHE) products.clear();
  products.set(pair, out);
  return out;
}

/** The product; its work is charged to `budget` (callers multiplying many polynomials pass theirs). */
export function mulPoly<C>(ring: Ring<C>, a: Poly<C>, b: Poly<C>, budget = new WorkBudget()): Poly<C> {
  budget.spend(a.size * b.size);
  const out: Poly<C> = new Map();
  for (const [ka, ca] of a) {
    for (const [kb, cb] of b) {
      const k = mulKeys(ka, kb);
      const prev = out.get(k);
      const prod = ring.mul(ca, cb);
      out.set(k, prev === undefined ? prod : ring.add(prev, prod));
    }
  }
  if (out.size > MAX_TERMS * 4) throw new NotPolynomial();
  return out;
}

function constPoly<C>(ring: Ring<C>, c: C): Poly<C> {
  return new Map(ring.isZero(c) ? [] : [['', c]]);
}

function dataFree<C>(p: Poly<C>, ring: Ring<C>): C | undefined {
  if (p.size === 0) return ring.zero;
  if (p.size === 1 && p.has('')) return p.get('');
  return undefined;
}

/** Each root as a polynomial in the data; throws NotPolynomial otherwise. */
export function expandInData<C>(g: Graph, roots: number[], ring: Ring<C>, limit = MAX_WORK): Poly<C>[] {
  const budget = new WorkBudget(limit);
  const memo = new Map<number, Poly<C>>();
  const minusOne = ring.fromNumber(-1);
  for (const id of g.reachable(roots)) {
    const n = g.nodes[id];
    const p = (x: number) => memo.get(x) as Poly<C>;
    let out: Poly<C>;
    switch (n.op) {
      case 'const':
        out = constPoly(ring, ring.fromNumber(n.value));
        break;
      case 'param':
        out = constPoly(ring, ring.fromParam(n.index));
        break;
      case 'data':
        out = new Map([[`${n.index}:1`, ring.fromNumber(1)]]);
        break;
      case 'add': {
        out = new Map(p(n.a));
        for (const [k, c] of p(n.b)) {
          const prev = out.get(k);
          out.set(k, prev === undefined ? c : ring.add(prev, c));
        }
        break;
      }
      case 'neg':
        out = new Map([...p(n.a)].map(([k, c]) => [k, ring.mul(minusOne, c)]));
        break;
      case 'mul':
        out = mulPoly(ring, p(n.a), p(n.b), budget);
        break;
      case 'pow': {
        const c = g.constValue(n.b);
        const base = p(n.a);
        if (c !== undefined && Number.isInteger(c) && c >= 0 && c <= 8 && dataFree(base, ring) === undefined) {
          out = constPoly(ring, ring.fromNumber(1));
          for (let k = 0; k < c; k++) out = mulPoly(ring, out, base, budget);
          break;
        }
        const a = dataFree(base, ring);
        const b = dataFree(p(n.b), ring);
        if (a === undefined || b === undefined) throw new NotPolynomial();
        const v = ring.apply(g, id, [a, b]);
        if (v === undefined) throw new NotPolynomial();
        out = constPoly(ring, v);
        break;
      }
      case 'div': {
        const b = dataFree(p(n.b), ring);
        if (b === undefined) throw new NotPolynomial();
        const inv = ring.apply(g, id, [ring.fromNumber(1), b]);
        if (inv === undefined) throw new NotPolynomial();
        out = new Map([...p(n.a)].map(([k, c]) => [k, ring.mul(c, inv)]));
        break;
      }
      case 'fn': {
        const a = dataFree(p(n.a), ring);
        const b = n.b !== undefined ? dataFree(p(n.b), ring) : ring.zero;
        if (a === undefined || b === undefined) throw new NotPolynomial();
        const v = ring.apply(g, id, n.b !== undefined ? [a, b] : [a]);
        if (v === undefined) throw new NotPolynomial();
        out = constPoly(ring, v);
        break;
      }
    }
    if (out.size > MAX_TERMS) throw new NotPolynomial();
    memo.set(id, out);
  }
  return roots.map((r) => memo.get(r) as Poly<C>);
}

/** Raw moments of every data component up to `maxDegree`. */
export function momentTable(dists: ComponentDist[], maxDegree: number): number[][] {
  return dists.map((d) => rawMoments(d, maxDegree));
}

export function maxDegree<C>(polys: Poly<C>[]): number {
  let m = 0;
  for (const p of polys) for (const k of p.keys()) for (const [, e] of parseKey(k)) m = Math.max(m, e);
  return m;
}

/** E[p] given the raw-moment table (independent components). */
export function expectation<C>(ring: Ring<C>, p: Poly<C>, moments: number[][]): C {
  let s = ring.zero;
  for (const [key, c] of p) {
    let m = 1;
    for (const [v, e] of parseKey(key)) m *= moments[v][e];
    if (m !== 0) s = ring.add(s, ring.mul(ring.fromNumber(m), c));
  }
  return s;
}

/** Numbers, with θ fixed. */
export function numberRing(theta: ArrayLike<number>): Ring<number> {
  return {
    zero: 0,
    fromNumber: (x) => x,
    fromParam: (i) => theta[i],
    add: (a, b) => a + b,
    mul: (a, b) => a * b,
    asNumber: (a) => a,
    isZero: (a) => a === 0,
    apply: (g, id, args) => {
      const n = g.nodes[id];
      if (n.op === 'div') return args[0] / args[1];
      if (n.op === 'pow') return Math.pow(args[0], args[1]);
      if (n.op !== 'fn') return undefined;
      return g.constValue(g.fn(n.fn, g.constant(args[0]), args.length > 1 ? g.constant(args[1]) : undefined));
    },
  };
}

/** Graph nodes, with θ symbolic. */
export function nodeRing(g: Graph, paramNodes: number[]): Ring<number> {
  return {
    zero: g.constant(0),
    fromNumber: (x) => g.constant(x),
    fromParam: (i) => paramNodes[i],
    add: (a, b) => g.add(a, b),
    mul: (a, b) => g.mul(a, b),
    asNumber: (a) => g.constValue(a),
    isZero: (a) => g.constValue(a) === 0,
    apply: (gr, id, args) => {
      const n = gr.nodes[id];
      if (n.op === 'div') return gr.div(args[0], args[1]);
      if (n.op === 'pow') return gr.pow(args[0], args[1]);
      if (n.op !== 'fn') return undefined;
      return gr.fn(n.fn, args[0], args[1]);
    },
  };
}
