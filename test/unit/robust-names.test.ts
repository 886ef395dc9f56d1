// Names that Object.prototype owns (`toString`, `constructor`, `__proto__`, …) are ordinary unknown
// or user names in a `.loss` file: never a crash, never silently accepted (issue 10, item 2).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { DISTRIBUTIONS } from '../../src/core/lang/distributions';
import { FUNCTIONS, OPTIMIZERS, TRAIN_KEYS } from '../../src/core/lang/check';
import { hasName, lookupName } from '../../src/core/lang/names';
import { locate } from '../../src/editor/hover/locate';
import { KEYWORD_DOCS, TRAIN_KEY_THEORY } from '../../src/editor/hover/format';
import { check, fmt, onlyError } from './lang-helpers';

const PROTO_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];

for (const name of PROTO_NAMES) {
  test(`\`${name}\` as a function is an unknown function`, () => {
    const src = `param u = 1\ndata x ~ normal(0, 1)\nloss = ${name}(u*x)\n`;
    const d = onlyError(src);
    assert.match(d.message, new RegExp(`^unknown function \`${name}\``), fmt(d));
    assert.deepEqual([d.line, d.column, d.endColumn], [3, 8, 8 + name.length]);
    // The whole analysis (what `noether analyze` runs) reports it too instead of throwing.
    const a = analyzeSource(src);
    assert.equal(a.diagnostics.filter((x) => x.severity === 'error').length, 1);
  });

  test(`\`${name}\` as a distribution is an unknown distribution`, () => {
    const src = `param u = 1\ndata x ~ ${name}()\nloss = (u*x)^2\n`;
    const d = onlyError(src);
    assert.match(d.message, new RegExp(`^unknown distribution \`${name}\``), fmt(d));
    assert.deepEqual([d.line, d.column, d.endColumn], [2, 10, 10 + name.length]);
    assert.equal(analyzeSource(src).diagnostics.filter((x) => x.severity === 'error').length, 1);
    // As an initial value's distribution as well.
    assert.match(onlyError(`param u ~ ${name}(1)\nloss = u^2\n`).message, /unknown distribution/);
  });

  test(`\`${name}\` as a train key is an unknown key`, () => {
    const src = `param u = 1\nloss = u^2\ntrain sgd(lr = 0.1, ${name} = 1)\n`;
    const d = onlyError(src);
    assert.match(d.message, new RegExp(`^unknown key \`${name}\` for \`sgd\``), fmt(d));
    assert.deepEqual([d.line, d.column, d.endColumn], [3, 21, 21 + name.length]);
    assert.equal(check(src).model, undefined);
  });

  test(`\`${name}\` as an optimizer is an unknown optimizer`, () => {
    assert.match(onlyError(`param u = 1\nloss = u^2\ntrain ${name}(lr = 0.1)\n`).message, new RegExp(`^unknown optimizer \`${name}\``));
  });

  test(`\`${name}\` is an ordinary name for a param, a data and a let`, () => {
    const r = check(`param ${name} = 1\ndata ${name}_x ~ normal(0, 1)\nlet ${name}_y = ${name} * ${name}_x\nloss = ${name}_y^2\n`);
    assert.deepEqual(r.diagnostics.map(fmt), []);
    assert.deepEqual(r.model?.components, [name]);
    const lets = check(`param u = 1\ndata ${name} ~ normal(0, 1)\nlet y = u * ${name}\nloss = y^2\n`);
    assert.deepEqual(lets.diagnostics.map(fmt), []);
    const a = analyzeSource(`param ${name} = 2\nparam w = 0.5\ndata x ~ normal(0, 1)\nloss = (${name}*w*x - x)^2\n`);
    assert.deepEqual(a.diagnostics, []);
    assert.deepEqual(Object.keys(a.initial), [name, 'w']);
    assert.equal(a.initial[name], 2);
    assert.equal(a.symmetries.length, 1);
  });
}

test('the name tables have no prototype: inherited names are not in them', () => {
  for (const table of [FUNCTIONS, DISTRIBUTIONS, TRAIN_KEYS, OPTIMIZERS, KEYWORD_DOCS, TRAIN_KEY_THEORY]) {
    assert.equal(Object.getPrototypeOf(table), null);
    for (const name of PROTO_NAMES) {
      assert.equal(hasName(table, name), false, name);
      assert.equal(name in table, false, name);
      assert.equal(lookupName(table as Record<string, unknown>, name), undefined, name);
    }
  }
  assert.ok(hasName(FUNCTIONS, 'exp') && hasName(TRAIN_KEYS, 'lr') && hasName(DISTRIBUTIONS, 'normal'));
});

test('hovers: inherited names are not located as functions, distributions, keys or optimizers', () => {
  for (const name of PROTO_NAMES) {
    const fn = `param u = 1\nloss = ${name}(u)\n`;
    assert.equal(locate(fn, 2, 8), undefined, `${name}(…)`);
    const dist = `param u = 1\ndata x ~ ${name}()\nloss = u*x\n`;
    assert.equal(locate(dist, 2, 10), undefined, `~ ${name}()`);
    const key = `param u = 1\nloss = u^2\ntrain sgd(lr = 0.1, ${name} = 1)\n`;
    assert.deepEqual(locate(key, 3, 21)?.target, { kind: 'trainKey', key: name, optimizer: 'sgd' });
    assert.equal(lookupName(TRAIN_KEYS, name), undefined); // so the hover says nothing about it
    const opt = `param u = 1\nloss = u^2\ntrain ${name}(lr = 0.1)\n`;
    assert.deepEqual(locate(opt, 3, 7)?.target, { kind: 'optimizer', name });
    assert.equal(lookupName(OPTIMIZERS, name), undefined);
    // Declared with such a name, it is the parameter.
    const param = `param ${name} = 1\nloss = ${name}^2\n`;
    assert.deepEqual(locate(param, 2, 8)?.target, { kind: 'param', name, declared: false });
  }
});
