// Runs that fail or stop early (issue 10, item 7): one failed simulation worker stops its
// siblings, so the process (the CLI) does not stay alive after the error; a run stopped during
// its start-up is recognised as having measured nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { simulateSource } from '../../src/core/numeric/runner';
import { measuredNothing } from '../../src/editor/simulation/runResult';
import { readExample, tmpFile } from './helpers';

test('a failing simulation worker terminates its siblings and the process exits', () => {
  // The worker of chain 0 fails at once; the others would run forever.
  const worker = tmpFile(
    'failing-worker.js',
    `const { parentPort, workerData } = require('worker_threads');
     if (workerData.job.chains.includes(0)) parentPort.postMessage({ type: 'error', message: 'boom in the worker of chain 0' });
     else for (;;) {}`,
  );
  const script = `
    const { simulateSource } = require(${JSON.stringify(require.resolve('../../src/core/numeric/runner'))});
    simulateSource(${JSON.stringify(readExample('two-layer-scalar.loss'))}, { workers: 3, chains: 6, workerScript: ${JSON.stringify(worker)} })
      .then(() => console.log('resolved'), (e) => console.log('rejected: ' + e.message));`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.error, undefined, `the process did not exit: ${r.error?.message}; stdout ${r.stdout}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'rejected: boom in the worker of chain 0');
  assert.ok(Date.now() - t0 < 30_000);
});

test('a run stopped during its start-up measured nothing (the editor keeps the previous result); a finished one did', async () => {
  const src = readExample('two-layer-scalar.loss');
  const before = new AbortController();
  before.abort();
  assert.equal(measuredNothing(await simulateSource(src, { workers: 2, signal: before.signal })), true);
  // Aborted as soon as the workers start: only the start is recorded.
  const early = new AbortController();
  const running = simulateSource(src, { workers: 2, steps: 2_000_000, signal: early.signal });
  early.abort();
  const r = await running;
  assert.ok(r.runs[0].cancelled);
  assert.equal(measuredNothing(r), true, JSON.stringify(r.runs[0].series.lossMean));
  const done = await simulateSource(src, { workers: 2, run: 0, steps: 3000, chains: 2 });
  assert.equal(measuredNothing(done), false);
});
