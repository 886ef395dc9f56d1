// Rename a param, data name or let everywhere in its file, with the new name validated (a name,
// not a keyword, function or distribution, not already declared) and refused while a line does
// not parse (core: symbols.ts renameAt).
import * as vscode from 'vscode';
import { nameAt, nameIndex, renameAt } from '../../core/lang/symbols';
import { toRange } from '../diagnostics/convert';

export class LossRenameProvider implements vscode.RenameProvider {
  prepareRename(doc: vscode.TextDocument, pos: vscode.Position): { range: vscode.Range; placeholder: string } {
    const text = doc.getText();
    const index = nameIndex(text);
    const at = nameAt(text, pos.line + 1, pos.character + 1, index);
    if (!at) throw new Error('Only a declared name (a param, data or let) can be renamed.');
    if (index.syntaxErrors > 0) throw new Error(`Fix the syntax errors first (${index.firstSyntaxError}).`);
    return { range: toRange(at.span), placeholder: at.name };
  }

  provideRenameEdits(doc: vscode.TextDocument, pos: vscode.Position, newName: string): vscode.WorkspaceEdit {
    const r = renameAt(doc.getText(), pos.line + 1, pos.character + 1, newName);
    if (!r.ok) throw new Error(`Cannot rename: ${r.message}.`);
    const edit = new vscode.WorkspaceEdit();
    for (const s of r.spans) edit.replace(doc.uri, toRange(s), newName);
    return edit;
  }
}
