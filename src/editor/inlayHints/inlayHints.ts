// Inlay hints from this version's analysis: beside each train line's `lr = …` the stability bound
// 2/λ_max(H) of that line (✓ below it, ⚠ at or above), and after the last `param` a symmetry moves
// the value of its charge at the file's initial point (chain 0 of the first train line's seed).
// Only the analysis of exactly this version is used: a stale one could describe another loss.
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type { AnalysisResult } from '../../core/analysis/analyze';
import { documentSymbols } from '../../core/lang/symbols';
import { chargeValue } from '../../core/analysis/forms';
import type { AnalysisService } from '../analysis/analysisService';
import { HOST_CHECK_MAX_CHARS } from '../diagnostics/diagnostics';
import { num, stabilityMarkdown } from '../hover/format';

/** At most this many charge hints after one param line (a matrix group has many generators). */
const MAX_CHARGES_PER_LINE = 3;
/** A charge whose text is longer than this is shown by its index only (C₄ = …), its text in the tooltip. */
const MAX_CHARGE_TEXT = 24;

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';
export function subscript(n: number): string {
  return String(n).replace(/\d/g, (d) => SUBSCRIPTS[Number(d)]);
}

/** The hint beside `lr` for one stability entry: `2/λ_max = 0.6667 ✓`. */
export function stabilityHintLabel(bound: number, lr: number): string {
  return `2/λ_max = ${num(bound)} ${lr < bound ? '✓' : '⚠'}`;
}

export class LossInlayHintsProvider extends Disposable implements vscode.InlayHintsProvider {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeInlayHints = this.changed.event;

  constructor(private readonly analysis: AnalysisService) {
    super();
    this.register(analysis.onDidAnalyze(() => this.changed.fire()));
  }

  provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    const a = this.analysis.peek(doc);
    const text = doc.getText();
    if (!a || text.length > HOST_CHECK_MAX_CHARS) return [];
    const symbols = documentSymbols(text);
    const hints = [...this.stabilityHints(a, symbols), ...this.chargeHints(a, symbols)];
    return hints.filter((h) => range.contains(h.position));
  }

  private stabilityHints(a: AnalysisResult, symbols: ReturnType<typeof documentSymbols>): vscode.InlayHint[] {
    const out: vscode.InlayHint[] = [];
    symbols
      .filter((s) => s.kind === 'train')
      .forEach((s, run) => {
        const st = a.stability?.find((x) => x.run === run);
        const lr = s.args?.find((x) => x.key === 'lr');
        if (!st || st.bound === null || !lr) return;
        const hint = new vscode.InlayHint(new vscode.Position(lr.value.endLine - 1, lr.value.endColumn - 1), stabilityHintLabel(st.bound, st.lr));
        hint.paddingLeft = true;
        hint.tooltip = new vscode.MarkdownString(
          `${stabilityMarkdown(st)}\n\nGradient descent on the local quadratic is stable only for lr < 2/λ_max(H) (THEORY.md §7); SGD's fluctuations diverge earlier.`,
        );
        out.push(hint);
      });
    return out;
  }

  private chargeHints(a: AnalysisResult, symbols: ReturnType<typeof documentSymbols>): vscode.InlayHint[] {
    if (a.symmetries.length === 0) return [];
    const theta = a.components.map((c) => a.initial[c]);
    if (theta.some((x) => typeof x !== 'number')) return [];
    const params = symbols.filter((s) => s.kind === 'param');
    const owner = (component: string) => component.replace(/\[.*$/, '');
    // Each symmetry goes after the last param declaration it moves.
    const byParam = new Map<number, string[]>();
    a.symmetries.forEach((s, i) => {
      const value = chargeValue(s, theta);
      if (value === undefined) return;
      const names = new Set(s.involves.map(owner));
      const last = params.reduce((k, p, j) => (names.has(p.name) ? j : k), -1);
      if (last < 0) return;
      const label = s.charge.text.length <= MAX_CHARGE_TEXT ? `${s.charge.text} = ${num(value)}` : `C${subscript(i + 1)} = ${num(value)}`;
      byParam.set(last, [...(byParam.get(last) ?? []), label]);
    });
    return [...byParam].map(([j, labels]) => {
      const p = params[j];
      const shown = labels.slice(0, MAX_CHARGES_PER_LINE).join(', ');
      const more = labels.length > MAX_CHARGES_PER_LINE ? `, +${labels.length - MAX_CHARGES_PER_LINE} more` : '';
      const hint = new vscode.InlayHint(new vscode.Position(p.span.endLine - 1, p.span.endColumn - 1), `${shown}${more}`);
      hint.paddingLeft = true;
      hint.tooltip = new vscode.MarkdownString(
        "The Noether charges at the initial point (for a random start, chain 0 of the first train line's seed): conserved by gradient flow, driven by SGD's noise to where the panel predicts.",
      );
      return hint;
    });
  }
}
