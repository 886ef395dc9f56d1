// Text from a `.loss` file inside messages (issue 10, item 6): control characters and bidi
// overrides are escaped in every diagnostic and in what the CLI prints, long quotes are cut.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeControls, quote } from '../../src/core/lang/diagnostics';
import { checkSource } from '../../src/core/lang/check';
import { ROOT, tmpFile } from './helpers';

const BIN = path.join(ROOT, 'bin', 'noether.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
/** Raw control characters a terminal would act on: C0 but newline and tab, DEL, C1, bidi overrides. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test('control characters from a file are escaped in every message, and long quotes are cut', () => {
  assert.equal(escapeControls('a\u001b[31mb\u009bc\u202ed\ne'), 'a\\u001b[31mb\\u009bc\\u202ed\\u000ae');
  assert.equal(escapeControls('a\u001bb\nc\td', true), 'a\\u001bb\nc\td');
  assert.equal(quote('x'.repeat(100)), `"${'x'.repeat(60)}…"`);
  const esc = '\u001b]0;owned\u0007\u001b[2J';
  const cases = [
    `param w = 1\nloss = w^2 ${esc}\n`, // unexpected characters
    `param w = 1\ndata x from "${esc}.csv"\nloss = (w*x)^2\n`, // a path
    `param w = 1\nloss = w^2 "${esc}\u202e"\n`, // a string
  ];
  for (const src of cases) {
    const ds = checkSource(src, {
      readFile: () => {
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      },
    }).diagnostics;
    assert.ok(ds.length > 0);
    for (const d of ds) assert.doesNotMatch(d.message, RAW_CONTROL, JSON.stringify(d.message));
    const f = tmpFile('evil.loss', src);
    for (const args of [[f], [f, '--json']]) {
      const r = run('analyze', ...args);
      assert.equal(r.status, 1, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, RAW_CONTROL);
      assert.match(r.stdout + r.stderr, /\\u001b/);
    }
  }
  // A 10 MB cell is quoted with 60 characters, and the whole message stays short.
  const cell = '9'.repeat(10_000_000) + 'z';
  const f = tmpFile('cell.loss', 'param w = 1\ndata x from "d.csv"\nloss = (w*x)^2\n');
  fs.writeFileSync(path.join(path.dirname(f), 'd.csv'), `x\n1\n${cell}\n`);
  const r = run('analyze', f);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`row 3, column 1: "${'9'.repeat(60)}…" is not a finite number`));
  assert.ok(r.stderr.length < 2000, `${r.stderr.length} characters`);
});
