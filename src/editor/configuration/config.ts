// The extension's settings (noetherLab.*), typed in one place. Read lazily: every getter reads the
// current value, so a change in the Settings UI takes effect on the next use.
import * as os from 'os';
import * as vscode from 'vscode';
import { MAX_WORKERS } from '../../core/numeric/limits';

export const SECTION = 'noetherLab';

export interface NoetherConfig {
  /** Simulation worker threads; 0 = one per core. */
  readonly workers: number;
  /** Chains for a run whose train line does not set `chains` (and for Compare's gd run). */
  readonly defaultChains: number;
  /** Steps for a run whose train line does not set `steps` (and for Compare's gd run). */
  readonly defaultSteps: number;
  /** Analyse `.loss` files while typing. */
  readonly autoAnalyze: boolean;
  /** Quiet time after the last edit before the full analysis starts. */
  readonly analysisDebounceMs: number;
}

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

function int(name: string, fallback: number, min: number, max: number): number {
  const v = section().get<number>(name, fallback);
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : fallback;
}

export const config: NoetherConfig = {
  get workers() {
    return int('workers', 0, 0, MAX_WORKERS);
  },
  get defaultChains() {
    return int('defaultChains', 8, 1, 100_000);
  },
  get defaultSteps() {
    return int('defaultSteps', 10_000, 1, 1_000_000_000);
  },
  get autoAnalyze() {
    return section().get<boolean>('autoAnalyze', true) !== false;
  },
  get analysisDebounceMs() {
    return int('analysisDebounceMs', 300, 0, 60_000);
  },
};

/** Worker threads to use: the setting, or one per core when it is 0. */
export function workerCount(): number {
  const n = config.workers;
  return n > 0 ? n : Math.max(1, Math.min(MAX_WORKERS, os.cpus().length));
}

/** Fires when any noetherLab.* setting changes. */
export function onDidChangeConfig(listener: (e: vscode.ConfigurationChangeEvent) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(e);
  });
}
