// Fuzz tester for the `.loss` front end. Generates random programs (grammar-based, mostly
// well-formed, and random mutations of the files in examples/), runs `checkSource` on each and
// checks its contract: no exception escapes, every input is checked within a time bound, every
// diagnostic has a sane range and a message, and a file without a model has an error. For about
// 1% of the inputs that check cleanly it also runs the whole analysis (`analyzeSource`), which
// must not throw nor put NaN in an equilibrium point.
import * as fs from 'fs';
import * as path from 'path';
import { checkSource, CheckResult } from '../../src/core/lang/check';
import { analyzeSource } from '../../src/core/analysis/analyze';

export interface FuzzOptions {
  /** Directory of the seed `.loss` files to mutate (default: the repository's examples/). */
  examplesDir?: string;
  /**
   * Longest time one `checkSource` call may take, in ms (default 2000). Measured as the CPU time
   * the process spends in the call, so that other processes on a shared machine do not make a
   * fast check look slow; the wall-clock time is reported too.
   */
  timeLimitMs?: number;
  /** Longest time one `analyzeSource` call may take, in ms (default 10000). */
  analyzeTimeLimitMs?: number;
  /** Fraction of cleanly checked inputs that are also analysed (default 0.01). */
  analyzeFraction?: number;
  /**
   * Only models with at most this many parameter and data components are analysed (default 40):
   * the analysis is polynomial in the number of components by design (a file with 200 scalar
   * parameters takes seconds, one with 1000 exhausts the heap), which the fuzzer is not about.
   */
  analyzeMaxComponents?: number;
  /** Stop after this many failures (default 50). */
  maxFailures?: number;
  /** If set, every failing input is written to a file in this directory. */
  failureDir?: string;
  /** Called every `progressEvery` inputs (default 1000). */
  onProgress?: (done: number, summary: FuzzSummary) => void;
  /** Called with every input before it is checked (to find an input that kills the process). */
  onInput?: (index: number, generator: string, input: string) => void;
  progressEvery?: number;
}

export interface FuzzFailure {
  index: number;
  generator: string;
  problem: string;
  input: string;
  /** Where the input was written, when `failureDir` is set. */
  file?: string;
}

export interface FuzzSummary {
  count: number;
  seed: number;
  /** Inputs that checked without errors (a model), and of those how many were analysed. */
  valid: number;
  analyzed: number;
  /** Inputs per generator, and the total time their checks took (ms). */
  generators: Record<string, number>;
  checkMsByGenerator: Record<string, number>;
  diagnostics: number;
  /** Slowest single check (CPU time, ms) and its generator, and the longest wall-clock time. */
  maxCheckMs: number;
  maxCheckWallMs: number;
  maxCheckGenerator: string;
  maxAnalyzeMs: number;
  /** The ten slowest checks. */
  slowest: { index: number; generator: string; ms: number; length: number }[];
  totalMs: number;
  failures: FuzzFailure[];
}

// ---- random numbers ---------------------------------------------------------------------------

/** mulberry32: small, fast, deterministic. */
export class Random {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = Math.imul(this.s ^ (this.s >>> 15), 1 | this.s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---- grammar-based generation ---------------------------------------------------------------

type Shape = number[];
interface Sym {
  name: string;
  shape: Shape;
}

const UNARY = ['exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'softplus', 'sin', 'cos'];
const SAFE_UNARY = ['tanh', 'sigmoid', 'relu', 'softplus', 'sin', 'cos', 'abs'];
const NAMES = ['u', 'w', 'v', 'a', 'b', 'c', 'U', 'W', 'V', 'x', 'y', 'z', 'eps', 'h', 'θ', 'λ', 'β2', 'w_1', 'Ω'];

function num(r: Random): string {
  switch (r.int(6)) {
    case 0:
      return String(r.int(4));
    case 1:
      return (r.next() * 3).toFixed(2);
    case 2:
      return String(r.pick([0.5, 0.1, 1, 2, 1.5, 0.25]));
    case 3:
      return `${r.range(1, 9)}e-${r.range(1, 3)}`;
    case 4:
      return '.5';
    default:
      return String(r.range(1, 5));
  }
}

function shapeText(s: Shape): string {
  return s.length === 0 ? '' : `[${s.join(', ')}]`;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

class ProgramGen {
  private syms: Sym[] = [];
  constructor(
    private readonly r: Random,
    private readonly chaos: number,
  ) {}

  private randomShape(): Shape {
    const k = this.r.int(10);
    if (k < 5) return [];
    if (k < 8) return [this.r.range(1, 3)];
    return [this.r.range(1, 3), this.r.range(1, 3)];
  }

  private init(shape: Shape): string {
    const r = this.r;
    const k = r.int(6);
    if (k === 0) return '';
    if (k === 1) return ` ~ ${this.dist(shape)}`;
    if (k === 2) return ` = ~ ${this.dist(shape)}`;
    if (k === 3 || shape.length === 0) return ` = ${r.chance(0.3) ? '-' : ''}${num(r)}`;
    // A (nested) list literal of the declared shape.
    if (shape.length === 1) return ` = [${Array.from({ length: shape[0] }, () => num(r)).join(', ')}]`;
    return ` = [${Array.from({ length: shape[0] }, () => `[${Array.from({ length: shape[1] }, () => num(r)).join(', ')}]`).join(', ')}]`;
  }

  private dist(shape: Shape): string {
    const r = this.r;
    switch (r.int(6)) {
      case 0:
        return shape.length === 1 && r.chance(0.5)
          ? `normal(0, [${Array.from({ length: shape[0] }, () => (0.1 + r.next()).toFixed(2)).join(', ')}])`
          : `normal(${r.chance(0.7) ? 0 : num(r)}, ${num(r)})`;
      case 1:
        return `uniform(-${num(r)}, ${num(r)})`;
      case 2:
        return `bernoulli(${r.next().toFixed(2)})`;
      case 3:
        return 'rademacher()';
      case 4:
        return `const(${num(r)})`;
      default:
        return `normal(0, 1)`;
    }
  }

  private fresh(): string {
    for (let i = 0; i < 20; i++) {
      const n = this.r.chance(0.7) ? this.r.pick(NAMES) : this.r.pick(NAMES) + this.r.int(10);
      if (!this.syms.some((s) => s.name === n)) return n;
    }
    return 'n' + this.syms.length + '_' + this.r.int(1000);
  }

  /** An expression of the wanted shape over the names declared so far. */
  expr(shape: Shape, depth: number): string {
    const r = this.r;
    if (this.chaos > 0 && r.chance(this.chaos)) {
      // Deliberately ill-typed or odd: a random shape, an unknown name, a bad call.
      const k = r.int(5);
      if (k === 0) return this.expr(this.randomShape(), depth - 1);
      if (k === 1) return r.pick(['zz', 'w2', 'ww', 'foo(w)', 'normal(0, 1)', 'exp', 'q[0]']);
      if (k === 2) return `${this.expr(shape, depth - 1)} @ ${this.expr(this.randomShape(), depth - 1)}`;
      if (k === 3) return `${this.expr(shape, depth - 1)}[${r.int(4)}]`;
      return `${r.pick(UNARY)}(${this.expr(shape, depth - 1)}, ${num(r)})`;
    }
    const same = this.syms.filter((s) => sameShape(s.shape, shape));
    if (depth <= 0 || r.chance(0.15)) {
      if (same.length && r.chance(0.8)) return r.pick(same).name;
      return this.literal(shape);
    }
    const d = depth - 1;
    const k = r.int(12);
    switch (k) {
      case 0:
      case 1: {
        const op = r.pick(['+', '-', '*', '/', '+', '*']);
        // Broadcasting: one side may be a scalar.
        const ls = shape.length && r.chance(0.25) ? [] : shape;
        const rs = shape.length && ls.length && r.chance(0.25) ? [] : shape;
        const b = op === '/' ? `(${this.expr(rs, d)} + 2)` : this.expr(rs, d);
        return `${this.paren(this.expr(ls, d))} ${op} ${this.paren(b)}`;
      }
      case 2:
        return `${this.paren(this.expr(shape, d))}^${r.pick(['2', '2', '3', '0.5', '-1', '(1 + 1)'])}`;
      case 3:
        return `${r.chance(0.5) ? r.pick(SAFE_UNARY) : r.pick(UNARY)}(${this.expr(shape, d)})`;
      case 4:
        return `-${this.paren(this.expr(shape, d))}`;
      case 5:
        if (shape.length === 0) {
          const t = this.randomShape();
          return `${r.pick(['sum', 'mean', 'norm2'])}(${this.expr(t, d)})`;
        }
        return this.expr(shape, d);
      case 6:
        if (shape.length === 0) {
          const t = this.randomShape();
          return `dot(${this.expr(t, d)}, ${this.expr(t, d)})`;
        }
        return `${r.pick(['max', 'min'])}(${this.expr(shape, d)}, ${this.expr(r.chance(0.5) ? [] : shape, d)})`;
      case 7: {
        // Matrix products giving the wanted shape.
        const k2 = r.range(1, 3);
        if (shape.length === 0) return `${this.paren(this.expr([k2], d))} @ ${this.paren(this.expr([k2], d))}`;
        if (shape.length === 1) {
          return r.chance(0.5)
            ? `${this.paren(this.expr([shape[0], k2], d))} @ ${this.paren(this.expr([k2], d))}`
            : `${this.paren(this.expr([k2], d))} @ ${this.paren(this.expr([k2, shape[0]], d))}`;
        }
        return `${this.paren(this.expr([shape[0], k2], d))} @ ${this.paren(this.expr([k2, shape[1]], d))}`;
      }
      case 8:
        if (shape.length === 2) return `transpose(${this.expr([shape[1], shape[0]], d)})`;
        if (shape.length === 1) {
          const rows = this.syms.filter((s) => s.shape.length === 2 && s.shape[1] === shape[0]);
          if (rows.length) {
            const s = r.pick(rows);
            return `${s.name}[${r.int(s.shape[0])}]`;
          }
        }
        if (shape.length === 0) {
          const idx = this.syms.filter((s) => s.shape.length > 0);
          if (idx.length) {
            const s = r.pick(idx);
            return `${s.name}[${s.shape.map((n) => r.int(n)).join(', ')}]`;
          }
        }
        return this.expr(shape, d);
      case 9:
        if (shape.length === 1) return `[${Array.from({ length: shape[0] }, () => this.expr([], d)).join(', ')}]`;
        return `(${this.expr(shape, d)})`;
      default:
        if (same.length) return r.pick(same).name;
        return this.literal(shape);
    }
  }

  private paren(e: string): string {
    return /^[\p{L}\p{N}_.]+$/u.test(e) ? e : `(${e})`;
  }

  private literal(shape: Shape): string {
    const r = this.r;
    if (shape.length === 0) return num(r);
    if (shape.length === 1) return `[${Array.from({ length: shape[0] }, () => num(r)).join(', ')}]`;
    return `[${Array.from({ length: shape[0] }, () => `[${Array.from({ length: shape[1] }, () => num(r)).join(', ')}]`).join(', ')}]`;
  }

  program(): string {
    const r = this.r;
    const lines: string[] = [];
    if (r.chance(0.3)) lines.push('# generated');
    // Parameters (sometimes several on a line).
    const nParams = r.range(1, 3);
    const decls: string[] = [];
    for (let i = 0; i < nParams; i++) {
      const name = this.fresh();
      const shape = this.randomShape();
      decls.push(`${name}${shapeText(shape)}${this.init(shape)}`);
      this.syms.push({ name, shape });
    }
    if (r.chance(0.3)) lines.push(`param ${decls.join(', ')}`);
    else for (const d of decls) lines.push(`param ${d}`);
    // Data: `~` lines, or (rarely) a CSV that does not exist.
    const nData = r.range(0, 2);
    const csv = r.chance(0.05);
    const dataNames: string[] = [];
    for (let i = 0; i < nData; i++) {
      const name = this.fresh();
      const shape = r.chance(0.7) ? [] : [r.range(1, 3)];
      this.syms.push({ name, shape });
      dataNames.push(name + shapeText(shape));
      if (!csv) lines.push(`data ${name}${shapeText(shape)} ~ ${this.dist(shape)}`);
    }
    if (csv && dataNames.length) lines.push(`data ${dataNames.join(', ')} from "data/${r.pick(['a', 'missing', 'regression'])}.csv"`);
    const finite = r.chance(0.15);
    if (finite) lines.push(`dataset size = ${r.pick([1, 2, 8, 64, 100])}`);
    // Lets.
    const nLets = r.range(0, 2);
    for (let i = 0; i < nLets; i++) {
      const name = this.fresh();
      const shape = this.randomShape();
      lines.push(`let ${name} = ${this.expr(shape, r.range(1, 3))}`);
      this.syms.push({ name, shape });
    }
    // The loss, mostly a scalar.
    const lossShape = r.chance(0.9) ? [] : this.randomShape();
    let loss = this.expr(lossShape, r.range(1, 4));
    if (r.chance(0.5)) loss = `(${loss})^2 / 2`;
    if (r.chance(0.1)) {
      // Break it over several lines.
      const cut = loss.indexOf(' ', Math.floor(loss.length / 2));
      if (cut > 0) loss = loss.slice(0, cut) + ' \\\n    ' + loss.slice(cut + 1);
    }
    if (!r.chance(0.03)) lines.push(`loss = ${loss}`);
    // Training runs.
    const nTrain = r.range(0, 2);
    for (let i = 0; i < nTrain; i++) {
      const opt = r.pick(['sgd', 'sgd', 'gd', 'momentum', 'adam']);
      const args = [`lr = ${r.pick(['0.01', '0.05', '0.1', '1e-3'])}`];
      if (r.chance(0.5)) args.push(`batch = ${r.range(1, 8)}`);
      if (r.chance(0.5)) args.push(`steps = ${r.range(1, 5) * 1000}`);
      if (r.chance(0.3)) args.push(`chains = ${r.range(1, 8)}`);
      if (r.chance(0.3)) args.push(`seed = ${r.int(100)}`);
      if (r.chance(0.2)) args.push(`weight_decay = ${r.pick(['0', '0.01', '1e-4'])}`);
      if (finite && r.chance(0.5)) args.push('sampling = without_replacement');
      if (opt === 'momentum' && r.chance(0.5)) args.push('beta = 0.9');
      if (opt === 'adam' && r.chance(0.5)) args.push('beta1 = 0.9, beta2 = 0.999, eps = 1e-8');
      if (r.chance(this.chaos)) args.push(r.pick(['beta = 0.5', 'bach = 2', 'lr = -1', 'steps = 2.5', 'sampling = without_replacement']));
      lines.push(`train ${opt}(${args.join(', ')})`);
    }
    if (r.chance(0.2)) {
      // Shuffle the declaration order a little (params and data may be used before they appear).
      const i = r.int(lines.length);
      const j = r.int(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
    }
    return lines.join(r.chance(0.05) ? '\r\n' : '\n') + (r.chance(0.8) ? '\n' : '');
  }
}

// ---- mutations ------------------------------------------------------------------------------

const KEYWORDS = ['param', 'data', 'dataset', 'let', 'loss', 'train', 'from', 'size'];
const FUNCS = [
  'exp',
  'log',
  'sum',
  'mean',
  'dot',
  'norm2',
  'transpose',
  'max',
  'min',
  'relu',
  'normal',
  'uniform',
  'bernoulli',
  'rademacher',
  'const',
  'sgd',
  'adam',
  'lr',
  'batch',
];
const PUNCT = ['(', ')', '[', ']', ',', '=', '~', '+', '-', '*', '/', '^', '@', '#', '\\', '"', "'", '\n', ' ', '.', ';', '\t', '\r'];
const HUGE = [
  '1e308',
  '1e999',
  '-1e999',
  '99999999999999999999',
  '4294967296',
  '1e-320',
  '0.0000000000000000001',
  '-0',
  '1000',
  '100000',
  '2147483648',
  '9007199254740993',
  '0x10',
  '1.2.3',
  '1e',
  '.e5',
];
const UNICODE = [
  'α',
  'β',
  'λ',
  'Ω',
  'θ₁',
  '²',
  'é',
  'e\u0301',
  '😀',
  '𝑤',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\u00a0',
  '\u2028',
  '\ud800',
  '\udc00',
  '中文',
  'Ⅻ',
  '٣',
  '−',
  '×',
  '∑',
];

function tokens(s: string): string[] {
  return s.match(/[\p{L}\p{N}_.]+|\s+|[^]/gu) ?? [];
}

function randomChar(r: Random): string {
  switch (r.int(5)) {
    case 0:
      return String.fromCharCode(r.int(128));
    case 1:
      return String.fromCharCode(r.int(0x10000));
    case 2:
      return r.pick(PUNCT);
    case 3:
      return r.pick(UNICODE);
    default:
      return '\0';
  }
}

type Mutation = (s: string, r: Random) => string;

const MUTATIONS: Record<string, Mutation> = {
  deleteChar: (s, r) => {
    if (!s.length) return s;
    const i = r.int(s.length);
    return s.slice(0, i) + s.slice(i + r.range(1, 3));
  },
  insertChar: (s, r) => {
    const i = r.int(s.length + 1);
    return s.slice(0, i) + randomChar(r) + s.slice(i);
  },
  duplicateRange: (s, r) => {
    const i = r.int(s.length + 1);
    const j = Math.min(s.length, i + r.range(1, 40));
    return s.slice(0, j) + s.slice(i, j) + s.slice(j);
  },
  swapChars: (s, r) => {
    if (s.length < 2) return s;
    const a = s.split('');
    const i = r.int(a.length);
    const j = r.int(a.length);
    [a[i], a[j]] = [a[j], a[i]];
    return a.join('');
  },
  deleteToken: (s, r) => {
    const t = tokens(s);
    if (!t.length) return s;
    t.splice(r.int(t.length), 1);
    return t.join('');
  },
  duplicateToken: (s, r) => {
    const t = tokens(s);
    if (!t.length) return s;
    const i = r.int(t.length);
    t.splice(i, 0, t[i]);
    return t.join('');
  },
  swapTokens: (s, r) => {
    const t = tokens(s);
    if (t.length < 2) return s;
    const i = r.int(t.length);
    const j = r.int(t.length);
    [t[i], t[j]] = [t[j], t[i]];
    return t.join('');
  },
  insertToken: (s, r) => {
    const t = tokens(s);
    const tok = r.pick([...KEYWORDS, ...FUNCS, ...PUNCT, ...HUGE, ...UNICODE, 'w', 'U[0,1]', '[[1,2],[3,4]]', '~ normal(0, 1)']);
    t.splice(r.int(t.length + 1), 0, r.chance(0.5) ? ` ${tok} ` : tok);
    return t.join('');
  },
  replaceToken: (s, r) => {
    const t = tokens(s);
    if (!t.length) return s;
    t[r.int(t.length)] = r.pick([...KEYWORDS, ...FUNCS, ...HUGE, 'w', 'x', 'zz']);
    return t.join('');
  },
  hugeNumber: (s, r) => {
    const t = tokens(s);
    const nums = t.map((x, i) => (/^[0-9.]/.test(x) ? i : -1)).filter((i) => i >= 0);
    if (!nums.length) return s + '\nloss = ' + r.pick(HUGE);
    t[r.pick(nums)] = r.pick(HUGE);
    return t.join('');
  },
  randomBytes: (s, r) => {
    const n = r.range(1, 30);
    let junk = '';
    for (let k = 0; k < n; k++) junk += String.fromCharCode(r.int(256));
    const i = r.int(s.length + 1);
    return s.slice(0, i) + junk + s.slice(i);
  },
  unbalance: (s, r) => {
    const opens = [...s].map((c, i) => ('([)]'.includes(c) ? i : -1)).filter((i) => i >= 0);
    if (opens.length && r.chance(0.5)) {
      const i = r.pick(opens);
      return s.slice(0, i) + s.slice(i + 1);
    }
    const i = r.int(s.length + 1);
    return s.slice(0, i) + r.pick(['(', '[', ')', ']', '((', ']]', '"']).repeat(r.range(1, 5)) + s.slice(i);
  },
  deepNesting: (s, r) => {
    const n = r.pick([10, 50, 119, 121, 200, 1000, 3000]);
    const line = r.pick([
      `loss = ${'('.repeat(n)}w${')'.repeat(n)}`,
      `loss = ${'-'.repeat(n)}w`,
      `loss = w${'^w'.repeat(n)}`,
      `loss = ${'exp('.repeat(n)}w${')'.repeat(n)}`,
      `let q = ${'['.repeat(n)}1${']'.repeat(n)}`,
      `param w = ${'('.repeat(n)}1${')'.repeat(n)}`,
      `loss = ${'('.repeat(n)}w`,
      `loss = w${'[0]'.repeat(n)}`,
      `loss = ${'sum('.repeat(n)}w${')'.repeat(r.int(n + 1))}`,
    ]);
    return r.chance(0.5) ? s + '\n' + line : line + '\n' + s;
  },
  longLine: (s, r) => {
    const n = r.pick([500, 999, 1001, 5000, 20000]);
    const line = r.pick([
      `loss = w${' + w'.repeat(n)}`,
      `loss = w${'*w'.repeat(n)}`,
      `let L = [${Array.from({ length: n }, (_, i) => i % 7).join(',')}]`,
      `# ${'x'.repeat(n * 10)}`,
      `param ${Array.from({ length: Math.min(n, 3000) }, (_, i) => `p${i} = ${i}`).join(', ')}`,
      `train sgd(${Array.from({ length: Math.min(n, 2000) }, () => 'lr = 1').join(', ')})`,
      `loss = ${'w + \\\n'.repeat(Math.min(n, 2000))}w`,
      'zz'.repeat(n),
      // Many names: "did you mean" and name lookups must stay near-linear.
      `param w = 1\n${Array.from({ length: Math.min(n, 5000) }, (_, i) => `let a${i} = b${i}`).join('\n')}\nloss = w`,
      `param w = 1\ndata ${Array.from({ length: Math.min(n, 20000) }, (_, i) => `d${i}`).join(', ')} from "d.csv"\nloss = w * d0`,
      // Long, nearly equal names: "did you mean" must not compare them in quadratic time.
      `param ${'a'.repeat(n)} = 1\nloss = ${'a'.repeat(n - 1)}b`,
    ]);
    return r.chance(0.5) ? s + '\n' + line : line + '\n' + s;
  },
  unicode: (s, r) => {
    const t = tokens(s);
    t.splice(r.int(t.length + 1), 0, r.pick(UNICODE).repeat(r.range(1, 4)));
    return t.join('');
  },
  nulBytes: (s, r) => {
    const i = r.int(s.length + 1);
    return s.slice(0, i) + '\0'.repeat(r.range(1, 10)) + s.slice(i);
  },
  lineEnds: (s, r) => (r.chance(0.5) ? s.replace(/\n/g, r.pick(['\r\n', '\r', '\n\n', ' \\\n'])) : s.replace(/\n/g, '')),
  continuation: (s, r) => {
    const i = r.int(s.length + 1);
    return s.slice(0, i) + r.pick(['\\\n', '\\', ' \\ ', '\\\r\n', '\\ # c\n']) + s.slice(i);
  },
  dropLine: (s, r) => {
    const l = s.split('\n');
    l.splice(r.int(l.length), 1);
    return l.join('\n');
  },
  duplicateLine: (s, r) => {
    const l = s.split('\n');
    const i = r.int(l.length);
    l.splice(r.int(l.length + 1), 0, l[i]);
    return l.join('\n');
  },
  shuffleLines: (s, r) => {
    const l = s.split('\n');
    for (let i = l.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [l[i], l[j]] = [l[j], l[i]];
    }
    return l.join('\n');
  },
  truncate: (s, r) => s.slice(0, r.int(s.length + 1)),
  // Shapes past the size limits (an error), degenerate ones, and a few large valid ones (valid
  // shapes at the 10⁵-component limit are legal but cost ~0.1–0.4 s each, so they stay rare).
  bigShape: (s, r) =>
    s.replace(
      /\[(\d+)(, *\d+)?\]/,
      `[${r.chance(0.03) ? r.pick(['100000', '1000, 100']) : r.pick(['100001', '1e6', '316, 317', '1e300', '0', '2, 2, 2', '-1', '1.5', '100, 100', '5000', '50, 50', ''])}]`,
    ),
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

function pureNoise(r: Random): string {
  switch (r.int(6)) {
    case 0:
      return '';
    case 1:
      return r.pick([
        '\n',
        '\n\n\n',
        '   ',
        '\t',
        '\r\n',
        '#',
        '\\',
        '\0',
        '\ufeff',
        '"',
        '(',
        'loss',
        'loss =',
        'param',
        'param w =',
        'train',
        'data x from',
        'loss = 1',
      ]);
    case 2: {
      let s = '';
      const n = r.range(1, 200);
      for (let k = 0; k < n; k++) s += randomChar(r);
      return s;
    }
    case 3: {
      let s = '';
      const n = r.range(1, 60);
      for (let k = 0; k < n; k++) s += r.pick([...KEYWORDS, ...FUNCS, ...PUNCT, 'w', 'x', '1', '2.5', ' ', ' ', '\n']);
      return s;
    }
    case 4: {
      let s = '';
      const n = r.range(1, 300);
      for (let k = 0; k < n; k++) s += String.fromCharCode(r.int(256));
      return s;
    }
    default:
      return '\0'.repeat(r.range(1, 100));
  }
}

/** The random stream of input i: input i does not depend on how earlier ones ran. */
export function inputRandom(seed: number, i: number): Random {
  const ri = new Random((seed * 1_000_003 + i * 7919) >>> 0);
  ri.next();
  return ri;
}

/** One input: from the grammar (k < 0.35), the grammar mutated, a mutated example, or noise. */
export function generateInput(k: number, ri: Random, examples: string[]): { generator: string; input: string } {
  if (k < 0.35) return { generator: 'grammar', input: new ProgramGen(ri, ri.chance(0.5) ? 0 : 0.08).program() };
  if (k < 0.45) {
    const input = new ProgramGen(ri, 0.05).program();
    return { generator: 'grammar+mutation', input: MUTATIONS[ri.pick(MUTATION_NAMES)](input, ri) };
  }
  if (k < 0.95 && examples.length) {
    const m = ri.pick(MUTATION_NAMES);
    let input = MUTATIONS[m](ri.pick(examples), ri);
    for (let extra = ri.int(4); extra > 0; extra--) input = MUTATIONS[ri.pick(MUTATION_NAMES)](input, ri);
    return { generator: `example:${m}`, input };
  }
  return { generator: 'noise', input: pureNoise(ri) };
}

// ---- the checks -----------------------------------------------------------------------------

export function readExamples(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.loss'))
      .sort()
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  } catch {
    return [];
  }
}

const readFileMissing = (p: string): string => {
  const e = new Error(`ENOENT: no such file or directory, open '${p}'`) as NodeJS.ErrnoException;
  e.code = 'ENOENT';
  throw e;
};

/** Problems with a check result; empty when it keeps the contract. */
export function contractProblems(source: string, r: CheckResult): string[] {
  const out: string[] = [];
  if (!r || !Array.isArray(r.diagnostics)) return ['checkSource did not return { diagnostics: [] }'];
  const nLines = source.split('\n').length;
  const isInt = (x: unknown) => typeof x === 'number' && Number.isInteger(x);
  for (const d of r.diagnostics) {
    const where = `${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${JSON.stringify(d.message)}`;
    if (!isInt(d.line) || d.line < 1) out.push(`bad line: ${where}`);
    if (!isInt(d.column) || d.column < 1) out.push(`bad column: ${where}`);
    if (!isInt(d.endLine) || d.endLine < d.line) out.push(`bad endLine: ${where}`);
    if (!isInt(d.endColumn) || (d.endLine === d.line && d.endColumn < d.column)) out.push(`bad endColumn: ${where}`);
    if (d.line > nLines || d.endLine > nLines) out.push(`range past the last line (${nLines}): ${where}`);
    if (typeof d.message !== 'string' || d.message.trim() === '') out.push(`empty message: ${where}`);
    if (!['error', 'warning', 'info'].includes(d.severity)) out.push(`bad severity ${d.severity}: ${where}`);
    if (d.fix !== undefined && (typeof d.fix.title !== 'string' || !d.fix.title || typeof d.fix.replacement !== 'string')) out.push(`bad fix: ${where}`);
  }
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  if (!r.model && errors === 0) out.push('no model but no error diagnostic');
  if (r.model && errors > 0) out.push('a model despite error diagnostics');
  return out;
}

export function fuzz(count: number, seed: number, opts: FuzzOptions = {}): FuzzSummary {
  const r = new Random(seed);
  const examples = readExamples(opts.examplesDir ?? path.resolve(__dirname, '..', '..', '..', 'examples'));
  const timeLimit = opts.timeLimitMs ?? 2000;
  const analyzeLimit = opts.analyzeTimeLimitMs ?? 10000;
  const analyzeFraction = opts.analyzeFraction ?? 0.01;
  const analyzeMaxComponents = opts.analyzeMaxComponents ?? 40;
  const maxFailures = opts.maxFailures ?? 50;
  const progressEvery = opts.progressEvery ?? 1000;
  const summary: FuzzSummary = {
    count: 0,
    seed,
    valid: 0,
    analyzed: 0,
    generators: {},
    checkMsByGenerator: {},
    diagnostics: 0,
    maxCheckMs: 0,
    maxCheckWallMs: 0,
    maxCheckGenerator: '',
    maxAnalyzeMs: 0,
    slowest: [],
    totalMs: 0,
    failures: [],
  };
  const t0 = performance.now();
  const fail = (index: number, generator: string, problem: string, input: string) => {
    const f: FuzzFailure = { index, generator, problem, input };
    if (opts.failureDir) {
      try {
        fs.mkdirSync(opts.failureDir, { recursive: true });
        f.file = path.join(opts.failureDir, `fuzz-${seed}-${index}.loss`);
        fs.writeFileSync(f.file, input);
        fs.writeFileSync(f.file + '.txt', `${generator}: ${problem}\n`);
      } catch {
        f.file = undefined;
      }
    }
    summary.failures.push(f);
  };

  for (let i = 0; i < count && summary.failures.length < maxFailures; i++) {
    // Every input from its own stream, so that input i does not depend on how earlier ones ran.
    const ri = inputRandom(seed, i);
    const { generator, input } = generateInput(r.next(), ri, examples);
    const family = generator.startsWith('example:') ? 'example-mutation' : generator;
    summary.generators[family] = (summary.generators[family] ?? 0) + 1;
    summary.count++;

    opts.onInput?.(i, generator, input);
    let result: CheckResult;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      result = checkSource(input, { readFile: readFileMissing });
    } catch (e) {
      fail(i, generator, `checkSource threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, input);
      continue;
    }
    const cpu = process.cpuUsage(cpu0);
    const ms = (cpu.user + cpu.system) / 1000;
    summary.maxCheckWallMs = Math.max(summary.maxCheckWallMs, performance.now() - start);
    summary.checkMsByGenerator[generator] = (summary.checkMsByGenerator[generator] ?? 0) + ms;
    if (summary.slowest.length < 10 || ms > summary.slowest[summary.slowest.length - 1].ms) {
      summary.slowest.push({ index: i, generator, ms, length: input.length });
      summary.slowest.sort((a, b) => b.ms - a.ms);
      summary.slowest.length = Math.min(10, summary.slowest.length);
    }
    if (ms > summary.maxCheckMs) {
      summary.maxCheckMs = ms;
      summary.maxCheckGenerator = generator;
    }
    if (ms > timeLimit) fail(i, generator, `checkSource took ${ms.toFixed(0)} ms of CPU time (limit ${timeLimit} ms)`, input);
    const problems = contractProblems(input, result);
    if (problems.length) fail(i, generator, problems.join('\n'), input);
    summary.diagnostics += result.diagnostics?.length ?? 0;

    if (result.model) {
      summary.valid++;
      const small = result.model.components.length <= analyzeMaxComponents && result.model.dataComponents.length <= analyzeMaxComponents;
      if (ri.next() < analyzeFraction && small) {
        summary.analyzed++;
        const a0 = performance.now();
        try {
          const a = analyzeSource(input, { readFile: readFileMissing });
          const bad = a.symmetries.filter((s) => s.equilibrium && Object.values(s.equilibrium.point).some((v) => Number.isNaN(v)));
          if (bad.length) fail(i, generator, `analyzeSource: NaN in the equilibrium point of a ${bad[0].kind} symmetry`, input);
          else if (
            (a.predictions ?? []).some(
              (p) => p.charges.some((c) => c !== null && Number.isNaN(c)) || Object.values(p.endPoint ?? {}).some((v) => Number.isNaN(v)),
            )
          ) {
            fail(i, generator, 'analyzeSource: NaN in a predicted end point or charge', input);
          }
        } catch (e) {
          fail(i, generator, `analyzeSource threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, input);
        }
        const ams = performance.now() - a0;
        summary.maxAnalyzeMs = Math.max(summary.maxAnalyzeMs, ams);
        if (ams > analyzeLimit) fail(i, generator, `analyzeSource took ${ams.toFixed(0)} ms (limit ${analyzeLimit} ms)`, input);
      }
    }
    if (opts.onProgress && (i + 1) % progressEvery === 0) {
      summary.totalMs = performance.now() - t0;
      opts.onProgress(i + 1, summary);
    }
  }
  summary.totalMs = performance.now() - t0;
  return summary;
}
