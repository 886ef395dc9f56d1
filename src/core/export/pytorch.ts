// Export of one `train` line of a `.loss` file as a self-contained, readable PyTorch script (issue
// 12.6): the same data law (fresh draws, a `dataset size = N` set drawn once, or the CSV rows
// embedded), the per-example loss translated from the syntax tree into torch operations (the
// user's own names and lets, one line each), the update rule of Noether Lab's simulator (sgd, gd,
// momentum, adam, weight decay and warmup as in src/core/numeric/scalarKernel.ts), the chains as
// the leading dimension of every tensor (vmap over chains and over each chain's examples), the
// seed, and a JSON summary printed at the end: the stationary mean and variance of every parameter
// component after a burn-in of half the steps with standard errors over chains, the final loss,
// and the final Noether charges.
//
// The script is text for the user: nothing from the .loss file is evaluated here. Every name of
// the file becomes a Python identifier we check (or rename), every string from the file appears
// only as a JSON string literal or, escaped, in a comment, and every number is one we format.
import { Expr, Program, Statement } from '../lang/ast';
import { CheckOptions, checkSource } from '../lang/check';
import { Diagnostic, DiagnosticBag, escapeControls } from '../lang/diagnostics';
import { ComponentDist } from '../lang/distributions';
import { DataInfo, Model, ParamInfo, TrainSpec } from '../lang/model';
import { parse } from '../lang/parser';
import { spanText } from '../lang/symbols';
import { GD_SAMPLE } from '../numeric/kernelCommon';
import { recordInterval } from '../numeric/runner';
import { kernelSymmetry, sparseForm } from '../analysis/forms';
import type { SymmetryReport } from '../analysis/analyze';

export interface PyTorchExportOptions {
  /** Reads a data file named in `from "…"` (the path as written, relative to the .loss file): its text, or its bytes. */
  readFile?: CheckOptions['readFile'];
  /** The .loss file's name, for the script's header. */
  file?: string;
  /** Which train line (0-based, among the file's train lines); default 0. */
  train?: number;
  /** Override the line's steps, chains and seed (as `noether simulate` does). */
  steps?: number;
  chains?: number;
  seed?: number;
  /** The symmetries of the file's analysis: the script tracks their charges. */
  symmetries?: Pick<SymmetryReport, 'kind' | 'charge' | 'matrix' | 'direction' | 'action' | 'form'>[];
  /** Noether Lab's version, for the header. */
  version?: string;
}

export interface PyTorchExport {
  script: string;
  /** The train line exported, with the overrides applied. */
  spec: TrainSpec;
  /** Index of the train line (0-based). */
  train: number;
  /** How many charges the script tracks (0 when the file has no symmetry or they were too large to embed). */
  charges: number;
}

export class ExportError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

/** Data sets up to this many numbers are embedded as a readable list, one row a line. */
export const MAX_LITERAL_VALUES = 20_000;
/** Larger ones as base64 of their narrowest exact type (bytes for pixels), up to this many bytes. */
export const MAX_EMBEDDED_BYTES = 64 * 2 ** 20;
/** Charges are embedded up to this many nonzero terms in all. */
export const MAX_CHARGE_TERMS = 250_000;

const PYTHON_KEYWORDS = [
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
];
/** Names the loss function itself uses: a file's name spelled so is renamed. */
const SCRIPT_NAMES = [
  'torch',
  'math',
  'p',
  'z',
  'tensor',
  'transpose',
  'maximum',
  'minimum',
  'softplus',
  'onehot',
  'logsumexp',
  'softmax',
  'cross_entropy',
  'DEVICE',
];

// ---- formatting ------------------------------------------------------------------------------

/** A number as a Python literal (the same double). */
export function pyNumber(x: number): string {
  if (Number.isNaN(x)) return 'math.nan';
  if (x === Infinity) return 'math.inf';
  if (x === -Infinity) return '-math.inf';
  if (Object.is(x, -0)) return '-0.0';
  return String(x);
}

/** A number as a Python float literal (`2` is written `2.0`: torch.full(…, 2) would make an integer tensor). */
export function pyFloat(x: number): string {
  const s = pyNumber(x);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

/**
 * A string as a Python string literal: JSON's escapes are Python's, and the characters JSON leaves
 * raw that would hide or reorder text (C1 controls, line separators, bidirectional overrides) are
 * escaped too.
 */
export function pyString(s: string): string {
  return escapeControls(JSON.stringify(s));
}

/** File text for a comment: one line, control and bidirectional characters escaped. */
function commentText(s: string): string {
  return escapeControls(s);
}

function nested(values: number[], shape: number[]): string {
  if (shape.length === 0) return pyNumber(values[0]);
  if (shape.length === 1) return `[${values.map(pyNumber).join(', ')}]`;
  const [m, n] = shape;
  return `[${Array.from({ length: m }, (_, i) => nested(values.slice(i * n, (i + 1) * n), [n])).join(', ')}]`;
}

/** `(CHAINS,)`-style shape tuples: the leading dims (code) and the tensor's own. */
function shapeTuple(lead: string, shape: number[]): string {
  return shape.length ? `${lead} + (${shape.join(', ')},)` : lead;
}

// ---- Python identifiers for the file's names ----------------------------------------------------

/** The file's names as Python identifiers: the name itself when Python reads it as written, else a safe one. */
function identifiers(names: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>([...PYTHON_KEYWORDS, ...SCRIPT_NAMES]);
  const valid = (n: string) => /^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(n) && n.normalize('NFKC') === n && !n.startsWith('__');
  for (const n of names) if (valid(n) && !taken.has(n)) out.set(n, n);
  for (const n of out.values()) taken.add(n);
  let k = 0;
  for (const n of names) {
    if (out.has(n)) continue;
    const ascii = n
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9_]/g, '')
      .replace(/^[0-9_]+/, '');
    let id = `${ascii || 'v'}_`;
    while (taken.has(id)) id = `${ascii || 'v'}_${++k}`;
    taken.add(id);
    out.set(n, id);
  }
  return out;
}

// ---- the loss: syntax tree to torch ----------------------------------------------------------------

const PRECEDENCE = { additive: 1, multiplicative: 2, unary: 3, power: 4, atom: 5 } as const;

const ELEMENTWISE: Record<string, string> = {
  exp: 'torch.exp',
  log: 'torch.log',
  sqrt: 'torch.sqrt',
  abs: 'torch.abs',
  tanh: 'torch.tanh',
  sigmoid: 'torch.sigmoid',
  relu: 'torch.relu',
  softplus: 'softplus',
  sin: 'torch.sin',
  cos: 'torch.cos',
};

/**
 * The value of an expression that uses no names and no lists, with the language's arithmetic
 * (IEEE doubles: 1/0 is inf, (−8)^(1/3) is NaN), or undefined. Python would raise or go complex
 * on some of these, so the script gets the number.
 */
function scalarConstant(e: Expr): number | undefined {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'unary': {
      const v = scalarConstant(e.arg);
      return v === undefined ? undefined : e.op === '-' ? -v : v;
    }
    case 'binary': {
      if (e.op === '@') return undefined;
      const a = scalarConstant(e.left);
      const b = scalarConstant(e.right);
      if (a === undefined || b === undefined) return undefined;
      return { '+': a + b, '-': a - b, '*': a * b, '/': a / b, '^': Math.pow(a, b) }[e.op];
    }
    case 'call': {
      const args = e.args.map(scalarConstant);
      if (args.some((x) => x === undefined)) return undefined;
      const [a, b] = args as number[];
      const f: Record<string, () => number> = {
        exp: () => Math.exp(a),
        log: () => Math.log(a),
        sqrt: () => Math.sqrt(a),
        abs: () => Math.abs(a),
        tanh: () => Math.tanh(a),
        sigmoid: () => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))),
        relu: () => (a > 0 ? a : 0),
        softplus: () => (a > 30 ? a : Math.log1p(Math.exp(a))),
        sin: () => Math.sin(a),
        cos: () => Math.cos(a),
        sum: () => a,
        mean: () => a,
        norm2: () => a * a,
        transpose: () => a,
        dot: () => a * b,
        max: () => Math.max(a, b),
        min: () => Math.min(a, b),
      };
      return Object.hasOwn(f, e.callee) && args.length === (['dot', 'max', 'min'].includes(e.callee) ? 2 : 1) ? f[e.callee]() : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Whether a constant subexpression must be folded because Python would not compute it as the
 * language does: a function call (math.log(-1) raises), a power ((−8)**(1/3) is complex, 0**−1
 * raises, 10**400 is an integer too large for a float), a division by zero (raises).
 */
function needsFolding(e: Expr): boolean {
  switch (e.kind) {
    case 'call':
      return true;
    case 'binary':
      return e.op === '^' || (e.op === '/' && scalarConstant(e.right) === 0) || needsFolding(e.left) || needsFolding(e.right);
    case 'unary':
      return needsFolding(e.arg);
    default:
      return false;
  }
}

class Translator {
  constructor(private readonly ids: Map<string, string>) {}

  /** Python code for an expression and its precedence. */
  expr(e: Expr): { code: string; prec: number } {
    const folded = e.kind !== 'number' && needsFolding(e) ? scalarConstant(e) : undefined;
    if (folded !== undefined) return this.number(folded);
    switch (e.kind) {
      case 'number':
        return this.number(e.value);
      case 'name':
        return { code: this.ids.get(e.name) ?? e.name, prec: PRECEDENCE.atom };
      case 'list':
        return { code: this.list(e), prec: PRECEDENCE.atom };
      case 'unary': {
        const arg = this.wrap(e.arg, PRECEDENCE.unary);
        return { code: e.op === '-' ? `-${arg}` : arg, prec: e.op === '-' ? PRECEDENCE.unary : PRECEDENCE.atom };
      }
      case 'binary': {
        if (e.op === '^') {
          // Python's ** binds tighter than unary minus on its left and takes a unary operand on its right.
          return { code: `${this.wrap(e.left, PRECEDENCE.atom)} ** ${this.wrap(e.right, PRECEDENCE.unary)}`, prec: PRECEDENCE.power };
        }
        const prec = e.op === '+' || e.op === '-' ? PRECEDENCE.additive : PRECEDENCE.multiplicative;
        return { code: `${this.wrap(e.left, prec)} ${e.op} ${this.wrap(e.right, prec + 1)}`, prec };
      }
      case 'call':
        return { code: this.call(e), prec: PRECEDENCE.atom };
      case 'index': {
        const idx = e.indices.map((i) => {
          const v = scalarConstant(i);
          return v !== undefined && Number.isInteger(v) ? String(v) : this.expr(i).code;
        });
        return { code: `${this.wrap(e.target, PRECEDENCE.atom)}[${idx.join(', ')}]`, prec: PRECEDENCE.atom };
      }
    }
  }

  code(e: Expr): string {
    return this.expr(e).code;
  }

  private number(v: number): { code: string; prec: number } {
    const code = pyNumber(v);
    return { code, prec: code.startsWith('-') ? PRECEDENCE.unary : PRECEDENCE.atom };
  }

  private wrap(e: Expr, min: number): string {
    const x = this.expr(e);
    return x.prec < min ? `(${x.code})` : x.code;
  }

  /** A constant list is one tensor literal; a list of expressions is stacked. */
  private list(e: Extract<Expr, { kind: 'list' }>): string {
    const literal = (x: Expr): string | undefined => {
      if (x.kind === 'list') {
        const items = x.items.map(literal);
        return items.every((i) => i !== undefined) ? `[${items.join(', ')}]` : undefined;
      }
      const v = scalarConstant(x);
      return v === undefined ? undefined : pyNumber(v);
    };
    const lit = literal(e);
    if (lit !== undefined) return `tensor(${lit})`;
    return `torch.stack([${e.items.map((i) => `tensor(${this.code(i)})`).join(', ')}])`;
  }

  private call(e: Extract<Expr, { kind: 'call' }>): string {
    const a = e.args.map((x) => this.code(x));
    // A call that is not folded has an argument with a name or a list in it: a tensor.
    const elementwise = ELEMENTWISE[e.callee];
    if (elementwise) return `${elementwise}(${a[0]})`;
    switch (e.callee) {
      case 'sum':
        return `torch.sum(${a[0]})`;
      case 'mean':
        return `torch.mean(${a[0]})`;
      case 'norm2':
        return `torch.sum(${this.wrap(e.args[0], PRECEDENCE.atom)} ** 2)`;
      case 'dot':
        return `torch.sum(${this.wrap(e.args[0], PRECEDENCE.multiplicative)} * ${this.wrap(e.args[1], PRECEDENCE.multiplicative + 1)})`;
      case 'transpose':
        return `transpose(${a[0]})`;
      case 'max':
        return `maximum(${a[0]}, ${a[1]})`;
      case 'min':
        return `minimum(${a[0]}, ${a[1]})`;
      case 'onehot': {
        const k = scalarConstant(e.args[1]);
        return `onehot(${a[0]}, ${k !== undefined && Number.isInteger(k) ? k : a[1]})`;
      }
      case 'logsumexp':
      case 'softmax':
        return `${e.callee}(${a[0]})`;
      case 'cross_entropy':
        return `cross_entropy(${a[0]}, ${a[1]})`;
      default:
        // The checker accepted the file: every callee is a function of the language.
        throw new ExportError(`no torch translation of \`${e.callee}\``);
    }
  }
}

/** The rows as little-endian bytes of the narrowest type that holds each number exactly. */
export function packRows(rows: Float64Array): { type: 'uint8' | 'int16' | 'int32' | 'float32' | 'float64'; bytes: Uint8Array } {
  const ints = rows.every((x) => Number.isInteger(x));
  const within = (lo: number, hi: number) => ints && rows.every((x) => x >= lo && x <= hi);
  if (within(0, 255)) return { type: 'uint8', bytes: Uint8Array.from(rows) };
  const le = (size: number, put: (v: DataView, k: number, x: number) => void) => {
    const v = new DataView(new ArrayBuffer(rows.length * size));
    rows.forEach((x, k) => put(v, k * size, x));
    return new Uint8Array(v.buffer);
  };
  if (within(-32768, 32767)) return { type: 'int16', bytes: le(2, (v, k, x) => v.setInt16(k, x, true)) };
  if (within(-(2 ** 31), 2 ** 31 - 1)) return { type: 'int32', bytes: le(4, (v, k, x) => v.setInt32(k, x, true)) };
  if (rows.every((x) => Object.is(Math.fround(x), x))) return { type: 'float32', bytes: le(4, (v, k, x) => v.setFloat32(k, x, true)) };
  return { type: 'float64', bytes: le(8, (v, k, x) => v.setFloat64(k, x, true)) };
}

/** Every function an expression of the program calls. */
function calleesOf(program: Program): Set<string> {
  const out = new Set<string>();
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'call':
        out.add(e.callee);
        return e.args.forEach(walk);
      case 'list':
        return e.items.forEach(walk);
      case 'unary':
        return walk(e.arg);
      case 'binary':
        walk(e.left);
        return walk(e.right);
      case 'index':
        walk(e.target);
        return e.indices.forEach(walk);
      default:
        return;
    }
  };
  for (const st of program.statements) {
    if (st.kind === 'let' || st.kind === 'loss') walk(st.value);
  }
  return out;
}

/** Python helpers for the language's functions that are not a single torch call, as the checker lowers them. */
const FUNCTION_HELPERS: Record<string, string[]> = {
  transpose: [
    'def transpose(m):',
    '    """The transpose of a matrix; a vector or a number is its own transpose."""',
    '    m = tensor(m)',
    '    return m.transpose(0, 1) if m.dim() == 2 else m',
  ],
  max: ['def maximum(a, b):', '    return torch.maximum(tensor(a), tensor(b))'],
  min: ['def minimum(a, b):', '    return torch.minimum(tensor(a), tensor(b))'],
  softplus: [
    'def softplus(x):',
    '    """log(1 + e^x), and x itself past 30 (as Noether Lab computes it)."""',
    '    return torch.nn.functional.softplus(x, beta=1.0, threshold=30.0)',
  ],
  onehot: [
    'def onehot(label, k):',
    '    """The k-vector with 1 at the integer class `label` (0 … k−1), 0 elsewhere; no gradient through the label."""',
    '    d = tensor(label) - torch.arange(k, dtype=torch.get_default_dtype(), device=DEVICE)',
    '    return (d + 0.5 > 0).to(d.dtype) - (d - 0.5 > 0).to(d.dtype)',
  ],
  logsumexp: ['def logsumexp(z):', '    """log Σ exp(z) over every entry, computed stably."""', '    return torch.logsumexp(tensor(z).reshape(-1), dim=0)'],
  softmax: ['def softmax(z):', '    """exp(z − logsumexp(z)), over every entry of z."""', '    return torch.exp(z - logsumexp(z))'],
  cross_entropy: [
    'def cross_entropy(logits, target):',
    '    """logsumexp(logits) − logits[target] for an integer class, −Σ target·log softmax(logits) for a vector target."""',
    '    target = tensor(target)',
    '    if target.dim() == 0:',
    '        return logsumexp(logits) - torch.sum(onehot(target, logits.shape[0]) * logits)',
    '    return logsumexp(logits) * torch.sum(target) - torch.sum(target * logits)',
  ],
};

// ---- distributions ----------------------------------------------------------------------------

/** The distribution helpers the script may use, by kind. */
const DIST_HELPERS: Record<ComponentDist['kind'], string[]> = {
  normal: ['def normal(shape, mean, std):', '    return mean + std * torch.randn(shape, generator=generator, device=DEVICE)'],
  uniform: ['def uniform(shape, lo, hi):', '    return lo + (hi - lo) * torch.rand(shape, generator=generator, device=DEVICE)'],
  bernoulli: [
    'def bernoulli(shape, p):',
    '    """1 with probability p, else 0."""',
    '    return (torch.rand(shape, generator=generator, device=DEVICE) < p).to(torch.get_default_dtype())',
  ],
  rademacher: [
    'def rademacher(shape):',
    '    """+1 or -1 with probability 1/2 each."""',
    '    return 1.0 - 2.0 * (torch.rand(shape, generator=generator, device=DEVICE) < 0.5).to(torch.get_default_dtype())',
  ],
  const: ['def const(shape, value):', '    return torch.zeros(shape, device=DEVICE) + value'],
};

/** One distribution argument: a number when every entry shares it, else a tensor shaped like the tensor. */
function distArg(values: number[], shape: number[]): string {
  if (values.every((v) => Object.is(v, values[0]))) return pyFloat(values[0]);
  return `tensor(${nested(values, shape)})`;
}

/** A draw of a tensor whose entries follow `dists`, with leading dims `lead` (code). */
function drawCode(dists: ComponentDist[], shape: number[], lead: string): string {
  const kind = dists[0].kind;
  const field = (f: (d: ComponentDist) => number) => distArg(dists.map(f), shape);
  const s = shapeTuple(lead, shape);
  switch (kind) {
    case 'normal':
      return `normal(${s}, ${field((d) => (d as { mean: number }).mean)}, ${field((d) => (d as { std: number }).std)})`;
    case 'uniform':
      return `uniform(${s}, ${field((d) => (d as { lo: number }).lo)}, ${field((d) => (d as { hi: number }).hi)})`;
    case 'bernoulli':
      return `bernoulli(${s}, ${field((d) => (d as { p: number }).p)})`;
    case 'rademacher':
      return `rademacher(${s})`;
    case 'const':
      return `const(${s}, ${field((d) => (d as { value: number }).value)})`;
  }
}

// ---- the script ----------------------------------------------------------------------------------

/** The steps Noether Lab's last record point averages the loss over (the runner records every recordInterval steps, and at the end). */
export function finalWindow(spec: TrainSpec): number {
  const every = recordInterval(spec);
  return spec.steps - every * Math.floor((spec.steps - 1) / every);
}

export function exportPyTorch(source: string, opts: PyTorchExportOptions = {}): PyTorchExport {
  const checked = checkSource(source, { readFile: opts.readFile });
  const model = checked.model;
  if (!model) {
    const first = checked.diagnostics.find((d) => d.severity === 'error');
    throw new ExportError(`the file has errors${first ? ` (line ${first.line}: ${first.message})` : ''}`, checked.diagnostics);
  }
  const index = opts.train ?? 0;
  const line = model.trains[index];
  if (!line) {
    throw new ExportError(
      model.trains.length === 0
        ? 'the file has no train line: add one such as `train sgd(lr = 0.01)`'
        : `the file has no train line number ${index} (it has ${model.trains.length}; they are numbered from 0)`,
    );
  }
  const spec: TrainSpec = { ...line, steps: opts.steps ?? line.steps, chains: opts.chains ?? line.chains, seed: opts.seed ?? line.seed };
  const program = parse(source, new DiagnosticBag());
  const w = new ScriptWriter(model, program, source, spec, index, opts);
  return { script: w.write(), spec, train: index, charges: w.chargeCount };
}

class ScriptWriter {
  private readonly out: string[] = [];
  private readonly ids: Map<string, string>;
  private readonly lines: string[];
  private readonly dataDim: number;
  private readonly rows?: Float64Array;
  chargeCount = 0;

  constructor(
    private readonly model: Model,
    private readonly program: Program,
    source: string,
    private readonly spec: TrainSpec,
    private readonly index: number,
    private readonly opts: PyTorchExportOptions,
  ) {
    this.lines = source.split('\n');
    const names = [...model.params.map((p) => p.name), ...model.data.map((d) => d.name), ...model.lets.map((l) => l.name)];
    this.ids = identifiers(names);
    this.dataDim = model.dataComponents.length;
    this.rows = model.dataset?.kind === 'file' ? model.dataset.rows : undefined;
  }

  private emit(...lines: string[]): void {
    // One at a time: a data block has tens of thousands of lines (too many arguments for push(...)).
    for (const l of lines) this.out.push(l);
  }

  write(): string {
    this.header();
    this.settings();
    this.helpers();
    this.parameters();
    this.data();
    this.loss();
    this.optimizer();
    this.charges();
    this.main();
    return `${this.out.join('\n')}\n`;
  }

  private trainText(): string {
    const st = this.program.statements.filter((s): s is Extract<Statement, { kind: 'train' }> => s.kind === 'train')[this.index];
    return st ? spanText(this.lines, st.span) : `train ${this.spec.optimizer}(lr = ${this.spec.lr})`;
  }

  private header(): void {
    const s = this.spec;
    const file = this.opts.file ? commentText(this.opts.file) : 'a .loss file';
    const overrides = (['steps', 'chains', 'seed'] as const).filter((k) => this.opts[k] !== undefined).map((k) => `${k} = ${s[k]}`);
    this.emit(
      '#!/usr/bin/env python3',
      `# ${file}, train line ${this.index} (line ${s.span.line}), as a PyTorch script:`,
      `#   ${commentText(this.trainText())}`,
      ...(overrides.length ? [`#   with ${overrides.join(', ')} (overridden at export)`] : []),
      `# Exported by Noether Lab${this.opts.version ? ` ${this.opts.version}` : ''} (\`noether export FILE --to pytorch\`).`,
      '#',
      "# It trains CHAINS independent chains in lockstep (each tensor's first dimension is the chain)",
      "# with the data law, the per-example loss and the update rule of Noether Lab's simulator, and prints",
      '# a JSON summary: the stationary mean and variance of every parameter component after a burn-in',
      '# of half the steps (with standard errors over chains), the final loss and the final Noether',
      "# charges. Its random numbers come from torch's generator seeded with SEED, not from Noether",
      "# Lab's streams: the results agree with `noether simulate --json` in distribution, within",
      '# standard errors, not draw for draw.',
      '#',
      '# Needs PyTorch 1.13 or later (vmap: torch.func, or functorch on 1.13); uses a GPU when there is one.',
      ...(this.rows && this.rows.length > MAX_LITERAL_VALUES ? ['import base64'] : []),
      'import json',
      'import math',
      'import sys',
      'import time',
      '',
      'import torch',
      '',
      'try:',
      '    from torch.func import vmap  # PyTorch >= 2.0',
      'except ImportError:',
      '    from functorch import vmap  # PyTorch 1.13',
      '',
      'torch.set_default_dtype(torch.float64)  # Noether Lab computes in double precision',
      'DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")',
      '',
    );
  }

  private settings(): void {
    const s = this.spec;
    this.emit(
      '# ---- the train line --------------------------------------------------------------------------',
      `OPTIMIZER = ${pyString(s.optimizer)}`,
      `LR = ${pyFloat(s.lr)}`,
      ...(s.optimizer === 'gd' ? [] : [`BATCH = ${s.batch}`]),
      `STEPS = ${s.steps}`,
      `CHAINS = ${s.chains}`,
      `SEED = ${s.seed}`,
      `WEIGHT_DECAY = ${pyFloat(s.weightDecay)}`,
      `WARMUP = ${s.warmup}  # steps of linear learning-rate warmup (0: none)`,
      ...(s.optimizer === 'momentum' ? [`BETA = ${pyFloat(s.beta)}`] : []),
      ...(s.optimizer === 'adam' ? [`BETA1 = ${pyFloat(s.beta1)}`, `BETA2 = ${pyFloat(s.beta2)}`, `EPS = ${pyFloat(s.eps)}`] : []),
      ...(s.optimizer !== 'gd' && this.model.dataset ? [`SAMPLING = ${pyString(s.sampling)}`] : []),
      'BURNIN = STEPS // 2  # the stationary statistics use the parameters after this many steps',
      '# Per-component statistics for the first REPORTED components (as `noether simulate --json`); raise it for more.',
      'REPORTED = 64',
      "# The final loss: each chain's mean minibatch loss over the steps of Noether Lab's last record.",
      `FINAL_WINDOW = ${finalWindow(s)}`,
      '',
      'generator = torch.Generator(device=DEVICE)',
      'generator.manual_seed(SEED)',
      '',
    );
  }

  private helpers(): void {
    const kinds = new Set<ComponentDist['kind']>();
    for (const p of this.model.params) if (p.init.kind === 'dist') kinds.add(p.init.dists[0].kind);
    if (!this.rows) for (const d of this.model.data) if (d.dists?.length) kinds.add(d.dists[0].kind);
    this.emit('# ---- helpers ----------------------------------------------------------------------------------');
    if (kinds.size) {
      this.emit('# Distributions, entry by entry independent, drawn from the seeded generator.');
      for (const k of ['normal', 'uniform', 'bernoulli', 'rademacher', 'const'] as const) if (kinds.has(k)) this.emit(...DIST_HELPERS[k], '', '');
    }
    this.emit(
      'def tensor(x):',
      '    """A number or nested list as a tensor (tensors pass through)."""',
      '    return x if torch.is_tensor(x) else torch.tensor(x, dtype=torch.get_default_dtype(), device=DEVICE)',
      '',
      '',
    );
    // The language's functions that are not one torch call, each defined only where the loss uses it.
    const used = calleesOf(this.program);
    if (used.has('cross_entropy')) ['onehot', 'logsumexp'].forEach((f) => used.add(f));
    if (used.has('softmax')) used.add('logsumexp');
    for (const [name, lines] of Object.entries(FUNCTION_HELPERS)) if (used.has(name)) this.emit(...lines, '', '');
  }

  private parameters(): void {
    const m = this.model;
    this.emit(
      '# ---- the parameters: a tensor [CHAINS, *shape] each ----------------------------------------------',
      `PARAMETERS = [${m.params.map((p) => pyString(p.name)).join(', ')}]`,
      "# Every parameter entry, in Noether Lab's order (the keys of the summary).",
      `COMPONENTS = [${m.components.map(pyString).join(', ')}]`,
      '',
      '',
      'def initial_parameters():',
      '    return {',
      ...m.params.map((p) => `        ${pyString(p.name)}: ${this.initCode(p)},`),
      '    }',
      '',
      '',
    );
  }

  private initCode(p: ParamInfo): string {
    if (p.init.kind === 'dist') return `${drawCode(p.init.dists, p.shape, '(CHAINS,)')},  # drawn per chain`;
    const v = p.init.values;
    if (v.every((x) => Object.is(x, v[0]))) return `torch.full(${shapeTuple('(CHAINS,)', p.shape)}, ${pyFloat(v[0])}, device=DEVICE)`;
    return `tensor(${nested(v, p.shape)}).expand(${shapeTuple('(CHAINS,)', p.shape)}).clone()`;
  }

  private data(): void {
    const m = this.model;
    const s = this.spec;
    this.emit('# ---- the data ------------------------------------------------------------------------------------');
    if (m.data.length === 0) {
      this.emit('def draw_examples(lead):', '    """The file has no data: every example is empty."""', '    return {}', '', '');
    } else if (this.rows) {
      const files = [...new Set(m.data.map((d) => d.csv?.file).filter((f): f is string => !!f))];
      this.emit(
        `# The data set read from ${files.map((f) => commentText(f)).join(', ')}${m.dataset?.selection === 'seeded' ? ' (the examples Noether Lab chose with its seed)' : ''}:`,
        `# N examples, embedded at the end of this script as DATASET (one tensor [N, *shape] per data name).`,
        `N = ${this.rows.length / Math.max(1, this.dataDim)}`,
        '',
      );
    } else {
      this.emit(
        'def draw_examples(lead):',
        '    """Fresh examples, drawn from the file\'s laws: each data tensor has shape lead + its own shape."""',
        '    return {',
        ...m.data.map((d) => `        ${pyString(d.name)}: ${drawCode(d.dists as ComponentDist[], d.shape, 'lead')},`),
        '    }',
        '',
        '',
      );
    }
    if (m.dataset?.kind === 'sampled') {
      this.emit(
        `# \`dataset size = ${m.dataset.size}\`: one training set, drawn once from the laws above and shared by every chain.`,
        `N = ${m.dataset.size}`,
        'DATASET = draw_examples((N,))',
        '',
      );
    }
    const finite = m.dataset !== undefined;
    if (s.optimizer === 'gd') {
      if (finite) this.emit('# Full-batch gradient descent: every chain uses all N examples at every step.', '');
      else {
        this.emit(
          '# Full-batch gradient descent on fresh data needs the expected gradient. Noether Lab takes it exactly',
          '# where the expectation has a closed form (a polynomial loss), else over a fixed sample of',
          `# ${GD_SAMPLE} examples; this script always averages over a fixed sample (raise GD_SAMPLE for less bias).`,
          `GD_SAMPLE = ${GD_SAMPLE}`,
          'FULL_BATCH = draw_examples((GD_SAMPLE,))',
          '',
        );
      }
      this.emit(
        '',
        'def minibatch():',
        '    """The full batch for every chain: [CHAINS, n, *shape] (a view, not a copy)."""',
        `    return {k: v.expand(CHAINS, *v.shape) for k, v in ${finite ? 'DATASET' : 'FULL_BATCH'}.items()}`,
        '',
        '',
      );
    } else if (finite && s.sampling === 'without_replacement') {
      this.emit(
        '',
        'class Epochs:',
        '    """Sampling without replacement: each chain goes through its own shuffle of the N examples,',
        '    reshuffled when it is used up (a batch may span two epochs)."""',
        '',
        '    def __init__(self):',
        '        self.order = self.shuffle()',
        '        self.cursor = 0',
        '',
        '    @staticmethod',
        '    def shuffle():',
        '        return torch.argsort(torch.rand((CHAINS, N), generator=generator, device=DEVICE), dim=1)',
        '',
        '    def next(self, b):',
        '        parts = []',
        '        while b > 0:',
        '            if self.cursor >= N:',
        '                self.order, self.cursor = self.shuffle(), 0',
        '            take = min(b, N - self.cursor)',
        '            parts.append(self.order[:, self.cursor:self.cursor + take])',
        '            self.cursor += take',
        '            b -= take',
        '        return torch.cat(parts, dim=1)',
        '',
        '',
        'epochs = Epochs()',
        '',
        '',
        'def minibatch():',
        '    """Each chain\'s next BATCH examples of its epoch: [CHAINS, BATCH, *shape]."""',
        '    rows = epochs.next(BATCH)',
        '    return {k: v[rows] for k, v in DATASET.items()}',
        '',
        '',
      );
    } else if (finite) {
      this.emit(
        '',
        '',
        'def minibatch():',
        '    """Each chain\'s BATCH examples, drawn uniformly with replacement from the N: [CHAINS, BATCH, *shape]."""',
        '    rows = torch.randint(N, (CHAINS, BATCH), generator=generator, device=DEVICE)',
        '    return {k: v[rows] for k, v in DATASET.items()}',
        '',
        '',
      );
    } else {
      this.emit(
        'def minibatch():',
        '    """Each chain\'s BATCH fresh examples: [CHAINS, BATCH, *shape] per data tensor."""',
        '    return draw_examples((CHAINS, BATCH))',
        '',
        '',
      );
    }
  }

  /**
   * The file data set, at the end of the script (it is part of it, so the script stands alone): a
   * readable list for small sets, else base64 of the narrowest type that holds every number exactly.
   */
  private rowsBlock(): void {
    const m = this.model;
    const rows = this.rows as Float64Array;
    const n = rows.length / Math.max(1, this.dataDim);
    const columns = (d: DataInfo) => {
      const cols = d.size === 1 ? `ROWS[:, ${d.offset}]` : `ROWS[:, ${d.offset}:${d.offset + d.size}]`;
      return d.shape.length === 2 ? `${cols}.reshape(N, ${d.shape.join(', ')})` : cols;
    };
    this.emit(
      '# ---- the data set (N rows; columns ' +
        m.dataComponents.slice(0, 6).map(commentText).join(', ') +
        (m.dataComponents.length > 6 ? ', …' : '') +
        ') ----------',
    );
    if (rows.length <= MAX_LITERAL_VALUES) {
      const text: string[] = [];
      for (let r = 0; r < n; r++) text.push(`    [${Array.from(rows.subarray(r * this.dataDim, (r + 1) * this.dataDim), pyNumber).join(', ')}],`);
      this.emit('ROWS = tensor([');
      for (const l of text) this.out.push(l);
      this.emit('])');
    } else {
      const { type, bytes } = packRows(rows);
      if (bytes.length > MAX_EMBEDDED_BYTES) {
        throw new ExportError(
          `the data set takes ${(bytes.length / 2 ** 20).toFixed(0)} MiB as ${type}; at most ${MAX_EMBEDDED_BYTES / 2 ** 20} MiB are embedded in a script: choose fewer examples with \`dataset size\``,
        );
      }
      const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
      const lines: string[] = [];
      for (let k = 0; k < b64.length; k += 100) lines.push(`    "${b64.slice(k, k + 100)}"`);
      this.emit(
        `# ${n} × ${this.dataDim} numbers, every one exactly a ${type} (little-endian), base64-encoded.`,
        'ROWS = torch.frombuffer(bytearray(base64.b64decode(',
      );
      for (const l of lines) this.out.push(l);
      this.emit(`)), dtype=torch.${type}).reshape(N, ${this.dataDim}).to(torch.get_default_dtype()).to(DEVICE)`);
    }
    this.emit('DATASET = {', ...m.data.map((d) => `    ${pyString(d.name)}: ${columns(d)},`), '}', '', '');
  }

  private loss(): void {
    const t = new Translator(this.ids);
    const id = (n: string) => this.ids.get(n) ?? n;
    const m = this.model;
    const body: string[] = [];
    if (m.params.length) body.push(`    ${m.params.map((p) => id(p.name)).join(', ')} = ${m.params.map((p) => `p[${pyString(p.name)}]`).join(', ')}`);
    if (m.data.length) body.push(`    ${m.data.map((d) => id(d.name)).join(', ')} = ${m.data.map((d) => `z[${pyString(d.name)}]`).join(', ')}`);
    // A value with no name and no list in it is a Python number; a let or the loss that is one becomes a tensor.
    const value = (e: Expr) => (scalarConstant(e) !== undefined ? `tensor(${t.code(e)})` : t.code(e));
    for (const st of this.program.statements) {
      if (st.kind === 'let') body.push(`    ${id(st.name)} = ${value(st.value)}`);
    }
    const loss = this.program.statements.find((s): s is Extract<Statement, { kind: 'loss' }> => s.kind === 'loss');
    if (!loss) throw new ExportError('the file has no loss');
    body.push(`    return ${value(loss.value)}`);
    const renamed = [...this.ids].filter(([k, v]) => k !== v);
    this.emit(
      '# ---- the loss ------------------------------------------------------------------------------------',
      ...(renamed.length ? [`# Names renamed for Python: ${renamed.map(([k, v]) => `${commentText(k)} -> ${v}`).join(', ')}.`] : []),
      'def example_loss(p, z):',
      '    """The per-example loss of the file, for one chain\'s parameters p and one example z."""',
      ...body,
      '',
      '',
      ...(m.data.length
        ? [
            '# The loss of every example of every chain: [CHAINS, n] (vmap over the chains, then over the examples).',
            'batched_loss = vmap(vmap(example_loss, in_dims=(None, 0)), in_dims=(0, 0))',
          ]
        : ['# The file has no data: one loss per chain, [CHAINS, 1].', 'batched_loss = vmap(lambda p, z: example_loss(p, z)[None], in_dims=(0, None))']),
      '',
      '',
      'def gradient(params, batch):',
      '    """Each chain\'s loss on its batch (the mean over its examples) and the gradient of it."""',
      '    leaves = {k: v.detach().requires_grad_(True) for k, v in params.items()}',
      '    loss = batched_loss(leaves, batch).mean(dim=1)',
      '    if not loss.requires_grad:  # the loss does not depend on the parameters',
      '        return loss.detach(), {k: torch.zeros_like(v) for k, v in params.items()}',
      '    grads = torch.autograd.grad(loss.sum(), list(leaves.values()), allow_unused=True)',
      '    return loss.detach(), {k: torch.zeros_like(v) if g is None else g for (k, v), g in zip(leaves.items(), grads)}',
      '',
      '',
    );
  }

  private optimizer(): void {
    const o = this.spec.optimizer;
    this.emit("# ---- the update rule (Noether Lab's, which is PyTorch's) ----------------------------------------");
    if (o === 'sgd' || o === 'gd') {
      this.emit(
        'def initial_state(params):',
        '    return {}',
        '',
        '',
        'def update(params, grads, state, lr):',
        `    """${o === 'sgd' ? 'SGD' : 'GD'} with weight decay γ: θ ← (1 − lr·γ)·θ − lr·ĝ (torch.optim.SGD with weight_decay = γ)."""`,
        '    return {k: (1 - lr * WEIGHT_DECAY) * params[k] - lr * grads[k] for k in params}',
        '',
        '',
      );
    } else if (o === 'momentum') {
      this.emit(
        'def initial_state(params):',
        '    return {k: torch.zeros_like(v) for k, v in params.items()}',
        '',
        '',
        'def update(params, grads, state, lr):',
        '    """Heavy-ball momentum as torch.optim.SGD(momentum = β, weight_decay = γ): m ← β·m + ĝ + γ·θ, θ ← θ − lr·m."""',
        '    out = {}',
        '    for k in params:',
        '        state[k] = BETA * state[k] + grads[k] + WEIGHT_DECAY * params[k]',
        '        out[k] = params[k] - lr * state[k]',
        '    return out',
        '',
        '',
      );
    } else {
      this.emit(
        'def initial_state(params):',
        '    return {"t": 0, "m": {k: torch.zeros_like(v) for k, v in params.items()}, "v": {k: torch.zeros_like(v) for k, v in params.items()}}',
        '',
        '',
        'def update(params, grads, state, lr):',
        '    """Adam as torch.optim.Adam (weight decay γ added to the gradient), with bias-corrected moments."""',
        '    state["t"] += 1',
        '    bc1, bc2 = 1 - BETA1 ** state["t"], 1 - BETA2 ** state["t"]',
        '    out = {}',
        '    for k in params:',
        '        g = grads[k] + WEIGHT_DECAY * params[k]',
        '        state["m"][k] = BETA1 * state["m"][k] + (1 - BETA1) * g',
        '        state["v"][k] = BETA2 * state["v"][k] + (1 - BETA2) * g * g',
        '        out[k] = params[k] - lr * (state["m"][k] / bc1) / (torch.sqrt(state["v"][k] / bc2) + EPS)',
        '    return out',
        '',
        '',
      );
    }
  }

  private charges(): void {
    const syms = this.opts.symmetries ?? [];
    const forms = syms.map((s) => {
      try {
        return sparseForm(kernelSymmetry(this.model, s));
      } catch {
        return undefined;
      }
    });
    const terms = forms.reduce((a, f) => a + (f?.c.length ?? 0), 0);
    const usable = terms <= MAX_CHARGE_TERMS ? syms.map((s, k) => ({ s, f: forms[k] })).filter((x) => x.f !== undefined) : [];
    this.chargeCount = usable.length;
    this.emit(
      '# ---- the Noether charges ---------------------------------------------------------------------------',
      "# Each symmetry's charge is θᵀAθ (exponential symmetries) or vᵀθ (translations) of the flattened",
      '# parameters (COMPONENTS order): its nonzero terms c·θ[i]·θ[j], with j = -1 for a linear term c·θ[i].',
    );
    if (syms.length === 0) this.emit('# The file has no continuous symmetry (or the export was not given its analysis): no charge.');
    else if (usable.length < syms.length)
      this.emit(
        `# ${syms.length - usable.length} of the ${syms.length} charges are not embedded (more than ${MAX_CHARGE_TERMS} terms in all, or no explicit form).`,
      );
    this.emit('CHARGES = [');
    for (const { s, f } of usable) {
      const form = f as NonNullable<typeof f>;
      this.emit(
        `    {"kind": ${pyString(s.kind)}, "text": ${pyString(s.charge.text)},`,
        `     "i": [${Array.from(form.i).join(', ')}], "j": [${Array.from(form.j).join(', ')}], "c": [${Array.from(form.c, pyNumber).join(', ')}]},`,
      );
    }
    this.emit(
      ']',
      '',
      '',
      'def charge_values(theta):',
      '    """Every charge of every chain: [CHAINS, len(CHARGES)]."""',
      '    out = []',
      '    for c in CHARGES:',
      '        i = torch.tensor(c["i"], device=DEVICE)',
      '        j = torch.tensor(c["j"], device=DEVICE)',
      '        right = torch.where(j >= 0, theta[:, j.clamp(min=0)], torch.ones_like(theta[:, i]))',
      '        out.append((torch.tensor(c["c"], device=DEVICE) * theta[:, i] * right).sum(dim=1))',
      '    return torch.stack(out, dim=1) if out else torch.zeros(theta.shape[0], 0, device=DEVICE)',
      '',
      '',
    );
  }

  private main(): void {
    this.emit(
      '# ---- training and the summary -------------------------------------------------------------------',
      'def flat(params):',
      '    """The chains\' parameters as one [CHAINS, len(COMPONENTS)] matrix."""',
      '    return torch.cat([params[k].reshape(CHAINS, -1) for k in PARAMETERS], dim=1)',
      '',
      '',
      'def number(x):',
      '    """A float for JSON (NaN and infinities become null)."""',
      '    x = float(x)',
      '    return x if math.isfinite(x) else None',
      '',
      '',
      'def main():',
      '    started = time.time()',
      '    params = initial_parameters()',
      '    state = initial_state(params)',
      '    charges_start = charge_values(flat(params))',
      '    names = COMPONENTS[:REPORTED]',
      '    n = len(names)',
      '    # Standard errors come from independent units: the chains (or, with one chain, 10 blocks of its steps).',
      '    blocks = 1 if CHAINS > 1 else 10',
      '    s1 = torch.zeros(blocks, CHAINS, n, device=DEVICE)',
      '    s2 = torch.zeros(blocks, CHAINS, n, device=DEVICE)',
      '    counts = torch.zeros(blocks, device=DEVICE)',
      '    loss_sum = torch.zeros(CHAINS, device=DEVICE)',
      '    loss_final = torch.zeros(CHAINS, device=DEVICE)',
      '    alive = torch.ones(CHAINS, dtype=torch.bool, device=DEVICE)',
      '    diverged_at = torch.full((CHAINS,), -1, dtype=torch.long, device=DEVICE)',
      '    for step in range(STEPS):',
      '        lr = LR * min(1.0, (step + 1) / WARMUP) if WARMUP > 0 else LR',
      '        loss, grads = gradient(params, minibatch())',
      '        new = update(params, grads, state, lr)',
      '        with torch.no_grad():',
      '            theta = flat(new)',
      '            # A chain diverges when its loss or a parameter is no longer finite or beyond 1e30:',
      '            # it stops at its last finite point and leaves the statistics.',
      '            ok = torch.isfinite(loss) & torch.isfinite(theta).all(dim=1) & (theta.abs() <= 1e30).all(dim=1)',
      '            diverged_at[alive & ~ok] = step',
      '            alive &= ok',
      '            params = {k: torch.where(alive.view((CHAINS,) + (1,) * (v.dim() - 1)), v, params[k]) for k, v in new.items()}',
      '            if step >= BURNIN:',
      '                b = (step - BURNIN) * blocks // (STEPS - BURNIN)',
      '                x = flat(params)[:, :n]',
      '                s1[b] += x',
      '                s2[b] += x * x',
      '                counts[b] += 1',
      '                loss_sum += torch.where(alive, loss, torch.zeros_like(loss))',
      '            if step >= STEPS - FINAL_WINDOW:',
      '                loss_final += torch.where(alive, loss, torch.zeros_like(loss))',
      '        if (step + 1) % max(1, STEPS // 10) == 0:',
      '            print(f"step {step + 1} of {STEPS}, {int(alive.sum())} chains alive", file=sys.stderr, flush=True)',
      '',
      '    keep = alive.nonzero().flatten()',
      '    k = keep.numel()',
      '    total = counts.sum() * k',
      '    # Every surviving chain and block is a unit: its mean and its variance about the pooled mean.',
      '    c = counts.view(blocks, 1, 1).clamp(min=1)',
      '    unit_mean = (s1[:, keep] / c).reshape(-1, n)',
      '    mean = s1[:, keep].sum(dim=(0, 1)) / total',
      '    unit_var = ((s2[:, keep] - 2 * mean * s1[:, keep] + c * mean * mean) / c).reshape(-1, n)',
      '    var = (s2[:, keep] - 2 * mean * s1[:, keep] + c * mean * mean).sum(dim=(0, 1)) / (total - 1)',
      '    units = unit_mean.shape[0]',
      '',
      '    def se(u):',
      '        return u.std(dim=0) / math.sqrt(units) if units > 1 else torch.full((n,), math.nan)',
      '',
      '    final = flat(params)[keep]',
      '',
      '    def per_component(values):',
      '        return {name: number(v) for name, v in zip(names, values.tolist())}',
      '',
      '    stationary_loss = loss_sum[keep] / counts.sum()',
      '    final_loss = loss_final[keep] / FINAL_WINDOW',
      '    charges_end = charge_values(final)',
      '    summary = {',
      '        "file": FILE,',
      '        "train": {"index": TRAIN_INDEX, "optimizer": OPTIMIZER, "lr": LR, "batch": BATCH if OPTIMIZER != "gd" else None,',
      '                  "steps": STEPS, "chains": CHAINS, "seed": SEED, "weight_decay": WEIGHT_DECAY},',
      '        "components": names,',
      '        "componentCount": len(COMPONENTS),',
      '        "stationary": {',
      '            "burnin": BURNIN,',
      '            "samples": int(total),',
      '            "mean": per_component(mean),',
      '            "var": per_component(var),',
      '            "meanStdErr": per_component(se(unit_mean)),',
      '            "varStdErr": per_component(se(unit_var)),',
      '        },',
      '        "final": {',
      '            "mean": per_component(final[:, :n].mean(dim=0)),',
      '            "var": per_component(final[:, :n].var(dim=0)) if k > 1 else None,',
      '        },',
      '        "loss": {',
      '            "final": {"mean": number(final_loss.mean()), "std": number(final_loss.std()) if k > 1 else None,',
      '                      "stdErr": number(final_loss.std() / math.sqrt(k)) if k > 1 else None, "window": FINAL_WINDOW},',
      '            "stationary": {"mean": number(stationary_loss.mean()),',
      '                           "stdErr": number(stationary_loss.std() / math.sqrt(k)) if k > 1 else None},',
      '        },',
      '        "charges": [',
      '            {"kind": ch["kind"], "text": ch["text"], "initial": number(charges_start[:, q].mean()),',
      '             "final": {"mean": number(charges_end[:, q].mean()), "std": number(charges_end[:, q].std()) if k > 1 else None}}',
      '            for q, ch in enumerate(CHARGES)',
      '        ],',
      '        "diverged": {"chains": CHAINS - k, "firstStep": int(diverged_at[diverged_at >= 0].min()) if k < CHAINS else None},',
      '        "seconds": round(time.time() - started, 3),',
      '        "device": str(DEVICE),',
      '        "torch": torch.__version__,',
      '    }',
      '    print(json.dumps(summary, indent=2))',
      '',
      '',
    );
    if (this.rows) this.rowsBlock();
    this.emit(`FILE = ${pyString(this.opts.file ?? '')}`, `TRAIN_INDEX = ${this.index}`, '', 'if __name__ == "__main__":', '    main()');
  }
}
