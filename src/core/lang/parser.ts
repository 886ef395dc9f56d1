// Recursive-descent parser for `.loss` files. One statement per line; after an error the parser
// skips to the end of the line and goes on, so every line's errors are reported.
import { Expr, DistExpr, ParamDecl, Program, Statement, ShapeDecl, TrainArg, DataName } from './ast';
import { DiagnosticBag, Fix, Span, didYouMean, joinSpans, nearestAll, quote } from './diagnostics';
import { Token, tokenize } from './lexer';

export const KEYWORDS = ['param', 'data', 'dataset', 'let', 'loss', 'train'] as const;
/** Nesting deeper than this is rejected, so no input can exhaust the stack. */
const MAX_DEPTH = 120;
/**
 * Longest path from an expression's root to a leaf (operator chains such as `a + b + … + z` and
 * `x[0][0]…` are parsed by loops, not recursion, but the checker lowers the tree recursively).
 */
const MAX_TREE_DEPTH = 1000;

class ParseError extends Error {}

export function parse(source: string, diags: DiagnosticBag): Program {
  const tokens = tokenize(source, diags);
  return new Parser(tokens, diags).program();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly treeDepth = new WeakMap<Expr, number>();

  constructor(
    private readonly tokens: Token[],
    private readonly diags: DiagnosticBag,
  ) {}

  program(): Program {
    const statements: Statement[] = [];
    const unparsed = new Set<string>();
    while (this.peek().kind !== 'eof') {
      if (this.peek().kind === 'newline') {
        this.pos++;
        continue;
      }
      this.depth = 0; // the depth guards unwind in `finally`; start every statement afresh
      const first = this.peek();
      try {
        const s = this.statement();
        if (s) statements.push(s);
        this.endOfStatement();
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        if (first.kind === 'name' && (KEYWORDS as readonly string[]).includes(first.text)) unparsed.add(first.text);
        this.skipLine();
      }
    }
    return { statements, unparsed: [...unparsed] };
  }

  // ---- statements -------------------------------------------------------------------------

  private statement(): Statement | undefined {
    const t = this.peek();
    if (t.kind !== 'name') {
      this.fail(t, `expected a statement (${KEYWORDS.join(', ')}), found ${describe(t)}`);
    }
    switch (t.text) {
      case 'param':
        return this.paramStatement();
      case 'data':
        return this.dataStatement();
      case 'dataset':
        return this.datasetStatement();
      case 'let':
        return this.letStatement();
      case 'loss':
        return this.lossStatement();
      case 'train':
        return this.trainStatement();
      default: {
        const guess = didYouMean(nearestAll(t.text, KEYWORDS), ` (expected one of ${KEYWORDS.join(', ')})`);
        // `y = ...` most likely meant `let y = ...`.
        const next = this.tokens[this.pos + 1];
        if (!guess.fixes && next && next.kind === 'op' && next.text === '=') {
          this.fail(t, `a statement starts with a keyword; did you mean \`let ${t.text} = …\`?`, {
            title: `insert \`let\``,
            replacement: `let ${t.text}`,
          });
        }
        this.fail(t, `unknown statement \`${t.text}\`${guess.text}`, guess.fixes);
      }
    }
  }

  private paramStatement(): Statement {
    const kw = this.next();
    const decls: ParamDecl[] = [];
    do {
      const nameTok = this.expectName('a parameter name');
      const shape = this.optionalShape();
      let init: ParamDecl['init'];
      if (this.acceptOp('=')) {
        if (this.acceptOp('~')) init = { kind: 'dist', dist: this.dist() };
        else init = { kind: 'value', value: this.expr() };
      } else if (this.acceptOp('~')) {
        init = { kind: 'dist', dist: this.dist() };
      }
      const endSpan = init ? (init.kind === 'dist' ? init.dist.span : init.value.span) : (shape?.span ?? nameTok);
      decls.push({ name: nameTok.text, nameSpan: nameTok, shape, init, span: joinSpans(nameTok, endSpan) });
    } while (this.acceptOp(','));
    return { kind: 'param', decls, span: joinSpans(kw, this.prev()) };
  }

  private dataStatement(): Statement {
    const kw = this.next();
    const names: DataName[] = [];
    do {
      const nameTok = this.expectName('a data name');
      names.push({ name: nameTok.text, nameSpan: nameTok, shape: this.optionalShape() });
    } while (this.acceptOp(','));
    if (this.acceptOp('~')) {
      const dist = this.dist();
      if (names.length > 1) {
        this.diags.error(
          joinSpans(names[1].nameSpan, names[names.length - 1].nameSpan),
          'several names share one `~` distribution; give each its own `data` line, or load them together `from "file.csv"`',
        );
      }
      return { kind: 'data', names, dist, span: joinSpans(kw, this.prev()) };
    }
    const t = this.peek();
    if (t.kind === 'name' && t.text === 'from') {
      this.next();
      const f = this.peek();
      if (f.kind !== 'string') this.fail(f, `expected a quoted data file path (.csv, .npy or IDX) after \`from\`, found ${describe(f)}`);
      this.next();
      return { kind: 'data', names, file: { path: f.text, span: f }, span: joinSpans(kw, f) };
    }
    this.fail(t, `expected \`~ DISTRIBUTION\` or \`from "FILE"\` (.csv, .npy or IDX) after the data name, found ${describe(t)}`, {
      title: 'draw it from a standard normal',
      replacement: t.kind === 'newline' || t.kind === 'eof' ? ' ~ normal(0, 1)' : `~ normal(0, 1) ${t.text}`,
    });
  }

  private datasetStatement(): Statement {
    const kw = this.next();
    const key = this.expectName('`size`');
    if (key.text !== 'size') {
      this.fail(key, `expected \`dataset size = N\`, found \`${key.text}\``, { title: 'change to `size`', replacement: 'size' });
    }
    this.expectOp('=');
    const size = this.expr();
    // `dataset size = N, seed = S`: a seeded random subset of a data file's examples.
    if (!this.acceptOp(',')) return { kind: 'dataset', size, span: joinSpans(kw, size.span) };
    const seedKey = this.expectName('`seed`');
    if (seedKey.text !== 'seed') {
      this.fail(seedKey, `expected \`seed = S\` after the size, found \`${seedKey.text}\``, { title: 'change to `seed`', replacement: 'seed' });
    }
    this.expectOp('=');
    const seed = this.expr();
    return { kind: 'dataset', size, seed, seedSpan: joinSpans(seedKey, seed.span), span: joinSpans(kw, seed.span) };
  }

  private letStatement(): Statement {
    const kw = this.next();
    const nameTok = this.expectName('a name');
    this.expectOp('=');
    const value = this.expr();
    return { kind: 'let', name: nameTok.text, nameSpan: nameTok, value, span: joinSpans(kw, value.span) };
  }

  private lossStatement(): Statement {
    const kw = this.next();
    this.expectOp('=');
    const value = this.expr();
    return { kind: 'loss', value, span: joinSpans(kw, value.span), keywordSpan: kw };
  }

  private trainStatement(): Statement {
    const kw = this.next();
    const opt = this.expectName('an optimizer (sgd, gd, momentum, adam)');
    const args: TrainArg[] = [];
    this.expectOp('(');
    if (!this.acceptOp(')')) {
      do {
        const key = this.expectName('a key such as `lr`');
        this.expectOp('=');
        const value = this.expr();
        args.push({ key: key.text, keySpan: key, value, span: joinSpans(key, value.span) });
      } while (this.acceptOp(','));
      this.expectOp(')');
    }
    return { kind: 'train', optimizer: opt.text, optimizerSpan: opt, args, span: joinSpans(kw, this.prev()) };
  }

  private optionalShape(): ShapeDecl | undefined {
    const open = this.peek();
    if (!(open.kind === 'op' && open.text === '[')) return undefined;
    this.next();
    const dims: number[] = [];
    do {
      const t = this.peek();
      if (t.kind !== 'number' || !Number.isInteger(t.value) || (t.value ?? 0) < 1) {
        this.fail(t, `a shape entry must be a positive whole number, found ${describe(t)}`);
      }
      this.next();
      dims.push(t.value as number);
    } while (this.acceptOp(','));
    const close = this.expectOp(']');
    if (dims.length > 2) {
      this.diags.error(joinSpans(open, close), `shapes have at most 2 dimensions (vectors and matrices), found ${dims.length}`);
    }
    return { dims: dims.slice(0, 2), span: joinSpans(open, close) };
  }

  private dist(): DistExpr {
    const nameTok = this.expectName('a distribution (normal, uniform, bernoulli, rademacher, const)');
    this.expectOp('(');
    const args: Expr[] = [];
    if (!this.acceptOp(')')) {
      do args.push(this.expr());
      while (this.acceptOp(','));
      this.expectOp(')');
    }
    return { name: nameTok.text, nameSpan: nameTok, args, span: joinSpans(nameTok, this.prev()) };
  }

  // ---- expressions ------------------------------------------------------------------------

  private expr(): Expr {
    if (++this.depth > MAX_DEPTH) {
      const t = this.peek();
      this.fail(t, `expression nested too deeply (more than ${MAX_DEPTH} levels)`);
    }
    try {
      return this.additive();
    } finally {
      this.depth--;
    }
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '+' || t.text === '-')) {
        this.next();
        const right = this.multiplicative();
        left = this.tree({ kind: 'binary', op: t.text, left, right, span: joinSpans(left.span, right.span) }, [left, right], t);
      } else return left;
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '*' || t.text === '/' || t.text === '@')) {
        this.next();
        const right = this.unary();
        left = this.tree({ kind: 'binary', op: t.text, left, right, span: joinSpans(left.span, right.span) }, [left, right], t);
      } else return left;
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      if (++this.depth > MAX_DEPTH) {
        this.fail(t, `expression nested too deeply (more than ${MAX_DEPTH} levels)`);
      }
      try {
        const arg = this.unary();
        return this.tree({ kind: 'unary', op: t.text, arg, span: joinSpans(t, arg.span) }, [arg], t);
      } finally {
        this.depth--;
      }
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.postfix();
    const t = this.peek();
    if (t.kind === 'op' && t.text === '^') {
      this.next();
      if (++this.depth > MAX_DEPTH) {
        this.fail(t, `expression nested too deeply (more than ${MAX_DEPTH} levels)`);
      }
      try {
        const exponent = this.unary(); // right-associative; allows 2^-1
        return this.tree({ kind: 'binary', op: '^', left: base, right: exponent, span: joinSpans(base.span, exponent.span) }, [base, exponent], t);
      } finally {
        this.depth--;
      }
    }
    return base;
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && t.text === '[') {
        this.next();
        const indices: Expr[] = [];
        do indices.push(this.expr());
        while (this.acceptOp(','));
        const close = this.expectOp(']');
        e = this.tree({ kind: 'index', target: e, indices, span: joinSpans(e.span, close) }, [e, ...indices], t);
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'number', value: t.value as number, span: t };
    }
    if (t.kind === 'name') {
      this.next();
      const open = this.peek();
      if (open.kind === 'op' && open.text === '(') {
        this.next();
        const args: Expr[] = [];
        if (!this.acceptOp(')')) {
          do args.push(this.expr());
          while (this.acceptOp(','));
          this.expectOp(')');
        }
        return this.tree({ kind: 'call', callee: t.text, calleeSpan: t, args, span: joinSpans(t, this.prev()) }, args, t);
      }
      return { kind: 'name', name: t.text, span: t };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.next();
      const inner = this.expr();
      const close = this.expectOp(')');
      // The parentheses belong to the expression's span (diagnostics and fixes rewrite it whole).
      const wrapped = { ...inner, span: joinSpans(t, close) };
      this.treeDepth.set(wrapped, this.treeDepth.get(inner) ?? 1);
      return wrapped;
    }
    if (t.kind === 'op' && t.text === '[') {
      this.next();
      const items: Expr[] = [];
      if (!this.acceptOp(']')) {
        do items.push(this.expr());
        while (this.acceptOp(','));
        this.expectOp(']');
      }
      return this.tree({ kind: 'list', items, span: joinSpans(t, this.prev()) }, items, t);
    }
    this.fail(t, `expected a number, a name or \`(\`, found ${describe(t)}`);
  }

  /** Records the depth of a new node; a tree deeper than MAX_TREE_DEPTH is an error at `at`. */
  private tree<E extends Expr>(e: E, children: Expr[], at: Span): E {
    let d = 0;
    for (const c of children) d = Math.max(d, this.treeDepth.get(c) ?? 1);
    if (d + 1 > MAX_TREE_DEPTH) {
      this.fail(at, `expression too long (more than ${MAX_TREE_DEPTH} operations in a chain); split it into several \`let\`s`);
    }
    this.treeDepth.set(e, d + 1);
    return e;
  }

  // ---- token helpers ----------------------------------------------------------------------

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private prev(): Token {
    return this.tokens[Math.max(0, this.pos - 1)];
  }

  private next(): Token {
    const t = this.tokens[this.pos];
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private acceptOp(op: string): boolean {
    const t = this.peek();
    if (t.kind === 'op' && t.text === op) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expectOp(op: string): Token {
    const t = this.peek();
    if (t.kind === 'op' && t.text === op) {
      this.pos++;
      return t;
    }
    const missingAtEnd = t.kind === 'newline' || t.kind === 'eof';
    this.fail(
      t,
      `expected \`${op}\`, found ${describe(t)}`,
      missingAtEnd && (op === ')' || op === ']') ? { title: `insert \`${op}\``, replacement: op } : undefined,
    );
  }

  private expectName(what: string): Token {
    const t = this.peek();
    if (t.kind === 'name') {
      this.pos++;
      return t;
    }
    this.fail(t, `expected ${what}, found ${describe(t)}`);
  }

  private endOfStatement(): void {
    const t = this.peek();
    if (t.kind === 'newline' || t.kind === 'eof') return;
    this.fail(t, `unexpected ${describe(t).replace(/^the /, '')} after the end of the statement (one statement per line)`);
  }

  private skipLine(): void {
    while (this.peek().kind !== 'newline' && this.peek().kind !== 'eof') this.pos++;
  }

  private fail(at: Span, message: string, fix?: Fix | Fix[]): never {
    const span: Span = at.endColumn > at.column || at.endLine > at.line ? at : { ...at, endColumn: at.column + 1 };
    this.diags.error(span, message, fix);
    throw new ParseError(message);
  }
}

export function describe(t: Token): string {
  switch (t.kind) {
    case 'newline':
      return 'the end of the line';
    case 'eof':
      return 'the end of the file';
    case 'string':
      return `the string ${quote(t.text)}`;
    case 'number':
      return `the number ${t.text}`;
    case 'name':
      return `\`${t.text}\``;
    default:
      return `\`${t.text}\``;
  }
}
