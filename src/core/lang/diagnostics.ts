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

/** Machine-applicable fix: replace the diagnostic's span with this text. */
export interface Fix {
  title: string;
  replacement: string;
}

export interface Diagnostic extends Span {
  severity: Severity;
  message: string;
  /** The first (or only) fix: replace the diagnostic's span with this text. */
  fix?: Fix;
  /** Every fix when there are several equally good ones (e.g. two names equally near a typo); `fix` is the first. */
  fixes?: Fix[];
}

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  /** An error; `fix` may be several equally good fixes (the first is also `fix`). */
  error(span: Span, message: string, fix?: Fix | Fix[]): void {
    this.items.push(withFixes({ ...spanOf(span), severity: 'error', message: safeMessage(message) }, fix));
  }

  warning(span: Span, message: string, fix?: Fix | Fix[]): void {
    this.items.push(withFixes({ ...spanOf(span), severity: 'warning', message: safeMessage(message) }, fix));
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  sorted(): Diagnostic[] {
    return [...this.items].sort((a, b) => a.line - b.line || a.column - b.column);
  }
}

// ---- text from a file inside messages ---------------------------------------------------------
// Messages quote the file (names, strings, CSV cells, paths) and are printed by the CLI to a
// terminal and shown by the editor. Control characters (C0, DEL, C1: ESC starts a terminal escape
// sequence, CSI is one character in C1), line separators and bidirectional overrides are shown
// escaped as \uXXXX; quotes are cut to a readable length.

/** Characters never printed raw: C0 and C1 controls, DEL, U+2028/9, bidi marks and overrides. */
/* eslint-disable no-control-regex -- matching control characters is the point */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */
const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Text with every unsafe character written as \uXXXX (valid inside a JSON string too).
 * `keepLines` keeps newlines and tabs (for whole multi-line outputs).
 */
export function escapeControls(text: string, keepLines = false): string {
  return text.replace(keepLines ? UNSAFE_KEEP_LINES : UNSAFE, escapeChar);
}

/** Longest quote of file text in a message, in characters; longer ones are cut with "…". */
export const MAX_QUOTE_LENGTH = 60;
/** Longest message; past this it is cut (a safety net: quotes are cut first). */
export const MAX_MESSAGE_LENGTH = 1000;

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not split a surrogate pair.
  const end = /[\ud800-\udbff]/.test(text[max - 1]) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/** File text in double quotes, escaped and cut: `"abc"`, `"a very long cell…"`. */
export function quote(text: string, max = MAX_QUOTE_LENGTH): string {
  return `"${escapeControls(cut(text, max))}"`;
}

/** Every message goes through this: long backtick quotes (names) cut, unsafe characters escaped. */
export function safeMessage(message: string): string {
  // Backticks pair up left to right: the odd pieces are quoted names or code.
  const pieces = message.split('`');
  const quoted = pieces.map((p, i) => (i % 2 === 1 && i < pieces.length - 1 ? cut(p, MAX_QUOTE_LENGTH) : p)).join('`');
  return escapeControls(cut(quoted, MAX_MESSAGE_LENGTH));
}

function safeFix(fix: Fix): Fix {
  // The replacement is text for the file (applied as is); only the title is shown.
  return { title: safeMessage(fix.title), replacement: fix.replacement };
}

function withFixes(d: Diagnostic, fix: Fix | Fix[] | undefined): Diagnostic {
  const list = (Array.isArray(fix) ? fix : fix ? [fix] : []).map(safeFix);
  if (list.length === 0) return { ...d, fix: undefined };
  return list.length === 1 ? { ...d, fix: list[0] } : { ...d, fix: list[0], fixes: list };
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

/** The nearest candidate to `name`, if it is near enough to be a plausible typo (the first of several equally near). */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  return nearestAll(name, candidates)[0];
}

/**
 * Every candidate at the smallest edit distance from `name` that is near enough to be a plausible
 * typo (at most half the longer name's length), in the candidates' order: `uw` among u, w gives
 * both. Empty when none is near enough.
 */
export function nearestAll(name: string, candidates: Iterable<string>): string[] {
  if (name.length > MAX_SUGGEST_LENGTH) return [];
  let best: string[] = [];
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    // The distance is at least the difference in length: skip what cannot be as near.
    if (c.length > MAX_SUGGEST_LENGTH || Math.abs(c.length - name.length) > bestD) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d > bestD || d > Math.max(1, Math.floor(Math.max(name.length, c.length) / 2))) continue;
    if (d < bestD) {
      bestD = d;
      best = [];
    }
    if (!best.includes(c)) best.push(c);
  }
  return best;
}

/**
 * "Did you mean" for the names `nearestAll` found: the message's tail (`; did you mean `a` or `b`?`,
 * or `fallback` when there is none) and one fix per name.
 */
export function didYouMean(guesses: string[], fallback = ''): { text: string; fixes?: Fix[] } {
  if (guesses.length === 0) return { text: fallback };
  const shown = guesses.slice(0, MAX_SUGGESTIONS);
  const q = shown.map((g) => `\`${g}\``);
  const more = guesses.length - shown.length;
  const list = more > 0 ? `${q.join(', ')} or one of ${more} more equally near` : q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
  return { text: `; did you mean ${list}?`, fixes: shown.map((g) => ({ title: `change to \`${g}\``, replacement: g })) };
}

/** At most this many equally near names are listed and offered as fixes (the message counts the rest). */
export const MAX_SUGGESTIONS = 12;
