// Number formatting for tables and labels.

/** Six significant digits, no trailing zeros; rounding-level values (|x| < 1e-12·scale) shown as 0. */
export function fmt(x: number | null | undefined, scale = 1): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (Math.abs(x) < 1e-12 * Math.max(1, Math.abs(scale))) return '0';
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return minus(String(x));
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return minus(x.toExponential(3).replace(/\.?0+e/, 'e'));
  return minus(String(parseFloat(x.toPrecision(6))));
}

/** Compact form for tick labels and sparklines. */
export function fmtShort(x: number): string {
  if (!Number.isFinite(x)) return fmt(x);
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 1e5 || a < 1e-3) return minus(x.toExponential(1).replace(/\.0e/, 'e'));
  return minus(String(parseFloat(x.toPrecision(3))));
}

function minus(s: string): string {
  return s.replace(/^-/, '−').replace('e-', 'e−');
}

/** Plain ASCII form for CSV (full precision). */
export function csvNum(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '' : String(x);
}

export { runLabel } from '../../src/shared/predictionText';
