// The process-level fuzzer (test/fuzz/process.ts): the hostile inputs of issue 10 and generated
// files, each run as a `noether` process with a heap cap and a time limit.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fuzzProcesses, generatedCases, hostileCases, processProblems, runCase } from '../fuzz/process';
import { readExample } from './helpers';

test('a fuzzed process reports its CPU time, which counts its work and not the time it waits', async () => {
  const c = { name: 'cpu', command: 'analyze' as const, source: readExample('two-layer-scalar.loss') };
  const o = await runCase(c);
  assert.deepEqual(o.problems, []);
  assert.ok(o.cpuMs !== undefined && o.cpuMs > 0, `CPU time ${o.cpuMs}`);
  // Startup and the analysis take CPU; CPU time of one thread or a few cannot be far above wall time.
  assert.ok(o.cpuMs < 4 * o.ms + 100, `CPU ${o.cpuMs} ms against ${o.ms} ms of wall time`);
});

test('process fuzz: every hostile case of issue 10 and 20 generated files end by themselves, cleanly', async () => {
  const cases = [...hostileCases(), ...generatedCases(20, 20240611)];
  assert.ok(cases.length > 50);
  const s = await fuzzProcesses(cases, { timeoutMs: 90_000, maxOldSpaceMb: 512 });
  assert.deepEqual(
    s.failures.map((f) => `${f.name}: ${f.problems.join('; ')}`),
    [],
  );
  assert.equal(s.count, cases.length);
});

test('the process contract catches hangs, crashes, stack traces, raw control characters and bad JSON', () => {
  const c = { name: 'x', command: 'analyze' as const };
  const json = JSON.stringify({ file: 'f', components: [], symmetries: [], diagnostics: [] });
  assert.deepEqual(processProblems(c, 0, null, json, '', false), []);
  assert.match(processProblems(c, null, 'SIGKILL', '', '', true).join(), /did not end within the time limit/);
  assert.match(processProblems(c, 3, null, '', 'noether: internal error: x', false).join(), /exit code 3/);
  assert.match(processProblems(c, 134, null, '', 'FATAL ERROR: Reached heap limit', false).join(), /a crash/);
  assert.match(processProblems(c, 2, null, '', 'Error: x\n    at main (/a/b.js:1:2)', false).join(), /stack trace/);
  assert.match(processProblems(c, 1, null, json.replace('"f"', '"\u001b[2J"'), '', false).join(), /raw control character/);
  assert.match(processProblems(c, 1, null, json, '', false).join(), /exit code 1 without an error diagnostic/);
  assert.match(processProblems(c, 0, null, '{', '', false).join(), /not JSON/);
  assert.match(processProblems({ ...c, expect: [1] }, 0, null, json, '', false).join(), /expected 1/);
  // A CPU-time limit: over it, and no report at all, are problems; wall time does not count.
  assert.match(processProblems({ ...c, maxCpuMs: 1000 }, 0, null, json, '', false, 2000).join(), /took 2\.0 s of CPU, limit 1 s/);
  assert.deepEqual(processProblems({ ...c, maxCpuMs: 1000 }, 0, null, json, '', false, 999), []);
  assert.match(processProblems({ ...c, maxCpuMs: 1000 }, 0, null, json, '', false).join(), /no CPU time was reported/);
  const long = JSON.stringify({ file: 'f', components: [], symmetries: [], diagnostics: [{ severity: 'error', message: 'x'.repeat(5000) }] });
  assert.match(processProblems(c, 1, null, long, '', false).join(), /a diagnostic message of 5000 characters/);
});
