// The record of posted webview messages (src/panel/messageLog.ts): off outside tests, bounded in
// tests, and never holding a progress message's partial run.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MessageLog, RECORD_ENV } from '../../src/panel/messageLog';

const progress = (k: number) => ({ type: 'simulationProgress', id: k, progress: { run: 0, fraction: k / 10, partial: { steps: new Float64Array(1e5) } } });

test('message log: records nothing unless a test run asked for it', () => {
  assert.equal(MessageLog.wanted(false, {}), false);
  assert.equal(MessageLog.wanted(false, { [RECORD_ENV]: '0' }), false);
  assert.equal(MessageLog.wanted(false, { [RECORD_ENV]: '1' }), true);
  assert.equal(MessageLog.wanted(true, {}), true);
  const off = new MessageLog(false);
  for (let k = 0; k < 100; k++) off.record('file:///a.loss', { type: 'theme', id: k });
  assert.deepEqual(off.messages('file:///a.loss'), []);
});

test('message log: keeps the last messages of each key, oldest first', () => {
  const log = new MessageLog(true, { perKey: 5 });
  for (let k = 0; k < 12; k++) log.record('a', { type: 'theme', id: k });
  log.record('b', { type: 'theme', id: 100 });
  assert.deepEqual(
    log.messages('a').map((m) => (m as { id: number }).id),
    [7, 8, 9, 10, 11],
  );
  assert.deepEqual(
    log.messages('b').map((m) => (m as { id: number }).id),
    [100],
  );
  // A copy: the caller cannot grow the log.
  log.messages('a').push({ type: 'x' });
  assert.equal(log.messages('a').length, 5);
});

test('message log: drops the least recently written key beyond the key bound', () => {
  const log = new MessageLog(true, { keys: 2 });
  log.record('a', { id: 1 });
  log.record('b', { id: 2 });
  log.record('a', { id: 3 });
  log.record('c', { id: 4 });
  assert.equal(log.messages('b').length, 0, 'b was written least recently');
  assert.equal(log.messages('a').length, 2);
  assert.equal(log.messages('c').length, 1);
});

test('message log: progress messages are kept without their partial run, but for the latest', () => {
  const log = new MessageLog(true);
  const sent = progress(3);
  log.record('a', sent);
  log.record('b', progress(1));
  log.record('a', { type: 'simulationResult', id: 4, result: { runs: [1, 2] } });
  type P = { type: string; id: number; progress: Record<string, unknown> };
  assert.equal(log.messages('a')[0], sent, 'the latest progress of its key is kept whole');
  log.record('a', progress(5));
  const [p, r, latest] = log.messages('a') as [P, { result: unknown }, P];
  assert.deepEqual(p, { type: 'simulationProgress', id: 3, progress: { run: 0, fraction: 0.3 } });
  assert.deepEqual(r.result, { runs: [1, 2] }, 'other messages are kept whole');
  assert.ok(latest.progress.partial, 'the new latest progress is whole');
  assert.ok(sent.progress.partial, 'the posted message itself is not modified');
  assert.ok((log.messages('b')[0] as P).progress.partial, "another key's latest progress is its own");
});
