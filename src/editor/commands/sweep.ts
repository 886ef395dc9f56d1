// "Noether Lab: Sweep…": pick a train line, one of its numeric keys and the values (a list, A:B:N or
// log A:B:N); each value is run in the run worker (its chains on the worker pool) with a cancellable
// progress notification, and the stationary quantities are plotted against the key beside theory
// in a report panel. sweep(file?, { train, key, values, steps, chains }) skips the questions.
import * as path from 'path';
import * as vscode from 'vscode';
import { parseSweepValues, sweepableKeys, SweepResult, sweepText } from '../../core/numeric/sweep';
import { runLabel } from '../../shared/predictionText';
import { sweepReportDoc } from '../../shared/reportDoc';
import { snapshot } from '../analysis/analysisService';
import { config } from '../configuration/config';
import type { Ctx } from '../ctx';

interface SweepArgs {
  train?: number;
  key?: string;
  values?: string | number[];
  steps?: number;
  chains?: number;
}

/** TrainSpec's field of a file key (weight_decay → weightDecay). */
const FIELD: Record<string, string> = { weight_decay: 'weightDecay', record_every: 'recordEvery' };

function suggestValues(v: number | undefined, integer: boolean): string {
  if (v === undefined || !Number.isFinite(v) || v <= 0) return '';
  if (integer) return [...new Set([Math.max(1, Math.round(v / 2)), v, v * 2, v * 4])].join(', ');
  return [v / 4, v / 2, v, v * 1.5].map((x) => Number(x.toPrecision(3))).join(', ');
}

export const sweep =
  (ctx: Ctx) =>
  async (arg?: unknown, argsArg?: unknown): Promise<SweepResult | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Noether Lab: sweeps run simulations, which are disabled in an untrusted workspace.');
      return undefined;
    }
    const doc = await ctx.documentFor(arg);
    if (!doc) return undefined;
    const args: SweepArgs = typeof argsArg === 'object' && argsArg !== null ? argsArg : {};
    const name = path.basename(doc.uri.path);
    const snap = snapshot(doc);
    const checked = await ctx.analysis.check(snap, 'run');
    const first = checked?.diagnostics.find((d) => d.severity === 'error');
    if (!checked?.trains || first) {
      void vscode.window.showErrorMessage(`Noether Lab: cannot sweep ${name}: ${first ? `line ${first.line}: ${first.message}` : 'it could not be checked'}.`);
      return undefined;
    }
    const trains = checked.trains;
    if (!trains.length) {
      void vscode.window.showErrorMessage(`Noether Lab: ${name} has no train line to sweep; add one, e.g. train sgd(lr = 0.05, batch = 4).`);
      return undefined;
    }
    let train = args.train;
    if (train === undefined) {
      if (trains.length === 1) train = 0;
      else {
        const pick = await vscode.window.showQuickPick(
          trains.map((t, i) => ({ label: `line ${t.span.line}: ${runLabel(t)}`, description: `train line ${i + 1}`, i })),
          { title: 'Noether Lab: Sweep — which train line' },
        );
        if (!pick) return undefined;
        train = pick.i;
      }
    }
    const spec = trains[train];
    if (!spec) {
      void vscode.window.showErrorMessage(`Noether Lab: ${name} has no train line number ${train + 1}.`);
      return undefined;
    }
    const current = (k: string) => (spec as unknown as Record<string, number | undefined>)[FIELD[k] ?? k];
    let key = args.key;
    if (!key) {
      const keys = sweepableKeys(spec.optimizer).filter((k) => !['steps', 'chains', 'seed', 'record_every'].includes(k));
      const pick = await vscode.window.showQuickPick(
        keys.map((k) => ({ label: k, description: current(k) !== undefined ? `now ${current(k)}` : '' })),
        { title: `Noether Lab: Sweep ${runLabel(spec)} — which key` },
      );
      if (!pick) return undefined;
      key = pick.label;
    }
    let values: number[];
    try {
      if (Array.isArray(args.values)) values = args.values;
      else if (typeof args.values === 'string') values = parseSweepValues(args.values);
      else {
        const integer = key === 'batch' || key === 'warmup';
        const text = await vscode.window.showInputBox({
          title: `Noether Lab: Sweep ${key}`,
          prompt: 'Values: a list (0.01, 0.02, 0.05), a range A:B:N (N values from A to B) or a log range log A:B:N',
          value: suggestValues(current(key), integer),
          validateInput: (t) => {
            try {
              parseSweepValues(t);
              return undefined;
            } catch (e) {
              return e instanceof Error ? e.message : String(e);
            }
          },
        });
        if (text === undefined) return undefined;
        values = parseSweepValues(text);
      }
    } catch (e) {
      void vscode.window.showErrorMessage(`Noether Lab: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    const steps = args.steps ?? (spec.given?.includes('steps') ? undefined : config.defaultSteps);
    const chains = args.chains ?? (spec.given?.includes('chains') ? undefined : config.defaultChains);
    const controller = new AbortController();
    const t0 = Date.now();
    let result: SweepResult;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Noether Lab: sweeping ${key} — ${name}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return ctx.runs.sweep(snap, { key: key, values, train, steps, chains }, controller.signal, (p) => {
            const pct = Math.round(p.fraction * 100);
            if (pct > reported) {
              progress.report({ increment: pct - reported, message: `${key} = ${p.value} (${p.index + 1} of ${values.length}) · ${pct}%` });
              reported = pct;
            }
          });
        },
      );
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      ctx.log.error(`sweep of ${name} failed: ${msg}`);
      void vscode.window.showErrorMessage(`Noether Lab: the sweep failed: ${msg}`);
      return undefined;
    }
    ctx.log.info(
      `swept ${key} over ${result.values.length} values of ${vscode.workspace.asRelativePath(doc.uri)} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n${sweepText(result)}`,
    );
    if (!result.points.length) {
      void vscode.window.showInformationMessage('Noether Lab: the sweep was cancelled before its first value finished.');
      return result;
    }
    ctx.reports.show(sweepReportDoc(result, name), `Sweep ${key}: ${name}`);
    return result;
  };
