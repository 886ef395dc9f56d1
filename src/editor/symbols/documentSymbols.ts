// The Outline (document symbols) of a `.loss` file: its params with their shapes and initial
// values, data with their laws, lets, the loss, the data set and the train lines (core: symbols.ts).
import * as vscode from 'vscode';
import { DocumentSymbol, documentSymbols } from '../../core/lang/symbols';
import { toRange } from '../diagnostics/convert';

const KINDS: Record<DocumentSymbol['kind'], vscode.SymbolKind> = {
  param: vscode.SymbolKind.Variable,
  data: vscode.SymbolKind.Field,
  let: vscode.SymbolKind.Variable,
  loss: vscode.SymbolKind.Function,
  dataset: vscode.SymbolKind.Array,
  train: vscode.SymbolKind.Event,
};

/** The label shown before a symbol's detail: what kind of declaration it is. */
const PREFIX: Record<DocumentSymbol['kind'], string> = { param: 'param', data: 'data', let: 'let', loss: '', dataset: '', train: '' };

export class LossDocumentSymbolProvider implements vscode.DocumentSymbolProvider {
  provideDocumentSymbols(doc: vscode.TextDocument): vscode.DocumentSymbol[] {
    return documentSymbols(doc.getText()).map((s) => {
      const detail = PREFIX[s.kind] ? `${PREFIX[s.kind]} ${s.detail}` : s.detail;
      return new vscode.DocumentSymbol(s.name, detail, KINDS[s.kind], toRange(s.span), toRange(s.selection));
    });
  }
}
