// Writing NumPy arrays: `.npy` (format 1.0, little-endian, C order) and `.npz`, numpy's zip of
// `.npy` members (numpy.savez writes them stored, without compression, as this does). Pure: no
// Node or DOM import, so the extension host, the CLI and the tests share it.
//
// Read back with `numpy.load(f)` (a dict-like NpzFile: `z['run0_steps']`) and with the `.npy`
// reader of data files (src/core/lang/arrays.ts).

/** Element types written: float64, int64 and fixed-width unicode strings (`<U n`, UTF-32). */
export type NpyDtype = '<f8' | '<i8' | '<U';

export interface NpyArray {
  dtype: NpyDtype;
  /** Row-major dimensions; [] for a 0-d scalar. */
  shape: number[];
  /** The elements in C order: numbers (NaN, ±Infinity kept for float64) or strings for `<U`. */
  data: ArrayLike<number> | string[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** A float64 array of these values and shape (default: 1-D); null and undefined become NaN. */
export function f8(values: ArrayLike<number | null | undefined>, shape?: number[]): NpyArray {
  const data = Float64Array.from({ length: values.length }, (_, i) => {
    const v = values[i];
    return v === null || v === undefined ? NaN : v;
  });
  return { dtype: '<f8', shape: shape ?? [data.length], data };
}

/** A 2-D float64 array from rows of equal length (rows × columns). */
export function f8Rows(rows: ArrayLike<number | null | undefined>[], columns?: number): NpyArray {
  const width = columns ?? (rows.length ? rows[0].length : 0);
  const flat = new Float64Array(rows.length * width).fill(NaN);
  rows.forEach((r, i) => {
    for (let j = 0; j < Math.min(width, r.length); j++) {
      const v = r[j];
      flat[i * width + j] = v === null || v === undefined ? NaN : v;
    }
  });
  return { dtype: '<f8', shape: [rows.length, width], data: flat };
}

/** A 1-D unicode string array (numpy dtype `<U n`, n the longest string's code points). */
export function strings(values: string[]): NpyArray {
  return { dtype: '<U', shape: [values.length], data: values };
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/** The bytes of one `.npy` file (format 1.0; 2.0 when the header outgrows 65535 bytes). */
export function npyBytes(a: NpyArray): Uint8Array {
  const count = elementCount(a.shape);
  if (!a.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`npy: invalid shape [${a.shape.join(', ')}]`);
  if (a.data.length !== count) throw new Error(`npy: shape [${a.shape.join(', ')}] needs ${count} elements, got ${a.data.length}`);
  let width = 0;
  let descr: string = a.dtype;
  if (a.dtype === '<U') {
    for (const s of a.data as string[]) width = Math.max(width, [...s].length);
    width = Math.max(1, width);
    descr = `<U${width}`;
  }
  const itemSize = a.dtype === '<U' ? 4 * width : 8;
  const shapeText = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads the header with spaces and a newline so that the data starts on a 64-byte boundary.
  const version = dict.length + 12 > 65535 ? 2 : 1;
  const pre = version === 1 ? 10 : 12;
  const header = dict + ' '.repeat((64 - ((pre + dict.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + header.length + count * itemSize);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  let o = pre + header.length;
  if (a.dtype === '<f8') {
    for (let i = 0; i < count; i++, o += 8) view.setFloat64(o, (a.data as ArrayLike<number>)[i], true);
  } else if (a.dtype === '<i8') {
    for (let i = 0; i < count; i++, o += 8) {
      const v = (a.data as ArrayLike<number>)[i];
      if (!Number.isSafeInteger(v)) throw new Error(`npy: ${v} is not a whole number (int64 array)`);
      view.setBigInt64(o, BigInt(v), true);
    }
  } else {
    for (const s of a.data as string[]) {
      let k = 0;
      for (const ch of s) view.setUint32(o + 4 * k++, ch.codePointAt(0) as number, true);
      o += itemSize;
    }
  }
  return out;
}

// ---- zip (stored members, no compression) ----

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as zip uses it). */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The largest archive written: zip's 32-bit offsets (no zip64). */
const MAX_ZIP_BYTES = 0xffffffff;

/**
 * A zip archive of these members, stored (method 0), with a fixed timestamp (1980-01-01) so that the
 * same arrays give the same bytes. Names are UTF-8 (general-purpose flag bit 11).
 */
export function zipStore(members: { name: string; bytes: Uint8Array }[]): Uint8Array {
  const enc = new TextEncoder();
  const seen = new Set<string>();
  const entries = members.map((m) => {
    if (!m.name || m.name.length > 255 || seen.has(m.name)) throw new Error(`zip: invalid or repeated member name ${JSON.stringify(m.name)}`);
    seen.add(m.name);
    return { name: enc.encode(m.name), bytes: m.bytes, crc: crc32(m.bytes), offset: 0 };
  });
  const local = entries.reduce((a, e) => a + 30 + e.name.length + e.bytes.length, 0);
  const central = entries.reduce((a, e) => a + 46 + e.name.length, 0);
  const total = local + central + 22;
  if (total > MAX_ZIP_BYTES || entries.length > 0xffff) throw new Error(`zip: ${total} bytes in ${entries.length} members is beyond a zip without zip64`);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  let o = 0;
  for (const e of entries) {
    e.offset = o;
    v.setUint32(o, 0x04034b50, true);
    v.setUint16(o + 4, 20, true); // version needed: 2.0
    v.setUint16(o + 6, 0x0800, true); // UTF-8 names
    v.setUint16(o + 8, 0, true); // stored
    v.setUint16(o + 10, 0, true); // time
    v.setUint16(o + 12, DOS_DATE, true);
    v.setUint32(o + 14, e.crc, true);
    v.setUint32(o + 18, e.bytes.length, true);
    v.setUint32(o + 22, e.bytes.length, true);
    v.setUint16(o + 26, e.name.length, true);
    v.setUint16(o + 28, 0, true);
    out.set(e.name, o + 30);
    out.set(e.bytes, o + 30 + e.name.length);
    o += 30 + e.name.length + e.bytes.length;
  }
  const centralStart = o;
  for (const e of entries) {
    v.setUint32(o, 0x02014b50, true);
    v.setUint16(o + 4, 20, true); // made by: 2.0 (MS-DOS attributes)
    v.setUint16(o + 6, 20, true);
    v.setUint16(o + 8, 0x0800, true);
    v.setUint16(o + 10, 0, true);
    v.setUint16(o + 12, 0, true);
    v.setUint16(o + 14, DOS_DATE, true);
    v.setUint32(o + 16, e.crc, true);
    v.setUint32(o + 20, e.bytes.length, true);
    v.setUint32(o + 24, e.bytes.length, true);
    v.setUint16(o + 28, e.name.length, true);
    // extra, comment, disk number, internal and external attributes: 0
    v.setUint32(o + 42, e.offset, true);
    out.set(e.name, o + 46);
    o += 46 + e.name.length;
  }
  v.setUint32(o, 0x06054b50, true);
  v.setUint16(o + 8, entries.length, true);
  v.setUint16(o + 10, entries.length, true);
  v.setUint32(o + 12, o - centralStart, true);
  v.setUint32(o + 16, centralStart, true);
  return out;
}

/** A key numpy.load can give back as written: letters, digits and `_` (the member is KEY.npy). */
export function isNpzKey(key: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,200}$/.test(key);
}

/** An `.npz` archive: each array as member `KEY.npy`, in the order given. */
export function npzBytes(arrays: Record<string, NpyArray>): Uint8Array {
  return zipStore(
    Object.entries(arrays).map(([key, a]) => {
      if (!isNpzKey(key)) throw new Error(`npz: invalid array name ${JSON.stringify(key)}`);
      return { name: `${key}.npy`, bytes: npyBytes(a) };
    }),
  );
}
