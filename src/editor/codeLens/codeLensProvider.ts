// CodeLens: on `loss`, the symmetries found ("N symmetries: …" → panel) and "Find noise
// equilibrium"; on each `train` line, "Run" and "Compare SGD vs GD".
import * as vscode from 'vscode';
import type { AnalysisService } from '../analysis/analysisService';
import { config } from '../configuration/config';
import { HOST_CHECK_MAX_CHARS } from '../diagnostics/diagnostics';
import { statementLines, statementLinesByScan } from '../hover/locate';

export class LossCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly analysis: AnalysisService) {
    this.sub = analysis.onDidAnalyze(() => this.changed.fire());
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const text = doc.getText();
    const lines = text.length <= HOST_CHECK_MAX_CHARS ? statementLines(text) : statementLinesByScan(text);
    const lenses: vscode.CodeLens[] = [];
    const uri = doc.uri.toString();
    if (lines.loss) {
      const range = new vscode.Range(lines.loss.line - 1, 0, lines.loss.line - 1, 0);
      const a = this.analysis.peek(doc) ?? this.analysis.latest(doc.uri);
      let title: string;
      if (a && a.components.length > 0) {
        const n = a.symmetries.length;
        title =
          n === 0
            ? '$(symbol-misc) no continuous symmetry'
            : `$(symbol-misc) ${n} ${n === 1 ? 'symmetry' : 'symmetries'}: ${a.symmetries.map((s) => `${s.kind} (C = ${s.charge.text})`).join('; ')}`;
        if (title.length > 140) title = `${title.slice(0, 137)}…`;
      } else if (this.analysis.isPending(doc)) title = '$(loading~spin) analysing…';
      else title = config.autoAnalyze ? '$(symbol-misc) Analyze' : '$(symbol-misc) Analyze (auto-analysis is off)';
      lenses.push(
        new vscode.CodeLens(range, { title, command: 'noetherLab.showPanel', arguments: [uri], tooltip: 'Show the symmetries, charges and laws in the Noether Lab panel' }),
        new vscode.CodeLens(range, { title: '$(target) Find noise equilibrium', command: 'noetherLab.findEquilibrium', arguments: [uri], tooltip: 'Solve where SGD noise balances on the orbit of the initial point' }),
      );
    }
    lines.trains.forEach((t, i) => {
      const range = new vscode.Range(t.span.line - 1, 0, t.span.line - 1, 0);
      lenses.push(
        new vscode.CodeLens(range, { title: `$(play) Run ${t.optimizer}`, command: 'noetherLab.runSgd', arguments: [uri, i], tooltip: 'Simulate this train line' }),
        new vscode.CodeLens(range, { title: '$(split-horizontal) Compare SGD vs GD', command: 'noetherLab.compareSgdGd', arguments: [uri, i], tooltip: 'Run this line as SGD and as full-batch GD side by side' }),
      );
    });
    return lenses;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
