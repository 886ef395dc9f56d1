// The Noether Lab side view: a compact live summary of the active `.loss` file (its symmetries and
// charges, equilibria, sparklines of the latest run), or an empty state.
import * as vscode from 'vscode';
import { Disposable, DisposableStore } from '../editor/disposable';
import type { AnalysisResult } from '../core/analysis/analyze';
import type { SimulationResult } from '../core/numeric/types';
import {
  FromWebviewType,
  HistoryActionMessage,
  HistoryMessage,
  idCounter,
  isFromWebviewMessage,
  jsonSafe,
  ToWebviewMessage,
  ToWebviewType,
  Unsent,
} from '../shared/protocol';
import { baseName, renderHtml, revealComponent, themeKind, webviewOptions } from './hostUtil';
import { MessageLog } from './messageLog';

export class SidebarViewProvider extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewType = 'noetherLab.summary';

  private view: vscode.WebviewView | undefined;
  private uri: vscode.Uri | undefined;
  private analysis: AnalysisResult | undefined;
  private simulation: SimulationResult | undefined;
  /** What was posted, for the integration tests (off outside a test run; bounded). */
  private readonly posted: MessageLog;
  /** The listeners of the current webview (a new one replaces them). */
  private readonly viewDisposables = this.register(new DisposableStore());
  private readonly nextId = idCounter();
  private history: Unsent<HistoryMessage> | undefined;
  private readonly historyEmitter = this.register(new vscode.EventEmitter<{ uri: vscode.Uri; action: HistoryActionMessage['action']; entry?: string }>());
  /** A button of the run history was pressed (for the file the side view shows). */
  readonly onDidRequestHistoryAction = this.historyEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.posted = new MessageLog(MessageLog.wanted(context.extensionMode === vscode.ExtensionMode.Test));
    this.register(
      vscode.window.onDidChangeActiveColorTheme((t) => {
        if (this.view) this.post({ type: ToWebviewType.Theme, kind: themeKind(t.kind) });
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.viewDisposables.clear();
    this.view = view;
    view.webview.options = webviewOptions(this.context.extensionUri);
    view.webview.html = renderHtml(view.webview, this.context.extensionUri, 'sidebar', 'Noether Lab');
    this.viewDisposables.add(
      view.webview.onDidReceiveMessage((m) => this.receive(m)),
      view.onDidDispose(() => {
        if (this.view === view) this.view = undefined;
        this.viewDisposables.clear();
      }),
    );
  }

  update(uri: vscode.Uri | undefined, analysis?: AnalysisResult, simulation?: SimulationResult): void {
    const sameFile = uri !== undefined && this.uri !== undefined && uri.toString() === this.uri.toString();
    this.uri = uri;
    this.analysis = uri ? (analysis ?? (sameFile ? this.analysis : undefined)) : undefined;
    this.simulation = uri ? (simulation ?? (sameFile ? this.simulation : undefined)) : undefined;
    if (this.view) this.postSummary();
  }

  /** The file the side view shows (it keeps the last one while focus is elsewhere). */
  get shownUri(): vscode.Uri | undefined {
    return this.uri;
  }

  /** The run history of the file shown (newest first). */
  setHistory(message: Omit<HistoryMessage, 'id' | 'type'>): void {
    this.history = { type: ToWebviewType.History, ...message };
    if (this.view) this.post(this.history);
  }

  postedMessages(): unknown[] {
    return this.posted.messages('');
  }

  override dispose(): void {
    super.dispose();
    this.view = undefined;
  }

  private postSummary(): void {
    this.post({
      type: ToWebviewType.Summary,
      uri: this.uri ? this.uri.toString() : null,
      fileName: this.uri ? baseName(this.uri) : null,
      ...(this.analysis ? { analysis: this.analysis } : {}),
      ...(this.simulation ? { simulation: this.simulation } : {}),
    });
  }

  private post(message: Unsent<ToWebviewMessage>): void {
    const full = jsonSafe({ ...message, id: this.nextId() });
    this.posted.record('', full);
    void this.view?.webview.postMessage(full).then(undefined, (err) => this.log.warn(`Noether Lab side view: postMessage failed: ${String(err)}`));
  }

  private receive(raw: unknown): void {
    if (!isFromWebviewMessage(raw)) {
      this.log.warn('Noether Lab side view: ignored an invalid message from the webview');
      return;
    }
    if (raw.type === FromWebviewType.Ready) {
      this.post({ type: ToWebviewType.Theme, kind: themeKind(vscode.window.activeColorTheme.kind) });
      this.postSummary();
      if (this.history) this.post(this.history);
    } else if (raw.type === FromWebviewType.HistoryAction && this.history?.uri) {
      this.historyEmitter.fire({ uri: vscode.Uri.parse(this.history.uri), action: raw.action, entry: raw.entry });
    } else if (raw.type === FromWebviewType.ShowInEditor && this.uri) {
      revealComponent(this.uri, raw.component).catch((err) => this.log.warn(`Noether Lab: cannot reveal ${raw.component}: ${String(err)}`));
    } else {
      this.log.debug(`Noether Lab side view: ignored ${raw.type}`);
    }
  }
}
