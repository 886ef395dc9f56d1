// Host-side helpers shared by the panel and the side view: HTML with a fresh nonce, saving exports,
// revealing a component in the `.loss` editor.
import * as vscode from 'vscode';
import { makeNonce, webviewHtml } from './html';
import { componentSpan } from '../core/lang/symbols';
import { ExportDataMessage, safeFileName } from '../shared/protocol';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** The page for one render; each call draws a fresh nonce. */
export function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri, view: 'panel' | 'sidebar' | 'report', title: string): string {
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
  return webviewHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: asset(`${view}.js`),
    styleUri: asset(`${view}.css`),
    view,
    title,
  });
}

const FILTERS: Record<ExportDataMessage['format'], Record<string, string[]>> = {
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
  pdf: { 'PDF document': ['pdf'] },
  csv: { 'CSV table': ['csv'] },
};

/** Ask where to save an export and write it. Returns the saved path, or undefined when cancelled. */
export async function saveExport(msg: ExportDataMessage, near: vscode.Uri | undefined): Promise<string | undefined> {
  let name = safeFileName(msg.suggestedName, `noether-export.${msg.format}`);
  if (!name.toLowerCase().endsWith(`.${msg.format}`)) name += `.${msg.format}`;
  let defaultUri: vscode.Uri | undefined;
  if (near && near.scheme === 'file') defaultUri = vscode.Uri.joinPath(near, '..', name);
  else if (vscode.workspace.workspaceFolders?.length) defaultUri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, name);
  const target = await vscode.window.showSaveDialog({
    defaultUri,
    filters: FILTERS[msg.format],
    saveLabel: 'Export',
    title: `Export ${msg.format.toUpperCase()}`,
  });
  if (!target) return undefined;
  // PNG and PDF arrive as base64 data: URLs (binary), SVG and CSV as text.
  const bytes = msg.format === 'png' || msg.format === 'pdf' ? Buffer.from(msg.data.slice(msg.data.indexOf(',') + 1), 'base64') : Buffer.from(msg.data, 'utf8');
  await vscode.workspace.fs.writeFile(target, bytes);
  return target.scheme === 'file' ? target.fsPath : target.toString();
}

/** Open the `.loss` file and select the declaration of a component (`w[1]` → `param w`). */
export async function revealComponent(uri: vscode.Uri, component: string): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const span = componentSpan(doc.getText(), component);
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false });
  if (span) {
    // Spans are 1-based.
    const range = new vscode.Range(span.line - 1, span.column - 1, span.endLine - 1, span.endColumn - 1);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
  return span !== undefined;
}

export function baseName(uri: vscode.Uri): string {
  const p = uri.path;
  return p.slice(p.lastIndexOf('/') + 1) || p;
}

export function themeKind(kind: vscode.ColorThemeKind): 'light' | 'dark' | 'high-contrast' | 'high-contrast-light' {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}
