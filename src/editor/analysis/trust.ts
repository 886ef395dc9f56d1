// Workspace trust: what a `.loss` file may read. Parsing and analysis run in every workspace;
// in an untrusted one, data files are read only inside the workspace folders and no simulation runs.
import * as path from 'path';
import * as vscode from 'vscode';

/** null: no restriction (trusted); otherwise the folders data files may be read from. */
export function allowedRoots(): string[] | null {
  if (vscode.workspace.isTrusted) return null;
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/** The folder relative data paths resolve against. */
export function baseDirOf(uri: vscode.Uri): string {
  if (uri.scheme === 'file') return path.dirname(uri.fsPath);
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return folder ? folder.uri.fsPath : process.cwd();
}

/** The path recorded in results: the file's path, or its URI when it is not on disk. */
export function fileLabel(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString();
}
