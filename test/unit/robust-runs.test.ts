// Runs that fail (issue 10, item 7): one failed simulation worker stops its siblings, so the
// process (the CLI) does not stay alive after the error.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
