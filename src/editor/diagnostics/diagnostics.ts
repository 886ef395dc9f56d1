// Diagnostics while typing: the fast parse + check (checkSource, milliseconds) runs on the host at
// every change; the full analysis is only scheduled (worker, debounced), and what only it can say
// (lr at or above the stability bound 2/λ_max(H), a model too large to analyse) is added when it
// arrives for the current version. The core diagnostics are kept per document so that the quick-fix
// provider can find each one's `fix`.
import * as vscode from 'vscode';
import { checkSource } from '../../core/lang/check';
import { makeReadFile } from '../../worker/fileAccess';
import type { AnalysisResult } from '../../core/analysis/analyze';
import { AnalysisService, isLossDocument } from '../analysis/analysisService';
import { allowedRoots, baseDirOf } from '../analysis/trust';
import { config } from '../configuration/config';
import { CoreDiagnostic, toVsDiagnostic } from './convert';

export class DiagnosticsController implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('noether');
  private readonly core = new Map<string, { version: number; checked: CoreDiagnostic[]; items: CoreDiagnostic[] }>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(
    private readonly analysis: AnalysisService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const w = vscode.workspace;
    this.disposables.push(
      w.onDidOpenTextDocument((d) => this.refresh(d)),
      w.onDidChangeTextDocument((e) => e.contentChanges.length > 0 && this.refresh(e.document)),
      analysis.onDidAnalyze((e) => this.addAnalysis(e.uri, e.version, e.result)),
      w.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.core.delete(d.uri.toString());
        this.analysis.forget(d.uri);
      }),
    );
    for (const d of w.textDocuments) this.refresh(d);
  }

  /** Check a document now and schedule its full analysis. */
  refresh(doc: vscode.TextDocument): void {
    if (!isLossDocument(doc)) return;
    const t0 = performance.now();
    let items: CoreDiagnostic[];
    try {
      const r = checkSource(doc.getText(), { readFile: makeReadFile(baseDirOf(doc.uri), allowedRoots()) });
      items = r.diagnostics.map((d) => ({ ...d }));
    } catch (e) {
      // The core never throws on input; if it does, say so instead of crashing the host.
      this.log.error(`check of ${doc.uri.toString()} threw: ${e instanceof Error ? e.stack : e}`);
      items = [{ line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', message: `internal error while checking: ${e}` }];
    }
    this.core.set(doc.uri.toString(), { version: doc.version, checked: items, items });
    this.collection.set(doc.uri, items.map(toVsDiagnostic));
    this.log.trace(`checked ${doc.uri.toString()} v${doc.version} in ${(performance.now() - t0).toFixed(1)} ms`);
    // This version may be analysed already (settings or trust changed): add what the analysis said.
    const done = this.analysis.peek(doc);
    if (done) this.addAnalysis(doc.uri, doc.version, done);
    else if (config.autoAnalyze) this.analysis.schedule(doc);
  }

  /** The analysis' own diagnostics (beyond the check's), for the version they are of. */
  private addAnalysis(uri: vscode.Uri, version: number, result: AnalysisResult): void {
    const e = this.core.get(uri.toString());
    if (!e || e.version !== version) return;
    const same = (a: CoreDiagnostic, b: CoreDiagnostic) =>
      a.line === b.line && a.column === b.column && a.endLine === b.endLine && a.endColumn === b.endColumn && a.message === b.message;
    const extra = result.diagnostics.filter((d) => !e.checked.some((c) => same(c, d)));
    e.items = [...e.checked, ...extra];
    this.collection.set(uri, e.items.map(toVsDiagnostic));
  }

  /** Re-check every open .loss document (settings or trust changed). */
  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.refresh(d);
  }

  coreDiagnostics(uri: vscode.Uri): CoreDiagnostic[] {
    return this.core.get(uri.toString())?.items ?? [];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
