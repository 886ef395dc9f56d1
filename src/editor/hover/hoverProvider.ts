// Hovers on `.loss` files: parameters (the symmetry groups acting on them: charges and laws in matrix
// form, where SGD ends), `loss` (every group), train keys (what they do, with the theory), optimizers, functions, distributions.
// Uses the cached analysis of this version, waiting briefly for one in flight.
import * as vscode from 'vscode';
import type { AnalysisResult } from '../../core/analysis/analyze';
import { FUNCTIONS, OPTIMIZERS, TRAIN_KEYS } from '../../core/lang/builtins';
import { DISTRIBUTIONS } from '../../core/lang/distributions';
import type { AnalysisService } from '../analysis/analysisService';
import { KEYWORD_DOCS, lossHoverMarkdown, md, paramHoverMarkdown, stabilityMarkdown, TRAIN_KEY_THEORY } from './format';
import { locate, Target } from './locate';
import { lookupName } from '../../core/lang/names';

/** How long a hover waits for an analysis in flight. */
const HOVER_WAIT_MS = 2500;

export class LossHoverProvider implements vscode.HoverProvider {
  constructor(private readonly analysis: AnalysisService) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const found = locate(doc.getText(), pos.line + 1, pos.character + 1);
    if (!found) return undefined;
    const range = new vscode.Range(found.span.line - 1, found.span.column - 1, found.span.endLine - 1, found.span.endColumn - 1);
    const t = found.target;
    const needsAnalysis = t.kind === 'param' || (t.kind === 'keyword' && t.word === 'loss') || (t.kind === 'trainKey' && t.key === 'lr');
    const analysis = needsAnalysis ? await this.analysis.analysisWithin(doc, HOVER_WAIT_MS) : undefined;
    if (token.isCancellationRequested) return undefined;
    const text = this.render(doc, found.target, analysis, found.trainIndex);
    if (!text) return undefined;
    const ms = new vscode.MarkdownString(text, true);
    ms.isTrusted = { enabledCommands: ['noetherLab.showPanel'] };
    return new vscode.Hover(ms, range);
  }

  private render(doc: vscode.TextDocument, t: Target, a: AnalysisResult | undefined, trainIndex?: number): string | undefined {
    const uri = doc.uri;
    const pending = () =>
      this.analysis.errorFor(doc)
        ? `*The analysis failed: ${md(this.analysis.errorFor(doc) ?? '')}*`
        : a === undefined && this.hasErrors(doc)
          ? '*Fix the errors in the file to see its symmetries.*'
          : '*Analysing… hover again in a moment.*';
    switch (t.kind) {
      case 'keyword': {
        const head = `**\`${t.word}\`** — ${lookupName(KEYWORD_DOCS, t.word) ?? ''}`;
        if (t.word !== 'loss') return head;
        if (!a || a.components.length === 0) return `${head}\n\n${pending()}`;
        return lossHoverMarkdown(a, uri.toString(), head);
      }
      case 'param': {
        if (!a || a.components.length === 0) return `**${t.name}** — parameter\n\n${pending()}`;
        return paramHoverMarkdown(a, t.name, uri.toString());
      }
      case 'data':
        return `**${t.name}** — data (one example, drawn fresh or read from the data set)`;
      case 'let':
        return `**${t.name}** — a named expression (\`let\`)`;
      case 'trainKey': {
        const spec = lookupName(TRAIN_KEYS, t.key);
        if (!spec) return undefined;
        const only = spec.optimizers ? ` (only for ${spec.optimizers.join(', ')})` : '';
        const theory = lookupName(TRAIN_KEY_THEORY, t.key);
        let here = '';
        if (t.key === 'lr') {
          // This line's own bound 2/λ_max(H), at its start and at its predicted end.
          const st = trainIndex === undefined ? undefined : a?.stability?.find((x) => x.run === trainIndex);
          here = st ? `\n\n${stabilityMarkdown(st)}` : a ? '' : `\n\n${pending()}`;
        }
        return `**\`${t.key}\`** — ${md(spec.doc)}${only}${here}${theory ? `\n\n${md(theory)}` : ''}`;
      }
      case 'samplingValue':
        return `**\`${t.value}\`** — ${md(TRAIN_KEY_THEORY.sampling)}`;
      case 'optimizer': {
        const doc = lookupName(OPTIMIZERS, t.name);
        return doc ? `**\`${t.name}\`** — optimizer: ${md(doc)}` : undefined;
      }
      case 'function': {
        const doc = lookupName(FUNCTIONS, t.name);
        return doc ? `**\`${t.name}(…)\`** — ${md(doc)}` : undefined;
      }
      case 'distribution': {
        const d = lookupName(DISTRIBUTIONS, t.name);
        return d ? `**\`${t.name}(${d.params.join(', ')})\`** — distribution: ${md(d.doc)}` : undefined;
      }
    }
  }

  private hasErrors(doc: vscode.TextDocument): boolean {
    return vscode.languages.getDiagnostics(doc.uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error);
  }
}
