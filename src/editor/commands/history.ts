// The run history's commands: overlay an earlier run on the panel's plots, export a run (JSON or
// numpy .npz) through a save dialog, delete runs, clear a file's history. Each takes the .loss file
// and the entry id as arguments (the side view's and the panel's buttons pass them) and otherwise
// asks with a quick pick.
import * as path from 'path';
import * as vscode from 'vscode';
import { npzBytes } from '../../core/io/npz';
import type { HistoryEntry } from '../../core/numeric/history';
import { resultJson, runArrays } from '../../core/numeric/runArrays';
import type { SimulationResult } from '../../core/numeric/types';
import type { Ctx } from '../ctx';
import { entryLabel } from '../history/runHistory';

type Factory = (ctx: Ctx) => (...args: unknown[]) => unknown;

/** Asks for one of the file's entries (newest first); `placeHolder` says what for. */
async function pickEntry(ctx: Ctx, uri: vscode.Uri, placeHolder: string, arg: unknown): Promise<HistoryEntry | undefined> {
  if (typeof arg === 'string' && arg !== 'latest') {
    const e = ctx.history.entry(arg);
    if (!e) void vscode.window.showErrorMessage('Noether Lab: that run is no longer in the history.');
    return e;
  }
  const entries = ctx.history.list(uri);
  if (!entries.length) {
    void vscode.window.showInformationMessage(`Noether Lab: no run of ${path.basename(uri.path)} in the history yet.`);
    return undefined;
  }
  if (arg === 'latest') return entries[0];
  const pick = await vscode.window.showQuickPick(
    entries.map((e) => ({ label: entryLabel(e), description: e.title, entry: e })),
    { title: `Noether Lab: runs of ${path.basename(uri.path)}`, placeHolder },
  );
  return pick?.entry;
}

/** overlayRun(file?, entry?): draws an earlier run over the panel's current plots; entry null clears it. */
export const overlayRun: Factory = (ctx) => async (arg?: unknown, entryArg?: unknown) => {
  const doc = await ctx.documentFor(arg);
  if (!doc) return undefined;
  if (entryArg === null) {
    ctx.panel.showOverlay(doc.uri, null, '', []);
    ctx.refreshHistory(doc.uri);
    return null;
  }
  const e = await pickEntry(ctx, doc.uri, 'Run to draw over the current plots', entryArg);
  if (!e) return undefined;
  const result = await ctx.history.load(e.id);
  if (!result) {
    void vscode.window.showErrorMessage('Noether Lab: the stored run could not be read (see the Noether Lab log).');
    return undefined;
  }
  // The panel shows the current run (or the latest stored one) with the overlay on top.
  const a = await ctx.analyzeNow(doc);
  if (a) ctx.panel.showAnalysis(doc.uri, a, true);
  const current = ctx.runs.lastSimulation(doc.uri) ?? (await ctx.history.latest(doc.uri));
  if (current) ctx.panel.showSimulation(doc.uri, { kind: 'result', result: current });
  const time = new Date(e.time).toLocaleTimeString();
  ctx.panel.showOverlay(doc.uri, e.id, `earlier run ${time}`, result.runs);
  ctx.refreshHistory(doc.uri);
  return e.id;
};

/**
 * exportRun(file?, entry?, format?, target?): a run as JSON (the result as `noether simulate --json`
 * writes it) or as numpy .npz (src/core/numeric/runArrays.ts lists the arrays). Stored runs are
 * downsampled (500 records per series); `latest` with a run of this session exports it in full.
 */
export const exportRun: Factory = (ctx) => async (arg?: unknown, entryArg?: unknown, formatArg?: unknown, targetArg?: unknown) => {
  const doc = await ctx.documentFor(arg);
  if (!doc) return undefined;
  let result: SimulationResult | undefined;
  let stem = path.basename(doc.uri.path).replace(/\.loss$/, '');
  const live = entryArg === 'latest' ? ctx.runs.lastSimulation(doc.uri) : undefined;
  if (live) result = live;
  else {
    const e = await pickEntry(ctx, doc.uri, 'Run to export', entryArg);
    if (!e) return undefined;
    result = await ctx.history.load(e.id);
    stem += `-${new Date(e.time).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
  }
  if (!result) {
    void vscode.window.showErrorMessage('Noether Lab: the stored run could not be read (see the Noether Lab log).');
    return undefined;
  }
  let format = formatArg === 'json' || formatArg === 'npz' ? formatArg : undefined;
  if (!format) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'npz', description: 'numpy arrays: numpy.load(file) — series, charges, stationary statistics' },
        { label: 'json', description: 'the whole result as JSON (as noether simulate --json)' },
      ],
      { title: 'Noether Lab: export the run as' },
    );
    if (!pick) return undefined;
    format = pick.label;
  }
  let target: vscode.Uri | undefined;
  if (typeof targetArg === 'string' && targetArg) target = vscode.Uri.file(targetArg);
  else {
    const dir = doc.uri.scheme === 'file' ? vscode.Uri.joinPath(doc.uri, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    target = await vscode.window.showSaveDialog({
      defaultUri: dir ? vscode.Uri.joinPath(dir, `${stem}.${format}`) : undefined,
      filters: format === 'npz' ? { 'NumPy arrays': ['npz'] } : { JSON: ['json'] },
      title: `Noether Lab: export the run as ${format === 'npz' ? 'numpy .npz' : 'JSON'}`,
    });
    if (!target) return undefined;
  }
  const bytes = format === 'npz' ? npzBytes(runArrays(result)) : new TextEncoder().encode(resultJson(result));
  await vscode.workspace.fs.writeFile(target, bytes);
  const where = target.scheme === 'file' ? target.fsPath : target.toString();
  ctx.log.info(`run exported as ${format}: ${where}`);
  if (typeof targetArg !== 'string') void vscode.window.showInformationMessage(`Noether Lab: run exported to ${where}.`);
  return where;
};

/** deleteRun(file?, entry?): removes a run from the history. */
export const deleteRun: Factory = (ctx) => async (arg?: unknown, entryArg?: unknown) => {
  const doc = await ctx.documentFor(arg);
  if (!doc) return undefined;
  const e = await pickEntry(ctx, doc.uri, 'Run to delete from the history', entryArg);
  if (!e) return undefined;
  if (ctx.panel.overlaid(doc.uri) === e.id) ctx.panel.showOverlay(doc.uri, null, '', []);
  return ctx.history.delete([e.id]);
};

/** clearHistory(file?, confirmed?): removes every stored run of the file (asks first from the palette). */
export const clearHistory: Factory = (ctx) => async (arg?: unknown, confirmed?: unknown) => {
  const doc = await ctx.documentFor(arg);
  if (!doc) return undefined;
  const n = ctx.history.list(doc.uri).length;
  if (!n) return 0;
  if (confirmed !== true) {
    const ok = await vscode.window.showWarningMessage(
      `Noether Lab: delete the ${n} stored run${n > 1 ? 's' : ''} of ${path.basename(doc.uri.path)}?`,
      { modal: true },
      'Delete',
    );
    if (ok !== 'Delete') return undefined;
  }
  if (ctx.panel.overlaid(doc.uri)) ctx.panel.showOverlay(doc.uri, null, '', []);
  return ctx.history.clear(doc.uri);
};
