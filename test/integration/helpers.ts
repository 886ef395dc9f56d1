// Helpers for the integration tests (they run in the extension host of a real VS Code).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'noether-lab.noether-lab';

/** A quick problem for simulations (seconds, not minutes): the scalar two-layer net. */
export const QUICK = [
  'param u = 1.5',
  'param w = 0.2',
  'data  x ~ normal(0, 1)',
  'data  eps ~ normal(0, 0.5)',
  'let   y = 2*x + eps',
  'loss  = (u*w*x - y)^2 / 2',
  'train sgd(lr = 0.05, batch = 4, steps = 3000, chains = 4, seed = 7)',
  '',
].join('\n');

/** Whether the numeric engine is built (the run and simulation workers' bundles). */
export function simulationAvailable(): boolean {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  return ['runWorker.js', 'simWorker.js'].every((f) => fs.existsSync(path.join(ext.extensionPath, 'dist', f)));
}

/** The API activate() returns (src/editor/ctx.ts NoetherLabApi), typed here without importing src. */
export interface Api {
  analysisFor(uri: vscode.Uri): Promise<any>;
  lastSimulation(uri: vscode.Uri): any;
  panelMessages(uri: vscode.Uri): any[];
  sidebarMessages(): any[];
  runState(uri: vscode.Uri): { version: number | undefined; running: boolean };
  hasPanel(uri: vscode.Uri): boolean;
  notifications(): { severity: string; message: string; items: string[] }[];
  statusBar(): { text: string; tooltip: string; command: string } | undefined;
  reportPanels(): { title: string; ready: boolean; docTitle?: string; posted: unknown[] }[];
  history(uri: vscode.Uri): { entries: { id: string; time: number; title: string; status: string; bytes: number }[]; folder: string };
}

/** Linear regression with lr above 2/λ_max(H) = 2: most chains diverge (13 of 16 with this seed). */
export const DIVERGING = [
  'param w = 0',
  'data  x ~ normal(0, 1)',
  'data  eps ~ normal(0, 0.5)',
  'loss  = (w*x - (2*x + eps))^2 / 2',
  'train sgd(lr = 2.5, batch = 1, steps = 2000, chains = 16, seed = 4)',
  '',
].join('\n');

export async function api(): Promise<Api> {
  const ext = vscode.extensions.getExtension<Api>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

export function workspaceRoot(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the tests need a workspace folder');
  return f.uri;
}

export function fileUri(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), name);
}

export async function writeFile(name: string, text: string): Promise<vscode.Uri> {
  const uri = fileUri(name);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

export async function open(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(fileUri(name));
  return vscode.window.showTextDocument(doc);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until `get` returns a truthy value (or throw with `what` after the timeout). */
export async function waitFor<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const t0 = Date.now();
  let last: T | undefined;
  while (Date.now() - t0 < timeoutMs) {
    last = await get();
    if (last) return last;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The 0-based position of the `nth` occurrence of `word` (a whole word, outside comments). */
export function positionOf(doc: vscode.TextDocument, word: string, nth = 0, offset = 0): vscode.Position {
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}_])`, 'gu');
  const text = doc.getText();
  let m: RegExpExecArray | null;
  let k = 0;
  while ((m = re.exec(text))) {
    const pos = doc.positionAt(m.index);
    const hash = doc.lineAt(pos.line).text.indexOf('#');
    if (hash >= 0 && hash < pos.character) continue;
    if (k++ === nth) return doc.positionAt(m.index + offset);
  }
  throw new Error(`"${word}" #${nth} not found in ${doc.uri.toString()}`);
}

/** All hover contents at a position, as one Markdown string. */
export async function hoverText(doc: vscode.TextDocument, pos: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
  return (hovers ?? [])
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

/** The hover as plain text (escapes removed). */
export async function hoverPlain(doc: vscode.TextDocument, pos: vscode.Position): Promise<string> {
  return plain(await hoverText(doc, pos));
}

/** Markdown with its backslash escapes removed (the hovers escape `*`, `_`, parentheses…). */
export function plain(markdown: string): string {
  return markdown.replace(/\\([\\`*_{}[\]()#+!|<>])/g, '$1');
}

export function messagesOfType(messages: unknown[], type: string): any[] {
  return messages.filter((m) => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type);
}

/** The diagnostic source of Noether Lab (src/editor/diagnostics/convert.ts). */
export const DIAGNOSTIC_SOURCE = 'Noether Lab';

export function noetherDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
}

/** Close every editor (keeps tests independent). */
export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
