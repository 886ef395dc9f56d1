// What the word under the cursor of a `.loss` file is: a keyword, a declared name, a train key,
// an optimizer, a function or a distribution. Pure (no vscode import): tokens + the parsed program.
import { DISTRIBUTIONS } from '../../core/lang/distributions';
import { FUNCTIONS, TRAIN_KEYS, OPTIMIZERS } from '../../core/lang/builtins';
import { DiagnosticBag, Span } from '../../core/lang/diagnostics';
import { Token, tokenize } from '../../core/lang/lexer';
import { KEYWORDS, parse } from '../../core/lang/parser';
import { hasName } from '../../core/lang/names';
import { nameIndex } from '../../core/lang/symbols';

export type Target =
  | { kind: 'keyword'; word: string }
  | { kind: 'param' | 'data' | 'let'; name: string; declared: boolean }
  | { kind: 'trainKey'; key: string; optimizer: string }
  | { kind: 'samplingValue'; value: string }
  | { kind: 'optimizer'; name: string }
  | { kind: 'function'; name: string }
  | { kind: 'distribution'; name: string };

export interface Located {
  target: Target;
  span: Span;
  /** 0-based index of the `train` line the word is on, when it is on one. */
  trainIndex?: number;
}

function contains(t: Token, line: number, column: number): boolean {
  return t.line === line && column >= t.column && column <= t.endColumn && t.kind === 'name';
}

/** Locate the name at a 1-based line and column (the column may be just past the word). */
export function locate(source: string, line: number, column: number): Located | undefined {
  const tokens = tokenize(source, new DiagnosticBag());
  let i = tokens.findIndex((t) => contains(t, line, column) && column < t.endColumn);
  if (i < 0) i = tokens.findIndex((t) => contains(t, line, column));
  if (i < 0) return undefined;
  const tok = tokens[i];
  const span: Span = { line: tok.line, column: tok.column, endLine: tok.endLine, endColumn: tok.endColumn };
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  // The statement the token is in: back to the previous newline token.
  let s = i;
  while (s > 0 && tokens[s - 1].kind !== 'newline') s--;
  const first = tokens[s];
  const isFirst = s === i;
  const trainIndex = first.text === 'train' ? countTrains(tokens, s) : undefined;

  if (isFirst && (KEYWORDS as readonly string[]).includes(tok.text)) return { target: { kind: 'keyword', word: tok.text }, span };
  if (first.text === 'train') {
    if (i === s + 1) return { target: { kind: 'optimizer', name: tok.text }, span, trainIndex };
    if (next?.text === '=' && (prev?.text === '(' || prev?.text === ',')) {
      return { target: { kind: 'trainKey', key: tok.text, optimizer: tokens[s + 1]?.text ?? 'sgd' }, span, trainIndex };
    }
    if (prev?.text === '=' && (tok.text === 'with_replacement' || tok.text === 'without_replacement')) {
      return { target: { kind: 'samplingValue', value: tok.text }, span, trainIndex };
    }
  }
  if (next?.text === '(') {
    if (prev?.text === '~' && hasName(DISTRIBUTIONS, tok.text)) return { target: { kind: 'distribution', name: tok.text }, span };
    if (hasName(FUNCTIONS, tok.text)) return { target: { kind: 'function', name: tok.text }, span };
    if (hasName(DISTRIBUTIONS, tok.text)) return { target: { kind: 'distribution', name: tok.text }, span };
  }
  const names = declaredNames(source);
  const kind = names.get(tok.text);
  if (kind) return { target: { kind: kind.kind, name: tok.text, declared: kind.spans.some((sp) => sp.line === tok.line && sp.column === tok.column) }, span };
  if (hasName(OPTIMIZERS, tok.text)) return { target: { kind: 'optimizer', name: tok.text }, span };
  if (hasName(TRAIN_KEYS, tok.text) && first.text === 'train')
    return { target: { kind: 'trainKey', key: tok.text, optimizer: tokens[s + 1]?.text ?? 'sgd' }, span, trainIndex };
  return undefined;
}

function countTrains(tokens: Token[], statementStart: number): number {
  let n = 0;
  for (let k = 0; k < statementStart; k++) if (tokens[k].text === 'train' && (k === 0 || tokens[k - 1].kind === 'newline')) n++;
  return n;
}

/** Every declared name and what it is (params, data, lets): the kind of its first declaration, and every declaration. */
export function declaredNames(source: string): Map<string, { kind: 'param' | 'data' | 'let'; spans: Span[] }> {
  const out = new Map<string, { kind: 'param' | 'data' | 'let'; spans: Span[] }>();
  for (const [name, decls] of nameIndex(source).declarations) out.set(name, { kind: decls[0].kind, spans: decls.map((d) => d.span) });
  return out;
}

/**
 * The `loss` and `train` lines of a text too large to parse on the editor's thread at every
 * change: a scan of the lines that start with the keyword (continuation lines skipped).
 */
export function statementLinesByScan(source: string): { loss?: Span; trains: { span: Span; optimizer: string }[] } {
  let loss: Span | undefined;
  const trains: { span: Span; optimizer: string }[] = [];
  const lines = source.split('\n');
  let continued = false;
  lines.forEach((text, i) => {
    const line = i + 1;
    const span = { line, column: 1, endLine: line, endColumn: text.length + 1 };
    if (!continued) {
      if (!loss && /^loss\b/.test(text)) loss = span;
      const t = /^train\s+([\p{L}_][\p{L}\p{N}_]*)/u.exec(text);
      if (t) trains.push({ span, optimizer: t[1] });
    }
    continued = /\\[ \t\r]*(#.*)?$/.test(text);
  });
  return { loss, trains };
}

/** The statements' lines, for CodeLens: the `loss` line and each `train` line (1-based). */
export function statementLines(source: string): { loss?: Span; trains: { span: Span; optimizer: string; keys: string[] }[] } {
  const program = parse(source, new DiagnosticBag());
  let loss: Span | undefined;
  const trains: { span: Span; optimizer: string; keys: string[] }[] = [];
  for (const st of program.statements) {
    if (st.kind === 'loss' && !loss) loss = st.keywordSpan;
    else if (st.kind === 'train') trains.push({ span: st.span, optimizer: st.optimizer, keys: st.args.map((a) => a.key) });
  }
  return { loss, trains };
}
