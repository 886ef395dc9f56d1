// One Noether Lab panel per `.loss` file: symmetry cards, equilibria and live simulation plots.
// The host keeps each panel's latest state (analysis, progress or result) and re-sends it whenever
// the webview (re)loads and says `ready`, so panels need no retainContextWhenHidden; panels survive a
// window reload through a WebviewPanelSerializer whose state is the file URI. Simulation updates
// never open a panel: a panel closed during a run stays closed (its progress is dropped, its final
// result is kept and shown when the panel is opened again).
import * as vscode from 'vscode';
import { Disposable, DisposableStore } from '../editor/disposable';
import type { AnalysisResult } from '../core/analysis/analyze';
import type { SimulationProgress, SimulationResult } from '../core/numeric/types';
import {
  jsonSafe,
  HistoryActionMessage,
  OverlayMessage,
  FromWebviewMessage,
  FromWebviewType,
  idCounter,
  isFromWebviewMessage,
  ToWebviewMessage,
  ToWebviewType,
  Unsent,
  WebviewCommand,
} from '../shared/protocol';
import { baseName, renderHtml, revealComponent, saveExport, themeKind, webviewOptions } from './hostUtil';
import { MessageLog } from './messageLog';

type SimulationUpdate = { kind: 'progress'; progress: SimulationProgress } | { kind: 'result'; result: SimulationResult };

interface PanelEntry {
  uri: vscode.Uri;
  panel: vscode.WebviewPanel;
  ready: boolean;
  analysis?: AnalysisResult;
  progress?: SimulationProgress;
  result?: SimulationResult;
  /** The panel's listeners, disposed with it. */
  disposables: DisposableStore;
  /** Restored after a reload: ask the extension for a fresh analysis once the webview is ready. */
  restored: boolean;
  /** A focus request posted before the webview was ready: sent again once it is. */
  focus?: Unsent<ToWebviewMessage>;
  /** Earlier runs drawn over the plots (sent again when the webview reloads). */
  overlay?: Unsent<OverlayMessage>;
}

export class PanelManager extends Disposable {
  static readonly viewType = 'noetherLab.panel';

  private readonly panels = new Map<string, PanelEntry>();
  /** Messages posted per file, for the integration tests (off outside a test run; bounded). */
  private readonly recorded: MessageLog;
  /** The last result of a run whose panel was closed: shown when the panel opens again. */
  private readonly keptResults = new Map<string, SimulationResult>();
  private readonly commandEmitter = this.register(new vscode.EventEmitter<{ uri: vscode.Uri; command: WebviewCommand; args?: unknown }>());
  private readonly nextId = idCounter();

  readonly onDidReceiveCommand = this.commandEmitter.event;
  private readonly historyEmitter = this.register(new vscode.EventEmitter<{ uri: vscode.Uri; action: HistoryActionMessage['action']; entry?: string }>());
  /** A history button in a panel (clear the overlay, export the latest run). */
  readonly onDidRequestHistoryAction = this.historyEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.recorded = new MessageLog(MessageLog.wanted(context.extensionMode === vscode.ExtensionMode.Test));
    this.register(
      vscode.window.registerWebviewPanelSerializer(PanelManager.viewType, {
        deserializeWebviewPanel: (panel, state) => {
          this.restore(panel, state);
          return Promise.resolve();
        },
      }),
      vscode.window.onDidChangeActiveColorTheme((t) => {
        for (const e of this.panels.values()) this.post(e, { type: ToWebviewType.Theme, kind: themeKind(t.kind) });
      }),
    );
  }

  showAnalysis(uri: vscode.Uri, analysis: AnalysisResult, reveal = true): void {
    const e = this.ensure(uri, reveal);
    e.analysis = analysis;
    this.post(e, this.analysisMessage(e, analysis));
  }

  /** Whether this file has a panel open. */
  has(uri: vscode.Uri): boolean {
    return this.panels.has(uri.toString());
  }

  /** Progress or a result for the file's panel; without an open panel, progress is dropped. */
  showSimulation(uri: vscode.Uri, update: SimulationUpdate): void {
    const e = this.panels.get(uri.toString());
    if (!e) {
      if (update.kind === 'result') this.keptResults.set(uri.toString(), update.result);
      return;
    }
    if (update.kind === 'progress') {
      e.progress = update.progress;
      this.post(e, { type: ToWebviewType.SimulationProgress, progress: update.progress });
    } else {
      e.progress = undefined;
      e.result = update.result;
      this.post(e, { type: ToWebviewType.SimulationResult, result: update.result });
    }
  }

  /** Draws earlier runs over the file's plots (entry null: clears the overlay); opens the panel. */
  showOverlay(uri: vscode.Uri, entry: string | null, label: string, runs: OverlayMessage['runs']): void {
    const e = this.ensure(uri, entry !== null);
    e.overlay = { type: ToWebviewType.Overlay, entry, label, runs };
    this.post(e, e.overlay);
  }

  /** The history entry overlaid on the file's panel, if any. */
  overlaid(uri: vscode.Uri): string | undefined {
    return this.panels.get(uri.toString())?.overlay?.entry ?? undefined;
  }

  focusSymmetry(uri: vscode.Uri, index: number): void {
    this.focus(uri, { type: ToWebviewType.FocusSymmetry, index });
  }

  /** Show the card of symmetry group `group`. */
  focusGroup(uri: vscode.Uri, group: number): void {
    this.focus(uri, { type: ToWebviewType.FocusGroup, group });
  }

  /** Show the "Where SGD ends" card of train line `run`. */
  focusPrediction(uri: vscode.Uri, run: number): void {
    this.focus(uri, { type: ToWebviewType.FocusPrediction, run });
  }

  /** Show run `run` in the Dynamics tab. */
  focusRun(uri: vscode.Uri, run: number): void {
    this.focus(uri, { type: ToWebviewType.FocusRun, run });
  }

  private focus(uri: vscode.Uri, message: Unsent<ToWebviewMessage>): void {
    const e = this.ensure(uri, true);
    // A panel that is still loading would drop it: keep it for when the webview says `ready`.
    e.focus = e.ready ? undefined : message;
    this.post(e, message);
  }

  /** The messages posted to the file's panels (recorded in test runs only). */
  postedMessages(uri: vscode.Uri): unknown[] {
    return this.recorded.messages(uri.toString());
  }

  /** Also closes every panel (each disposes its own listeners). */
  override dispose(): void {
    for (const e of [...this.panels.values()]) e.panel.dispose();
    this.panels.clear();
    super.dispose();
  }

  // ---- internals ----

  private analysisMessage(e: PanelEntry, analysis: AnalysisResult): Unsent<ToWebviewMessage> {
    return { type: ToWebviewType.Analysis, uri: e.uri.toString(), fileName: baseName(e.uri), analysis };
  }

  private ensure(uri: vscode.Uri, reveal: boolean): PanelEntry {
    const key = uri.toString();
    const existing = this.panels.get(key);
    if (existing) {
      if (reveal && !existing.panel.visible) existing.panel.reveal(existing.panel.viewColumn, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      PanelManager.viewType,
      `Noether Lab: ${baseName(uri)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(this.context.extensionUri), enableFindWidget: true },
    );
    return this.adopt(uri, panel, false);
  }

  private restore(panel: vscode.WebviewPanel, state: unknown): void {
    const uriText = typeof state === 'object' && state !== null ? (state as { uri?: unknown }).uri : undefined;
    if (typeof uriText !== 'string') {
      this.log.warn('Noether Lab panel: no file in the saved state; closing the restored panel');
      panel.dispose();
      return;
    }
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(uriText, true);
    } catch {
      panel.dispose();
      return;
    }
    if (this.panels.has(uri.toString())) {
      panel.dispose();
      return;
    }
    panel.webview.options = { ...webviewOptions(this.context.extensionUri), enableFindWidget: true } as vscode.WebviewOptions;
    this.adopt(uri, panel, true);
    this.log.info(`Noether Lab panel restored for ${uri.toString()}`);
  }

  private adopt(uri: vscode.Uri, panel: vscode.WebviewPanel, restored: boolean): PanelEntry {
    const key = uri.toString();
    const e: PanelEntry = { uri, panel, ready: false, disposables: new DisposableStore(), restored, result: this.keptResults.get(key) };
    this.keptResults.delete(key);
    this.panels.set(key, e);
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'webview', 'noether.svg');
    panel.webview.html = renderHtml(panel.webview, this.context.extensionUri, 'panel', panel.title);
    e.disposables.add(
      panel.webview.onDidReceiveMessage((m) => this.receive(e, m)),
      panel.onDidDispose(() => {
        e.disposables.dispose();
        if (this.panels.get(key) === e) this.panels.delete(key);
      }),
    );
    return e;
  }

  private post(e: PanelEntry, message: Unsent<ToWebviewMessage>): number {
    const full = jsonSafe({ ...message, id: this.nextId() });
    this.recorded.record(e.uri.toString(), full);
    void e.panel.webview.postMessage(full).then(
      (ok) => {
        if (!ok) this.log.debug(`Noether Lab panel: message ${full.type} not delivered (webview hidden or loading)`);
      },
      (err) => this.log.warn(`Noether Lab panel: postMessage failed: ${String(err)}`),
    );
    return full.id;
  }

  private receive(e: PanelEntry, raw: unknown): void {
    if (!isFromWebviewMessage(raw)) {
      this.log.warn(`Noether Lab panel: ignored an invalid message from the webview: ${preview(raw)}`);
      return;
    }
    const m: FromWebviewMessage = raw;
    switch (m.type) {
      case FromWebviewType.Ready:
        e.ready = true;
        this.resendState(e);
        if (e.restored && !e.analysis) this.commandEmitter.fire({ uri: e.uri, command: 'refresh' });
        e.restored = false;
        break;
      case FromWebviewType.Command:
        this.commandEmitter.fire({ uri: e.uri, command: m.command, args: m.args });
        break;
      case FromWebviewType.ExportData:
        saveExport(m, e.uri).then(
          (path) => this.post(e, { type: ToWebviewType.Reply, replyTo: m.id, ok: path !== undefined, detail: path ?? 'cancelled' }),
          (err) => {
            this.log.error(`Noether Lab export failed: ${String(err)}`);
            void vscode.window.showErrorMessage(`Noether Lab: export failed: ${String(err)}`);
            this.post(e, { type: ToWebviewType.Reply, replyTo: m.id, ok: false, detail: String(err) });
          },
        );
        break;
      case FromWebviewType.HistoryAction:
        this.historyEmitter.fire({ uri: e.uri, action: m.action, entry: m.entry });
        break;
      case FromWebviewType.ShowInEditor:
        revealComponent(e.uri, m.component).catch((err) => this.log.warn(`Noether Lab: cannot reveal ${m.component}: ${String(err)}`));
        break;
    }
  }

  /** The webview (re)loaded: send everything it should show. */
  private resendState(e: PanelEntry): void {
    this.post(e, { type: ToWebviewType.Theme, kind: themeKind(vscode.window.activeColorTheme.kind) });
    if (e.analysis) this.post(e, this.analysisMessage(e, e.analysis));
    if (e.result) this.post(e, { type: ToWebviewType.SimulationResult, result: e.result });
    if (e.progress) this.post(e, { type: ToWebviewType.SimulationProgress, progress: e.progress });
    if (e.overlay?.entry) this.post(e, e.overlay);
    if (e.focus) this.post(e, e.focus);
    e.focus = undefined;
  }
}

function preview(x: unknown): string {
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(x);
  }
}
