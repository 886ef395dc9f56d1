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

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/**
 * An axis tick as a reader writes it: 20k, 1.5M for large round numbers, 2·10⁵ or 10⁻⁴ beyond them,
 * three significant digits between (never "2e+5").
 */
export function fmtTick(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return fmt(x);
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 1e4 && a < 1e9) {
    const [div, unit] = a >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
    return minus(`${parseFloat((x / div).toPrecision(digits))}${unit}`);
  }
  if (a >= 1e9 || a < 1e-3) {
    const e = Math.floor(Math.log10(a) + 1e-9);
    const m = parseFloat((x / 10 ** e).toPrecision(digits - 1));
    const pow = `10${String(e).replace(/./g, (c) => SUPERSCRIPT[c] ?? c)}`;
    return m === 1 ? pow : m === -1 ? `−${pow}` : `${minus(String(m))}·${pow}`;
  }
  return minus(String(parseFloat(x.toPrecision(digits))));
}

/**
 * The labels of an axis's ticks: fmtTick's, with as many more digits as it takes for no two ticks to
 * read the same (ticks 1.996, 1.998, 2, 2.002 on a narrow range are not "2, 2, 2, 2").
 */
export function fmtTicks(ticks: readonly (number | null | undefined)[]): string[] {
  const at = (digits: number) => ticks.map((v) => (v === null || v === undefined ? '' : fmtTick(v, digits)));
  for (let digits = 3; digits < 12; digits++) {
    const labels = at(digits);
    const shown = labels.filter((l) => l !== '');
    if (new Set(shown).size === shown.length) return labels;
  }
  return at(12);
}

function minus(s: string): string {
  return s.replace(/^-/, '−').replace('e-', 'e−');
}

/** Plain ASCII form for CSV (full precision). */
export function csvNum(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '' : String(x);
}

export { runLabel } from '../../src/shared/predictionText';
