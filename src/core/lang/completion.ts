// Completions for `.loss` files: what may be written at a position, from the tokens of the
// statement before it, and the entries with their documentation from the checker's own tables
// (FUNCTIONS, DISTRIBUTIONS, OPTIMIZERS, TRAIN_KEYS), so that the docs never drift from what the
// checker accepts. Pure: no vscode import; the editor turns entries into CompletionItems.
import { DiagnosticBag, Span } from './diagnostics';
import { DISTRIBUTIONS } from './distributions';
import { FUNCTIONS, OPTIMIZERS, SAMPLING_VALUES, TRAIN_KEYS, trainKeysFor } from './builtins';
import { Token, tokenize } from './lexer';
import { KEYWORDS } from './parser';
import { lookupName, nameTable } from './names';
import { documentSymbols } from './symbols';

export type CompletionKind = 'keyword' | 'param' | 'data' | 'let' | 'function' | 'distribution' | 'optimizer' | 'trainKey' | 'value';

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  /** One line beside the label. */
  detail: string;
  /** Markdown. */
  documentation: string;
  /** A snippet (TextMate syntax: ${1:placeholder}) to insert instead of the label. */
  snippet?: string;
}

export interface Completions {
  entries: CompletionEntry[];
  /** The partial word under the cursor, which an entry replaces. */
  replace?: Span;
  /** What the position expects (for tests and logs). */
  context: CompletionContext['kind'];
}

type CompletionContext =
  | { kind: 'none' }
  | { kind: 'keyword' }
  | { kind: 'optimizer'; parenFollows: boolean }
  | { kind: 'trainKey'; optimizer: string; given: string[]; equalsFollows: boolean }
  | { kind: 'samplingValue' }
  | { kind: 'distribution'; parenFollows: boolean }
  | { kind: 'datasetKey' }
  | { kind: 'datasetSeed' }
  | { kind: 'expression'; line: number; ownName?: string };

/** Statement keywords, documented (also used by the hover). */
export const KEYWORD_DOCS = nameTable<string>({
  param: '`param NAME[SHAPE]? (= INIT)?` — a trainable tensor; INIT is a number, a nested list, or `~ DIST` (drawn per chain). Default `~ normal(0, 1)`.',
  data: '`data NAME[SHAPE]? ~ DIST` — one input of one example, drawn fresh for every example; or `data a, b from "FILE.csv"` — a finite data set, one example per row.',
  dataset: '`dataset size = N` — draw a fixed training set of N examples once (seeded) and train on it instead of fresh data.',
  let: '`let NAME = EXPR` — a named expression of data, parameters and earlier `let`s.',
  loss: '`loss = EXPR` — the per-example loss ℓ(θ; z); a scalar; exactly one per file.',
  train: '`train OPT(KEY = VALUE, …)` — an optimizer run; several `train` lines are runs to compare.',
});

/** Functions that take two arguments (the others take one). */
const BINARY_FUNCTIONS = nameTable<[string, string]>({
  dot: ['a', 'b'],
  max: ['a', 'b'],
  min: ['a', 'b'],
  onehot: ['label', 'K'],
  cross_entropy: ['logits', 'target'],
});

/** A value to start from for each train key's snippet. */
const KEY_EXAMPLES = nameTable<string>({
  lr: '0.01',
  batch: '4',
  steps: '10000',
  chains: '16',
  seed: '0',
  weight_decay: '0.01',
  record_every: '10',
  warmup: '100',
  beta: '0.9',
  beta1: '0.9',
  beta2: '0.999',
  eps: '1e-8',
});

const isOp = (t: Token | undefined, op: string) => !!t && t.kind === 'op' && t.text === op;

/** The completions at a 1-based line and column (the column of the cursor, which may be just past a word). */
export function completionsAt(source: string, line: number, column: number): Completions {
  const tokens = tokenize(source, new DiagnosticBag());
  const ctx = contextAt(source, tokens, line, column);
  const entries = entriesFor(ctx.context, source, tokens);
  return { entries, replace: ctx.replace, context: ctx.context.kind };
}

function contextAt(source: string, tokens: Token[], line: number, column: number): { context: CompletionContext; replace?: Span } {
  const lineText = source.split('\n')[line - 1] ?? '';
  if (inCommentOrString(lineText.slice(0, column - 1))) return { context: { kind: 'none' } };
  const endsBefore = (t: Token) => t.line < line || (t.line === line && t.endColumn <= column);
  let i = 0;
  while (i < tokens.length && tokens[i].kind !== 'eof' && endsBefore(tokens[i])) i++;
  // tokens[0..i) end at or before the cursor. A name ending exactly at the cursor is the partial word.
  let word: Token | undefined;
  const last = tokens[i - 1];
  if (last && last.kind === 'name' && last.line === line && last.endColumn === column) word = last;
  const end = word ? i - 1 : i;
  let start = end;
  while (start > 0 && tokens[start - 1].kind !== 'newline') start--;
  const before = tokens.slice(start, end);
  // A name the cursor is inside (not at its end) is completed too: replace all of it.
  const inside = !word ? tokens[i] : undefined;
  if (inside && inside.kind === 'name' && inside.line === line && inside.column < column) word = inside;
  const next = tokens[word ? tokens.indexOf(word) + 1 : i];
  const replace: Span | undefined = word && { line: word.line, column: word.column, endLine: word.endLine, endColumn: word.endColumn };
  return { context: classify(before, next), replace };
}

/** Whether the end of this line's prefix is inside a comment or a string. */
function inCommentOrString(prefix: string): boolean {
  let quote: string | undefined;
  for (const ch of prefix) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') return true;
  }
  return quote !== undefined;
}

function classify(before: Token[], next: Token | undefined): CompletionContext {
  if (before.length === 0) return { kind: 'keyword' };
  const first = before[0];
  const prev = before[before.length - 1];
  if (first.kind !== 'name') return { kind: 'none' };
  if (isOp(prev, '~')) return { kind: 'distribution', parenFollows: isOp(next, '(') };
  switch (first.text) {
    case 'train': {
      if (before.length === 1) return { kind: 'optimizer', parenFollows: isOp(next, '(') };
      const optimizer = before[1].text;
      let depth = 0;
      for (const t of before.slice(2)) {
        if (isOp(t, '(') || isOp(t, '[')) depth++;
        else if (isOp(t, ')') || isOp(t, ']')) depth--;
      }
      if (depth !== 1) return { kind: 'none' };
      if (isOp(prev, '(') || isOp(prev, ',')) {
        const given = before
          .filter((t, k) => t.kind === 'name' && k >= 2 && isOp(before[k + 1], '=') && (isOp(before[k - 1], '(') || isOp(before[k - 1], ',')))
          .map((t) => t.text);
        return { kind: 'trainKey', optimizer, given, equalsFollows: isOp(next, '=') };
      }
      if (isOp(prev, '=') && before[before.length - 2]?.text === 'sampling') return { kind: 'samplingValue' };
      return { kind: 'none' };
    }
    case 'dataset':
      // `dataset size = N` and, for data files, `, seed = S` (a seeded subset of N examples).
      return before.length === 1
        ? { kind: 'datasetKey' }
        : isOp(prev, ',') && !before.some((t) => t.text === 'seed')
          ? { kind: 'datasetSeed' }
          : { kind: 'none' };
    case 'let': {
      const eq = before.findIndex((t) => isOp(t, '='));
      return eq >= 0 ? { kind: 'expression', line: first.line, ownName: before[1]?.text } : { kind: 'none' };
    }
    case 'loss':
      return before.some((t) => isOp(t, '=')) ? { kind: 'expression', line: first.line } : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}

function entriesFor(ctx: CompletionContext, source: string, tokens: Token[]): CompletionEntry[] {
  switch (ctx.kind) {
    case 'none':
      return [];
    case 'keyword':
      return KEYWORDS.map((k) => ({ label: k, kind: 'keyword', detail: 'statement', documentation: KEYWORD_DOCS[k], snippet: `${k} ` }));
    case 'optimizer':
      return Object.keys(OPTIMIZERS).map((o) => ({
        label: o,
        kind: 'optimizer',
        detail: 'optimizer',
        documentation: `${OPTIMIZERS[o]}. Keys: ${trainKeysFor(o)
          .map((k) => `\`${k}\``)
          .join(', ')}.`,
        snippet: ctx.parenFollows ? undefined : `${o}(lr = \${1:0.01}$0)`,
      }));
    case 'trainKey':
      return trainKeysFor(ctx.optimizer)
        .filter((k) => !ctx.given.includes(k))
        .map((k) => {
          const spec = TRAIN_KEYS[k];
          const only = spec.optimizers ? ` (only for ${spec.optimizers.join(', ')})` : '';
          const value = k === 'sampling' ? `\${1|${SAMPLING_VALUES.join(',')}|}` : `\${1:${lookupName(KEY_EXAMPLES, k) ?? '1'}}`;
          return {
            label: k,
            kind: 'trainKey',
            detail: `train key of ${ctx.optimizer}`,
            documentation: `${spec.doc}${only}`,
            snippet: ctx.equalsFollows ? undefined : `${k} = ${value}`,
          };
        });
    case 'samplingValue':
      return SAMPLING_VALUES.map((v) => ({
        label: v,
        kind: 'value',
        detail: 'sampling',
        documentation: v === 'with_replacement' ? 'Each batch drawn independently (the default).' : 'Epochs of shuffled batches of the finite data set.',
      }));
    case 'distribution':
      return Object.keys(DISTRIBUTIONS).map((d) => {
        const spec = DISTRIBUTIONS[d];
        const args = spec.params.map((p, k) => `\${${k + 1}:${p}}`).join(', ');
        return {
          label: d,
          kind: 'distribution',
          detail: `${d}(${spec.params.join(', ')})`,
          documentation: spec.doc,
          snippet: ctx.parenFollows ? undefined : `${d}(${args})`,
        };
      });
    case 'datasetKey':
      return [{ label: 'size', kind: 'keyword', detail: 'dataset size = N', documentation: KEYWORD_DOCS.dataset, snippet: 'size = ${1:64}' }];
    case 'datasetSeed':
      return [
        {
          label: 'seed',
          kind: 'keyword',
          detail: 'dataset size = N, seed = S',
          documentation: 'With data files: a random subset of N examples chosen with seed S (the same examples of every file). Without it, the first N.',
          snippet: 'seed = ${1:0}',
        },
      ];
    case 'expression':
      return [...nameEntries(source, tokens, ctx.line, ctx.ownName), ...functionEntries()];
  }
}

/**
 * Params and data (usable anywhere) and the lets defined above `line` (a let sees only those):
 * from the syntax tree, and from a scan of the lines that do not parse yet (`data x ~ ` while
 * its distribution is being typed still declares x).
 */
function nameEntries(source: string, tokens: Token[], line: number, ownName: string | undefined): CompletionEntry[] {
  const seen = new Set<string>();
  const out: CompletionEntry[] = [];
  const add = (name: string, kind: 'param' | 'data' | 'let', declLine: number, detail: string) => {
    if (kind === 'let' && (declLine >= line || name === ownName)) return;
    if (seen.has(name)) return;
    seen.add(name);
    out.push({ label: name, kind, detail: `${kind} ${detail}`.trim(), documentation: `\`${kind} ${name}\` ${detail} (line ${declLine})` });
  };
  for (const s of documentSymbols(source)) {
    if (s.kind === 'param' || s.kind === 'data' || s.kind === 'let') add(s.name, s.kind, s.selection.line, s.detail);
  }
  for (const d of scanDeclarations(tokens)) add(d.name, d.kind, d.line, '');
  return out;
}

/** The names each `param`, `data` and `let` statement declares, read from its tokens (whether or not it parses). */
export function scanDeclarations(tokens: Token[]): { name: string; kind: 'param' | 'data' | 'let'; line: number }[] {
  const out: { name: string; kind: 'param' | 'data' | 'let'; line: number }[] = [];
  let k = 0;
  while (k < tokens.length) {
    let end = k;
    while (end < tokens.length && tokens[end].kind !== 'newline' && tokens[end].kind !== 'eof') end++;
    const st = tokens.slice(k, end);
    const kind = st[0]?.text;
    if (st[0]?.kind === 'name' && (kind === 'param' || kind === 'data' || kind === 'let')) {
      let depth = 0;
      for (let j = 1; j < st.length; j++) {
        const t = st[j];
        if (isOp(t, '(') || isOp(t, '[')) depth++;
        else if (isOp(t, ')') || isOp(t, ']')) depth--;
        const declares = t.kind === 'name' && depth === 0 && (j === 1 || (kind !== 'let' && isOp(st[j - 1], ',')));
        if (declares) out.push({ name: t.text, kind, line: t.line });
        // After `=`, `~` or `from` only values follow (a data line's names all come before them).
        if (kind !== 'param' && depth === 0 && (isOp(t, '=') || isOp(t, '~') || t.text === 'from')) break;
      }
    }
    k = end + 1;
  }
  return out;
}

function functionEntries(): CompletionEntry[] {
  return Object.keys(FUNCTIONS).map((f) => {
    const two = lookupName(BINARY_FUNCTIONS, f);
    const args = two ? two.map((a, k) => `\${${k + 1}:${a}}`).join(', ') : '$1';
    return { label: f, kind: 'function', detail: `${f}(${two ? two.join(', ') : 'x'})`, documentation: FUNCTIONS[f], snippet: `${f}(${args})` };
  });
}
