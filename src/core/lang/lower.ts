// Lowering of expressions to the tensor graph: names resolved in the declarations' scope, shapes
// checked and broadcast, matrix products, indexing, the built-in functions (classification ones
// lowered to stable forms), constants folded as they are built; every problem a diagnostic, and the
// offending expression "unknown" so that checking goes on.
import { Expr, namesIn } from './ast';
import { DISTRIBUTIONS } from './distributions';
import { DiagnosticBag, Span, didYouMean, nearestAll } from './diagnostics';
import { sizeOf, TGraph, UnaryFn } from '../tensor/graph';
import { shapeText, TensorValue } from './model';
import { hasName, lookupName } from './names';
import { ELEMENTWISE, FUNCTIONS, MAX_CLASSES, REDUCTIONS } from './builtins';

export type Value = TensorValue | undefined; // undefined: an error was already reported

/** Total name comparisons spent on "did you mean" suggestions for unknown names, per file. */
const MAX_SUGGEST_WORK = 200_000;
/** Intermediate values (all tensor nodes' entries): the generated code's workspace is this big. */
export const MAX_GRAPH_ENTRIES = 20_000_000;
/**
 * The quick check on the editor's main thread stops lowering past this many tensor graph entries
 * (constants are folded as they are lowered, so entries are the work); it never builds the scalar
 * view. The full check in the analysis worker goes on.
 */
export const QUICK_CHECK_MAX_ENTRIES = 1_000_000;

export class GraphTooLarge extends Error {}

export const tooLargeMessage = `the problem is too large (more than ${MAX_GRAPH_ENTRIES} intermediate values per example); use smaller tensors`;
/** Quick check: lowering went past QUICK_CHECK_MAX_ENTRIES (the full check goes on). */
export class QuickBudgetSpent extends Error {}

export class Lowering {
  readonly g = new TGraph();
  /** The declared names (params, data, lets defined so far). */
  readonly env = new Map<string, { value: Value; span: Span; kind: 'param' | 'data' | 'let' }>();
  /** Lets defined further down (a use before the definition says so). */
  readonly laterLets = new Map<string, Span>();
  private suggestWork = 0;
  /** Lowering a constant (initial values, distribution and train arguments): no quick budget. */
  private constDepth = 0;

  constructor(
    private readonly diags: DiagnosticBag,
    private readonly quick: boolean,
    private readonly lines: string[],
  ) {}

  textOf(s: Span): string {
    if (s.line === s.endLine) return (this.lines[s.line - 1] ?? '').slice(s.column - 1, s.endColumn - 1);
    const parts = [(this.lines[s.line - 1] ?? '').slice(s.column - 1)];
    for (let l = s.line + 1; l < s.endLine; l++) parts.push(this.lines[l - 1] ?? '');
    parts.push((this.lines[s.endLine - 1] ?? '').slice(0, s.endColumn - 1));
    return parts.join('\n');
  }

  /** A constant that is a scalar (broadcast to every entry) or has exactly `size` entries. */
  constPerEntry(e: Expr, size: number, shape: number[], what: string): number[] | undefined {
    const v = this.constValue(e, what);
    if (!v) return undefined;
    if (v.shape.length === 0) return new Array<number>(size).fill(v.values[0]);
    if (v.values.length === size && (sameShape(v.shape, shape) || v.shape.length === 1)) return v.values;
    this.diags.error(e.span, `${what} has shape ${shapeText(v.shape)} but the tensor has shape ${shapeText(shape)}; give one number or one per entry`);
    return undefined;
  }

  constTensor(e: Expr, shape: number[], what: string): number[] | undefined {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.constPerEntry(e, size, shape, what);
  }

  constInt(e: Expr, what: string): number | undefined {
    const v = this.constValue(e, what);
    if (!v) return undefined;
    if (v.shape.length !== 0 || !Number.isInteger(v.values[0])) {
      this.diags.error(e.span, `${what} must be a whole number`);
      return undefined;
    }
    return v.values[0];
  }

  /** Evaluates an expression that may use no names (numbers, lists, arithmetic, functions). */
  constValue(e: Expr, what: string): { shape: number[]; values: number[] } | undefined {
    const names = namesIn(e);
    if (names.length > 0) {
      this.diags.error(names[0].span, `${what} must be a constant; \`${names[0].name}\` is not allowed here`);
      return undefined;
    }
    let v: Value;
    this.constDepth++;
    try {
      v = this.lower(e);
    } finally {
      this.constDepth--;
    }
    if (!v) return undefined;
    const c = this.g.constValues(v.id);
    const values = c ? Array.from(c) : [];
    if (!c || values.some((x) => !isFinite(x))) {
      this.diags.error(e.span, `${what} is not a finite number`);
      return undefined;
    }
    return { shape: v.shape, values };
  }

  // ---- expressions ------------------------------------------------------------------------

  /**
   * Before creating a tensor node of `n` entries (a constant one is computed right away): stop past
   * the graph's (or the quick check's) budget, counted before a matrix product is built.
   */
  private spend(n: number): void {
    if (this.g.entries + n > MAX_GRAPH_ENTRIES) throw new GraphTooLarge();
    if (this.quick && this.constDepth === 0 && this.g.entries + n > QUICK_CHECK_MAX_ENTRIES) throw new QuickBudgetSpent();
  }

  lower(e: Expr): Value {
    this.spend(0);
    switch (e.kind) {
      case 'number':
        return { shape: [], id: this.g.scalar(e.value) };
      case 'name':
        return this.lookup(e.name, e.span);
      case 'list':
        return this.list(e);
      case 'unary': {
        const v = this.lower(e.arg);
        if (!v || e.op === '+') return v;
        this.spend(sizeOf(v.shape));
        return { shape: v.shape, id: this.g.neg(v.id) };
      }
      case 'binary':
        return e.op === '@' ? this.matmul(e) : this.elementwise(e);
      case 'call':
        return this.call(e);
      case 'index':
        return this.index(e);
    }
  }

  private lookup(name: string, span: Span): Value {
    const entry = this.env.get(name);
    if (entry) return entry.value;
    if (hasName(FUNCTIONS, name)) {
      this.diags.error(span, `\`${name}\` is a function; call it as \`${name}(…)\``);
      return undefined;
    }
    const later = this.laterLets.get(name);
    if (later) {
      this.diags.error(span, `\`${name}\` is defined later (line ${later.line}); a \`let\` can use only names defined above it`);
      return undefined;
    }
    // "Did you mean" costs one comparison per known name; bound the total over the file, so that
    // thousands of unknown names among thousands of known ones stay fast.
    const guess = didYouMean(this.suggestWork < MAX_SUGGEST_WORK ? nearestAll(name, this.env.keys()) : []);
    this.suggestWork += this.env.size;
    this.diags.error(span, `unknown name \`${name}\`${guess.text}`, guess.fixes);
    return undefined;
  }

  private list(e: Extract<Expr, { kind: 'list' }>): Value {
    if (e.items.length === 0) {
      this.diags.error(e.span, 'an empty list has no value');
      return undefined;
    }
    const items = e.items.map((it) => this.lower(it));
    if (items.some((it) => !it)) return undefined;
    const vs = items as TensorValue[];
    const inner = vs[0].shape;
    for (const [i, v] of vs.entries()) {
      if (!sameShape(v.shape, inner)) {
        this.diags.error(e.items[i].span, `list entries must have one shape: entry 1 is ${shapeText(inner)}, entry ${i + 1} is ${shapeText(v.shape)}`);
        return undefined;
      }
    }
    if (inner.length >= 2) {
      this.diags.error(e.span, 'lists nest at most two deep (a matrix)');
      return undefined;
    }
    return { shape: [vs.length, ...inner], id: this.g.stack(vs.map((v) => v.id)) };
  }

  private elementwise(e: Extract<Expr, { kind: 'binary' }>): Value {
    const a = this.lower(e.left);
    const b = this.lower(e.right);
    if (!a || !b) return undefined;
    const shape = this.broadcast(a, b, e, `\`${e.op}\``);
    if (!shape) return undefined;
    this.spend(sizeOf(shape));
    const fn = ({ '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '^': 'pow' } as const)[e.op as '+' | '-' | '*' | '/' | '^'];
    return { shape, id: this.g.binary(fn, a.id, b.id) };
  }

  private broadcast(a: TensorValue, b: TensorValue, e: { left: Expr; right: Expr; span: Span }, what: string): number[] | undefined {
    if (a.shape.length === 0) return b.shape;
    if (b.shape.length === 0 || sameShape(a.shape, b.shape)) return a.shape;
    const hint = a.shape.length === 2 && b.shape.length >= 1 && a.shape[1] === b.shape[0] ? '; for a matrix product use `@`' : '';
    this.diags.error(
      e.span,
      `shape mismatch in ${what}: the left side has shape ${shapeText(a.shape)}, the right side ${shapeText(b.shape)}; elementwise operations need equal shapes or a scalar${hint}`,
    );
    return undefined;
  }

  private matmul(e: Extract<Expr, { kind: 'binary' }>): Value {
    const a = this.lower(e.left);
    const b = this.lower(e.right);
    if (!a || !b) return undefined;
    const mismatch = () => {
      this.diags.error(
        e.span,
        `shape mismatch in \`@\`: ${shapeText(a.shape)} @ ${shapeText(b.shape)}; the inner dimensions must agree${
          a.shape.length === 2 && b.shape.length === 2 && a.shape[0] === b.shape[0] ? ' (did you mean transpose(…) of the left side?)' : ''
        }`,
      );
      return undefined;
    };
    if (a.shape.length === 0 || b.shape.length === 0) {
      this.diags.error(e.span, `\`@\` multiplies vectors and matrices, found ${shapeText(a.shape)} @ ${shapeText(b.shape)}; use \`*\` for scalars`, {
        title: 'use `*`',
        replacement: `${this.textOf(e.left.span)} * ${this.textOf(e.right.span)}`,
      });
      return undefined;
    }
    const [, k1] = a.shape.length === 2 ? a.shape : [1, a.shape[0]];
    const [k2] = b.shape.length === 2 ? b.shape : [b.shape[0], 1];
    if (k1 !== k2) return mismatch();
    // The product's m·n entries (m·n·k1 multiply-adds when both sides are constants, computed
    // right away) are counted before it is built.
    const [m] = a.shape.length === 2 ? a.shape : [1];
    const n = b.shape.length === 2 ? b.shape[1] : 1;
    this.spend(m * n);
    const id = this.g.matmul(a.id, b.id);
    return { shape: [...this.g.shape(id)], id };
  }

  private index(e: Extract<Expr, { kind: 'index' }>): Value {
    const t = this.lower(e.target);
    if (!t) return undefined;
    if (e.indices.length > t.shape.length) {
      this.diags.error(e.span, `too many indices: ${shapeText(t.shape)} takes at most ${t.shape.length}`);
      return undefined;
    }
    const idx: number[] = [];
    for (const [k, ie] of e.indices.entries()) {
      const v = this.constInt(ie, 'an index');
      if (v === undefined) return undefined;
      if (v < 0 || v >= t.shape[k]) {
        this.diags.error(ie.span, `index ${v} is out of range: dimension ${k + 1} has size ${t.shape[k]} (indices start at 0)`, {
          title: `change to ${Math.max(0, Math.min(t.shape[k] - 1, v))}`,
          replacement: String(Math.max(0, Math.min(t.shape[k] - 1, v))),
        });
        return undefined;
      }
      idx.push(v);
    }
    if (idx.length === 0) return t;
    const id = this.g.index(t.id, idx);
    return { shape: [...this.g.shape(id)], id };
  }

  /** The class count K of `onehot(label, K)`: a constant whole number ≥ 1. */
  private classCount(e: Expr): number | undefined {
    const k = this.constInt(e, 'the number of classes');
    if (k === undefined) return undefined;
    if (k < 1 || k > MAX_CLASSES) {
      this.diags.error(e.span, `the number of classes must be between 1 and ${MAX_CLASSES}, found ${k}`);
      return undefined;
    }
    return k;
  }

  /**
   * onehot(label, K) from existing nodes: entry k is step(label − k + ½) − step(label − k − ½), 1 for
   * label = k and 0 for any other integer (step has zero derivative: no gradient through a label).
   */
  private onehot(label: number, k: number): number {
    const d = this.g.sub(
      this.g.fill(label, [k]),
      this.g.constant(
        Float64Array.from({ length: k }, (_, i) => i),
        [k],
      ),
    );
    const half = this.g.scalar(0.5);
    return this.g.sub(this.g.unary('step', this.g.add(d, half)), this.g.unary('step', this.g.sub(d, half)));
  }

  /**
   * log Σ exp(zₖ) over every entry, stably: m + log Σ exp(zₖ − m) with m the largest entry (a
   * balanced tree of `max`). The derivative through m is (1 − Σ softmax)·∂m = 0 to rounding, so the
   * gradient is softmax(z).
   */
  private logsumexp(z: TensorValue): number {
    if (z.shape.length === 0) return z.id;
    const n = sizeOf(z.shape);
    let level: number[] = [];
    for (let i = 0; i < n; i++) level.push(this.g.index(z.id, z.shape.length === 2 ? [Math.floor(i / z.shape[1]), i % z.shape[1]] : [i]));
    while (level.length > 1) {
      const next: number[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(this.g.binary('max', level[i], level[i + 1]));
      if (level.length % 2 === 1) next.push(level[level.length - 1]);
      level = next;
    }
    const m = level[0];
    return this.g.add(m, this.g.unary('log', this.g.sum(this.g.unary('exp', this.g.sub(z.id, m)))));
  }

  private call(e: Extract<Expr, { kind: 'call' }>): Value {
    const name = e.callee;
    const arity = (n: number): boolean => {
      if (e.args.length === n) return true;
      this.diags.error(e.span, `\`${name}\` takes ${n} argument${n === 1 ? '' : 's'}, found ${e.args.length}`);
      return false;
    };
    const fn = lookupName(ELEMENTWISE, name);
    if (fn) {
      if (!arity(1)) return undefined;
      const v = this.lower(e.args[0]);
      if (!v) return undefined;
      this.spend(sizeOf(v.shape));
      return { shape: v.shape, id: this.g.unary(fn as UnaryFn, v.id) };
    }
    if (REDUCTIONS.includes(name)) {
      if (!arity(1)) return undefined;
      const v = this.lower(e.args[0]);
      if (!v) return undefined;
      const size = sizeOf(v.shape);
      this.spend(size);
      const terms = name === 'norm2' ? this.g.mul(v.id, v.id) : v.id;
      let acc = this.g.sum(terms);
      if (name === 'mean') acc = this.g.div(acc, this.g.scalar(size));
      return { shape: [], id: acc };
    }
    if (name === 'dot') {
      if (!arity(2)) return undefined;
      const a = this.lower(e.args[0]);
      const b = this.lower(e.args[1]);
      if (!a || !b) return undefined;
      if (!sameShape(a.shape, b.shape)) {
        this.diags.error(e.span, `\`dot\` needs two tensors of one shape, found ${shapeText(a.shape)} and ${shapeText(b.shape)}`);
        return undefined;
      }
      this.spend(sizeOf(a.shape));
      return { shape: [], id: this.g.sum(this.g.mul(a.id, b.id)) };
    }
    if (name === 'transpose') {
      if (!arity(1)) return undefined;
      const v = this.lower(e.args[0]);
      if (!v) return undefined;
      if (v.shape.length < 2) return v;
      return { shape: [v.shape[1], v.shape[0]], id: this.g.transpose(v.id) };
    }
    if (name === 'max' || name === 'min') {
      if (!arity(2)) return undefined;
      const a = this.lower(e.args[0]);
      const b = this.lower(e.args[1]);
      if (!a || !b) return undefined;
      const shape = this.broadcast(a, b, { left: e.args[0], right: e.args[1], span: e.span }, `\`${name}\``);
      if (!shape) return undefined;
      this.spend(sizeOf(shape));
      return { shape, id: this.g.binary(name, a.id, b.id) };
    }
    if (name === 'onehot') {
      if (!arity(2)) return undefined;
      const label = this.lower(e.args[0]);
      if (!label) return undefined;
      const k = this.classCount(e.args[1]);
      if (k === undefined) return undefined;
      if (label.shape.length !== 0) {
        this.diags.error(e.args[0].span, `\`onehot\` takes one integer class label (a scalar), found shape ${shapeText(label.shape)}`);
        return undefined;
      }
      this.spend(4 * k);
      return { shape: [k], id: this.onehot(label.id, k) };
    }
    if (name === 'logsumexp' || name === 'softmax') {
      if (!arity(1)) return undefined;
      const z = this.lower(e.args[0]);
      if (!z) return undefined;
      this.spend(4 * sizeOf(z.shape));
      const lse = this.logsumexp(z);
      if (name === 'logsumexp') return { shape: [], id: lse };
      return { shape: z.shape, id: this.g.unary('exp', this.g.sub(z.id, lse)) };
    }
    if (name === 'cross_entropy') {
      if (!arity(2)) return undefined;
      const z = this.lower(e.args[0]);
      const t = this.lower(e.args[1]);
      if (!z || !t) return undefined;
      if (z.shape.length !== 1) {
        this.diags.error(e.args[0].span, `\`cross_entropy\` takes a vector of logits, found shape ${shapeText(z.shape)}`);
        return undefined;
      }
      this.spend(6 * sizeOf(z.shape));
      const lse = this.logsumexp(z);
      if (t.shape.length === 0) {
        // An integer class: logsumexp(z) − z[label], picking z[label] as ⟨onehot(label), z⟩.
        return { shape: [], id: this.g.sub(lse, this.g.sum(this.g.mul(this.onehot(t.id, z.shape[0]), z.id))) };
      }
      if (!sameShape(t.shape, z.shape)) {
        this.diags.error(
          e.span,
          `\`cross_entropy\` needs an integer class label (a scalar) or a target of the logits' shape ${shapeText(z.shape)}, found ${shapeText(t.shape)}`,
          t.shape.length === 1 ? { title: 'use the label itself', replacement: `cross_entropy(${this.textOf(e.args[0].span)}, label)` } : undefined,
        );
        return undefined;
      }
      // −Σ tₖ (zₖ − logsumexp z) = logsumexp(z)·Σ tₖ − ⟨t, z⟩.
      return { shape: [], id: this.g.sub(this.g.mul(lse, this.g.sum(t.id)), this.g.sum(this.g.mul(t.id, z.id))) };
    }
    if (hasName(DISTRIBUTIONS, name)) {
      this.diags.error(e.calleeSpan, `\`${name}\` is a distribution: use it after \`~\` in a \`data\` or \`param\` line`);
      return undefined;
    }
    const guess = didYouMean(nearestAll(name, Object.keys(FUNCTIONS)), ` (known: ${Object.keys(FUNCTIONS).join(', ')})`);
    this.diags.error(e.calleeSpan, `unknown function \`${name}\`${guess.text}`, guess.fixes);
    return undefined;
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
