// What the editor's language features need to know about the names of a `.loss` file, from its
// syntax tree alone (no checking, so it works on a file with type errors): the document's symbols
// (Outline), every declaration and use of each declared name (go to definition, references,
// rename), and whether a new name is acceptable. Pure: no vscode import.
import { DistExpr, Expr, namesIn, Program, Statement } from './ast';
import { DiagnosticBag, Span } from './diagnostics';
import { DISTRIBUTIONS } from './distributions';
import { FUNCTIONS } from './builtins';
import { tokenize } from './lexer';
import { hasName } from './names';
import { KEYWORDS, parse } from './parser';

export type DeclKind = 'param' | 'data' | 'let';

export interface DocumentSymbol {
  name: string;
  kind: DeclKind | 'dataset' | 'loss' | 'train';
  /** One line: the shape and initial value of a param, the law of a data name, a let's expression… */
  detail: string;
  /** The whole declaration (the statement, or one name's part of a `param a = 1, b = 2` line). */
  span: Span;
  /** The name (the keyword for loss and dataset lines, the optimizer for train lines). */
  selection: Span;
  /** Train lines: each key and where its value is written. */
  args?: { key: string; value: Span }[];
}

/** Longest detail shown beside a symbol (the rest is cut with "…"). */
const MAX_DETAIL = 80;

export function parseQuietly(source: string): { program: Program; syntaxErrors: number; firstError?: string } {
  const bag = new DiagnosticBag();
  const program = parse(source, bag);
  const errors = bag.items.filter((d) => d.severity === 'error');
  return { program, syntaxErrors: errors.length, firstError: errors[0] && `line ${errors[0].line}: ${errors[0].message}` };
}

/** The text of a span of the source (one line: continuation lines are joined with a space). */
export function spanText(lines: string[], s: Span): string {
  if (s.line === s.endLine) return (lines[s.line - 1] ?? '').slice(s.column - 1, s.endColumn - 1);
  const parts = [(lines[s.line - 1] ?? '').slice(s.column - 1)];
  for (let l = s.line + 1; l < s.endLine; l++) parts.push(lines[l - 1] ?? '');
  parts.push((lines[s.endLine - 1] ?? '').slice(0, s.endColumn - 1));
  return parts.map((p) => p.replace(/\\[ \t]*(#.*)?$/, '').trim()).join(' ');
}

function cut(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_DETAIL ? `${one.slice(0, MAX_DETAIL - 1)}…` : one;
}

function shapeDetail(dims: number[] | undefined): string {
  return dims && dims.length ? `[${dims.join(', ')}]` : 'scalar';
}

/** The Outline of a file: its params (with shapes), data, lets, loss, dataset and train lines, in order. */
export function documentSymbols(source: string): DocumentSymbol[] {
  const { program } = parseQuietly(source);
  const lines = source.split('\n');
  const text = (s: Span) => spanText(lines, s);
  const dist = (d: DistExpr) => `~ ${text(d.span)}`;
  const out: DocumentSymbol[] = [];
  for (const st of program.statements) {
    switch (st.kind) {
      case 'param':
        for (const d of st.decls) {
          const init = d.init ? (d.init.kind === 'dist' ? dist(d.init.dist) : `= ${text(d.init.value.span)}`) : '~ normal(0, 1)';
          out.push({ name: d.name, kind: 'param', detail: cut(`${shapeDetail(d.shape?.dims)} ${init}`), span: d.span, selection: d.nameSpan });
        }
        break;
      case 'data':
        for (const d of st.names) {
          const law = st.dist ? dist(st.dist) : st.file ? `from "${st.file.path}"` : '';
          out.push({ name: d.name, kind: 'data', detail: cut(`${shapeDetail(d.shape?.dims)} ${law}`), span: st.span, selection: d.nameSpan });
        }
        break;
      case 'dataset':
        out.push({
          name: 'dataset',
          kind: 'dataset',
          detail: cut(`size = ${text(st.size.span)}${st.seed ? `, seed = ${text(st.seed.span)}` : ''}`),
          span: st.span,
          selection: keywordSpan(st),
        });
        break;
      case 'let':
        out.push({ name: st.name, kind: 'let', detail: cut(`= ${text(st.value.span)}`), span: st.span, selection: st.nameSpan });
        break;
      case 'loss':
        out.push({ name: 'loss', kind: 'loss', detail: cut(`= ${text(st.value.span)}`), span: st.span, selection: st.keywordSpan });
        break;
      case 'train':
        out.push({
          name: `train ${st.optimizer}`,
          kind: 'train',
          detail: cut(st.args.map((a) => `${a.key} = ${text(a.value.span)}`).join(', ')),
          span: st.span,
          selection: st.optimizerSpan,
          args: st.args.map((x) => ({ key: x.key, value: x.value.span })),
        });
        break;
    }
  }
  return out;
}

/** The keyword of a statement (its first word). */
function keywordSpan(st: Statement): Span {
  return { line: st.span.line, column: st.span.column, endLine: st.span.line, endColumn: st.span.column + st.kind.length };
}

// ---- names: declarations and uses ---------------------------------------------------------------

export interface Declaration {
  kind: DeclKind;
  span: Span;
}

export interface NameIndex {
  /** Each declared name's declarations, in file order (more than one is an error the checker reports). */
  declarations: Map<string, Declaration[]>;
  /** Every name used in an expression, declared or not, in file order. */
  uses: { name: string; span: Span }[];
  /** Syntax errors of the file (lines that did not parse are not indexed). */
  syntaxErrors: number;
  firstSyntaxError?: string;
}

export function nameIndex(source: string): NameIndex {
  const { program, syntaxErrors, firstError } = parseQuietly(source);
  const declarations = new Map<string, Declaration[]>();
  const declare = (name: string, kind: DeclKind, span: Span) => {
    const list = declarations.get(name);
    if (list) list.push({ kind, span });
    else declarations.set(name, [{ kind, span }]);
  };
  const uses: { name: string; span: Span }[] = [];
  const walk = (e: Expr) => uses.push(...namesIn(e));
  for (const st of program.statements) {
    switch (st.kind) {
      case 'param':
        for (const d of st.decls) {
          declare(d.name, 'param', d.nameSpan);
          if (d.init?.kind === 'value') walk(d.init.value);
          else if (d.init?.kind === 'dist') d.init.dist.args.forEach(walk);
        }
        break;
      case 'data':
        for (const d of st.names) declare(d.name, 'data', d.nameSpan);
        st.dist?.args.forEach(walk);
        break;
      case 'dataset':
        walk(st.size);
        if (st.seed) walk(st.seed);
        break;
      case 'let':
        walk(st.value);
        declare(st.name, 'let', st.nameSpan);
        break;
      case 'loss':
        walk(st.value);
        break;
      case 'train':
        // `sampling = with_replacement` names a value, not a declared name.
        for (const a of st.args) if (a.key !== 'sampling') walk(a.value);
        break;
    }
  }
  return { declarations, uses, syntaxErrors, firstSyntaxError: firstError };
}

/** Whether a 1-based position is on a span (the column just past its end counts: the cursor after a word). */
export function spanContains(s: Span, line: number, column: number): boolean {
  if (line < s.line || line > s.endLine) return false;
  if (line === s.line && column < s.column) return false;
  if (line === s.endLine && column > s.endColumn) return false;
  return true;
}

export interface NameAt {
  name: string;
  kind: DeclKind;
  /** The span of the name under the position. */
  span: Span;
  /** Where the name is declared (its first declaration). */
  declaration: Span;
  /** Every declaration and use of the name, in file order (the declaration included). */
  occurrences: Span[];
  /** Whether the position is on a declaration. */
  onDeclaration: boolean;
}

function before(a: Span, b: Span): number {
  return a.line - b.line || a.column - b.column;
}

/** The declared name at a 1-based position (on its declaration or on a use), with all its occurrences. */
export function nameAt(source: string, line: number, column: number, index = nameIndex(source)): NameAt | undefined {
  // A position between two words (`u*w`, the cursor after u) belongs to the word it is inside, else the one it ends.
  const candidates: { name: string; span: Span; decl: boolean }[] = [];
  for (const [name, decls] of index.declarations) for (const d of decls) candidates.push({ name, span: d.span, decl: true });
  for (const u of index.uses) candidates.push({ name: u.name, span: u.span, decl: false });
  const hits = candidates.filter((c) => spanContains(c.span, line, column));
  const hit = hits.find((c) => column < c.span.endColumn || line < c.span.endLine) ?? hits[0];
  if (!hit) return undefined;
  const decls = index.declarations.get(hit.name);
  if (!decls) return undefined;
  const occurrences = [...decls.map((d) => d.span), ...index.uses.filter((u) => u.name === hit.name).map((u) => u.span)].sort(before);
  return { name: hit.name, kind: decls[0].kind, span: hit.span, declaration: decls[0].span, occurrences, onDeclaration: hit.decl };
}

/**
 * Where to show a component (`w`, `W[1,2]`) in the file: its parameter's declaration (the name in
 * `param u = 1, w = 2` too), else the first declaration of that name of any kind, else its first use.
 */
export function componentSpan(source: string, component: string, index = nameIndex(source)): Span | undefined {
  const name = component.replace(/\[.*$/, '').trim();
  const decls = index.declarations.get(name);
  const decl = decls?.find((d) => d.kind === 'param') ?? decls?.[0];
  const s = decl?.span ?? index.uses.find((u) => u.name === name)?.span;
  return s && { line: s.line, column: s.column, endLine: s.endLine, endColumn: s.endColumn };
}

/** Words that begin statements or parts of them: a name spelled so would read as syntax. */
const RESERVED = [...KEYWORDS, 'from', 'size'];

/**
 * Why `newName` cannot replace `oldName` in this file, or undefined when it can: it must be one
 * name as the lexer reads it, not a keyword, function or distribution, and not already declared.
 */
export function renameProblem(source: string, oldName: string, newName: string, index = nameIndex(source)): string | undefined {
  if (newName === oldName) return undefined;
  const bag = new DiagnosticBag();
  const tokens = tokenize(newName, bag);
  const names = tokens.filter((t) => t.kind !== 'newline' && t.kind !== 'eof');
  if (bag.items.length > 0 || names.length !== 1 || names[0].kind !== 'name' || names[0].text !== newName) {
    return `\`${newName}\` is not a name: a name is a letter or _ followed by letters, digits and _`;
  }
  if (RESERVED.includes(newName)) return `\`${newName}\` is a keyword of the language`;
  if (hasName(FUNCTIONS, newName)) return `\`${newName}\` is a built-in function`;
  if (hasName(DISTRIBUTIONS, newName)) return `\`${newName}\` is a distribution`;
  const other = index.declarations.get(newName)?.[0];
  if (other) return `\`${newName}\` is already declared (as a ${other.kind} on line ${other.span.line})`;
  return undefined;
}

export type RenameResult = { ok: true; name: string; spans: Span[] } | { ok: false; message: string };

/**
 * The edits that rename the declared name at a position (every declaration and use): refused in a
 * file with syntax errors (a line that does not parse could hold uses the rename would miss) and
 * for a new name `renameProblem` rejects.
 */
export function renameAt(source: string, line: number, column: number, newName: string): RenameResult {
  const index = nameIndex(source);
  const at = nameAt(source, line, column, index);
  if (!at) return { ok: false, message: 'only a declared name (a param, data or let) can be renamed' };
  if (index.syntaxErrors > 0)
    return { ok: false, message: `fix the syntax errors first (${index.firstSyntaxError}): a line that does not parse may use \`${at.name}\`` };
  const problem = renameProblem(source, at.name, newName, index);
  if (problem) return { ok: false, message: problem };
  return { ok: true, name: at.name, spans: at.occurrences };
}
