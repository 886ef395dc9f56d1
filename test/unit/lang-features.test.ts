// The pure core of the editor's language features (src/core/lang/symbols.ts, completion.ts):
// the Outline, declarations and uses of names, rename with validation, completions by position.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { completionsAt } from '../../src/core/lang/completion';
import { FUNCTIONS, OPTIMIZERS, trainKeysFor } from '../../src/core/lang/check';
import { DISTRIBUTIONS } from '../../src/core/lang/distributions';
import { Span } from '../../src/core/lang/diagnostics';
import { documentSymbols, nameAt, nameIndex, renameAt, renameProblem } from '../../src/core/lang/symbols';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
const example = (name: string) => fs.readFileSync(path.join(EXAMPLES, name), 'utf8');

/** 1-based line and column of the `nth` occurrence of `word` in `source`, plus `offset` characters. */
function at(source: string, word: string, nth = 0, offset = 0): [number, number] {
  let from = 0;
  let k = -1;
  for (let n = 0; n <= nth; n++) {
    k = source.indexOf(word, from);
    assert.ok(k >= 0, `"${word}" #${n} not in the source`);
    from = k + 1;
  }
  const pre = source.slice(0, k + offset);
  const line = pre.split('\n').length;
  return [line, pre.length - pre.lastIndexOf('\n')];
}

const spanText = (source: string, s: Span) => source.split('\n')[s.line - 1].slice(s.column - 1, s.endColumn - 1);

/** Applies a rename's edits (every span replaced by `name`). */
function applyRename(source: string, spans: Span[], name: string): string {
  const lines = source.split('\n');
  for (const s of [...spans].sort((a, b) => b.line - a.line || b.column - a.column)) {
    const l = lines[s.line - 1];
    lines[s.line - 1] = l.slice(0, s.column - 1) + name + l.slice(s.endColumn - 1);
  }
  return lines.join('\n');
}

test('Outline: params with shapes and inits, data with their law, lets, loss and train lines, in order', () => {
  const src = example('two-layer-matrix.loss');
  const syms = documentSymbols(src);
  assert.deepEqual(
    syms.map((s) => [s.kind, s.name, s.detail]),
    [
      ['param', 'U', '[3, 3] = [[0.8, 0.1, 0.0], [0.2, 0.5, 0.1], [0.0, 0.3, 0.9]]'],
      ['param', 'W', '[3, 3] = [[0.5, 0.0, 0.2], [0.1, 0.7, 0.0], [0.3, 0.1, 0.4]]'],
      ['data', 'x', '[3] ~ normal(0, 1)'],
      ['data', 'eps', '[3] ~ normal(0, 0.2)'],
      ['let', 'V', '= [[1, 0.5, 0], [0, 1, 0.5], [0.5, 0, 1]]'],
      ['let', 'y', '= V @ x + eps'],
      ['loss', 'loss', '= norm2(W @ (U @ x) - y) / 2'],
      ['train', 'train sgd', 'lr = 0.01, batch = 1, steps = 40000, chains = 8, seed = 3'],
    ],
  );
  // The selection is the name itself; the span covers the declaration.
  const u = syms[0];
  assert.equal(spanText(src, u.selection), 'U');
  assert.ok(u.span.endColumn > u.selection.endColumn);
  const train = syms[syms.length - 1];
  assert.equal(spanText(src, train.selection), 'sgd');
});

test('Outline: several params on one line, defaults, CSV data, dataset and a long detail cut', () => {
  const src = [
    'param u = 1, w ~ uniform(-1, 1), z',
    'data x, y from "data/regression.csv"',
    'dataset size = 64',
    `let long = ${Array.from({ length: 40 }, (_, i) => `u*${i}`).join(' + ')}`,
    'loss = (u*w*x - y)^2 \\',
    '  / 2',
    'train gd(lr = 0.1)',
  ].join('\n');
  const syms = documentSymbols(src);
  assert.deepEqual(
    syms.slice(0, 5).map((s) => [s.name, s.detail]),
    [
      ['u', 'scalar = 1'],
      ['w', 'scalar ~ uniform(-1, 1)'],
      ['z', 'scalar ~ normal(0, 1)'],
      ['x', 'scalar from "data/regression.csv"'],
      ['y', 'scalar from "data/regression.csv"'],
    ],
  );
  assert.deepEqual([syms[5].kind, syms[5].detail, spanText(src, syms[5].selection)], ['dataset', 'size = 64', 'dataset']);
  assert.equal(syms[6].detail.length, 80);
  assert.ok(syms[6].detail.endsWith('…'));
  // A statement continued over two lines: its detail is one line, its span both.
  assert.equal(syms[7].detail, '= (u*w*x - y)^2 / 2');
  assert.deepEqual([syms[7].span.line, syms[7].span.endLine], [5, 6]);
  assert.equal(syms[8].name, 'train gd');
});

test('Outline of a file with a syntax error: the lines that parse are listed', () => {
  const syms = documentSymbols('param u = 1\nparam = 2\nloss = u^2\n');
  assert.deepEqual(
    syms.map((s) => s.name),
    ['u', 'loss'],
  );
});

test('declarations and uses: every use of a name in lets, loss, inits and train values; not keys or sampling values', () => {
  const src = example('two-layer-scalar.loss');
  const idx = nameIndex(src);
  assert.deepEqual([...idx.declarations.keys()], ['u', 'w', 'x', 'eps', 'y']);
  assert.deepEqual(
    idx.uses.map((u) => u.name),
    ['x', 'eps', 'u', 'w', 'x', 'y'],
  );
  const train = nameIndex('param w = 1\nloss = w^2\ntrain sgd(lr = 0.1, sampling = with_replacement)\n');
  assert.deepEqual(
    train.uses.map((u) => u.name),
    ['w'],
  );
});

test('go to definition and references: from a use or the declaration, the same occurrences', () => {
  const src = example('two-layer-scalar.loss');
  const fromUse = nameAt(src, ...at(src, 'y)^2'));
  assert.ok(fromUse);
  assert.equal(fromUse.name, 'y');
  assert.equal(fromUse.kind, 'let');
  assert.equal(fromUse.onDeclaration, false);
  assert.deepEqual([fromUse.declaration.line, spanText(src, fromUse.declaration)], [at(src, 'let   y')[0], 'y']);
  assert.equal(fromUse.occurrences.length, 2);
  const fromDecl = nameAt(src, ...at(src, 'y =', 0));
  assert.deepEqual(fromDecl?.occurrences, fromUse.occurrences);
  assert.equal(fromDecl?.onDeclaration, true);
  // The cursor just after a word (`u|*w`) is on it; between two words the one it is inside wins.
  const afterU = nameAt(src, ...at(src, 'u*w', 0, 1));
  assert.equal(afterU?.name, 'u');
  const onW = nameAt(src, ...at(src, 'u*w', 0, 2));
  assert.equal(onW?.name, 'w');
  assert.deepEqual(
    onW?.occurrences.map((s) => s.line),
    [at(src, 'param w')[0], at(src, 'u*w')[0]],
  );
  // Keywords, functions, numbers and undeclared names are not names one can navigate.
  assert.equal(nameAt(src, ...at(src, 'loss')), undefined);
  assert.equal(nameAt(src, ...at(src, 'normal')), undefined);
  assert.equal(nameAt('param w = 1\nloss = (w - q)^2\n', 2, 14), undefined);
});

test('rename: every occurrence, the new name validated', () => {
  const src = example('two-layer-scalar.loss');
  const r = renameAt(src, ...at(src, 'y)^2'), 'target');
  assert.ok(r.ok);
  const renamed = applyRename(src, r.spans, 'target');
  assert.match(renamed, /let {3}target = 2\*x \+ eps/);
  assert.match(renamed, /loss {2}= \(u\*w\*x - target\)\^2 \/ 2/);
  assert.doesNotMatch(renamed.replace(/#.*$/gm, ''), /\by\b/);
  // A param used in several statements, from its declaration; Greek names are names.
  const p = renameAt(src, ...at(src, 'param u', 0, 6), 'θ');
  assert.ok(p.ok);
  assert.equal(p.spans.length, 2);
  // Refused: not a name, a keyword, a function, a distribution, a name already declared.
  const problems = ['2x', 'a b', 'a-b', '', 'loss', 'from', 'exp', 'normal', 'w', 'x'].map((n) => renameProblem(src, 'u', n));
  assert.deepEqual(
    problems.map((m) => m?.replace(/`[^`]*`/g, 'N')),
    [
      'N is not a name: a name is a letter or _ followed by letters, digits and _',
      'N is not a name: a name is a letter or _ followed by letters, digits and _',
      'N is not a name: a name is a letter or _ followed by letters, digits and _',
      'N is not a name: a name is a letter or _ followed by letters, digits and _',
      'N is a keyword of the language',
      'N is a keyword of the language',
      'N is a built-in function',
      'N is a distribution',
      'N is already declared (as a param on line 6)',
      'N is already declared (as a data on line 7)',
    ],
  );
  assert.equal(renameProblem(src, 'u', 'u'), undefined, 'the same name is no change');
  const refused = renameAt(src, ...at(src, 'y)^2'), 'u');
  assert.deepEqual(refused, { ok: false, message: '`u` is already declared (as a param on line 5)' });
  // Not on a declared name, or a file with a syntax error: refused with the reason.
  assert.deepEqual(renameAt(src, ...at(src, 'normal'), 'q'), { ok: false, message: 'only a declared name (a param, data or let) can be renamed' });
  const broken = renameAt('param u = 1\nlet v = u +\nloss = u^2\n', 1, 7, 'q');
  assert.equal(broken.ok, false);
  assert.match((broken as { message: string }).message, /^fix the syntax errors first \(line 2: .*\): a line that does not parse may use `u`$/);
});

test('rename of every declared name of every example keeps the file checking the same', async () => {
  const { checkSource } = await import('../../src/core/lang/check');
  const { memoryFiles } = await import('./lang-helpers');
  for (const file of fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.loss'))) {
    const src = example(file);
    const files = { 'data/regression.csv': fs.readFileSync(path.join(EXAMPLES, 'data', 'regression.csv'), 'utf8') };
    const before = checkSource(src, { readFile: memoryFiles(files) });
    assert.ok(before.model, file);
    for (const [name, decls] of nameIndex(src).declarations) {
      const d = decls[0].span;
      const r = renameAt(src, d.line, d.column, `${name}_renamed`);
      assert.ok(r.ok, `${file}: ${name}`);
      const after = checkSource(applyRename(src, r.spans, `${name}_renamed`), { readFile: memoryFiles(files) });
      assert.ok(after.model, `${file}: renaming ${name} keeps it valid: ${after.diagnostics.map((x) => x.message).join('; ')}`);
      assert.equal(after.model.components.length, before.model.components.length);
      assert.equal(after.model.trains.length, before.model.trains.length);
    }
  }
});

// ---- completions ------------------------------------------------------------------------------

const labels = (c: { entries: { label: string }[] }) => c.entries.map((e) => e.label);

test('completions at the start of a line: the statement keywords, documented', () => {
  const c = completionsAt('param w = 1\n\nloss = w^2\n', 2, 1);
  assert.equal(c.context, 'keyword');
  assert.deepEqual(labels(c), ['param', 'data', 'dataset', 'let', 'loss', 'train']);
  assert.ok(c.entries.every((e) => e.documentation.length > 20));
  // A partial keyword: the same list, replacing the word.
  const p = completionsAt('par', 1, 4);
  assert.equal(p.context, 'keyword');
  assert.deepEqual(p.replace, { line: 1, column: 1, endLine: 1, endColumn: 4 });
});

test('completions after `train`: the optimizers; inside the parentheses: the keys of that optimizer not yet given', () => {
  const opt = completionsAt('train ', 1, 7);
  assert.equal(opt.context, 'optimizer');
  assert.deepEqual(labels(opt), Object.keys(OPTIMIZERS));
  assert.equal(opt.entries[0].snippet, 'sgd(lr = ${1:0.01}$0)');
  // Already followed by a parenthesis: the name only.
  assert.equal(completionsAt('train sg(lr = 0.1)', 1, 9).entries[0].snippet, undefined);
  const src = 'param w = 1\nloss = w^2\ntrain adam(lr = 0.1, )\n';
  const keys = completionsAt(src, 3, 21);
  assert.equal(keys.context, 'trainKey');
  assert.deepEqual(
    labels(keys),
    trainKeysFor('adam').filter((k) => k !== 'lr'),
  );
  assert.ok(labels(keys).includes('beta1') && !labels(keys).includes('beta'), 'adam keys, not momentum`s');
  const momentum = completionsAt('train momentum(lr = 0.1, b', 1, 27);
  assert.deepEqual(
    labels(momentum).filter((k) => k.startsWith('b')),
    ['batch', 'beta'],
  );
  assert.deepEqual(momentum.replace, { line: 1, column: 26, endLine: 1, endColumn: 27 });
  const batch = completionsAt('train sgd(', 1, 11).entries.find((e) => e.label === 'batch');
  assert.deepEqual([batch?.snippet, batch?.documentation], ['batch = ${1:4}', 'minibatch size B (default 1)']);
  const sampling = completionsAt('train sgd(', 1, 11).entries.find((e) => e.label === 'sampling');
  assert.equal(sampling?.snippet, 'sampling = ${1|with_replacement,without_replacement|}');
  // After `sampling =`: its two values; after another key's `=` (a number): nothing.
  assert.deepEqual(labels(completionsAt('train sgd(lr = 0.1, sampling = ', 1, 32)), ['with_replacement', 'without_replacement']);
  assert.equal(completionsAt('train sgd(lr = ', 1, 16).context, 'none');
  // Inside a nested parenthesis of a value: not a key position.
  assert.equal(completionsAt('train sgd(lr = (0.1, ', 1, 22).context, 'none');
});

test('completions after `~`: the distributions with their parameters as placeholders', () => {
  const c = completionsAt('data x ~ ', 1, 10);
  assert.equal(c.context, 'distribution');
  assert.deepEqual(labels(c), Object.keys(DISTRIBUTIONS));
  const normal = c.entries[0];
  assert.deepEqual([normal.detail, normal.snippet], ['normal(mean, std)', 'normal(${1:mean}, ${2:std})']);
  assert.equal(c.entries.find((e) => e.label === 'rademacher')?.snippet, 'rademacher()');
  assert.equal(completionsAt('param w[2] ~ nor', 1, 17).context, 'distribution');
});

test('completions in an expression: params, data, the lets above, and the functions; none in comments or strings', () => {
  const src = example('two-layer-scalar.loss');
  const [lossLine] = at(src, 'loss  =');
  const lineText = src.split('\n')[lossLine - 1];
  const c = completionsAt(src, lossLine, lineText.length + 1);
  assert.equal(c.context, 'expression');
  const names = c.entries.filter((e) => e.kind !== 'function');
  assert.deepEqual(
    names.map((e) => [e.label, e.kind]),
    [
      ['u', 'param'],
      ['w', 'param'],
      ['x', 'data'],
      ['eps', 'data'],
      ['y', 'let'],
    ],
  );
  assert.deepEqual(
    c.entries.filter((e) => e.kind === 'function').map((e) => e.label),
    Object.keys(FUNCTIONS),
  );
  const dot = c.entries.find((e) => e.label === 'dot');
  assert.deepEqual([dot?.snippet, dot?.documentation], ['dot(${1:a}, ${2:b})', FUNCTIONS.dot]);
  assert.equal(c.entries.find((e) => e.label === 'exp')?.snippet, 'exp($1)');
  assert.equal(c.entries.find((e) => e.label === 'cross_entropy')?.snippet, 'cross_entropy(${1:logits}, ${2:target})');
  // A let sees only the lets above it, never itself.
  const lets = 'param w = 1\nlet a = w\nlet b = w + \nlet c = w\nloss = c\n';
  assert.deepEqual(
    completionsAt(lets, 3, 13)
      .entries.filter((e) => e.kind !== 'function')
      .map((e) => e.label),
    ['w', 'a'],
  );
  // A declaration still being typed (its line does not parse yet) declares its names all the same.
  const typing = 'param u = 1, w = 0.5\ndata x ~ \ndata a[2], b from\nlet y = 2*x\nloss = (u*w*x - y)^2\n';
  assert.deepEqual(
    completionsAt(typing, 5, 21)
      .entries.filter((e) => e.kind !== 'function')
      .map((e) => [e.label, e.kind]),
    [
      ['u', 'param'],
      ['w', 'param'],
      ['y', 'let'],
      ['x', 'data'],
      ['a', 'data'],
      ['b', 'data'],
    ],
  );
  // Comments and strings: nothing.
  assert.equal(completionsAt('loss = w # w', 1, 13).context, 'none');
  assert.equal(completionsAt('data x from "da', 1, 16).context, 'none');
  // `dataset` is followed by `size`, and for data files `, seed`.
  assert.deepEqual(labels(completionsAt('dataset ', 1, 9)), ['size']);
  assert.deepEqual(labels(completionsAt('dataset size = 600, ', 1, 21)), ['seed']);
  assert.equal(completionsAt('dataset size = 600, seed = 1, ', 1, 31).context, 'none');
  assert.equal(documentSymbols('param w = 1\ndata x from "a.csv"\ndataset size = 6, seed = 2\nloss = w*x\n')[2].detail, 'size = 6, seed = 2');
});
