// Every file the tools read on behalf of a `.loss` file (the file itself in the CLI, and its CSV
// data files everywhere) goes through here: only regular files (a FIFO would block the reading
// thread forever, /dev/zero would fill the memory), at most a stated size, and cached by
// (device, inode, size, modification time) so that analysing the same file again does not read
// it again. In an untrusted workspace data files are read only inside the workspace folders.
import * as fs from 'fs';
import * as path from 'path';

const MB = 1024 * 1024;
/** Largest CSV data file read, in bytes (64 MiB). */
export const MAX_DATA_FILE_BYTES = 64 * MB;
/** Largest `.loss` file read, in bytes (1 MiB; the language reads at most 10⁶ characters). */
export const MAX_LOSS_FILE_BYTES = 1 * MB;

export const UNTRUSTED_READ_MESSAGE = 'reading data files outside the workspace is disabled in an untrusted workspace (trust the workspace to allow it)';

/** A file we will not read (not a regular file, or too large); `message` says why and what to do. */
export class FileRefusedError extends Error {
  readonly code = 'EREFUSED';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < MB) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(n / MB).toFixed(n < 10 * MB ? 1 : 0)} MiB`;
}

function notRegular(st: fs.Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refuseKind(kind: string): FileRefusedError {
  return new FileRefusedError(`it is ${kind}, not a regular file; name a regular file`);
}

function refuseSize(size: number | undefined, maxBytes: number, what: string): FileRefusedError {
  const found = size === undefined ? 'more than that' : `${formatBytes(size)} (${size} bytes)`;
  return new FileRefusedError(`${what} are read up to ${formatBytes(maxBytes)} and this one has ${found}; use a smaller file`);
}

interface CacheEntry {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  bytes: Buffer;
  /** The UTF-8 text, decoded once when a text read asks for it. */
  text?: string;
}

/** Recently read files, newest last; bounded in count and in total size. */
const cache = new Map<string, CacheEntry>();
const CACHE_MAX_ENTRIES = 8;
const CACHE_MAX_BYTES = 2 * MAX_DATA_FILE_BYTES;
let readsFromDisk = 0;

/** How many reads went to the disk (not served from the cache), for tests. */
export function diskReadCount(): number {
  return readsFromDisk;
}

function remember(file: string, entry: CacheEntry): void {
  cache.delete(file);
  cache.set(file, entry);
  let total = 0;
  for (const e of cache.values()) total += e.size;
  for (const [k, e] of cache) {
    if (cache.size <= CACHE_MAX_ENTRIES && total <= CACHE_MAX_BYTES) break;
    cache.delete(k);
    total -= e.size;
  }
}

/**
 * The UTF-8 text of a regular file of at most `maxBytes` bytes. Throws FileRefusedError for
 * anything else (never opens a FIFO or a device), or the file system's error (ENOENT, EACCES…).
 */
export function readRegularFile(file: string, maxBytes: number, what = 'files'): string {
  const entry = readEntry(file, maxBytes, what);
  if (entry.text === undefined) entry.text = entry.bytes.toString('utf8');
  return entry.text;
}

/**
 * The bytes of a regular file of at most `maxBytes` bytes (binary data files: .npy, IDX, gzip),
 * with the same checks and cache as readRegularFile. The buffer is shared with the cache: read it,
 * never write to it.
 */
export function readRegularFileBytes(file: string, maxBytes: number, what = 'files'): Uint8Array {
  return readEntry(file, maxBytes, what).bytes;
}

function readEntry(file: string, maxBytes: number, what: string): CacheEntry {
  const resolved = path.resolve(file);
  const st = fs.statSync(resolved);
  const kind = notRegular(st);
  if (kind) throw refuseKind(kind);
  if (st.size > maxBytes) throw refuseSize(st.size, maxBytes, what);
  const hit = cache.get(resolved);
  if (hit && hit.dev === st.dev && hit.ino === st.ino && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
    remember(resolved, hit);
    return hit;
  }
  // O_NONBLOCK: if the path was replaced by a FIFO since the stat, opening it does not wait for a
  // writer; fstat then refuses it.
  const fd = fs.openSync(resolved, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const fst = fs.fstatSync(fd);
    const fkind = notRegular(fst);
    if (fkind) throw refuseKind(fkind);
    if (fst.size > maxBytes) throw refuseSize(fst.size, maxBytes, what);
    // Read to the end, never more than maxBytes + 1 bytes (a file that grows, or reports size 0).
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(fst.size + 1, 64 * 1024)));
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (buf.length > maxBytes) throw refuseSize(undefined, maxBytes, what);
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(grown, 0, 0, total);
        buf = grown;
      }
      const n = fs.readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    readsFromDisk++;
    // A copy of exactly the bytes read, so that the cache does not keep the spare capacity.
    const entry: CacheEntry = { dev: fst.dev, ino: fst.ino, size: total, mtimeMs: fst.mtimeMs, bytes: Buffer.from(buf.subarray(0, total)) };
    remember(resolved, entry);
    return entry;
  } finally {
    fs.closeSync(fd);
  }
}

function inside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * A reader of data files for CheckOptions: paths relative to baseDir, read by readRegularFile
 * within MAX_DATA_FILE_BYTES, as text (CSV) or, through `.bytes`, as bytes (.npy, IDX, gzip);
 * allowedRoots null = no restriction (trusted workspace, CLI).
 */
export function makeReadFile(baseDir: string, allowedRoots: string[] | null): DataReader {
  const roots = allowedRoots?.map(real);
  const resolve = (p: string): string => {
    const resolved = path.resolve(baseDir, p);
    if (roots && !roots.some((r) => inside(real(resolved), r))) throw new Error(UNTRUSTED_READ_MESSAGE);
    return resolved;
  };
  const read = ((p: string) => readRegularFile(resolve(p), MAX_DATA_FILE_BYTES, 'data files')) as DataReader;
  read.bytes = (p: string) => readRegularFileBytes(resolve(p), MAX_DATA_FILE_BYTES, 'data files');
  return read;
}

/** Reads a data file named in a `.loss` file: as text, or (binary formats) as bytes when it can. */
export interface DataReader {
  (path: string): string;
  bytes?: (path: string) => Uint8Array;
}

/** A data-file reader over contents already read (text or bytes, by the path as written). */
export function readerOf(files: Record<string, string | Uint8Array>): DataReader {
  const get = (p: string): string | Uint8Array => {
    if (!Object.prototype.hasOwnProperty.call(files, p)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return files[p];
  };
  const read = ((p: string) => {
    const c = get(p);
    if (typeof c !== 'string') throw new Error('not a text file');
    return c;
  }) as DataReader;
  read.bytes = (p: string) => {
    const c = get(p);
    if (typeof c === 'string') throw new Error('not a binary file');
    return c;
  };
  return read;
}
