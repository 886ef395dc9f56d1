// The fuzz tester (test/fuzz/fuzz.ts) over 10⁴ inputs with a fixed seed, and its contract checks.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { contractProblems, fuzz } from '../fuzz/fuzz';

test('fuzz: 10⁴ random and mutated .loss files check without exceptions, quickly, with sane diagnostics', () => {
  const s = fuzz(10_000, 20240611, { failureDir: path.join(os.tmpdir(), 'noether-fuzz-unit') });
  const report = s.failures
    .slice(0, 5)
    .map((f) => `#${f.index} [${f.generator}] ${f.problem.split('\n')[0]}\n  ${f.file ?? JSON.stringify(f.input.slice(0, 200))}`)
    .join('\n');
  assert.equal(s.failures.length, 0, report);
  assert.equal(s.count, 10_000);
  // The generators are all exercised, and produce both valid and invalid files.
  for (const g of ['grammar', 'grammar+mutation', 'example-mutation', 'noise']) assert.ok((s.generators[g] ?? 0) > 100, `${g}: ${s.generators[g]}`);
  assert.ok(s.valid > 1000 && s.valid < 9000, `valid ${s.valid}`);
  assert.ok(s.analyzed > 5, `analysed ${s.analyzed}`);
  assert.ok(s.maxCheckMs <= 2000);
});

test('fuzz is deterministic for a seed', () => {
  const a = fuzz(150, 7, { analyzeFraction: 0 });
  const b = fuzz(150, 7, { analyzeFraction: 0 });
  assert.deepEqual([a.valid, a.diagnostics, a.generators], [b.valid, b.diagnostics, b.generators]);
  const c = fuzz(150, 8, { analyzeFraction: 0 });
  assert.notDeepEqual([a.valid, a.diagnostics], [c.valid, c.diagnostics]);
});

test('the contract check rejects bad ranges, empty messages and a missing model without an error', () => {
  const d = { line: 1, column: 1, endLine: 1, endColumn: 2, severity: 'error' as const, message: 'x' };
  assert.deepEqual(contractProblems('a', { diagnostics: [d] }), []);
  const bad = (over: object) => contractProblems('a\nb', { diagnostics: [{ ...d, ...over }] });
  assert.match(bad({ line: 0 }).join(), /bad line/);
  assert.match(bad({ column: 0 }).join(), /bad column/);
  assert.match(bad({ column: 1.5 }).join(), /bad column/);
  assert.match(bad({ endColumn: 0 }).join(), /bad endColumn/);
  assert.match(bad({ endLine: 0 }).join(), /bad endLine/);
  assert.match(bad({ line: 3, endLine: 3 }).join(), /past the last line/);
  assert.match(bad({ message: ' ' }).join(), /empty message/);
  assert.match(bad({ fix: { title: '', replacement: 'x' } }).join(), /bad fix/);
  assert.match(contractProblems('a', { diagnostics: [{ ...d, severity: 'warning' }] }).join(), /no model but no error/);
  // A multi-line range may end at a smaller column.
  assert.deepEqual(bad({ line: 1, column: 5, endLine: 2, endColumn: 1 }), []);
});
