// Data files as the checker reads them: parsed CSV and array files cached by path (a file read
// again with the same contents is not parsed again), one file's examples as a row source, and the
// seeded choice of a subset of examples.
import { Span } from './diagnostics';
import { CsvError, CsvTable, MAX_CSV_ROWS, parseCsvTable } from './csv';
import { ArrayFile, ArrayFileError, parseArrayFile } from './arrays';
import { Rng, STREAM_DATASET } from '../util/rng';

/** Largest finite data set kept in memory: examples × data components, in numbers (128 MiB). */
export const MAX_DATASET_VALUES = 2 ** 24;

/** Parsed CSV files, by the path as written: reused while the file's text is the same. */
const csvCache = new Map<string, { text: string; width: number; maxRows: number; table?: CsvTable; error?: string }>();
const CSV_CACHE_ENTRIES = 4;
let csvParses = 0;

/** How many CSV texts were parsed (not served from the cache), for tests. */
export function csvParseCount(): number {
  return csvParses;
}

export function parseCsvCached(path: string, text: string, width: number, perExample: number): CsvTable {
  const maxRows = Math.min(MAX_CSV_ROWS, Math.floor(MAX_DATASET_VALUES / Math.max(1, perExample)));
  const hit = csvCache.get(path);
  // The same text is usually the same string (the file reader caches it): === is then immediate.
  if (hit && hit.width === width && hit.maxRows === maxRows && hit.text === text) {
    csvCache.delete(path);
    csvCache.set(path, hit);
    if (hit.error !== undefined) throw new CsvError(hit.error);
    return hit.table as CsvTable;
  }
  csvParses++;
  let entry: { text: string; width: number; maxRows: number; table?: CsvTable; error?: string };
  try {
    const why =
      maxRows < MAX_CSV_ROWS
        ? `: a data set is kept in memory up to ${MAX_DATASET_VALUES} numbers (128 MiB), which is ${maxRows} examples of ${perExample} data components`
        : '';
    entry = { text, width, maxRows, table: parseCsvTable(text, width, maxRows, why) };
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    entry = { text, width, maxRows, error: e.message };
  }
  csvCache.delete(path);
  csvCache.set(path, entry);
  while (csvCache.size > CSV_CACHE_ENTRIES) csvCache.delete(csvCache.keys().next().value as string);
  if (entry.error !== undefined) throw new CsvError(entry.error);
  return entry.table as CsvTable;
}

/** Parsed array files, by path as written: reused while the file's bytes are the same buffer. */
const arrayCache = new Map<string, { bytes: Uint8Array; file?: ArrayFile; error?: string }>();
const ARRAY_CACHE_ENTRIES = 4;

export function parseArrayCached(path: string, bytes: Uint8Array): ArrayFile {
  let entry = arrayCache.get(path);
  if (!entry || entry.bytes !== bytes) {
    try {
      entry = { bytes, file: parseArrayFile(bytes) };
    } catch (e) {
      if (!(e instanceof ArrayFileError)) throw e;
      entry = { bytes, error: e.message };
    }
  }
  arrayCache.delete(path);
  arrayCache.set(path, entry);
  while (arrayCache.size > ARRAY_CACHE_ENTRIES) arrayCache.delete(arrayCache.keys().next().value as string);
  if (entry.error !== undefined) throw new ArrayFileError(entry.error);
  return entry.file as ArrayFile;
}

/** The examples of one data file: how many, and example r's numbers. */
export interface RowSource {
  rows: number;
  table?: CsvTable;
  read(r: number, out: Float64Array): void;
}

/** A value in a data file that is not a finite number, found while copying the chosen examples. */
export class DataFileFailure extends Error {
  constructor(
    readonly file: { path: string; span: Span },
    message: string,
  ) {
    super(message);
  }
}

/**
 * `size` of the indices 0…n−1 chosen at random with `seed` (a partial Fisher–Yates shuffle on the
 * data-set stream), in increasing order so that the data set keeps the files' order.
 */
export function seededSubset(n: number, size: number, seed: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed, 0, STREAM_DATASET);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, size).sort();
}
