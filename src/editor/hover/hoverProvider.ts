// Hovers on `.loss` files: parameters (their symmetries, charges, laws, equilibria), `loss` (every
// symmetry), train keys (what they do, with the theory), optimizers, functions, distributions.
// Uses the cached analysis of this version, waiting briefly for one in flight.
import * as vscode from 'vscode';
import type { AnalysisResult } from '../../core/analysis/analyze';
import { FUNCTIONS, OPTIMIZERS, TRAIN_KEYS } from '../../core/lang/check';
import { DISTRIBUTIONS } from '../../core/lang/distributions';
import type { AnalysisService } from '../analysis/analysisService';
import { KEYWORD_DOCS, TRAIN_KEY_THEORY, md, noSymmetryText, num, sgdEndsMarkdown, stabilityMarkdown, START_ORBIT_LABEL, symmetriesOf, symmetryBullets, symmetryTitle } from './format';
import { locate, Target } from './locate';

/** How long a hover waits for an analysis in flight. */
const HOVER_WAIT_MS = 2500;

/** A link to the panel: focused on symmetry `index`, or on the prediction of run `{ prediction }`. */
export function showPanelLink(uri: vscode.Uri, index?: number | { prediction: number }, label = 'Show in panel'): string {
  const args = index === undefined ? [uri.toString()] : [uri.toString(), index];
  return `[$(preview) ${label}](command:noetherLab.showPanel?${encodeURIComponent(JSON.stringify(args))} "Open the Noether Lab panel")`;
}

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
        const head = `**\`${t.word}\`** — ${KEYWORD_DOCS[t.word] ?? ''}`;
        if (t.word !== 'loss') return head;
        if (!a || a.components.length === 0) return `${head}\n\n${pending()}`;
        // The first line: where SGD ends (all the components the symmetries move); then each symmetry.
        const ends = `${sgdEndsMarkdown(a)} ${showPanelLink(uri, predictionTarget(a), 'Predictions')}`;
        if (a.symmetries.length === 0) return `${ends}\n\n${head}\n\n**${md(noSymmetryText())}**\n\n${showPanelLink(uri)}`;
        const parts = [`${ends}\n\n${head}\n\n**${a.symmetries.length} continuous ${a.symmetries.length === 1 ? 'symmetry' : 'symmetries'}** of ℓ:`];
        a.symmetries.forEach((s, i) => {
          parts.push(`**${symmetryTitle(s, i)}**\n\n${symmetryBullets(s, i, a).join('\n')}\n\n${showPanelLink(uri, i)}`);
        });
        if (a.noise) parts.push(`*Laws for η = ${num(a.noise.lr)}, B = ${a.noise.batch}, γ = ${num(a.noise.weightDecay)} (${md(a.noise.basis)}); Σ by ${a.noise.method}; ${START_ORBIT_LABEL} with the same constants.*`);
        return parts.join('\n\n---\n\n');
      }
      case 'param': {
        if (!a || a.components.length === 0) return `**${t.name}** — parameter\n\n${pending()}`;
        const p = a.parameters.find((q) => q.name === t.name);
        const shape = p && p.shape.length ? `[${p.shape.join('×')}]` : 'scalar';
        const init = p && p.shape.length === 0 && a.initial[t.name] !== undefined ? `, initial value ${num(a.initial[t.name])}` : '';
        const head = `**${t.name}** — parameter (${shape}${init})`;
        const idx = symmetriesOf(a, t.name);
        // The first line: where SGD ends, for what this parameter's symmetries move (or the parameter
        // itself when it takes part in none).
        const own = a.components.filter((c) => c === t.name || c.startsWith(`${t.name}[`));
        const ends = `${sgdEndsMarkdown(a, idx, idx.length ? undefined : own)} ${showPanelLink(uri, predictionTarget(a), 'Predictions')}`;
        if (idx.length === 0) {
          return `${ends}\n\n${head}\n\n${a.symmetries.length === 0 ? md(noSymmetryText()) : `\`${t.name}\` takes part in none of the ${a.symmetries.length} symmetries of this loss.`}\n\n${showPanelLink(uri)}`;
        }
        const parts = [`${ends}\n\n${head}`];
        for (const i of idx) {
          const s = a.symmetries[i];
          parts.push(`**${symmetryTitle(s, i)}**\n\n${symmetryBullets(s, i, a).join('\n')}\n\n${showPanelLink(uri, i)}`);
        }
        return parts.join('\n\n---\n\n');
      }
      case 'data':
        return `**${t.name}** — data (one example, drawn fresh or read from the data set)`;
      case 'let':
        return `**${t.name}** — a named expression (\`let\`)`;
      case 'trainKey': {
        const spec = TRAIN_KEYS[t.key];
        if (!spec) return undefined;
        const only = spec.optimizers ? ` (only for ${spec.optimizers.join(', ')})` : '';
        const theory = TRAIN_KEY_THEORY[t.key];
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
        const doc = (OPTIMIZERS as Record<string, string>)[t.name];
        return doc ? `**\`${t.name}\`** — optimizer: ${md(doc)}` : undefined;
      }
      case 'function': {
        const doc = FUNCTIONS[t.name];
        return doc ? `**\`${t.name}(…)\`** — ${md(doc)}` : undefined;
      }
      case 'distribution': {
        const d = DISTRIBUTIONS[t.name];
        return d ? `**\`${t.name}(${d.params.join(', ')})\`** — distribution: ${md(d.doc)}` : undefined;
      }
    }
  }

  private hasErrors(doc: vscode.TextDocument): boolean {
    return vscode.languages.getDiagnostics(doc.uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error);
  }
}

/** The panel target of a hover's "Predictions" link: the first noisy run's card. */
function predictionTarget(a: AnalysisResult): { prediction: number } | undefined {
  const p = a.predictions?.[0];
  return p ? { prediction: p.run } : undefined;
}
