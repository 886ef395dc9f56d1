// The command table: each command is built by a small factory from the context object
// (after rust-analyzer's editors/code). Every command accepts the .loss file as its first argument
// (a Uri, or a URI string from a CodeLens or hover link) and falls back to the active editor.
import * as path from 'path';
import * as vscode from 'vscode';
import type { AnalysisResult } from '../../core/analysis/analyze';
import type { TrainSpec } from '../../core/lang/model';
import type { RunResult, SimulationResult } from '../../core/numeric/types';
import { DocSnapshot, snapshot } from '../analysis/analysisService';
import { fileLabel } from '../analysis/trust';
import { config } from '../configuration/config';
import type { Ctx } from '../ctx';
import { predictionSentence, runLabel } from '../../shared/predictionText';
import type { WebviewCommand } from '../../shared/protocol';
import { buildReport, reportMarkdown } from '../report/report';
import { withDefaults } from '../simulation/runService';
import { exportPyTorch } from './exportPyTorch';
import { clearHistory, deleteRun, exportRun, overlayRun } from './history';
import { openExample } from './openExample';
import { runExperiment } from './runExperiment';
import { sweep } from './sweep';

export type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;

/**
 * The version a run will simulate (taken now, whatever is typed afterwards) and its train lines,
 * from the full check in the analysis worker (the data files are read there); reports errors.
 */
async function checkedRun(ctx: Ctx, doc: vscode.TextDocument, what: string): Promise<{ snap: DocSnapshot; trains: TrainSpec[] } | undefined> {
  const snap = snapshot(doc);
  const checked = await ctx.analysis.check(snap, 'run');
  const first = checked?.diagnostics.find((d) => d.severity === 'error');
  if (!checked || first || !checked.trains) {
    const why = !checked
      ? ' could not be checked (see the Noether Lab log)'
      : ` has errors${first ? ` (line ${first.line}: ${first.message})` : ''}. See the Problems view.`;
    void vscode.window.showErrorMessage(`Noether Lab: cannot ${what}: ${path.basename(doc.uri.path)}${why}`);
    return undefined;
  }
  return { snap, trains: checked.trains };
}

function defaults() {
  return { steps: config.defaultSteps, chains: config.defaultChains };
}

/** Runs the snapshot's text with the snapshot's analysis (never a newer version's). */
async function startRun(
  ctx: Ctx,
  doc: vscode.TextDocument,
  snap: DocSnapshot,
  title: string,
  options: { run?: number; trains?: Partial<TrainSpec>[] },
  runIndices: number[],
): Promise<SimulationResult | undefined> {
  const handle = ctx.runs.begin(snap);
  try {
    const analysis = await ctx.analysis.analyzePinned(doc, snap);
    if (!analysis) {
      void vscode.window.showErrorMessage(
        `Noether Lab: the analysis of ${path.basename(doc.uri.path)} failed: ${ctx.analysis.errorFor(doc) ?? 'see the Noether Lab log'}`,
      );
      return undefined;
    }
    if (!handle.signal.aborted) ctx.panel.showAnalysis(doc.uri, analysis, true);
    const result = await ctx.runs.run({ doc, handle, title, options, runIndices, analysis, onProgress: ctx.progressSink(doc.uri) });
    if (result) {
      ctx.panel.showSimulation(doc.uri, { kind: 'result', result });
      ctx.updateSidebar(doc.uri);
      const diverged = result.runs.filter((r) => r.status === 'diverged');
      if (diverged.length) reportDivergence(ctx, doc, diverged);
    }
    return result;
  } finally {
    handle.release();
  }
}

/** An error notification with the divergence summary; "Show details" opens the log and the run in the panel. */
function reportDivergence(ctx: Ctx, doc: vscode.TextDocument, runs: RunResult[]): void {
  const name = path.basename(doc.uri.path);
  for (const r of runs) {
    ctx.log.error(`${name}: run ${r.run} (${runLabel(r)}) diverged: ${r.divergence?.message ?? `${r.diverged.length} chains diverged`}`);
    for (const d of r.diverged) ctx.log.error(`  ${d.message}; last finite parameters ${JSON.stringify(d.lastFinite)}`);
  }
  const first = runs[0];
  const summary = first.divergence?.message ?? `${first.diverged.length} of ${first.chains} chains diverged.`;
  const more = runs.length > 1 ? ` (${runs.length - 1} more run${runs.length > 2 ? 's' : ''} diverged too.)` : '';
  void ctx.notify('error', `Noether Lab: ${name}, run ${first.run} (${runLabel(first)}): ${summary}${more}`, 'Show details').then((choice) => {
    if (choice !== 'Show details') return;
    ctx.log.show(true);
    ctx.panel.focusRun(doc.uri, first.run);
  });
}

const analyze: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<AnalysisResult | undefined> => {
    const doc = await ctx.documentFor(arg);
    if (!doc) return undefined;
    const a = await ctx.analyzeNow(doc);
    if (!a) return undefined;
    ctx.panel.showAnalysis(doc.uri, a, true);
    ctx.updateSidebar(doc.uri);
    const errors = a.diagnostics.filter((d) => d.severity === 'error').length;
    if (errors)
      void vscode.window.showWarningMessage(`Noether Lab: ${path.basename(doc.uri.path)} has ${errors} error${errors > 1 ? 's' : ''}; see the Problems view.`);
    return a;
  };

const runSgd: CommandFactory =
  (ctx) =>
  async (arg?: unknown, runIndex?: unknown): Promise<SimulationResult | undefined> => {
    const doc = await ctx.documentFor(arg);
    if (!doc) return undefined;
    const checked = await checkedRun(ctx, doc, 'run');
    if (!checked) return undefined;
    const { snap, trains } = checked;
    const d = defaults();
    if (trains.length === 0) {
      void vscode.window.showInformationMessage(
        `Noether Lab: the file has no train line; running sgd(lr = 0.01, steps = ${d.steps}, chains = ${d.chains}). Add a \`train\` line to choose.`,
      );
      return startRun(ctx, doc, snap, 'SGD', { trains: [{ optimizer: 'sgd', lr: 0.01, steps: d.steps, chains: d.chains }] }, [0]);
    }
    const index = typeof runIndex === 'number' && Number.isInteger(runIndex) ? runIndex : undefined;
    if (index !== undefined && (index < 0 || index >= trains.length)) {
      void vscode.window.showErrorMessage(`Noether Lab: the file has no train line number ${index + 1}.`);
      return undefined;
    }
    const indices = index !== undefined ? [index] : trains.map((_, i) => i);
    const needsDefaults = indices.some((i) => !trains[i].given?.includes('steps') || !trains[i].given?.includes('chains'));
    const title = indices.length === 1 ? `running ${trains[indices[0]].optimizer}` : `running ${indices.length} train lines`;
    const options = needsDefaults ? { trains: indices.map((i) => withDefaults(trains[i], d)) } : index !== undefined ? { run: index } : {};
    return startRun(ctx, doc, snap, title, options, needsDefaults ? indices.map((_, k) => k) : indices);
  };

const compareSgdGd: CommandFactory =
  (ctx) =>
  async (arg?: unknown, runIndex?: unknown): Promise<SimulationResult | undefined> => {
    const doc = await ctx.documentFor(arg);
    if (!doc) return undefined;
    const checked = await checkedRun(ctx, doc, 'compare SGD and GD');
    if (!checked) return undefined;
    const { snap, trains } = checked;
    const d = defaults();
    let i = typeof runIndex === 'number' && trains[runIndex] ? runIndex : trains.findIndex((t) => t.optimizer === 'sgd');
    if (i < 0) i = 0;
    const base: Partial<TrainSpec> = trains[i] ? withDefaults(trains[i], d) : { lr: 0.01, steps: d.steps, chains: d.chains };
    const sgd: Partial<TrainSpec> = { ...base, optimizer: 'sgd' };
    const gdIndex = trains.findIndex((t) => t.optimizer === 'gd');
    // The file's own gd line when it has one; else the SGD line as full-batch GD, with the settings'
    // chain count (GD's only randomness is a random start), on the same clock (steps) as SGD.
    const gd: Partial<TrainSpec> =
      gdIndex >= 0 ? { ...withDefaults(trains[gdIndex], d), optimizer: 'gd' } : { ...base, optimizer: 'gd', chains: d.chains, steps: base.steps ?? d.steps };
    return startRun(ctx, doc, snap, 'comparing SGD and GD', { trains: [sgd, gd] }, [0, 1]);
  };

/** Where each noisy train line ends (THEORY.md §4): shows the predictions in the panel and returns them. */
const findEquilibrium: CommandFactory = (ctx) => async (arg?: unknown) => {
  const doc = await ctx.documentFor(arg);
  if (!doc) return undefined;
  const a = await ctx.analyzeNow(doc);
  if (!a) return undefined;
  ctx.panel.showAnalysis(doc.uri, a, true);
  ctx.updateSidebar(doc.uri);
  const predictions = a.predictions ?? [];
  if (predictions.length === 0) {
    void vscode.window.showInformationMessage('Noether Lab: no noisy train line (sgd or momentum) in this file, so no prediction of where SGD ends.');
  } else {
    const p = predictions[0];
    ctx.panel.focusPrediction(doc.uri, p.run);
    const more = predictions.length > 1 ? ` (${predictions.length - 1} more train line${predictions.length > 2 ? 's' : ''} in the panel)` : '';
    void vscode.window.showInformationMessage(`Noether Lab: run ${p.run} (${runLabel(p)}): ${predictionSentence(a, p)}.${more}`);
  }
  return predictions;
};

const stopRun: CommandFactory = (ctx) => (arg?: unknown) => {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.parse(arg) : undefined;
  const n = ctx.runs.stop(uri);
  if (n === 0) void vscode.window.showInformationMessage('Noether Lab: no run is active.');
  else ctx.log.info(`stopped ${n} run${n > 1 ? 's' : ''}`);
  return n;
};

/** exportReport(file?, outPath?): writes OUT.json and OUT.md (OUT = outPath without .md/.json). */
const exportReport: CommandFactory = (ctx) => async (arg?: unknown, outPath?: unknown) => {
  const doc = await ctx.documentFor(arg);
  if (!doc) return undefined;
  const a = await ctx.analyzeNow(doc);
  if (!a) return undefined;
  let target: vscode.Uri | undefined;
  if (typeof outPath === 'string' && outPath) target = path.isAbsolute(outPath) ? vscode.Uri.file(outPath) : vscode.Uri.joinPath(doc.uri, '..', outPath);
  else if (outPath instanceof vscode.Uri) target = outPath;
  else {
    const stem = path.basename(doc.uri.path).replace(/\.loss$/, '');
    const dir = doc.uri.scheme === 'untitled' ? vscode.workspace.workspaceFolders?.[0]?.uri : vscode.Uri.joinPath(doc.uri, '..');
    target = await vscode.window.showSaveDialog({
      defaultUri: dir ? vscode.Uri.joinPath(dir, `${stem}.noether-report.md`) : undefined,
      filters: { Markdown: ['md'] },
      title: 'Noether Lab: export the report (a .json with the same name is written beside it)',
    });
    if (!target) return undefined;
  }
  const base = target.path.replace(/\.(md|json)$/i, '');
  const jsonUri = target.with({ path: `${base}.json` });
  const mdUri = target.with({ path: `${base}.md` });
  const report = buildReport(fileLabel(doc.uri), a, ctx.runs.lastSimulation(doc.uri), ctx.version);
  const enc = new TextEncoder();
  await vscode.workspace.fs.writeFile(jsonUri, enc.encode(JSON.stringify(report, null, 2) + '\n'));
  await vscode.workspace.fs.writeFile(mdUri, enc.encode(reportMarkdown(report)));
  ctx.log.info(`report written: ${mdUri.fsPath} and ${jsonUri.fsPath}`);
  if (typeof outPath !== 'string') {
    void vscode.window
      .showInformationMessage(`Noether Lab: report written to ${path.basename(mdUri.path)} and ${path.basename(jsonUri.path)}.`, 'Open')
      .then((c) => {
        if (c === 'Open') vscode.window.showTextDocument(mdUri).then(undefined, (e) => ctx.log.warn(`cannot open the report ${mdUri.fsPath}: ${String(e)}`));
      });
  }
  return { json: jsonUri.fsPath, markdown: mdUri.fsPath };
};

/** showPanel(file?, focus?): focus is a symmetry index, `{ group }` (a group's card) or `{ prediction: run }`. */
const showPanel: CommandFactory = (ctx) => async (arg?: unknown, symmetryIndex?: unknown) => {
  const doc = await ctx.documentFor(arg);
  if (!doc) return undefined;
  const a = await ctx.analyzeNow(doc);
  if (!a) return undefined;
  ctx.panel.showAnalysis(doc.uri, a, true);
  // The latest run of this session, else the latest stored one (after a window reload).
  const last = ctx.runs.lastSimulation(doc.uri) ?? (await ctx.history.latest(doc.uri));
  if (last) ctx.panel.showSimulation(doc.uri, { kind: 'result', result: last });
  if (typeof symmetryIndex === 'number' && symmetryIndex >= 0 && symmetryIndex < a.symmetries.length) ctx.panel.focusSymmetry(doc.uri, symmetryIndex);
  // { prediction: run } from a CodeLens or a hover link: that train line's "Where SGD ends" card.
  const target = typeof symmetryIndex === 'object' && symmetryIndex !== null ? (symmetryIndex as { prediction?: unknown; group?: unknown }) : {};
  const run = target.prediction;
  if (typeof run === 'number' && a.predictions?.some((p) => p.run === run)) ctx.panel.focusPrediction(doc.uri, run);
  // { group } from a hover's group block: that group's card.
  const group = target.group;
  if (typeof group === 'number' && Number.isInteger(group) && group >= 0 && group < a.groups.length) ctx.panel.focusGroup(doc.uri, group);
  ctx.updateSidebar(doc.uri);
  return a;
};

/** Every command of package.json's contributes.commands, by id. */
export const COMMANDS: Record<string, CommandFactory> = {
  'noetherLab.analyze': analyze,
  'noetherLab.runSgd': runSgd,
  'noetherLab.compareSgdGd': compareSgdGd,
  'noetherLab.findEquilibrium': findEquilibrium,
  'noetherLab.stopRun': stopRun,
  'noetherLab.exportReport': exportReport,
  'noetherLab.showPanel': showPanel,
  'noetherLab.runExperiment': runExperiment,
  'noetherLab.openExample': openExample,
  'noetherLab.exportPyTorch': exportPyTorch,
  'noetherLab.sweep': sweep,
  'noetherLab.overlayRun': overlayRun,
  'noetherLab.exportRun': exportRun,
  'noetherLab.deleteRun': deleteRun,
  'noetherLab.clearHistory': clearHistory,
};

/** Buttons in the panel's webview → commands: one for each of the protocol's webview commands. */
export const WEBVIEW_COMMAND_IDS: Record<WebviewCommand, string> = {
  run: 'noetherLab.runSgd',
  compare: 'noetherLab.compareSgdGd',
  stop: 'noetherLab.stopRun',
  export: 'noetherLab.exportReport',
  findEquilibrium: 'noetherLab.findEquilibrium',
  refresh: 'noetherLab.showPanel',
};
