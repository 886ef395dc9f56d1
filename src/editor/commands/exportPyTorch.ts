// "Noether Lab: Export to PyTorch": one train line of the file as a self-contained PyTorch script
// (src/core/export/pytorch.ts, made in the analysis worker), saved where the user chooses (a save
// dialog beside the file) and opened. exportPyTorch(file?, out?, train?) for tests and links.
import * as path from 'path';
import * as vscode from 'vscode';
import { documentSymbols } from '../../core/lang/symbols';
import { snapshot } from '../analysis/analysisService';
import type { Ctx } from '../ctx';

/** What the command returns: where the script was written, which train line, how many charges it tracks. */
export interface ExportedScript {
  path: string;
  train: number;
  charges: number;
}

/** The train line to export: the argument, the only one, or the user's choice among several. */
async function chooseTrain(doc: vscode.TextDocument, arg: unknown): Promise<number | undefined> {
  const trains = documentSymbols(doc.getText()).filter((s) => s.kind === 'train');
  if (typeof arg === 'number' && Number.isInteger(arg)) return arg;
  if (trains.length <= 1) return 0;
  const pick = await vscode.window.showQuickPick(
    trains.map((t, i) => ({ label: t.name, description: t.detail, detail: `line ${t.span.line}`, index: i })),
    { title: 'Noether Lab: Export to PyTorch', placeHolder: 'The train line to export' },
  );
  return pick?.index;
}

export const exportPyTorch =
  (ctx: Ctx) =>
  async (arg?: unknown, out?: unknown, trainArg?: unknown): Promise<ExportedScript | undefined> => {
    const doc = await ctx.documentFor(arg);
    if (!doc) return undefined;
    const snap = snapshot(doc);
    const analysis = await ctx.analyzeNow(doc);
    if (!analysis) return undefined;
    const name = path.posix.basename(doc.uri.path);
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) {
      void ctx.notify('error', `Noether Lab: cannot export ${name}: it has errors (line ${errors[0].line}: ${errors[0].message}). See the Problems view.`);
      return undefined;
    }
    const train = await chooseTrain(doc, trainArg);
    if (train === undefined) return undefined;
    let target: vscode.Uri | undefined;
    if (typeof out === 'string' && out) target = path.isAbsolute(out) ? vscode.Uri.file(out) : vscode.Uri.joinPath(doc.uri, '..', out);
    else if (out instanceof vscode.Uri) target = out;
    else {
      const stem = name.replace(/\.loss$/, '') || 'exported';
      const dir = doc.uri.scheme === 'untitled' ? vscode.workspace.workspaceFolders?.[0]?.uri : vscode.Uri.joinPath(doc.uri, '..');
      target = await vscode.window.showSaveDialog({
        defaultUri: dir ? vscode.Uri.joinPath(dir, `${stem}${train > 0 ? `-train${train}` : ''}.py`) : undefined,
        filters: { Python: ['py'] },
        title: `Noether Lab: export train line ${train} of ${name} as a PyTorch script`,
      });
      if (!target) return undefined;
    }
    const reply = await ctx.analysis.exportPyTorch(snap, train, analysis.symmetries, ctx.version);
    if ('error' in reply) {
      void ctx.notify('error', `Noether Lab: cannot export ${name}: ${reply.error}.`);
      return undefined;
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(reply.script));
    const where = vscode.workspace.asRelativePath(target);
    ctx.log.info(`exported ${name} train line ${reply.train} to ${target.toString()} (${reply.charges} charges)`);
    // Say where the script went; a script exported from a link or a test is not opened.
    if (typeof out !== 'string' && !(out instanceof vscode.Uri)) {
      void vscode.window.showTextDocument(target, { preview: false });
      void ctx.notify(
        'info',
        `Noether Lab: train line ${reply.train} of ${name} exported to ${where}. Run it with python3 (PyTorch ≥ 1.13); it prints a JSON summary.`,
      );
    }
    return { path: target.fsPath, train: reply.train, charges: reply.charges };
  };
