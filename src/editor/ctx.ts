// The extension's context object (after rust-analyzer's `Ctx`): owns every service, view and
// disposable, and the little state shared by commands (last runs live in RunService, analyses in
// AnalysisService). extension.ts only creates it and registers the command table.
import * as path from 'path';
import * as vscode from 'vscode';
import { Disposable, DisposableLike } from './disposable';
import type { AnalysisResult } from '../core/analysis/analyze';
import type { SimulationProgress, SimulationResult } from '../core/numeric/types';
import { PanelManager } from '../panel/panelManager';
import { ReportPanels } from '../panel/reportPanel';
import { SidebarViewProvider } from '../panel/sidebarView';
import { AnalysisService, isLossDocument, LANGUAGE_ID } from './analysis/analysisService';
import { AnalysisWorkerClient } from './analysis/workerClient';
import { LossCodeLensProvider } from './codeLens/codeLensProvider';
import { onDidChangeConfig } from './configuration/config';
import { DiagnosticsController } from './diagnostics/diagnostics';
import { QuickFixProvider } from './diagnostics/quickFix';
import { LossHoverProvider } from './hover/hoverProvider';
import { LossCompletionProvider } from './completion/completionProvider';
import { LossInlayHintsProvider } from './inlayHints/inlayHints';
import { LossDefinitionProvider } from './navigation/definition';
import { LossRenameProvider } from './navigation/rename';
import { RunHistory } from './history/runHistory';
import { RunService } from './simulation/runService';
import { StatusBar, StatusView } from './statusBar/statusBar';
import { LossDocumentSymbolProvider } from './symbols/documentSymbols';

/** What activate() returns: used by the integration tests. */
export interface NoetherLabApi {
  analysisFor(uri: vscode.Uri): Promise<AnalysisResult | undefined>;
  lastSimulation(uri: vscode.Uri): SimulationResult | undefined;
  panelMessages(uri: vscode.Uri): unknown[];
  sidebarMessages(): unknown[];
  /** The file's run: the version it is pinned to, and whether it is running (past its analysis). */
  runState(uri: vscode.Uri): { version: number | undefined; running: boolean };
  /** Whether the file has a Noether Lab panel open. */
  hasPanel(uri: vscode.Uri): boolean;
  /** Notifications shown through Ctx.notify (the tests cannot read VS Code's). */
  notifications(): Notice[];
  /** What the status-bar item shows (undefined: hidden). */
  statusBar(): StatusView | undefined;
  /** The file's stored runs (newest first) and where they are stored. */
  history(uri: vscode.Uri): { entries: { id: string; time: number; title: string; status: string; bytes: number }[]; folder: string };
  /** The open report panels (experiments, sweeps). */
  reportPanels(): ReturnType<ReportPanels['panels']>;
}

export interface Notice {
  severity: 'error' | 'warning' | 'info';
  message: string;
  items: string[];
}

const SELECTOR: vscode.DocumentSelector = [{ language: LANGUAGE_ID }];
const PROGRESS_THROTTLE_MS = 100;

export class Ctx extends Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly analysis: AnalysisService;
  readonly diagnostics: DiagnosticsController;
  readonly runs: RunService;
  readonly panel: PanelManager;
  readonly sidebar: SidebarViewProvider;
  readonly reports: ReportPanels;
  readonly history: RunHistory;
  readonly statusBar: StatusBar;
  /** The extension's version (its package.json), for the log and the reports and scripts it writes. */
  readonly version: string;
  private readonly notices: Notice[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    super();
    const { version } = extension.extension.packageJSON as { version?: unknown };
    this.version = typeof version === 'string' ? version : 'unknown';
    this.log = this.own(vscode.window.createOutputChannel('Noether Lab', { log: true }));
    const worker = this.own(new AnalysisWorkerClient(path.join(extension.extensionPath, 'dist', 'analysisWorker.js'), this.log));
    this.analysis = this.own(new AnalysisService(worker, this.log));
    this.diagnostics = this.own(new DiagnosticsController(this.analysis, this.log));
    this.runs = this.own(new RunService(extension.extensionPath, this.log));
    this.panel = this.own(new PanelManager(extension, this.log));
    this.sidebar = this.own(new SidebarViewProvider(extension, this.log));
    this.reports = this.own(new ReportPanels(extension, this.log));
    this.history = this.own(new RunHistory(extension, this.log));
    this.statusBar = this.own(new StatusBar(this.analysis, this.runs));
    const codeLens = this.own(new LossCodeLensProvider(this.analysis));
    const inlayHints = this.own(new LossInlayHintsProvider(this.analysis));
    const navigation = new LossDefinitionProvider();

    this.own(
      vscode.window.registerWebviewViewProvider(SidebarViewProvider.viewType, this.sidebar),
      vscode.languages.registerHoverProvider(SELECTOR, new LossHoverProvider(this.analysis)),
      vscode.languages.registerCodeLensProvider(SELECTOR, codeLens),
      vscode.languages.registerCodeActionsProvider(SELECTOR, new QuickFixProvider(this.diagnostics), QuickFixProvider.metadata),
      vscode.languages.registerDocumentSymbolProvider(SELECTOR, new LossDocumentSymbolProvider(), { label: 'Noether Lab' }),
      vscode.languages.registerCompletionItemProvider(SELECTOR, new LossCompletionProvider(), ...LossCompletionProvider.triggerCharacters),
      vscode.languages.registerDefinitionProvider(SELECTOR, navigation),
      vscode.languages.registerReferenceProvider(SELECTOR, navigation),
      vscode.languages.registerRenameProvider(SELECTOR, new LossRenameProvider()),
      vscode.languages.registerInlayHintsProvider(SELECTOR, inlayHints),
      this.analysis.onDidAnalyze((e) => this.onAnalysis(e.uri, e.result)),
      this.runs.onDidFinish((e) => {
        this.updateSidebar(e.uri);
        this.history.add(e.uri, e.title, e.result).catch((err) => this.log.warn(`run history: the run was not kept: ${String(err)}`));
      }),
      this.history.onDidChange((uri) => this.refreshHistory(vscode.Uri.parse(uri))),
      this.sidebar.onDidRequestHistoryAction((e) => this.historyAction(e)),
      this.panel.onDidRequestHistoryAction((e) => this.historyAction(e)),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateSidebar()),
      onDidChangeConfig(() => this.diagnostics.refreshAll()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.log.info('workspace trusted: re-checking .loss files with data files unrestricted');
        this.analysis.clear();
        this.diagnostics.refreshAll();
      }),
    );
    this.updateSidebar();
    this.log.info(`Noether Lab ${this.version} activated (trusted workspace: ${vscode.workspace.isTrusted})`);
  }

  /** Owns `d` (and `more`) until the extension deactivates (the last owned is disposed first); returns `d`. */
  own<T extends DisposableLike>(d: T, ...more: DisposableLike[]): T {
    return this.register(d, ...more);
  }

  /** The .loss document a command applies to: its argument (Uri or URI string), else the active editor. */
  async documentFor(arg: unknown): Promise<vscode.TextDocument | undefined> {
    let uri: vscode.Uri | undefined;
    if (arg instanceof vscode.Uri) uri = arg;
    else if (typeof arg === 'string' && arg) uri = arg.includes(':') && !/^[a-zA-Z]:[\\/]/.test(arg) ? vscode.Uri.parse(arg) : vscode.Uri.file(arg);
    else if (arg && typeof arg === 'object' && 'uri' in arg && arg.uri instanceof vscode.Uri) uri = arg.uri;
    if (!uri) {
      const active = vscode.window.activeTextEditor?.document;
      const doc = active && isLossDocument(active) ? active : vscode.window.visibleTextEditors.map((e) => e.document).find(isLossDocument);
      if (!doc) void vscode.window.showWarningMessage('Noether Lab: open a .loss file first.');
      return doc;
    }
    try {
      return await vscode.workspace.openTextDocument(uri);
    } catch (e) {
      void vscode.window.showErrorMessage(`Noether Lab: cannot open ${uri.toString()}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** A fresh analysis of the document (no debounce), with a progress indicator in the status bar. */
  async analyzeNow(doc: vscode.TextDocument): Promise<AnalysisResult | undefined> {
    const cached = this.analysis.peek(doc);
    if (cached) return cached;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Noether Lab: analysing ${path.basename(doc.uri.path)}` },
      () => this.analysis.analyze(doc),
    );
    if (!result) {
      const why = this.analysis.errorFor(doc) ?? 'no result';
      void vscode.window.showErrorMessage(`Noether Lab: the analysis failed: ${why}`);
    }
    return result;
  }

  /** A notification (recorded for the test API); resolves with the chosen item. */
  notify(severity: Notice['severity'], message: string, ...items: string[]): Thenable<string | undefined> {
    this.notices.push({ severity, message, items });
    if (severity === 'error') return vscode.window.showErrorMessage(message, ...items);
    if (severity === 'warning') return vscode.window.showWarningMessage(message, ...items);
    return vscode.window.showInformationMessage(message, ...items);
  }

  /** Progress of a run → the panel (throttled). */
  progressSink(uri: vscode.Uri): (p: SimulationProgress) => void {
    let last = 0;
    return (p) => {
      const now = Date.now();
      if (now - last < PROGRESS_THROTTLE_MS && p.fraction < 1) return;
      last = now;
      this.panel.showSimulation(uri, { kind: 'progress', progress: p });
    };
  }

  updateSidebar(uri?: vscode.Uri): void {
    const active = vscode.window.activeTextEditor?.document;
    const doc = active && isLossDocument(active) ? active : undefined;
    if (uri && doc && doc.uri.toString() !== uri.toString()) return;
    if (!doc) {
      // Keep showing the last .loss file while focus is in the panel or elsewhere.
      if (vscode.window.activeTextEditor) {
        this.sidebar.update(undefined);
        this.sidebar.setHistory({ uri: null, entries: [] });
      }
      return;
    }
    const last = this.runs.lastSimulation(doc.uri);
    this.sidebar.update(doc.uri, this.analysis.latest(doc.uri), last);
    this.refreshHistory(doc.uri);
    // After a window reload the latest run comes back from the history.
    if (!last) {
      void this.history.latest(doc.uri).then((r) => {
        if (r && !this.runs.lastSimulation(doc.uri) && vscode.window.activeTextEditor?.document.uri.toString() === doc.uri.toString())
          this.sidebar.update(doc.uri, undefined, r);
      });
    }
  }

  /** The side view's list of stored runs, when it shows this file. */
  refreshHistory(uri: vscode.Uri): void {
    if (this.sidebar.shownUri?.toString() !== uri.toString()) return;
    const entries = this.history.list(uri).map(({ id, time, title, status, runs }) => ({ id, time, title, status, runs }));
    this.sidebar.setHistory({ uri: uri.toString(), entries, ...(this.panel.overlaid(uri) ? { overlaid: this.panel.overlaid(uri) } : {}) });
  }

  /** A history button in the side view or the panel: the same commands as the palette's. */
  private historyAction(e: { uri: vscode.Uri; action: string; entry?: string }): void {
    const run = (id: string, ...args: unknown[]) => void vscode.commands.executeCommand(id, e.uri, ...args);
    switch (e.action) {
      case 'overlay':
        return run('noetherLab.overlayRun', e.entry);
      case 'clearOverlay':
        return run('noetherLab.overlayRun', null);
      case 'exportJson':
        return run('noetherLab.exportRun', e.entry, 'json');
      case 'exportNpz':
        return run('noetherLab.exportRun', e.entry, 'npz');
      case 'delete':
        return run('noetherLab.deleteRun', e.entry);
      case 'clear':
        return run('noetherLab.clearHistory');
    }
  }

  private onAnalysis(uri: vscode.Uri, result: AnalysisResult): void {
    // Only a file whose own panel is open (by URI: another file of the same name does not count).
    if (this.panel.has(uri)) this.panel.showAnalysis(uri, result, false);
    this.updateSidebar(uri);
  }

  api(): NoetherLabApi {
    return {
      analysisFor: async (uri) => {
        const doc = await vscode.workspace.openTextDocument(uri);
        return this.analysis.analyze(doc);
      },
      lastSimulation: (uri) => this.runs.lastSimulation(uri),
      panelMessages: (uri) => this.panel.postedMessages(uri),
      sidebarMessages: () => this.sidebar.postedMessages(),
      runState: (uri) => ({ version: this.runs.pinnedVersion(uri), running: this.runs.isRunning(uri) }),
      hasPanel: (uri) => this.panel.has(uri),
      notifications: () => [...this.notices],
      statusBar: () => this.statusBar.current(),
      reportPanels: () => this.reports.panels(),
      history: (uri) => ({ entries: this.history.list(uri), folder: this.history.folder.fsPath }),
    };
  }
}
