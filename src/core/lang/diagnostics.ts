// Diagnostics shared by every stage of the language (lexer, parser, checker, CSV loader).
// Positions are 1-based lines and 1-based columns; endColumn is exclusive, so a one-character
// token at column 5 spans [5, 6).

export type Severity = 'error' | 'warning' | 'info';

export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Diagnostic extends Span {
  severity: Severity;
  message: string;
  /** Machine-applicable fix: replace the diagnostic's span with this text. */
  fix?: { title: string; replacement: string };
}

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  error(span: Span, message: string, fix?: Diagnostic['fix']): void {
    this.items.push({ ...spanOf(span), severity: 'error', message, fix });
  }

  warning(span: Span, message: string, fix?: Diagnostic['fix']): void {
    this.items.push({ ...spanOf(span), severity: 'warning', message, fix });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  sorted(): Diagnostic[] {
    return [...this.items].sort((a, b) => a.line - b.line || a.column - b.column);
  }
}

function spanOf(s: Span): Span {
  return { line: s.line, column: s.column, endLine: s.endLine, endColumn: s.endColumn };
}

export function joinSpans(a: Span, b: Span): Span {
  return { line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn };
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const sub = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/** Names longer than this get no suggestion (the edit distance is quadratic in the lengths). */
const MAX_SUGGEST_LENGTH = 100;

/** The nearest candidate to `name`, if it is near enough to be a plausible typo. */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > MAX_SUGGEST_LENGTH) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    // The distance is at least the difference in length: skip what cannot be nearer.
    if (c.length > MAX_SUGGEST_LENGTH || Math.abs(c.length - name.length) >= bestD) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(name.length, best.length) / 2));
  return bestD <= limit ? best : undefined;
}
