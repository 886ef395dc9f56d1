// Quick fixes: each core diagnostic may carry `fix` = replace the diagnostic's range with a text.
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, toRange } from './convert';
import type { DiagnosticsController } from './diagnostics';

export class QuickFixProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: DiagnosticsController) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const core = this.diagnostics.coreDiagnostics(doc.uri);
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE) continue;
      const match = core.find((c) => c.fix && c.message === d.message && toRange(c).isEqual(d.range));
      if (!match?.fix) continue;
      const action = new vscode.CodeAction(match.fix.title, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(doc.uri, d.range, match.fix.replacement);
      action.diagnostics = [d];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }
}
