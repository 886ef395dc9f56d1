// Core diagnostics (1-based lines and columns, exclusive endColumn) to VS Code's (0-based).
import * as vscode from 'vscode';
import type { AnalysisResult } from '../../core/analysis/analyze';

export type CoreDiagnostic = AnalysisResult['diagnostics'][number];

/** The source shown beside every diagnostic in the Problems view and hovers. */
export const DIAGNOSTIC_SOURCE = 'Noether Lab';

export function toRange(d: { line: number; column: number; endLine: number; endColumn: number }): vscode.Range {
  const start = new vscode.Position(Math.max(0, d.line - 1), Math.max(0, d.column - 1));
  const end = new vscode.Position(Math.max(0, d.endLine - 1), Math.max(0, d.endColumn - 1));
  return new vscode.Range(start, end.isBefore(start) ? start : end);
}

export function toSeverity(s: string): vscode.DiagnosticSeverity {
  switch (s) {
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'info':
      return vscode.DiagnosticSeverity.Information;
    default:
      return vscode.DiagnosticSeverity.Error;
  }
}

export function toVsDiagnostic(d: CoreDiagnostic): vscode.Diagnostic {
  const out = new vscode.Diagnostic(toRange(d), d.message, toSeverity(d.severity));
  out.source = DIAGNOSTIC_SOURCE;
  if (/does not affect the loss/.test(d.message)) out.tags = [vscode.DiagnosticTag.Unnecessary];
  return out;
}
