// Multivariate polynomials in the parameters with numeric coefficients: the closed-form laws are
// built, divided and printed in this form. A monomial is a sorted list of (variable, exponent);
// its key is "3:2,5:1" for θ₃²θ₅ (the empty key is the constant).
import { Graph } from '../expr/graph';
import { parseKey } from './polynomial';

export type MPoly = Map<string, number>;

export class NotParamPolynomial extends Error {}

/** Terms beyond this many make a polynomial too large to print or divide usefully. */
const MAX_TERMS = 4000;

function keyOf(m: Map<number, number>): string {
  return [...m.entries()]
    .filter(([, e]) => e !== 0)
    .sort((a, b) => a[0] - b[0])
    .map(([v, e]) => `${v}:${e}`)
    .join(',');
}

function mulKey(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  const m = new Map<number, number>(parseKey(a));
  for (const [v, e] of parseKey(b)) m.set(v, (m.get(v) ?? 0) + e);
  return keyOf(m);
}

export function constant(c: number): MPoly {
  return new Map(c === 0 ? [] : [['', c]]);
}

export function variable(i: number): MPoly {
  return new Map([[`${i}:1`, 1]]);
}

export function add(a: MPoly, b: MPoly, scaleB = 1): MPoly {
  const out = new Map(a);
  for (const [k, c] of b) {
    const v = (out.get(k) ?? 0) + scaleB * c;
    if (v === 0) out.delete(k);
    else out.set(k, v);
  }
  return out;
}

export function scale(a: MPoly, s: number): MPoly {
  if (s === 0) return new Map();
  return new Map([...a].map(([k, c]) => [k, s * c]));
}

export function mul(a: MPoly, b: MPoly): MPoly {
  const out: MPoly = new Map();
  for (const [ka, ca] of a) {
    for (const [kb, cb] of b) {
      const k = mulKey(ka, kb);
      const v = (out.get(k) ?? 0) + ca * cb;
      if (v === 0) out.delete(k);
      else out.set(k, v);
    }
  }
  if (out.size > MAX_TERMS) throw new NotParamPolynomial();
  return out;
}

/** A graph node as a polynomial in the parameters (param node k is θ_k), or NotParamPolynomial. */
export function fromGraph(g: Graph, root: number, memo: Map<number, MPoly> = new Map()): MPoly {
  for (const id of g.reachable([root])) {
    if (memo.has(id)) continue;
    const n = g.nodes[id];
    const p = (x: number) => memo.get(x) as MPoly;
    let out: MPoly;
    switch (n.op) {
      case 'const':
        out = constant(n.value);
        break;
      case 'param':
        out = variable(n.index);
        break;
      case 'add':
        out = add(p(n.a), p(n.b));
        break;
      case 'neg':
        out = scale(p(n.a), -1);
        break;
      case 'mul':
        out = mul(p(n.a), p(n.b));
        break;
      case 'div': {
        const d = asConstant(p(n.b));
        if (d === undefined || d === 0) throw new NotParamPolynomial();
        out = scale(p(n.a), 1 / d);
        break;
      }
      case 'pow': {
        const e = g.constValue(n.b);
        if (e === undefined || !Number.isInteger(e) || e < 0 || e > 12) throw new NotParamPolynomial();
        out = constant(1);
        for (let k = 0; k < e; k++) out = mul(out, p(n.a));
        break;
      }
      default:
        throw new NotParamPolynomial();
    }
    memo.set(id, out);
  }
  return memo.get(root) as MPoly;
}

export function asConstant(p: MPoly): number | undefined {
  if (p.size === 0) return 0;
  if (p.size === 1 && p.has('')) return p.get('');
  return undefined;
}

/** Drops coefficients below `rel` × the largest (rounding residue of cancelling sums). */
export function clean(p: MPoly, rel = 1e-12): MPoly {
  let big = 0;
  for (const c of p.values()) big = Math.max(big, Math.abs(c));
  return new Map([...p].filter(([, c]) => Math.abs(c) > rel * big));
}

export function evaluate(p: MPoly, x: ArrayLike<number>): number {
  let s = 0;
  for (const [k, c] of p) {
    let t = c;
    for (const [v, e] of parseKey(k)) t *= Math.pow(x[v], e);
    s += t;
  }
  return s;
}

/** Lexicographic comparison of monomials (variable 0 first, higher exponent larger). */
function lexCompare(a: string, b: string): number {
  // Both lists are sorted by variable: walk them together.
  const pa = parseKey(a);
  const pb = parseKey(b);
  let i = 0;
  let j = 0;
  while (i < pa.length || j < pb.length) {
    const va = i < pa.length ? pa[i][0] : Infinity;
    const vb = j < pb.length ? pb[j][0] : Infinity;
    if (va === vb) {
      const d = pa[i][1] - pb[j][1];
      if (d !== 0) return d;
      i++;
      j++;
    } else if (va < vb) return pa[i][1];
    else return -pb[j][1];
  }
  return 0;
}

function leading(p: MPoly): [string, number] {
  let best = '';
  let first = true;
  for (const k of p.keys()) {
    if (first || lexCompare(k, best) > 0) {
      best = k;
      first = false;
    }
  }
  return [best, p.get(best) as number];
}

/** The quotient of monomials a / b, or undefined when b does not divide a. */
function divideKey(a: string, b: string): string | undefined {
  const m = new Map<number, number>(parseKey(a));
  for (const [v, e] of parseKey(b)) {
    const r = (m.get(v) ?? 0) - e;
    if (r < 0) return undefined;
    m.set(v, r);
  }
  return keyOf(m);
}

/**
 * D / C when C divides D exactly (up to rounding residue relative to D's coefficients), else
 * undefined. With a single divisor the division algorithm's remainder is zero exactly when C | D.
 */
export function divide(D: MPoly, C: MPoly, rel = 1e-10): MPoly | undefined {
  if (C.size === 0) return undefined;
  let big = 0;
  for (const c of D.values()) big = Math.max(big, Math.abs(c));
  if (big === 0) return new Map();
  const [lc, lcCoef] = leading(C);
  let r: MPoly = new Map(D);
  let q: MPoly = new Map();
  for (let guard = 0; r.size > 0 && guard < 100_000; guard++) {
    const [lr, lrCoef] = leading(r);
    if (Math.abs(lrCoef) <= rel * big) {
      r.delete(lr); // rounding residue of a cancelled term
      continue;
    }
    const t = divideKey(lr, lc);
    if (t === undefined) return undefined; // a remainder term: C does not divide D
    const tc = lrCoef / lcCoef;
    q = add(q, new Map([[t, tc]]));
    r = add(r, mul(new Map([[t, tc]]), C), -1);
  }
  return clean(q);
}

/** The sign of the leading coefficient (terms ordered as `print` orders them). */
export function leadingSign(p: MPoly): number {
  const keys = [...p.keys()].sort((a, b) => degree(b) - degree(a) || -lexCompare(a, b));
  return keys.length === 0 ? 0 : Math.sign(p.get(keys[0]) as number);
}

/** Total degree of a monomial key. */
export function degree(key: string): number {
  return parseKey(key).reduce((s, [, e]) => s + e, 0);
}

export interface PolyPrint {
  text: string;
  tex: string;
  expr: string;
}

/** Shortest text that reads back as the same double (for `expr`). */
function exact(x: number): string {
  return String(x);
}

/** A readable coefficient: up to 6 significant digits. */
function readable(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const s = Number(x.toPrecision(6)).toString();
  return s;
}

/**
 * Prints a polynomial with variables named by `names` (component names such as u, U[0,1]) and
 * `texNames`: terms by decreasing degree. `expr` uses the `.loss` syntax with exact coefficients.
 */
export function print(p: MPoly, names: string[], texNames: string[]): PolyPrint {
  const deg = new Map([...p.keys()].map((k) => [k, degree(k)]));
  const keys = [...p.keys()].sort((a, b) => (deg.get(b) as number) - (deg.get(a) as number) || -lexCompare(a, b));
  if (keys.length === 0) return { text: '0', tex: '0', expr: '0' };
  const text: string[] = [];
  const tex: string[] = [];
  const expr: string[] = [];
  keys.forEach((k, idx) => {
    const c = p.get(k) as number;
    const mono = parseKey(k);
    const neg = c < 0;
    const mag = Math.abs(c);
    const first = idx === 0;
    const sgnT = neg ? (first ? '−' : ' − ') : first ? '' : ' + ';
    const sgnX = neg ? (first ? '-' : ' - ') : first ? '' : ' + ';
    const vt = mono.map(([v, e]) => (e === 1 ? names[v] : `${names[v]}${superscript(e)}`)).join('·');
    const vx = mono.map(([v, e]) => (e === 1 ? texNames[v] : `${texNames[v]}^{${e}}`)).join(' ');
    const ve = mono.map(([v, e]) => (e === 1 ? names[v] : `${names[v]}^${e}`)).join('*');
    const ct = mono.length === 0 ? readable(mag) : mag === 1 ? '' : `${readable(mag)}·`;
    const cx = mono.length === 0 ? readable(mag) : mag === 1 ? '' : `${readable(mag)}\\,`;
    text.push(sgnT + ct + vt);
    tex.push(sgnX + cx + vx);
    expr.push(sgnX + (mono.length === 0 ? exact(mag) : mag === 1 ? ve : `${exact(mag)}*${ve}`));
  });
  return { text: text.join(''), tex: tex.join(''), expr: expr.join('') };
}

function superscript(e: number): string {
  const digits = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  return String(e)
    .split('')
    .map((d) => digits[Number(d)])
    .join('');
}
