// Quick fixes: each core diagnostic may carry fixes (replace the diagnostic's range with a text).
// Where several are equally good (two declared names equally near a typo) every one is offered and
// none is preferred; a single fix is the preferred one.
import * as vscode from 'vscode';
import { CoreDiagnostic, DIAGNOSTIC_SOURCE, toRange } from './convert';
import type { DiagnosticsController } from './diagnostics';

/** Every fix of a core diagnostic (`fixes`, or its single `fix`). */
export function fixesOf(d: CoreDiagnostic): { title: string; replacement: string }[] {
  return d.fixes ?? (d.fix ? [d.fix] : []);
}

export class QuickFixProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: DiagnosticsController) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const core = this.diagnostics.coreDiagnostics(doc.uri);
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE) continue;
      const match = core.find((c) => fixesOf(c).length > 0 && c.message === d.message && toRange(c).isEqual(d.range));
      const fixes = match ? fixesOf(match) : [];
      for (const fix of fixes) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(doc.uri, d.range, fix.replacement);
        action.diagnostics = [d];
        action.isPreferred = fixes.length === 1;
        actions.push(action);
      }
    }
    return actions;
  }
}
