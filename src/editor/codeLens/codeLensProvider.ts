// CodeLens: on `loss`, the symmetry groups found ("7 symmetries: GL(3) on … (6) · rescaling of u, w (1)" → panel) and "Where SGD ends"; on each
// `train` line with noise, "SGD ends at u = 1.414, w = 1.414 · ≈6400 steps" (→ the panel's
// prediction), and on every `train` line "Run" and "Compare SGD vs GD".
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type { AnalysisService } from '../analysis/analysisService';
import { config } from '../configuration/config';
import { HOST_CHECK_MAX_CHARS } from '../diagnostics/diagnostics';
import { statementLines, statementLinesByScan } from '../hover/locate';
import { groupCharge, groupsHeadline, groupStatusText } from '../../shared/groupText';
import { predictionLine } from '../../shared/predictionText';
import type { AnalysisResult } from '../../core/analysis/analyze';

/** Longest CodeLens title (a lens is one line above the code). */
const MAX_TITLE = 110;

function truncate(title: string): string {
  return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
}

/** The lens of one noisy train line: where SGD ends (end point, relaxation), or why it is not predicted. */
export function predictionLens(a: AnalysisResult, run: number): { title: string; tooltip: string } | undefined {
  const p = a.predictions?.find((q) => q.run === run);
  if (!p) return undefined;
  const l = predictionLine(a, p, { maxComponents: 3 });
  const title = [l.head, l.relaxation].filter(Boolean).join(' · ');
  const tooltip = [`${l.head}${l.charges ? ` (${l.charges})` : ''}${l.relaxation ? `; the charges relax in ${l.relaxation}` : ''}.`, l.reason, p.order]
    .filter(Boolean)
    .join('\n');
  return { title: truncate(`$(target) ${title}`), tooltip: `${tooltip}\nClick to show the prediction in the Noether Lab panel.` };
}

/**
 * The lens on `loss`: the symmetry groups by name, counting generators (`7 symmetries: GL(3) on the
 * hidden index of U, W (6) · rescaling of u, w (1)`); the tooltip gives each group's charge.
 */
export function groupsLens(a: AnalysisResult): { title: string; tooltip: string } {
  const title = truncate(`$(symbol-misc) ${groupsHeadline(a, MAX_TITLE - 16)}`);
  const lines = a.groups.map((g) => `${g.name} — ${groupStatusText(g)}, dimension ${g.dimension}: ${groupCharge(a, g).text}`);
  return { title, tooltip: [...lines, 'Click to show the groups, charges and laws in the Noether Lab panel.'].join('\n') };
}

export class LossCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly analysis: AnalysisService) {
    super();
    this.register(analysis.onDidAnalyze(() => this.changed.fire()));
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const text = doc.getText();
    const lines = text.length <= HOST_CHECK_MAX_CHARS ? statementLines(text) : statementLinesByScan(text);
    const lenses: vscode.CodeLens[] = [];
    const uri = doc.uri.toString();
    const a = this.analysis.peek(doc) ?? this.analysis.latest(doc.uri);
    if (lines.loss) {
      const range = new vscode.Range(lines.loss.line - 1, 0, lines.loss.line - 1, 0);
      let title: string;
      let tooltip = 'Show the symmetries, charges and laws in the Noether Lab panel';
      if (a && a.components.length > 0) {
        const lens = groupsLens(a);
        title = lens.title;
        tooltip = lens.tooltip;
      } else if (this.analysis.isPending(doc)) title = '$(loading~spin) analysing…';
      else title = config.autoAnalyze ? '$(symbol-misc) Analyze' : '$(symbol-misc) Analyze (auto-analysis is off)';
      lenses.push(
        new vscode.CodeLens(range, { title, command: 'noetherLab.showPanel', arguments: [uri], tooltip }),
        new vscode.CodeLens(range, {
          title: '$(target) Where SGD ends',
          command: 'noetherLab.findEquilibrium',
          arguments: [uri],
          tooltip: 'Predict where each noisy run ends: gradient flow to a minimum, then the noise equilibrium of the whole symmetry group there',
        }),
      );
    }
    lines.trains.forEach((t, i) => {
      const range = new vscode.Range(t.span.line - 1, 0, t.span.line - 1, 0);
      // A stale analysis (lines added since) may number its runs differently: only the same optimizer.
      const p = a?.predictions?.find((q) => q.run === i);
      const lens = a && p && p.optimizer === t.optimizer ? predictionLens(a, i) : undefined;
      if (lens) lenses.push(new vscode.CodeLens(range, { ...lens, command: 'noetherLab.showPanel', arguments: [uri, { prediction: i }] }));
      lenses.push(
        new vscode.CodeLens(range, {
          title: `$(play) Run ${t.optimizer}`,
          command: 'noetherLab.runSgd',
          arguments: [uri, i],
          tooltip: 'Simulate this train line',
        }),
        new vscode.CodeLens(range, {
          title: '$(split-horizontal) Compare SGD vs GD',
          command: 'noetherLab.compareSgdGd',
          arguments: [uri, i],
          tooltip: 'Run this line as SGD and as full-batch GD side by side',
        }),
      );
    });
    return lenses;
  }
}
