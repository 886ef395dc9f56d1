// The status-bar item for the active `.loss` file: what its analysis found (symmetries and groups,
// errors, analysing…) or, during a run, "running 43%". A click shows the file's panel. Hidden when
// the active editor is not a `.loss` file.
import * as path from 'path';
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type { AnalysisResult } from '../../core/analysis/analyze';
import { AnalysisService, isLossDocument } from '../analysis/analysisService';
import { config } from '../configuration/config';
import type { RunService } from '../simulation/runService';

/** What the item shows (also returned to the integration tests). */
export interface StatusView {
  text: string;
  tooltip: string;
  command: string;
}

/** The item's text for an analysis: `$(symbol-misc) 1 symmetry` / `6 symmetries · 1 group` / errors. */
export function analysisStatus(a: AnalysisResult): { text: string; tooltip: string } {
  const errors = a.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) return { text: `$(error) Noether: ${errors} error${errors === 1 ? '' : 's'}`, tooltip: 'The file has errors: see the Problems view.' };
  const n = a.symmetries.length;
  const groups = a.groups.length;
  if (n === 0) return { text: '$(symbol-misc) Noether: no symmetry', tooltip: 'No continuous symmetry: no conserved quantity, no balance law.' };
  const sym = `${n} ${n === 1 ? 'symmetry' : 'symmetries'}`;
  const grp = groups > 0 && groups !== n ? ` · ${groups} ${groups === 1 ? 'group' : 'groups'}` : '';
  const names = a.groups.length ? a.groups.map((g) => g.name) : a.symmetries.map((s) => `${s.kind} (C = ${s.charge.text})`);
  const list = names.slice(0, 6).join('; ') + (names.length > 6 ? `; and ${names.length - 6} more` : '');
  return { text: `$(symbol-misc) Noether: ${sym}${grp}`, tooltip: `${sym}${grp}: ${list}.` };
}

export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('noetherLab.status', vscode.StatusBarAlignment.Left, 100));
  private view: StatusView | undefined;

  constructor(
    private readonly analysis: AnalysisService,
    private readonly runs: RunService,
  ) {
    super();
    this.item.name = 'Noether Lab';
    const refreshIfActive = (uri: vscode.Uri) => {
      if (vscode.window.activeTextEditor?.document.uri.toString() === uri.toString()) this.refresh();
    };
    this.register(
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length > 0 && refreshIfActive(e.document.uri)),
      analysis.onDidAnalyze((e) => refreshIfActive(e.uri)),
      analysis.onDidFail((e) => refreshIfActive(e.uri)),
      runs.onDidChangeState((e) => refreshIfActive(e.uri)),
    );
    this.refresh();
  }

  /** What the item shows now (undefined: hidden). */
  current(): StatusView | undefined {
    return this.view;
  }

  refresh(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !isLossDocument(doc)) {
      this.view = undefined;
      this.item.hide();
      return;
    }
    this.view = this.viewFor(doc);
    this.item.text = this.view.text;
    this.item.tooltip = this.view.tooltip;
    this.item.command = { title: 'Show Panel', command: this.view.command, arguments: [doc.uri] };
    this.item.show();
  }

  private viewFor(doc: vscode.TextDocument): StatusView {
    const name = path.posix.basename(doc.uri.path);
    const show = 'noetherLab.showPanel';
    const run = this.runs.state(doc.uri);
    if (run.running) {
      const pct = run.percent === undefined ? 'starting…' : `${run.percent}%`;
      return { text: `$(sync~spin) Noether: running ${pct}`, tooltip: `Simulating ${name}: ${pct}. Click to show the panel.`, command: show };
    }
    const a = this.analysis.peek(doc);
    if (a) {
      const s = analysisStatus(a);
      return { ...s, tooltip: `${name}: ${s.tooltip} Click to show the panel.`, command: show };
    }
    const error = this.analysis.errorFor(doc);
    if (error) return { text: '$(warning) Noether: analysis failed', tooltip: `The analysis of ${name} failed: ${error.split('\n')[0]}`, command: show };
    if (this.analysis.isPending(doc) || config.autoAnalyze)
      return { text: '$(loading~spin) Noether: analysing…', tooltip: `Analysing ${name}…`, command: show };
    return { text: '$(symbol-misc) Noether: Analyze', tooltip: `Analyse ${name} (auto-analysis is off).`, command: 'noetherLab.analyze' };
  }
}
