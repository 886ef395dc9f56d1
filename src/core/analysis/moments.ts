// The gradient-noise covariance Σ(θ) = Cov_z[∇ℓ(θ; z)] at a fixed θ, as exactly as the file allows:
// - a finite data set: the exact average over its N examples;
// - a loss polynomial in the data, with independent data components of known moments (Gaussian,
//   uniform, Bernoulli, Rademacher, constant): exact, by expanding each gradient component as a
//   polynomial in the data and taking raw moments (Isserlis' theorem for the Gaussian case);
// - otherwise Monte Carlo, with standard errors.
import { Graph } from '../expr/graph';
import { Model } from '../lang/model';
import { rawMoments } from '../lang/distributions';
import { Rng, STREAM_ANALYSIS } from '../numeric/rng';
import { GradientFn } from './symmetries';
import { datasetRows, drawFresh } from './points';

export type CovarianceMethod = 'exact-moments' | 'dataset' | 'monte-carlo';

export interface NoiseCovariance {
  method: CovarianceMethod;
  /** Mean gradient ∇L(θ). */
  mean: number[];
  /** Per-example covariance Σ(θ), n × n. */
  cov: number[][];
  /** Monte Carlo only: Σ estimated on independent batches of examples (for standard errors). */
  batches?: { mean: number[]; cov: number[][] }[];
  samples?: number;
}

/** Sparse polynomial in data components: monomial key -> coefficient. Key "3:2,5:1" = z3² z5. */
type Poly = Map<string, number>;
const MAX_TERMS = 5000;

class NotPolynomial extends Error {}

export function noiseCovariance(model: Model, fn: GradientFn, theta: Float64Array, gradNodes: number[], opts: { mcSamples?: number } = {}): NoiseCovariance {
  const rows = datasetRows(model);
  if (rows) return datasetCovariance(model, fn, theta, rows);
  const exact = exactCovariance(model, theta, gradNodes);
  if (exact) return exact;
  return monteCarloCovariance(model, fn, theta, opts.mcSamples ?? 40000);
}

function datasetCovariance(model: Model, fn: GradientFn, theta: Float64Array, rows: Float64Array): NoiseCovariance {
  const n = model.components.length;
  const dim = model.dataComponents.length;
  const N = rows.length / Math.max(1, dim);
  const acc = new Accumulator(n);
  const z = new Float64Array(dim);
  for (let r = 0; r < N; r++) {
    for (let k = 0; k < dim; k++) z[k] = rows[r * dim + k];
    fn.evaluate(theta, z, fn.out);
    acc.add(fn.out.subarray(1));
  }
  return { method: 'dataset', ...acc.result(), samples: N };
}

function monteCarloCovariance(model: Model, fn: GradientFn, theta: Float64Array, samples: number): NoiseCovariance {
  const n = model.components.length;
  const rng = new Rng(1234, 0, STREAM_ANALYSIS);
  const z = new Float64Array(model.dataComponents.length);
  const nb = 10;
  const per = Math.max(2, Math.floor(samples / nb));
  const total = new Accumulator(n);
  const batches: { mean: number[]; cov: number[][] }[] = [];
  for (let b = 0; b < nb; b++) {
    const acc = new Accumulator(n);
    for (let s = 0; s < per; s++) {
      drawFresh(model, rng, z);
      fn.evaluate(theta, z, fn.out);
      const g = fn.out.subarray(1);
      acc.add(g);
      total.add(g);
    }
    batches.push(acc.result());
  }
  return { method: 'monte-carlo', ...total.result(), batches, samples: per * nb };
}

/** Running mean and covariance (population normalisation, as Σ is a property of the distribution). */
class Accumulator {
  private count = 0;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  constructor(private readonly n: number) {
    this.s1 = new Float64Array(n);
    this.s2 = new Float64Array(n * n);
  }
  add(g: ArrayLike<number>): void {
    this.count++;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      this.s1[i] += g[i];
      const gi = g[i];
      for (let j = 0; j < n; j++) this.s2[i * n + j] += gi * g[j];
    }
  }
  result(): { mean: number[]; cov: number[][] } {
    const n = this.n;
    const c = Math.max(1, this.count);
    const mean = Array.from(this.s1, (x) => x / c);
    const cov = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => this.s2[i * n + j] / c - mean[i] * mean[j]));
    return { mean, cov };
  }
}

function exactCovariance(model: Model, theta: Float64Array, gradNodes: number[]): NoiseCovariance | undefined {
  if (model.data.some((d) => !d.dists)) return undefined;
  const dists = model.data.flatMap((d) => d.dists ?? []);
  let polys: Poly[];
  try {
    polys = expandAll(model.graph, gradNodes, theta);
  } catch (e) {
    if (e instanceof NotPolynomial) return undefined;
    throw e;
  }
  const maxDeg = 2 * Math.max(0, ...polys.flatMap((p) => [...p.keys()].flatMap((k) => parseKey(k).map(([, e]) => e))));
  const moments = dists.map((d) => rawMoments(d, maxDeg + 1));
  const expect = (p: Poly): number => {
    let s = 0;
    for (const [key, c] of p) {
      let m = c;
      for (const [v, e] of parseKey(key)) m *= moments[v][e];
      s += m;
    }
    return s;
  };
  const n = polys.length;
  const mean = polys.map(expect);
  const cov: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const prod = mulPoly(polys[i], polys[j]);
      const c = expect(prod) - mean[i] * mean[j];
      cov[i][j] = c;
      cov[j][i] = c;
    }
  }
  return { method: 'exact-moments', mean, cov };
}

/** Each node as a polynomial in the data, θ substituted; throws NotPolynomial otherwise. */
function expandAll(g: Graph, roots: number[], theta: Float64Array): Poly[] {
  const memo = new Map<number, Poly>();
  for (const id of g.reachable(roots)) {
    const n = g.nodes[id];
    const p = (x: number) => memo.get(x) as Poly;
    let out: Poly;
    switch (n.op) {
      case 'const':
        out = constPoly(n.value);
        break;
      case 'param':
        out = constPoly(theta[n.index]);
        break;
      case 'data':
        out = new Map([[`${n.index}:1`, 1]]);
        break;
      case 'add':
        out = addPoly(p(n.a), p(n.b), 1);
        break;
      case 'neg':
        out = scalePoly(p(n.a), -1);
        break;
      case 'mul':
        out = mulPoly(p(n.a), p(n.b));
        break;
      case 'div': {
        const d = constantOf(p(n.b));
        if (d === undefined) throw new NotPolynomial();
        out = scalePoly(p(n.a), 1 / d);
        break;
      }
      case 'pow': {
        const c = g.constValue(n.b);
        const base = p(n.a);
        const bc = constantOf(base);
        if (bc !== undefined && c !== undefined) out = constPoly(Math.pow(bc, c));
        else if (c !== undefined && Number.isInteger(c) && c >= 0 && c <= 8) {
          out = constPoly(1);
          for (let k = 0; k < c; k++) out = mulPoly(out, base);
        } else {
          const e = constantOf(p(n.b));
          if (bc === undefined || e === undefined) throw new NotPolynomial();
          out = constPoly(Math.pow(bc, e));
        }
        break;
      }
      case 'fn': {
        // A function of data-free arguments is a number; of data, not a polynomial.
        const a = constantOf(p(n.a));
        const b = n.b !== undefined ? constantOf(p(n.b)) : 0;
        if (a === undefined || b === undefined) throw new NotPolynomial();
        const x = g.constant(a);
        const y = n.b !== undefined ? g.constant(b) : undefined;
        const v = g.constValue(g.fn(n.fn, x, y));
        out = constPoly(v as number);
        break;
      }
    }
    if (out.size > MAX_TERMS) throw new NotPolynomial();
    memo.set(id, out);
  }
  return roots.map((r) => memo.get(r) as Poly);
}

function constPoly(c: number): Poly {
  return c === 0 ? new Map() : new Map([['', c]]);
}

function constantOf(p: Poly): number | undefined {
  if (p.size === 0) return 0;
  if (p.size === 1 && p.has('')) return p.get('');
  return undefined;
}

function scalePoly(p: Poly, s: number): Poly {
  const out: Poly = new Map();
  for (const [k, c] of p) out.set(k, c * s);
  return out;
}

function addPoly(a: Poly, b: Poly, s: number): Poly {
  const out: Poly = new Map(a);
  for (const [k, c] of b) out.set(k, (out.get(k) ?? 0) + s * c);
  return out;
}

function parseKey(key: string): [number, number][] {
  if (key === '') return [];
  return key.split(',').map((t) => {
    const [v, e] = t.split(':');
    return [Number(v), Number(e)];
  });
}

function mulKeys(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  const m = new Map<number, number>(parseKey(a));
  for (const [v, e] of parseKey(b)) m.set(v, (m.get(v) ?? 0) + e);
  return [...m.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([v, e]) => `${v}:${e}`)
    .join(',');
}

function mulPoly(a: Poly, b: Poly): Poly {
  const out: Poly = new Map();
  for (const [ka, ca] of a) {
    for (const [kb, cb] of b) {
      const k = mulKeys(ka, kb);
      out.set(k, (out.get(k) ?? 0) + ca * cb);
    }
  }
  if (out.size > MAX_TERMS * 4) throw new NotPolynomial();
  return out;
}
