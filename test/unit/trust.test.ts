// Workspace trust: in an untrusted workspace a .loss file may read data files only inside the
// workspace folders (src/core/io/files.ts, used by the analysis worker and the runs).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeReadFile, UNTRUSTED_READ_MESSAGE } from '../../src/core/io/files';

test('untrusted: reads inside the workspace, refuses outside it and through symlinks', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-trust-'));
  const ws = path.join(base, 'ws');
  const outside = path.join(base, 'secret.csv');
  fs.mkdirSync(path.join(ws, 'data'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'data', 'ok.csv'), 'x\n1\n');
  fs.writeFileSync(outside, 'x\n2\n');
  fs.symlinkSync(outside, path.join(ws, 'data', 'link.csv'));
  const untrusted = makeReadFile(ws, [ws]);
  assert.equal(untrusted('data/ok.csv'), 'x\n1\n');
  assert.throws(() => untrusted('../secret.csv'), { message: UNTRUSTED_READ_MESSAGE });
  assert.throws(() => untrusted(outside), { message: UNTRUSTED_READ_MESSAGE });
  assert.throws(() => untrusted('data/link.csv'), { message: UNTRUSTED_READ_MESSAGE });
  // Trusted (null roots): no restriction.
  const trusted = makeReadFile(ws, null);
  assert.equal(trusted('../secret.csv'), 'x\n2\n');
});
