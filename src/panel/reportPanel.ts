// Reports inside VS Code: experiment reports and sweeps open in a webview panel (the same strict
// CSP with a fresh nonce as the other webviews; TeX typeset by KaTeX) instead of a file:// page in
// an external browser, which remote and web sessions cannot open. The webview keeps its document
// in its state, so a report panel survives a window reload through the serializer.
import * as vscode from 'vscode';
import { Disposable, DisposableStore } from '../editor/disposable';
import { FromWebviewType, idCounter, isFromWebviewMessage, jsonSafe, ToWebviewMessage, ToWebviewType, Unsent } from '../shared/protocol';
import type { ReportDoc } from '../shared/reportDoc';
import { renderHtml, saveExport, themeKind, webviewOptions } from './hostUtil';

interface ReportEntry {
  panel: vscode.WebviewPanel;
  doc?: ReportDoc;
  ready: boolean;
  posted: unknown[];
}

/**
 * A report webview that has not said it is ready after this long is loaded again (at most
 * RELOADS_MAX times): in VS Code for the Web a webview's first load can stall in the service
 * worker's hand-over ("Found unexpected service worker controller") and then never runs its script.
 */
const READY_TIMEOUT_MS = 6000;
const RELOADS_MAX = 2;

export class ReportPanels extends Disposable {
  static readonly viewType = 'noetherLab.report';

  private readonly open = new Set<ReportEntry>();
  private readonly nextId = idCounter();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(
      vscode.window.registerWebviewPanelSerializer(ReportPanels.viewType, {
        // The webview restores its document from its own state; the host only takes the panel back.
        deserializeWebviewPanel: (panel) => {
          panel.webview.options = webviewOptions(this.context.extensionUri);
          this.adopt(panel);
          return Promise.resolve();
        },
      }),
      vscode.window.onDidChangeActiveColorTheme((t) => {
        for (const e of this.open) this.post(e, { type: ToWebviewType.Theme, kind: themeKind(t.kind) });
      }),
    );
  }

  /** Opens a report panel showing `doc` (a new panel per report, beside the editor). */
  show(doc: ReportDoc, title = doc.title): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel(
      ReportPanels.viewType,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      {
        ...webviewOptions(this.context.extensionUri),
        enableFindWidget: true,
      },
    );
    const e = this.adopt(panel);
    e.doc = doc;
    this.post(e, { type: ToWebviewType.Report, doc });
    return panel;
  }

  /** The open report panels: their titles, whether the webview said ready, what was posted (tests). */
  panels(): { title: string; ready: boolean; docTitle?: string; posted: unknown[] }[] {
    return [...this.open].map((e) => ({ title: e.panel.title, ready: e.ready, docTitle: e.doc?.title, posted: [...e.posted] }));
  }

  /** Also closes every report panel. */
  override dispose(): void {
    for (const e of [...this.open]) e.panel.dispose();
    super.dispose();
  }

  private adopt(panel: vscode.WebviewPanel): ReportEntry {
    const e: ReportEntry = { panel, ready: false, posted: [] };
    this.open.add(e);
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'webview', 'noether.svg');
    panel.webview.html = renderHtml(panel.webview, this.context.extensionUri, 'report', panel.title);
    const subs = new DisposableStore();
    let reloads = 0;
    const watchdog = setInterval(() => {
      if (e.ready || reloads >= RELOADS_MAX) {
        clearInterval(watchdog);
        return;
      }
      // A webview in a background tab loads only when shown: nothing has stalled there.
      if (!panel.visible) return;
      reloads++;
      this.log.warn(`Noether Lab report: "${panel.title}" did not load in ${READY_TIMEOUT_MS / 1000} s; loading it again (${reloads} of ${RELOADS_MAX})`);
      panel.webview.html = renderHtml(panel.webview, this.context.extensionUri, 'report', panel.title);
    }, READY_TIMEOUT_MS);
    subs.add(
      panel.webview.onDidReceiveMessage((m) => this.receive(e, m)),
      { dispose: () => clearInterval(watchdog) },
      panel.onDidDispose(() => {
        this.open.delete(e);
        subs.dispose();
      }),
    );
    return e;
  }

  private post(e: ReportEntry, message: Unsent<ToWebviewMessage>): void {
    const full = jsonSafe({ ...message, id: this.nextId() });
    e.posted.push(full);
    void e.panel.webview.postMessage(full).then(undefined, (err) => this.log.warn(`Noether Lab report: postMessage failed: ${String(err)}`));
  }

  private receive(e: ReportEntry, raw: unknown): void {
    if (!isFromWebviewMessage(raw)) {
      this.log.warn('Noether Lab report: ignored an invalid message from the webview');
      return;
    }
    if (raw.type === FromWebviewType.Ready) {
      e.ready = true;
      this.post(e, { type: ToWebviewType.Theme, kind: themeKind(vscode.window.activeColorTheme.kind) });
      if (e.doc) this.post(e, { type: ToWebviewType.Report, doc: e.doc });
    } else if (raw.type === FromWebviewType.ExportData) {
      const m = raw;
      saveExport(m, undefined).then(
        (path) => this.post(e, { type: ToWebviewType.Reply, replyTo: m.id, ok: path !== undefined, detail: path ?? 'cancelled' }),
        (err) => {
          this.log.error(`Noether Lab export failed: ${String(err)}`);
          this.post(e, { type: ToWebviewType.Reply, replyTo: m.id, ok: false, detail: String(err) });
        },
      );
    } else {
      this.log.debug(`Noether Lab report: ignored ${raw.type}`);
    }
  }
}
