// "Noether Lab: Run Experiment…": a quick pick of the reproducible experiments (and their size), run
// with progress and cancel; the JSON + HTML report written to the extension's storage for this
// workspace (the path said in the log and the toast; nothing is written into the workspace unless
// the user saves a copy through a save dialog), the report opened in a webview panel inside VS Code
// (remote and web sessions too), and a summary in the output channel.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeReports } from '../../core/experiments/files';
import { EXPERIMENTS } from '../../core/experiments/registry';
import { reportText } from '../../core/experiments/report';
import { experimentReportDoc } from '../../shared/reportDoc';
import type { Experiment, ExperimentResult, Size } from '../../core/experiments/types';
import { config } from '../configuration/config';
import type { Ctx } from '../ctx';

export const runExperiment =
  (ctx: Ctx) =>
  async (name?: unknown, size?: unknown): Promise<ExperimentResult[] | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Noether Lab: experiments run simulations, which are disabled in an untrusted workspace.');
      return undefined;
    }
    let chosen: Experiment[] | undefined;
    if (typeof name === 'string') {
      chosen = name === 'all' ? EXPERIMENTS : EXPERIMENTS.filter((e) => e.name === name);
      if (chosen.length === 0) {
        void vscode.window.showErrorMessage(`Noether Lab: no experiment \`${name}\`.`);
        return undefined;
      }
    } else {
      const items: (vscode.QuickPickItem & { list: Experiment[] })[] = [
        ...EXPERIMENTS.map((e) => ({ label: e.name, description: e.title, detail: e.description, list: [e] })),
        { label: 'all', description: `every experiment (${EXPERIMENTS.length})`, list: EXPERIMENTS },
      ];
      const pick = await vscode.window.showQuickPick(items, {
        title: 'Noether Lab: Run Experiment',
        placeHolder: 'Experiment',
        matchOnDescription: true,
        matchOnDetail: true,
      });
      if (!pick) return undefined;
      chosen = pick.list;
    }
    let sz: Size;
    if (size === 'small' || size === 'full') sz = size;
    else {
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'small', description: 'reduced size: seconds to a minute' },
          { label: 'full', description: 'full size: the README figures (minutes)' },
        ],
        { title: 'Noether Lab: experiment size' },
      );
      if (!pick) return undefined;
      sz = pick.label as Size;
    }
    const root = ctx.extension.extensionPath;
    const readLoss = (file: string) => fs.readFileSync(path.join(root, 'experiments', path.basename(file)), 'utf8');
    const outDir = path.join((ctx.extension.storageUri ?? ctx.extension.globalStorageUri).fsPath, 'reports');
    const list = chosen;
    const results: ExperimentResult[] = [];
    const done = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Noether Lab', cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          for (const [i, e] of list.entries()) {
            let last = 0;
            ctx.log.info(`experiment ${e.name} (${sz}) started`);
            const r = await e.run({
              size: sz,
              workers: config.workers || undefined,
              fashionMnistPath: config.fashionMnistPath,
              signal: controller.signal,
              readLoss,
              onProgress: (f, message) => {
                const total = ((i + f) / list.length) * 100;
                progress.report({ message: `${e.name}: ${message}`, increment: Math.max(0, total - last) });
                last = total;
              },
            });
            results.push(r);
            ctx.log.info(reportText(r));
          }
          return true;
        } catch (err) {
          if (controller.signal.aborted) {
            ctx.log.info('experiment cancelled');
            return false;
          }
          throw err;
        } finally {
          sub.dispose();
        }
      },
    );
    if (!done || results.length === 0) return undefined;
    const stem = results.length === 1 ? results[0].name : 'all';
    const files = writeReports(results, outDir, stem);
    ctx.log.info(`experiment report written to the extension's storage: ${files.html} (JSON ${files.json})`);
    const pass = results.every((r) => r.pass);
    const doc = experimentReportDoc(results, [files.html, files.json]);
    ctx.reports.show(doc);
    const summary = `${pass ? 'all checks PASS' : 'some checks FAIL'} (${results.map((r) => `${r.name} ${r.pass ? 'PASS' : 'FAIL'}`).join(', ')})`;
    void ctx.notify('info', `Noether Lab: ${summary}. Report: ${files.html}`, 'Open report', 'Save a copy…').then((choice) => {
      if (choice === 'Open report') ctx.reports.show(doc);
      else if (choice === 'Save a copy…')
        saveReportCopy(ctx, files, stem).catch((e) => {
          ctx.log.error(`experiment report: the copy was not saved: ${e instanceof Error ? e.message : String(e)}`);
          void ctx.notify('error', `Noether Lab: the report copy was not saved: ${e instanceof Error ? e.message : String(e)}`);
        });
    });
    return results;
  };

/** Copies the HTML report (and its JSON beside it) where the user says, and says where. */
async function saveReportCopy(ctx: Ctx, files: { json: string; html: string }, stem: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, `${stem}.html`) : undefined,
    filters: { 'HTML report': ['html'] },
    title: 'Noether Lab: save a copy of the experiment report (its JSON is written beside it)',
  });
  if (!target) return;
  const json = target.with({ path: target.path.replace(/\.html?$/i, '') + '.json' });
  await vscode.workspace.fs.writeFile(target, fs.readFileSync(files.html));
  await vscode.workspace.fs.writeFile(json, fs.readFileSync(files.json));
  const where = (u: vscode.Uri) => (u.scheme === 'file' ? u.fsPath : u.toString());
  ctx.log.info(`experiment report copied to ${where(target)} and ${where(json)}`);
  void vscode.window.showInformationMessage(`Noether Lab: report saved to ${where(target)} (JSON beside it).`);
}
