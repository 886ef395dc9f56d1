// Numeric CSV for `data ... from "file.csv"`: one example a row, an optional header row,
// comma (or semicolon/tab) separated. Errors name the row (1-based, as an editor shows it).
import { quote } from './diagnostics';

export class CsvError extends Error {}

export const MAX_CSV_ROWS = 10_000_000;

export function parseCsv(text: string, width: number): number[][] {
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  let headerSkipped = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    const nums = cells.map((c) => (c === '' ? NaN : Number(c)));
    if (!headerSkipped && rows.length === 0 && nums.some((x) => Number.isNaN(x)) && cells.some((c) => /[A-Za-z_]/.test(c))) {
      headerSkipped = true; // a header row of column names
      if (cells.length !== width) {
        throw new CsvError(`the header (row ${i + 1}) has ${cells.length} columns but the data names need ${width}`);
      }
      continue;
    }
    if (cells.length !== width) {
      throw new CsvError(`row ${i + 1} has ${cells.length} column${cells.length === 1 ? '' : 's'} but the data names need ${width}`);
    }
    const bad = nums.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new CsvError(`row ${i + 1}, column ${bad + 1}: ${quote(cells[bad])} is not a finite number`);
    rows.push(nums);
    if (rows.length > MAX_CSV_ROWS) throw new CsvError(`more than ${MAX_CSV_ROWS} rows`);
  }
  if (rows.length === 0) throw new CsvError('the file holds no data rows');
  return rows;
}
