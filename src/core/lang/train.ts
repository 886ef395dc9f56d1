// A `train` line: its optimizer, its keys (each checked against the table in builtins.ts, with
// the fixes the editor offers), and the defaults of the keys it leaves out.
import { Expr, Statement } from './ast';
import { DiagnosticBag, Span, didYouMean, nearestAll } from './diagnostics';
import { OptimizerName, TrainSpec, TRAIN_DEFAULTS } from './model';
import { lookupName } from './names';
import { OPTIMIZERS, SAMPLING_VALUES, TRAIN_KEYS, trainKeysFor } from './builtins';

/** What checking a train line needs from the checker. */
export interface TrainContext {
  diags: DiagnosticBag;
  /** The source's lines (the fix for a missing `lr` rewrites the optimizer's opening parenthesis). */
  lines: string[];
  /** A constant argument's value, or undefined after reporting why it is not one. */
  constValue(e: Expr, what: string): { shape: number[]; values: number[] } | undefined;
  /** Whether the file has a finite data set (`without_replacement` needs one). */
  finiteData: boolean;
}

export function checkTrain(s: Extract<Statement, { kind: 'train' }>, ctx: TrainContext): TrainSpec | undefined {
  const opts = Object.keys(OPTIMIZERS) as OptimizerName[];
  if (!opts.includes(s.optimizer as OptimizerName)) {
    const guess = didYouMean(nearestAll(s.optimizer, opts), ` (known: ${opts.join(', ')})`);
    ctx.diags.error(s.optimizerSpan, `unknown optimizer \`${s.optimizer}\`${guess.text}`, guess.fixes);
    return undefined;
  }
  const opt = s.optimizer as OptimizerName;
  const t: TrainSpec = { ...TRAIN_DEFAULTS, optimizer: opt, lr: NaN, span: s.span };
  let ok = true;
  const seen = new Set<string>();
  for (const [ai, a] of s.args.entries()) {
    const spec = lookupName(TRAIN_KEYS, a.key);
    if (!spec) {
      const keys = trainKeysFor(opt);
      const guess = didYouMean(nearestAll(a.key, keys), ` (keys: ${keys.join(', ')})`);
      ctx.diags.error(a.keySpan, `unknown key \`${a.key}\` for \`${opt}\`${guess.text}`, guess.fixes);
      ok = false;
      continue;
    }
    if (spec.optimizers && !spec.optimizers.includes(opt)) {
      // The fix removes the whole argument with one of its separating commas.
      const prev = s.args[ai - 1];
      const after = s.args[ai + 1];
      const whole: Span = prev
        ? { line: prev.span.endLine, column: prev.span.endColumn, endLine: a.span.endLine, endColumn: a.span.endColumn }
        : after
          ? { line: a.span.line, column: a.span.column, endLine: after.span.line, endColumn: after.span.column }
          : a.span;
      ctx.diags.error(whole, `\`${a.key}\` is a key of ${spec.optimizers.join(', ')}, not of \`${opt}\``, { title: 'remove it', replacement: '' });
      ok = false;
      continue;
    }
    if (seen.has(a.key)) {
      ctx.diags.error(a.keySpan, `\`${a.key}\` is given twice`);
      ok = false;
      continue;
    }
    seen.add(a.key);
    if (spec.kind === 'sampling') {
      const v = a.value.kind === 'name' ? a.value.name : '';
      if (v !== 'with_replacement' && v !== 'without_replacement') {
        const guess = didYouMean(nearestAll(v, SAMPLING_VALUES));
        ctx.diags.error(a.value.span, '`sampling` is `with_replacement` or `without_replacement`', guess.fixes);
        ok = false;
      } else t.sampling = v;
      continue;
    }
    const v = ctx.constValue(a.value, `\`${a.key}\``);
    if (!v || v.shape.length !== 0) {
      if (v) ctx.diags.error(a.value.span, `\`${a.key}\` must be a single number`);
      ok = false;
      continue;
    }
    const x = v.values[0];
    if (spec.kind === 'int' && !Number.isInteger(x)) {
      ctx.diags.error(a.value.span, `\`${a.key}\` must be a whole number, found ${x}`, {
        title: `round to ${Math.max(1, Math.round(x))}`,
        replacement: String(Math.max(1, Math.round(x))),
      });
      ok = false;
      continue;
    }
    const problem = spec.check?.(x);
    if (problem) {
      ctx.diags.error(a.value.span, `\`${a.key}\` ${problem}, found ${x}`);
      ok = false;
      continue;
    }
    switch (a.key) {
      case 'lr':
        t.lr = x;
        t.lrSpan = a.value.span;
        break;
      case 'batch':
        t.batch = x;
        break;
      case 'steps':
        t.steps = x;
        break;
      case 'chains':
        t.chains = x;
        break;
      case 'seed':
        t.seed = x;
        break;
      case 'weight_decay':
        t.weightDecay = x;
        break;
      case 'record_every':
        t.recordEvery = x;
        break;
      case 'warmup':
        t.warmup = x;
        break;
      case 'beta':
        t.beta = x;
        break;
      case 'beta1':
        t.beta1 = x;
        break;
      case 'beta2':
        t.beta2 = x;
        break;
      case 'eps':
        t.eps = x;
        break;
    }
  }
  if (!seen.has('lr')) {
    // The fix rewrites `opt(` as `opt(lr = 0.01, `, so the span runs to the opening parenthesis.
    const o = s.optimizerSpan;
    const text = ctx.lines[o.line - 1] ?? '';
    let k = o.endColumn - 1;
    while (text[k] === ' ' || text[k] === '\t') k++;
    if (o.endLine === o.line && text[k] === '(') {
      ctx.diags.error({ line: o.line, column: o.column, endLine: o.line, endColumn: k + 2 }, `\`${opt}\` needs a learning rate: add \`lr = …\``, {
        title: 'add `lr = 0.01`',
        replacement: `${opt}(lr = 0.01${s.args.length ? ', ' : ''}`,
      });
    } else ctx.diags.error(o, `\`${opt}\` needs a learning rate: add \`lr = …\``);
    ok = false;
  }
  t.given = [...seen];
  if (t.sampling === 'without_replacement' && !ctx.finiteData) {
    const arg = s.args.find((a) => a.key === 'sampling');
    ctx.diags.error(arg ? arg.span : s.span, '`without_replacement` needs a finite data set: add `dataset size = N` or load data `from "file.csv"`');
    ok = false;
  }
  return ok ? t : undefined;
}
