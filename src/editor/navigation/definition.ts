// Go to definition and find references for the declared names of a `.loss` file (params, data,
// lets): from a use or from the declaration (core: symbols.ts nameAt).
import * as vscode from 'vscode';
import { nameAt } from '../../core/lang/symbols';
import { toRange } from '../diagnostics/convert';

export class LossDefinitionProvider implements vscode.DefinitionProvider, vscode.ReferenceProvider {
  provideDefinition(doc: vscode.TextDocument, pos: vscode.Position): vscode.Location | undefined {
    const at = nameAt(doc.getText(), pos.line + 1, pos.character + 1);
    return at && new vscode.Location(doc.uri, toRange(at.declaration));
  }

  provideReferences(doc: vscode.TextDocument, pos: vscode.Position, context: vscode.ReferenceContext): vscode.Location[] {
    const at = nameAt(doc.getText(), pos.line + 1, pos.character + 1);
    if (!at) return [];
    const decl = toRange(at.declaration);
    return at.occurrences
      .map((s) => toRange(s))
      .filter((r) => context.includeDeclaration || !r.isEqual(decl))
      .map((r) => new vscode.Location(doc.uri, r));
  }
}
