// Completions in `.loss` files (core: completion.ts): statement keywords, declared names (the lets
// above the line only), functions, distributions after `~`, optimizers after `train`, and inside a
// train line the keys of its optimizer not yet given, with their docs and, for keys, the theory.
import * as vscode from 'vscode';
import { CompletionEntry, completionsAt } from '../../core/lang/completion';
import { lookupName } from '../../core/lang/names';
import { HOST_CHECK_MAX_CHARS } from '../diagnostics/diagnostics';
import { toRange } from '../diagnostics/convert';
import { TRAIN_KEY_THEORY } from '../hover/format';

const KINDS: Record<CompletionEntry['kind'], vscode.CompletionItemKind> = {
  keyword: vscode.CompletionItemKind.Keyword,
  param: vscode.CompletionItemKind.Variable,
  data: vscode.CompletionItemKind.Field,
  let: vscode.CompletionItemKind.Variable,
  function: vscode.CompletionItemKind.Function,
  distribution: vscode.CompletionItemKind.Class,
  optimizer: vscode.CompletionItemKind.Module,
  trainKey: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
};

export class LossCompletionProvider implements vscode.CompletionItemProvider {
  /** Typing these opens the list where it is useful: a distribution, a key, an argument. */
  static readonly triggerCharacters = ['~', '(', ','];

  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] {
    const text = doc.getText();
    // A very large file is not tokenized at every keystroke on the editor's thread.
    if (text.length > HOST_CHECK_MAX_CHARS) return [];
    const c = completionsAt(text, pos.line + 1, pos.character + 1);
    const range = c.replace ? toRange(c.replace) : undefined;
    return c.entries.map((e, i) => {
      const item = new vscode.CompletionItem(e.label, KINDS[e.kind]);
      item.detail = e.detail;
      const theory = e.kind === 'trainKey' ? lookupName(TRAIN_KEY_THEORY, e.label) : undefined;
      item.documentation = new vscode.MarkdownString(theory ? `${e.documentation}\n\n${theory}` : e.documentation);
      if (e.snippet) item.insertText = new vscode.SnippetString(e.snippet);
      if (range) item.range = range;
      // Keep the core's order (declared names before functions, keys in the table's order).
      item.sortText = String(i).padStart(4, '0');
      return item;
    });
  }
}
