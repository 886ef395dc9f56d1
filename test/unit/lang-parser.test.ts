// The `.loss` parser: every statement form of LANGUAGE.md, comments, continuation, precedence.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DiagnosticBag } from '../../src/core/lang/diagnostics';
import { tokenize } from '../../src/core/lang/lexer';
import { parse } from '../../src/core/lang/parser';
import { firstExpr, fmt, parseOk, show, sp, stmt } from './lang-helpers';

const expr = (text: string) => show(firstExpr(`loss = ${text}`));

test('param: scalar, shaped, value, list, nested list, `~` and `= ~` inits, default', () => {
  const p = parseOk(
    [
      'param a',
      'param b = 1.5',
      'param v[3] = [1, 2, 3]',
      'param U[2, 2] = [[1, 0], [0, 1]]',
      'param c ~ normal(0, 0.1)',
      'param d = ~ uniform(-1, 1)',
      'param e[2] ~ normal(0, [1, 2])',
    ].join('\n'),
  );
  assert.equal(p.statements.length, 7);
  const d = p.statements.map((s, i) => stmt(p, i, 'param').decls[0]);
  assert.deepEqual(
    d.map((x) => x.name),
    ['a', 'b', 'v', 'U', 'c', 'd', 'e'],
  );
  assert.equal(d[0].init, undefined);
  assert.equal(d[0].shape, undefined);
  assert.deepEqual(d[1].init?.kind === 'value' && show(d[1].init.value), '1.5');
  assert.deepEqual(d[2].shape?.dims, [3]);
  assert.equal(d[2].init?.kind === 'value' && show(d[2].init.value), '[1 2 3]');
  assert.deepEqual(d[3].shape?.dims, [2, 2]);
  assert.equal(d[3].init?.kind === 'value' && show(d[3].init.value), '[[1 0] [0 1]]');
  for (const [i, name, nargs] of [
    [4, 'normal', 2],
    [5, 'uniform', 2],
    [6, 'normal', 2],
  ] as const) {
    const init = d[i].init;
    assert.ok(init && init.kind === 'dist');
    assert.equal(init.dist.name, name);
    assert.equal(init.dist.args.length, nargs);
  }
  const u = d[5].init;
  assert.ok(u && u.kind === 'dist');
  assert.equal(show(u.dist.args[0]), '(- 1)');
  // Spans: the name of `U` on line 4 at columns 7..8, the shape [2, 2] at 8..14.
  assert.deepEqual([d[3].nameSpan.line, d[3].nameSpan.column, d[3].nameSpan.endColumn], [4, 7, 8]);
  assert.deepEqual([d[3].shape?.span.column, d[3].shape?.span.endColumn], [8, 14]);
});

test('several params share a line', () => {
  const p = parseOk('param u = 1, w = 0.5, V[2] ~ normal(0, 1), z');
  const s = stmt(p, 0, 'param');
  assert.deepEqual(
    s.decls.map((d) => d.name),
    ['u', 'w', 'V', 'z'],
  );
  assert.deepEqual(
    s.decls.map((d) => d.init?.kind ?? 'none'),
    ['value', 'value', 'dist', 'none'],
  );
  assert.deepEqual(sp(s.decls[1].nameSpan), { line: 1, column: 14, endLine: 1, endColumn: 15 });
});

test('data: `~` distribution, several names from a CSV, vector shapes', () => {
  const p = parseOk('data x ~ normal(0, 1)\ndata z[2] ~ rademacher()\ndata a, b[2], c from "d/f.csv"');
  const s0 = stmt(p, 0, 'data');
  assert.equal(s0.dist?.name, 'normal');
  assert.equal(s0.file, undefined);
  const s1 = stmt(p, 1, 'data');
  assert.deepEqual(s1.names[0].shape?.dims, [2]);
  assert.equal(s1.dist?.args.length, 0);
  const s2 = stmt(p, 2, 'data');
  assert.deepEqual(
    s2.names.map((n) => n.name),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    s2.names.map((n) => n.shape?.dims ?? []),
    [[], [2], []],
  );
  assert.equal(s2.file?.path, 'd/f.csv');
  assert.deepEqual([s2.file?.span.column, s2.file?.span.endColumn], [22, 31]);
  assert.equal(s2.dist, undefined);
});

test('dataset, let, loss and train statements', () => {
  const p = parseOk('dataset size = 64\nlet y = 2*x\nloss = (w - y)^2\ntrain sgd(lr = 0.05, batch = 4, sampling = without_replacement)\ntrain gd()');
  assert.equal(show(stmt(p, 0, 'dataset').size), '64');
  const l = stmt(p, 1, 'let');
  assert.equal(l.name, 'y');
  assert.equal(show(l.value), '(* 2 x)');
  assert.equal(show(stmt(p, 2, 'loss').value), '(^ (- w y) 2)');
  assert.deepEqual(sp(stmt(p, 2, 'loss').keywordSpan), { line: 3, column: 1, endLine: 3, endColumn: 5 });
  const t = stmt(p, 3, 'train');
  assert.equal(t.optimizer, 'sgd');
  assert.deepEqual(
    t.args.map((a) => [a.key, show(a.value)]),
    [
      ['lr', '0.05'],
      ['batch', '4'],
      ['sampling', 'without_replacement'],
    ],
  );
  assert.deepEqual(sp(t.args[1].keySpan), { line: 4, column: 22, endLine: 4, endColumn: 27 });
  assert.deepEqual(stmt(p, 4, 'train').args, []);
});

test('comments, blank lines and CRLF line ends are ignored', () => {
  const p = parseOk('# header\r\n\r\n   # indented comment\r\nparam w = 1   # trailing\r\n\r\nloss = w # again\r\n');
  assert.equal(p.statements.length, 2);
  assert.equal(stmt(p, 1, 'loss').span.line, 6);
});

test('a backslash at the end of a line continues the statement; positions stay those of the source', () => {
  const p = parseOk('param u = 1, \\\n      w = 2\nloss = u + \\   # comment after the backslash\n   w\n');
  const s = stmt(p, 0, 'param');
  assert.deepEqual(
    s.decls.map((d) => d.name),
    ['u', 'w'],
  );
  assert.deepEqual(sp(s.decls[1].nameSpan), { line: 2, column: 7, endLine: 2, endColumn: 8 });
  const l = stmt(p, 1, 'loss');
  assert.equal(show(l.value), '(+ u w)');
  assert.deepEqual(sp(l.value.span), { line: 3, column: 8, endLine: 4, endColumn: 5 });
});

test('a backslash at the very end of the file is harmless and points nowhere past the file', () => {
  const diags = new DiagnosticBag();
  const toks = tokenize('loss = w + \\', diags);
  assert.deepEqual(diags.items, []);
  const eof = toks[toks.length - 1];
  assert.equal(eof.kind, 'eof');
  assert.equal(eof.line, 1);
  const d2 = new DiagnosticBag();
  parse('param w = 1\nloss = w + \\', d2);
  assert.equal(d2.items.length, 1);
  assert.equal(d2.items[0].line, 2, fmt(d2.items[0]));
});

test('Greek and other Unicode letters are names', () => {
  const p = parseOk('param α = 1, βeta_2 = 2, Ω[2]\nlet λ = α*βeta_2\nloss = λ + sum(Ω)');
  assert.deepEqual(
    stmt(p, 0, 'param').decls.map((d) => d.name),
    ['α', 'βeta_2', 'Ω'],
  );
  assert.equal(show(stmt(p, 2, 'loss').value), '(+ λ (sum Ω))');
  // Columns count UTF-16 code units, as editors do: `𝑤` (outside the BMP) is 2 wide.
  const q = parseOk('let 𝑤 = 1');
  assert.deepEqual(sp(stmt(q, 0, 'let').nameSpan), { line: 1, column: 5, endLine: 1, endColumn: 7 });
});

test('numbers: integers, decimals, leading dot, exponents', () => {
  assert.equal(expr('1 + 2.5 + .25 + 1e3 + 2.5E-2 + 7.'), '(+ (+ (+ (+ (+ 1 2.5) 0.25) 1000) 0.025) 7)');
});

test('operator precedence and associativity', () => {
  assert.equal(expr('a + b * c'), '(+ a (* b c))');
  assert.equal(expr('a - b - c'), '(- (- a b) c)');
  assert.equal(expr('a / b * c'), '(* (/ a b) c)');
  assert.equal(expr('a * b ^ c'), '(* a (^ b c))');
  assert.equal(expr('(a + b) * c'), '(* (+ a b) c)');
  assert.equal(expr('2 * U @ x + b'), '(+ (@ (* 2 U) x) b)');
  assert.equal(expr('W @ U @ x'), '(@ (@ W U) x)');
  assert.equal(expr('W @ (U @ x)'), '(@ W (@ U x))');
});

test('`^` is right-associative and binds tighter than unary minus', () => {
  assert.equal(expr('a ^ b ^ c'), '(^ a (^ b c))');
  assert.equal(expr('-x^2'), '(- (^ x 2))');
  assert.equal(expr('-x^-2'), '(- (^ x (- 2)))');
  assert.equal(expr('2^-x^2'), '(^ 2 (- (^ x 2)))');
  assert.equal(expr('(-x)^2'), '(^ (- x) 2)');
  assert.equal(expr('- - x'), '(- (- x))');
  assert.equal(expr('+x - -y'), '(- (+ x) (- y))');
  assert.equal(expr('a * -b'), '(* a (- b))');
});

test('calls, indexing and lists', () => {
  assert.equal(expr('max(a, b) + sum(U[1]) + U[0, 1] + rademacher()'), '(+ (+ (+ (max a b) (sum (idx U 1))) (idx U 0 1)) (rademacher))');
  assert.equal(expr('f(g(x))[2]'), '(idx (f (g x)) 2)');
  assert.equal(expr('x[0]^2'), '(^ (idx x 0) 2)');
  assert.equal(expr('[[1, 2], [3, 4]] @ [a, -b]'), '(@ [[1 2] [3 4]] [a (- b)])');
  assert.equal(expr('[]'), '[]');
  const e = firstExpr('loss = sum(U[0, 1] * x)');
  assert.deepEqual(sp(e.span), { line: 1, column: 8, endLine: 1, endColumn: 24 });
});

test('deep nesting and very long chains are errors, not stack overflows', () => {
  for (const src of [
    'loss = ' + '('.repeat(5000) + 'w' + ')'.repeat(5000),
    'loss = ' + '-'.repeat(50000) + 'w',
    'loss = w' + '^w'.repeat(50000),
    'loss = w' + '+w'.repeat(50000),
    'loss = w' + '[0]'.repeat(50000),
    'loss = ' + 'exp('.repeat(5000) + 'w' + ')'.repeat(5000),
  ]) {
    const diags = new DiagnosticBag();
    parse(src, diags);
    assert.equal(diags.items.length, 1, src.slice(0, 40));
    assert.match(diags.items[0].message, /nested too deeply|too long/);
  }
  // …while moderate sizes are fine.
  parseOk('loss = ' + '('.repeat(100) + 'w' + ')'.repeat(100));
  parseOk('loss = w' + '+w'.repeat(900));
});

test('the depth guard does not leak between statements after an error', () => {
  // Every line is just over the limit; if the guard's counter drifted after each error, later
  // lines would be accepted (or overflow the stack) instead of each reporting the same error.
  const line = 'loss = ' + '-'.repeat(130) + 'w';
  const diags = new DiagnosticBag();
  parse(Array(200).fill(line).join('\n'), diags);
  assert.equal(diags.items.length, 200);
  assert.ok(diags.items.every((d) => /nested too deeply/.test(d.message)));
  // And a line exactly within the limit after errors still parses.
  const d2 = new DiagnosticBag();
  const p = parse(line + '\n' + 'loss = ' + '-'.repeat(100) + 'w', d2);
  assert.equal(d2.items.length, 1);
  assert.equal(p.statements.length, 1);
});

test('parsing recovers at the next line and keeps the good statements', () => {
  const diags = new DiagnosticBag();
  const p = parse('param w = (1\nparam v = 2\nlet = 3\nloss = v + \ntrain sgd(lr = 1)', diags);
  assert.deepEqual(
    p.statements.map((s) => s.kind),
    ['param', 'train'],
  );
  assert.deepEqual(
    diags.items.map((d) => d.line),
    [1, 3, 4],
  );
});
