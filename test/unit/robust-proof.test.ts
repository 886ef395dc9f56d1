// The symbolic time budget (issue 10, item 5): nerdamer runs in a proof worker that is stopped at
// a hard deadline; the analysis stays synchronous and reports the symmetry `numerical` with a note.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { findSymmetries } from '../../src/core/analysis/symmetries';
import { checkSource } from '../../src/core/lang/check';
import { hasScalarView } from '../../src/core/lang/model';
import { SYMBOLIC_BUDGET_MS, SYMBOLIC_DEADLINE_MS } from '../../src/core/analysis/proof';
import { proofWorkersStarted, proofWorkerScript, proveZeroSymbolically } from '../../src/core/symbolic/prover';
import { EXAMPLES, readExample, ROOT } from './helpers';

test('the proof worker answers synchronously, stays warm, and is replaced after a deadline', () => {
  assert.ok(fs.existsSync(proofWorkerScript()), proofWorkerScript());
  assert.equal(proveZeroSymbolically('(a+b)^2 - a^2 - 2*a*b - b^2', 1500, 10_000).kind, 'zero');
  const warm = proofWorkersStarted();
  assert.equal(proveZeroSymbolically('(a+b)^2 - a^2 - b^2', 1500, 10_000).kind, 'not-zero');
  assert.equal(proofWorkersStarted(), warm, 'the same worker answers the next proof');
  // nerdamer spends about 3 s on this one (its own timeout, twice): stopped at 300 ms.
  const slow = '(a+b+c+d+e)^12*(a-b) - (a+b+c+d+e)^11*(a*a-b*b+(a-b)*(c+d+e))';
  const t0 = Date.now();
  const v = proveZeroSymbolically(slow, 1500, 300);
  assert.equal(v.kind, 'timeout');
  assert.ok(Date.now() - t0 < 1500, `${Date.now() - t0} ms`);
  // The stopped worker is replaced at the next proof.
  assert.equal(proveZeroSymbolically('x - x', 1500, 10_000).kind, 'zero');
  assert.equal(proofWorkersStarted(), warm + 1);
});

test('a 12-line file whose proofs take 40 s in nerdamer is analysed within the budget: its stopped proofs are numerical with the reason, then proved at the level of tensor axes', () => {
  // The 3×3 two-layer example with 123456789.123 in the data law: nerdamer's expand/simplify of
  // its huge rationals ignore nerdamer's timeout (42 s for the whole analysis before the worker).
  const src = readExample('two-layer-matrix.loss').replace('let   V = [[1, 0.5, 0]', 'let   V = [[1, 123456789.123, 0]');
  assert.notEqual(src, readExample('two-layer-matrix.loss'));
  // The component-level search, whose proofs go through the proof worker: stopped at the deadline.
  const model = checkSource(src).model!;
  assert.ok(hasScalarView(model));
  // CPU time of the process, proof worker included: a worker left running past its deadline would
  // show up here, while a loaded machine (tests run two at a time) does not inflate it.
  const cpuMs = (c0: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  const t1 = process.cpuUsage();
  const flat = findSymmetries(model);
  assert.ok(cpuMs(t1) < SYMBOLIC_BUDGET_MS + 8000, `${cpuMs(t1)} ms of CPU`);
  const stopped = flat.filter((s) => s.status === 'numerical');
  assert.ok(stopped.length > 0);
  for (const s of stopped) {
    assert.match(
      s.proofNote ?? '',
      new RegExp(`stopped at its ${SYMBOLIC_DEADLINE_MS / 1000} s deadline|symbolic time budget \\(${SYMBOLIC_BUDGET_MS / 1000} s\\)`),
    );
    assert.ok(s.residual <= 1e-8);
  }
  for (const s of flat.filter((x) => x.status === 'proved')) assert.equal(s.proofNote, undefined);
  // The whole analysis stays within the budget; the GL(3) group of the hidden index is proved by the
  // covariance calculus on the tensor graph (no nerdamer), so its generators are proved and carry no note.
  const t0 = process.cpuUsage();
  const a = analyzeSource(src);
  const ms = cpuMs(t0);
  // Beyond the symbolic budget: groups, predictions, closed forms and the conservation-law count
  // (brackets at up to three points on this badly scaled model) take a few seconds of their own.
  assert.ok(ms < SYMBOLIC_BUDGET_MS + 12000, `${ms} ms of CPU`);
  assert.ok(a.symmetries.length > 0);
  assert.deepEqual(
    a.groups.map((g) => [g.status, g.proof]),
    [['proved', 'covariance']],
  );
  for (const s of a.symmetries) {
    assert.equal(s.status, 'proved');
    assert.equal(s.proofNote, undefined);
  }
});

test("proofs that finish keep their status and no note; the CLI exits at once after them (the worker is unref'd)", () => {
  const a = analyzeSource(readExample('two-layer-matrix.loss'));
  assert.equal(a.symmetries.length, 6);
  assert.ok(a.symmetries.every((s) => s.status === 'proved' && s.proofNote === undefined));
  assert.equal(a.symmetries.filter((s) => s.proof === 'nerdamer').length, 3);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'noether.js'), 'analyze', path.join(EXAMPLES, 'two-layer-matrix.loss')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.error, undefined, 'the process did not exit');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /linear \(proved, by nerdamer\)/);
  assert.ok(Date.now() - t0 < 30_000);
});
