// Reading files on behalf of a `.loss` file (issue 10, item 1): only regular files, bounded in size,
// cached by (device, inode, size, mtime), and a big CSV parsed once for repeated analyses.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkSource, csvParseCount, MAX_DATASET_VALUES } from '../../src/core/lang/check';
import { diskReadCount, makeReadFile, MAX_DATA_FILE_BYTES, MAX_LOSS_FILE_BYTES, readRegularFile } from '../../src/core/io/files';

const HEAD = 'param u = 1\nparam w = 0.5\n';
const LOSS = 'loss = (u*w*x - y)^2\n';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'noether-files-'));
}

function checkIn(dir: string, source: string) {
  return checkSource(source, { readFile: makeReadFile(dir, null) });
}

/**
 * Checks `source` in a child process (so that a read that blocks or fills the memory fails the
 * test instead of hanging it): 10 s and 256 MB at most. Returns the diagnostics.
 */
function checkInChild(dir: string, source: string): { message: string; line: number; column: number; endColumn: number }[] {
  const script = `
    const { checkSource } = require(${JSON.stringify(require.resolve('../../src/core/lang/check'))});
    const { makeReadFile } = require(${JSON.stringify(require.resolve('../../src/core/io/files'))});
    const r = checkSource(${JSON.stringify(source)}, { readFile: makeReadFile(${JSON.stringify(dir)}, null) });
    process.stdout.write(JSON.stringify(r.diagnostics));`;
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.error, undefined, `the check did not finish: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr.slice(0, 500));
  return JSON.parse(r.stdout);
}

test('a FIFO named as a CSV file is refused at once, without opening it (no writer: opening would block forever)', () => {
  const dir = tmp();
  execFileSync('mkfifo', [path.join(dir, 'pipe.csv')]);
  const [d] = checkInChild(dir, `${HEAD}data x, y from "pipe.csv"\n${LOSS}`);
  assert.equal(d?.message, 'cannot read the data file "pipe.csv": it is a named pipe (FIFO), not a regular file; name a regular file');
  assert.deepEqual([d?.line, d?.column, d?.endColumn], [3, 16, 26]); // the quoted path
});

test('devices and directories are refused: /dev/zero does not fill the memory', () => {
  const dir = tmp();
  fs.mkdirSync(path.join(dir, 'sub.csv'));
  const [zero] = checkInChild(dir, `${HEAD}data x, y from "/dev/zero"\n${LOSS}`);
  assert.match(zero.message, /"\/dev\/zero": it is a character device, not a regular file/);
  const sub = checkIn(dir, `${HEAD}data x, y from "sub.csv"\n${LOSS}`).diagnostics[0];
  assert.match(sub.message, /"sub.csv": it is a directory, not a regular file/);
  assert.throws(() => readRegularFile('/dev/zero', 10), /character device/);
  assert.throws(() => readRegularFile('/dev/null', 10), /character device/);
});

test('a data file over MAX_DATA_FILE_BYTES is refused from its size, before reading it, with the limit', () => {
  const dir = tmp();
  const big = path.join(dir, 'big.csv');
  const fd = fs.openSync(big, 'w');
  fs.ftruncateSync(fd, MAX_DATA_FILE_BYTES + 1); // sparse: no 64 MB written
  fs.closeSync(fd);
  const reads = diskReadCount();
  const d = checkIn(dir, `${HEAD}data x, y from "big.csv"\n${LOSS}`).diagnostics[0];
  assert.equal(d.message, 'cannot read the data file "big.csv": data files are read up to 64 MiB and this one has 64 MiB (67108865 bytes); use a smaller file');
  assert.equal(diskReadCount(), reads);
  // The same for a .loss file, whose limit is 1 MiB.
  const loss = path.join(dir, 'big.loss');
  fs.writeFileSync(loss, 'x'.repeat(MAX_LOSS_FILE_BYTES + 1));
  assert.throws(
    () => readRegularFile(loss, MAX_LOSS_FILE_BYTES, '.loss files'),
    /\.loss files are read up to 1\.0 MiB and this one has 1\.0 MiB \(1048577 bytes\)/,
  );
  fs.writeFileSync(loss, 'x'.repeat(MAX_LOSS_FILE_BYTES));
  assert.equal(readRegularFile(loss, MAX_LOSS_FILE_BYTES).length, MAX_LOSS_FILE_BYTES);
});

test('repeated checks read and parse an unchanged CSV once; a changed file is read again', () => {
  const dir = tmp();
  const csv = path.join(dir, 'd.csv');
  const rows = Array.from({ length: 20000 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5}`);
  fs.writeFileSync(csv, `x,y\n${rows.join('\n')}\n`);
  const src = `${HEAD}data x, y from "d.csv"\n${LOSS}`;
  const reads = diskReadCount();
  const parses = csvParseCount();
  const first = checkIn(dir, src);
  assert.equal(first.model?.dataset?.size, 20000);
  for (let i = 0; i < 5; i++) assert.equal(checkIn(dir, src).model?.dataset?.size, 20000);
  assert.equal(diskReadCount() - reads, 1);
  assert.equal(csvParseCount() - parses, 1);
  // Touched (new mtime), same content: read again, not parsed again.
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(csv, later, later);
  assert.equal(checkIn(dir, src).model?.dataset?.size, 20000);
  assert.equal(diskReadCount() - reads, 2);
  assert.equal(csvParseCount() - parses, 1);
  // New content: read and parsed again, and the new rows are used.
  fs.writeFileSync(csv, 'x,y\n1,2\n3,4\n');
  const changed = checkIn(dir, src).model?.dataset;
  assert.equal(changed?.size, 2);
  assert.deepEqual(Array.from(changed?.rows ?? []), [1, 2, 3, 4]);
  assert.equal(csvParseCount() - parses, 2);
});

test('a CSV that would exceed MAX_DATASET_VALUES numbers in memory is an error at its path', () => {
  const width = 4096; // data components per example: the limit is 4096 rows
  const names = Array.from({ length: 1 }, () => `x[${width}]`).join(', ');
  const row = new Array(width).fill('0').join(',');
  const text = new Array(MAX_DATASET_VALUES / width + 1).fill(row).join('\n');
  const r = checkSource(`param u = 1\ndata ${names} from "d.csv"\nloss = u^2 * sum(x)\n`, { readFile: () => text });
  const d = r.diagnostics.find((x) => x.severity === 'error');
  assert.match(
    d?.message ?? '',
    /more than 4096 rows: a data set is kept in memory up to 16777216 numbers \(128 MiB\), which is 4096 examples of 4096 data components/,
  );
  assert.equal(d?.line, 2);
});
