// Tokenizer for `.loss` files. A backslash at the end of a line joins it with the next; newlines
// otherwise end statements. Unknown characters become diagnostics, never exceptions.
import { DiagnosticBag, Span, quote } from './diagnostics';

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'newline' | 'eof';

export interface Token extends Span {
  kind: TokenKind;
  text: string;
  value?: number;
}

const OPERATORS = ['+', '-', '*', '/', '^', '@', '(', ')', '[', ']', ',', '=', '~'];
/** Longest source accepted, so that pathological inputs stay bounded in time and memory. */
export const MAX_SOURCE_LENGTH = 1_000_000;

const NAME_START = /[\p{L}_]/u;
const NAME_PART = /[\p{L}\p{N}_]/u;

export function tokenize(source: string, diags: DiagnosticBag): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let col = 1;
  let i = 0;
  const text = source.length > MAX_SOURCE_LENGTH ? source.slice(0, MAX_SOURCE_LENGTH) : source;
  if (source.length > MAX_SOURCE_LENGTH) {
    diags.error({ line: 1, column: 1, endLine: 1, endColumn: 2 }, `file is too long (${source.length} characters; at most ${MAX_SOURCE_LENGTH} are read)`);
  }

  const push = (kind: TokenKind, t: string, startCol: number, value?: number) => {
    tokens.push({ kind, text: t, value, line, column: startCol, endLine: line, endColumn: startCol + t.length });
  };

  while (i < text.length) {
    const ch = text[i];
    if (ch === '\r') {
      i++;
      continue;
    }
    if (ch === '\n') {
      push('newline', '\n', col);
      i++;
      line++;
      col = 1;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\f' || ch === '\v' || ch === '\u00a0' || ch === '\ufeff') {
      i++;
      col++;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') {
        i++;
        col++;
      }
      continue;
    }
    if (ch === '\\') {
      // Line continuation: only whitespace or a comment may follow on the same line.
      let j = i + 1;
      while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j++;
      if (j < text.length && text[j] === '#') while (j < text.length && text[j] !== '\n') j++;
      if (j >= text.length) {
        // A backslash at the very end of the file continues into nothing.
        col += j - i;
        i = j;
        continue;
      }
      if (text[j] === '\n') {
        i = j + 1;
        line++;
        col = 1;
        continue;
      }
      diags.error({ line, column: col, endLine: line, endColumn: col + 1 }, 'a `\\` continues a statement only at the end of a line', {
        title: 'remove the backslash',
        replacement: '',
      });
      i++;
      col++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const start = col;
      let j = i + 1;
      while (j < text.length && text[j] !== ch && text[j] !== '\n') j++;
      if (j >= text.length || text[j] !== ch) {
        const s = text.slice(i, j);
        diags.error({ line, column: start, endLine: line, endColumn: start + s.length }, 'unterminated string', {
          title: `close the string with ${ch}`,
          replacement: s + ch,
        });
        push('string', s.slice(1), start);
        tokens[tokens.length - 1].endColumn = start + s.length;
        col += j - i;
        i = j;
        continue;
      }
      const s = text.slice(i, j + 1);
      tokens.push({ kind: 'string', text: s.slice(1, -1), line, column: start, endLine: line, endColumn: start + s.length });
      col += s.length;
      i = j + 1;
      continue;
    }
    if (isDigit(ch) || (ch === '.' && isDigit(text[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      const s = m ? m[0] : ch;
      push('number', s, col, Number(s));
      i += s.length;
      col += s.length;
      continue;
    }
    if (NAME_START.test(ch) || isHighSurrogateLetter(text, i)) {
      let j = i;
      while (j < text.length && (NAME_PART.test(text[j]) || isSurrogatePair(text, j))) j += isSurrogatePair(text, j) ? 2 : 1;
      const s = text.slice(i, j);
      push('name', s, col);
      col += s.length;
      i = j;
      continue;
    }
    if (OPERATORS.includes(ch)) {
      push('op', ch, col);
      i++;
      col++;
      continue;
    }
    const hint = ch === '*' ? '' : ch === ';' ? ' (statements end at the end of a line)' : '';
    diags.error({ line, column: col, endLine: line, endColumn: col + 1 }, `unexpected character ${quote(ch)}${hint}`, { title: 'remove it', replacement: '' });
    i++;
    col++;
  }
  push('newline', '\n', col);
  tokens.push({ kind: 'eof', text: '', line, column: col, endLine: line, endColumn: col });
  return tokens;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isSurrogatePair(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && /\p{L}/u.test(text.slice(i, i + 2));
}

function isHighSurrogateLetter(text: string, i: number): boolean {
  return isSurrogatePair(text, i);
}
