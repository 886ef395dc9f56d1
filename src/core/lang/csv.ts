// Numeric CSV for `data ... from "file.csv"`: one example a row, an optional header row,
// comma (or semicolon/tab) separated. Errors name the row (1-based, as an editor shows it).
// The text is scanned line by line into one Float64Array (rows × width), so that a data file of
// tens of megabytes costs its numbers, not millions of small arrays.
import { quote } from './diagnostics';

export class CsvError extends Error {}

export const MAX_CSV_ROWS = 10_000_000;

export interface CsvTable {
  /** Number of data rows. */
  rows: number;
  width: number;
  /** Row-major values, rows × width. */
  values: Float64Array;
}

const SEPARATOR = /[,;\t]/;

/**
 * Parses at most `maxRows` rows (MAX_CSV_ROWS, or fewer to bound the data set's memory; `why`
 * then says why in the error).
 */
export function parseCsvTable(text: string, width: number, maxRows = MAX_CSV_ROWS, why = ''): CsvTable {
  let values = new Float64Array(Math.max(16, width * 1024));
  let rows = 0;
  let headerSkipped = false;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim(); // also drops a '\r' before the '\n'
    start = end + 1;
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(SEPARATOR);
    if (rows === 0 && !headerSkipped && cells.some((c) => /[A-Za-z_]/.test(c)) && cells.some(isNaNCell)) {
      headerSkipped = true; // a header row of column names
      if (cells.length !== width) {
        throw new CsvError(`the header (row ${lineNo}) has ${cells.length} columns but the data names need ${width}`);
      }
      continue;
    }
    if (cells.length !== width) {
      throw new CsvError(`row ${lineNo} has ${cells.length} column${cells.length === 1 ? '' : 's'} but the data names need ${width}`);
    }
    if (rows >= maxRows) {
      throw new CsvError(`more than ${maxRows} rows${why}`);
    }
    if ((rows + 1) * width > values.length) {
      const grown = new Float64Array(Math.max(values.length * 2, (rows + 1) * width));
      grown.set(values);
      values = grown;
    }
    for (let c = 0; c < width; c++) {
      const cell = cells[c].trim();
      const x = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(x)) throw new CsvError(`row ${lineNo}, column ${c + 1}: ${quote(cell)} is not a finite number`);
      values[rows * width + c] = x;
    }
    rows++;
  }
  if (rows === 0) throw new CsvError('the file holds no data rows');
  return { rows, width, values: values.length === rows * width ? values : values.slice(0, rows * width) };
}

function isNaNCell(c: string): boolean {
  const t = c.trim();
  return t === '' || Number.isNaN(Number(t));
}

/** The rows as arrays (for small tables and tests). */
export function parseCsv(text: string, width: number): number[][] {
  const t = parseCsvTable(text, width);
  return Array.from({ length: t.rows }, (_, r) => Array.from(t.values.subarray(r * width, (r + 1) * width)));
}
