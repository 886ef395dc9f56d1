// Binary data files for `data … from "FILE"`: NumPy `.npy` (format versions 1.0, 2.0 and 3.0,
// little-endian float32/float64/uint8/int8/int32/int64, C order) and IDX (the MNIST family: a
// big-endian header of dimensions and unsigned/signed bytes, shorts, ints, floats or doubles),
// either of them gzipped. The first axis is the example; the others are flattened into one row.
// Only the selected examples are converted to numbers, so memory is the file's bytes (bounded by
// the data-file limit), the decompressed bytes of a gzipped file (bounded by
// MAX_DECOMPRESSED_BYTES) and the selected rows (bounded by the data set's limit). Every error
// names the byte offset at which the file stops making sense and what to do about it.
import * as zlib from 'zlib';

/** A gzipped data file is decompressed up to this many bytes (256 MiB; Fashion-MNIST's largest file has 47 MiB). */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

export class ArrayFileError extends Error {}

/** A data file's examples: rows × width numbers, read on demand. */
export interface ArrayFile {
  format: 'npy' | 'idx';
  /** Element type as the file names it ('<f4', 'ubyte', …), for messages. */
  dtype: string;
  shape: number[];
  rows: number;
  /** Numbers per example: the product of the dimensions after the first (1 for a 1-D array). */
  width: number;
  /** Whether the file was gzipped. */
  gzipped: boolean;
  /** Writes example `row`'s `width` numbers at `out[offset…]`. */
  readRow(row: number, out: Float64Array, offset: number): void;
}

/** Whether a data path names a binary array file (by its name) rather than CSV text. */
export function isArrayPath(path: string): boolean {
  return /\.(npy|idx|gz)$/i.test(path) || /-ubyte$/i.test(path) || /\.idx\d$/i.test(path);
}

function fail(offset: number, message: string): never {
  throw new ArrayFileError(`byte ${offset}: ${message}`);
}

/** Decompresses a gzipped file (bounded), or returns the bytes as they are. */
function inflate(bytes: Uint8Array): { data: Uint8Array; gzipped: boolean } {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return { data: bytes, gzipped: false };
  try {
    return { data: zlib.gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES }), gzipped: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new ArrayFileError(`the gzipped file decompresses to more than ${MAX_DECOMPRESSED_BYTES / 1024 / 1024} MiB; decompress it and save a smaller file`);
    }
    const why =
      err.code === 'Z_BUF_ERROR' ? 'the compressed data ends early (a truncated download?)' : `the gzip data is corrupt (${String(err.message).slice(0, 80)})`;
    throw new ArrayFileError(`${why}; decompress it with gunzip to see, or download the file again`);
  }
}

/** Parses a `.npy` or IDX file (gzipped or not). Throws ArrayFileError with the position of the problem. */
export function parseArrayFile(bytes: Uint8Array): ArrayFile {
  const { data, gzipped } = inflate(bytes);
  const where = gzipped ? ' (after decompression)' : '';
  try {
    if (data.length >= 6 && data[0] === 0x93 && String.fromCharCode(...data.subarray(1, 6)) === 'NUMPY') return { ...parseNpy(data), gzipped };
    if (data.length >= 4 && data[0] === 0 && data[1] === 0) return { ...parseIdx(data), gzipped };
  } catch (e) {
    if (e instanceof ArrayFileError && where) throw new ArrayFileError(e.message.replace(/^byte (\d+):/, `byte $1${where}:`));
    throw e;
  }
  const head = Array.from(data.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  fail(
    0,
    `not a NumPy .npy file (which starts with \\x93NUMPY) nor an IDX file (which starts with two zero bytes); the file starts with ${head || 'nothing'}${where}. Save the array with numpy.save, or name a .csv file`,
  );
}

const NPY_TYPES: Record<string, { size: number; get: (v: DataView, o: number) => number }> = {
  '<f4': { size: 4, get: (v, o) => v.getFloat32(o, true) },
  '<f8': { size: 8, get: (v, o) => v.getFloat64(o, true) },
  '|u1': { size: 1, get: (v, o) => v.getUint8(o) },
  '<u1': { size: 1, get: (v, o) => v.getUint8(o) },
  '|i1': { size: 1, get: (v, o) => v.getInt8(o) },
  '<i1': { size: 1, get: (v, o) => v.getInt8(o) },
  '<i4': { size: 4, get: (v, o) => v.getInt32(o, true) },
  '<i8': { size: 8, get: (v, o) => Number(v.getBigInt64(o, true)) },
};

function parseNpy(data: Uint8Array): Omit<ArrayFile, 'gzipped'> {
  if (data.length < 10) fail(data.length, 'the .npy header ends early (a .npy file has at least 10 bytes before its header text)');
  const major = data[6];
  const minor = data[7];
  if (!(major === 1 || major === 2 || major === 3) || minor !== 0)
    fail(6, `unsupported .npy format version ${major}.${minor}; versions 1.0, 2.0 and 3.0 are read (numpy.save writes them)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (data.length < 8 + lenBytes) fail(data.length, 'the .npy header length ends early');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > data.length)
    fail(start, `the header claims ${headerLen} bytes but the file has only ${data.length - start} after this point (truncated file)`);
  const header = Buffer.from(data.buffer, data.byteOffset + start, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) {
    const missing = !descr ? 'descr' : !fortran ? 'fortran_order' : 'shape';
    fail(start, `the .npy header has no readable '${missing}' entry (${JSON.stringify(header.slice(0, 60))}); save the array with numpy.save`);
  }
  const t = NPY_TYPES[descr[1]];
  if (!Object.hasOwn(NPY_TYPES, descr[1]) || !t) {
    const be = descr[1].startsWith('>');
    fail(
      start,
      `element type '${descr[1].slice(0, 20)}' is not read; ${be ? 'the array is big-endian: save x.astype(x.dtype.newbyteorder("<"))' : "use float32 ('<f4'), float64 ('<f8'), uint8 ('|u1'), int8, int32 ('<i4') or int64 ('<i8'): x.astype('float32')"}`,
    );
  }
  if (fortran[1] === 'True') fail(start, 'the array is in Fortran (column-major) order; save numpy.ascontiguousarray(x) instead');
  const dims = shapeM[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (dims.length === 0) fail(start, 'the array is a 0-dimensional scalar; a data file needs one example per entry of its first axis');
  const shape = dims.map((d) => (/^\d+$/.test(d) ? Number(d) : fail(start, `the shape entry ${JSON.stringify(d.slice(0, 20))} is not a whole number`)));
  return finish('npy', descr[1], shape, data, start + headerLen, t.size, (o) => t.get(view, o));
}

const IDX_TYPES: Record<number, { name: string; size: number; get: (v: DataView, o: number) => number }> = {
  0x08: { name: 'ubyte', size: 1, get: (v, o) => v.getUint8(o) },
  0x09: { name: 'byte', size: 1, get: (v, o) => v.getInt8(o) },
  0x0b: { name: 'short', size: 2, get: (v, o) => v.getInt16(o, false) },
  0x0c: { name: 'int', size: 4, get: (v, o) => v.getInt32(o, false) },
  0x0d: { name: 'float', size: 4, get: (v, o) => v.getFloat32(o, false) },
  0x0e: { name: 'double', size: 8, get: (v, o) => v.getFloat64(o, false) },
};

function parseIdx(data: Uint8Array): Omit<ArrayFile, 'gzipped'> {
  const t = IDX_TYPES[data[2]];
  if (!Object.hasOwn(IDX_TYPES, data[2]))
    fail(2, `IDX type code 0x${data[2].toString(16).padStart(2, '0')} is not one of 0x08 (unsigned byte), 0x09, 0x0B, 0x0C, 0x0D, 0x0E; is this an IDX file?`);
  const nd = data[3];
  if (nd === 0) fail(3, 'the IDX file has 0 dimensions; it needs at least one (the examples)');
  const dataStart = 4 + 4 * nd;
  if (data.length < dataStart)
    fail(data.length, `the IDX header announces ${nd} dimensions (${dataStart} header bytes) but the file ends after ${data.length} bytes (truncated file)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const shape: number[] = [];
  for (let k = 0; k < nd; k++) shape.push(view.getUint32(4 + 4 * k, false));
  return finish('idx', t.name, shape, data, dataStart, t.size, (o) => t.get(view, o));
}

function finish(
  format: 'npy' | 'idx',
  dtype: string,
  shape: number[],
  data: Uint8Array,
  start: number,
  size: number,
  get: (o: number) => number,
): Omit<ArrayFile, 'gzipped'> {
  const rows = shape[0];
  let width = 1;
  for (const d of shape.slice(1)) width *= d;
  const total = rows * width * size;
  if (!Number.isSafeInteger(total) || start + total > data.length) {
    fail(
      start,
      `the header promises shape [${shape.join(', ')}] of ${dtype} (${total} bytes of data) but only ${data.length - start} bytes follow (truncated file)`,
    );
  }
  if (start + total < data.length)
    fail(start + total, `${data.length - start - total} bytes follow the [${shape.join(', ')}] array of ${dtype}; the header and the data disagree`);
  if (rows === 0) fail(start, `the array has shape [${shape.join(', ')}]: no examples`);
  const readRow = (row: number, out: Float64Array, offset: number) => {
    let o = start + row * width * size;
    for (let i = 0; i < width; i++, o += size) {
      const x = get(o);
      if (!Number.isFinite(x)) fail(o, `example ${row} (0-based), entry ${i} is ${x}, not a finite number`);
      out[offset + i] = x;
    }
  };
  return { format, dtype, shape, rows, width, readRow };
}
