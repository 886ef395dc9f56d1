// Diagnostics while typing. On the host, at every change, only the quick check runs (checkSource
// in quick mode: no data file is read, lowering stops past a node budget, milliseconds), and not
// even that for a text past HOST_CHECK_MAX_CHARS; the full check, with data files, runs in the
// analysis worker (as part of the analysis, or on its own when the analysis is off or fails) and
// its diagnostics replace the quick ones for the same version. The analysis' diagnostics include
// what only it can say (lr at or above the stability bound 2/λ_max(H), a model too large to
// analyse), so they show when it arrives for the current version. The core diagnostics are kept
// per document so that the quick-fix provider can find each one's `fix`.
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { checkSource } from '../../core/lang/check';
import { AnalysisService, FullCheck, isLossDocument } from '../analysis/analysisService';
import { config } from '../configuration/config';
import { CoreDiagnostic, DIAGNOSTIC_SOURCE, toVsDiagnostic } from './convert';

/**
 * Longest text the host checks itself (about 40 ms to parse here); a longer one is checked only
 * in the worker, so that typing in a large file never waits for its parse on the editor's thread.
 */
export const HOST_CHECK_MAX_CHARS = 100_000;

export class DiagnosticsController extends Disposable {
  readonly collection = this.register(vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE));
  private readonly core = new Map<string, { version: number; items: CoreDiagnostic[] }>();
  /** Documents whose quick check left work to the full check (data files, a large loss). */
  private readonly needsFull = new Map<string, number>();

  constructor(
    private readonly analysis: AnalysisService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    const w = vscode.workspace;
    this.register(
      w.onDidOpenTextDocument((d) => this.refresh(d)),
      w.onDidChangeTextDocument((e) => e.contentChanges.length > 0 && this.refresh(e.document)),
      w.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.core.delete(d.uri.toString());
        this.needsFull.delete(d.uri.toString());
        this.analysis.forget(d.uri);
      }),
      analysis.onDidAnalyze((e) => this.showFull({ uri: e.uri, version: e.version, diagnostics: e.result.diagnostics })),
      analysis.onDidCheck((c) => this.showFull(c)),
      // The analysis failed (a timeout, a crash): the data files still need their check.
      analysis.onDidFail((e) => {
        const doc = this.current(e.uri, e.version);
        if (doc && this.needsFull.get(e.uri.toString()) === e.version) analysis.scheduleCheck(doc);
      }),
    );
    for (const d of w.textDocuments) this.refresh(d);
  }

  /** Check a document now (quick, on this thread) and schedule its full check or analysis. */
  refresh(doc: vscode.TextDocument): void {
    if (!isLossDocument(doc)) return;
    const key = doc.uri.toString();
    const t0 = performance.now();
    const text = doc.getText();
    let full = true;
    if (text.length <= HOST_CHECK_MAX_CHARS) {
      let items: CoreDiagnostic[];
      try {
        const r = checkSource(text, { quick: true });
        items = r.diagnostics.map((d) => ({ ...d }));
        full = r.incomplete !== undefined;
      } catch (e) {
        // The core never throws on input; if it does, say so instead of crashing the host.
        this.log.error(`check of ${key} threw: ${e instanceof Error ? e.stack : String(e)}`);
        items = [{ line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', message: `internal error while checking: ${String(e)}` }];
      }
      this.set(doc.uri, doc.version, items);
      this.log.trace(`checked ${key} v${doc.version} in ${(performance.now() - t0).toFixed(1)} ms${full ? ' (the rest in the worker)' : ''}`);
    } else {
      // Keep the last diagnostics (VS Code moves them with the edits) until the worker's arrive.
      this.log.trace(`${key} v${doc.version} has ${text.length} characters: checked in the worker only`);
    }
    // This version may be analysed already (settings or trust changed): show what the analysis said.
    const done = this.analysis.peek(doc);
    if (done) {
      this.needsFull.delete(key);
      this.showFull({ uri: doc.uri, version: doc.version, diagnostics: done.diagnostics });
      return;
    }
    if (full) this.needsFull.set(key, doc.version);
    else this.needsFull.delete(key);
    if (config.autoAnalyze) this.analysis.schedule(doc);
    else if (full) this.analysis.scheduleCheck(doc);
  }

  /** Re-check every open .loss document (settings or trust changed). */
  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.refresh(d);
  }

  coreDiagnostics(uri: vscode.Uri): CoreDiagnostic[] {
    return this.core.get(uri.toString())?.items ?? [];
  }

  /** The full check's diagnostics replace the quick ones, if the document is still at that version. */
  private showFull(c: FullCheck): void {
    if (!this.current(c.uri, c.version)) return;
    this.set(
      c.uri,
      c.version,
      c.diagnostics.map((d) => ({ ...d })),
    );
  }

  private current(uri: vscode.Uri, version: number): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && d.version === version);
  }

  private set(uri: vscode.Uri, version: number, items: CoreDiagnostic[]): void {
    this.core.set(uri.toString(), { version, items });
    this.collection.set(uri, items.map(toVsDiagnostic));
  }
}
