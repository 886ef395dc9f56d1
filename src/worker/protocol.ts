// Messages between the extension host and its workers: the analysis worker
// (dist/analysisWorker.js; one request per analysis, answered once with the same id) and the run
// worker (dist/runWorker.js; one per run).
import type { AnalysisResult } from '../core/analysis/analyze';
import type { TrainSpec } from '../core/lang/model';
import type { SimulateOptions } from '../core/numeric/runner';
import type { SimulationProgress, SimulationResult } from '../core/numeric/types';

export interface AnalysisRequest {
  id: number;
  /**
   * `analyze` (default): the whole analysis. `check`: only the full check (data files read,
   * every diagnostic) and the train lines, for the editor when it does not analyse.
   */
  mode?: 'analyze' | 'check';
  source: string;
  /** Absolute path of the .loss file (its folder resolves `from "…"` paths); '' for untitled. */
  file: string;
  /** Folder that relative data paths resolve against (the file's folder, or the workspace's). */
  baseDir: string;
  /** When set (untrusted workspace), data files may only be read inside these folders. */
  allowedRoots: string[] | null;
}

export type AnalysisReply =
  | { id: number; ok: true; result: AnalysisResult; ms: number; trains?: TrainSpec[] }
  | { id: number; ok: false; error: string; ms: number };

/** A run for the run worker (dist/runWorker.js): simulateSource of exactly this text. */
export interface RunWorkerRequest {
  source: string;
  file: string;
  /** Folder that relative data paths resolve against. */
  baseDir: string;
  options: Pick<SimulateOptions, 'run' | 'trains' | 'steps' | 'chains' | 'seed'>;
  workers: number;
  /** dist/simWorker.js. */
  simWorkerScript: string;
  /** The analysis of this text (the run does not analyse again). */
  analysis: AnalysisResult;
}

/** Host → run worker: stop the run (it keeps and returns what it measured). */
export interface RunWorkerAbort {
  type: 'abort';
}

/** Run worker → host. */
export type RunWorkerMessage =
  | { type: 'progress'; progress: SimulationProgress }
  | { type: 'done'; result: SimulationResult }
  | { type: 'input-error'; message: string; diagnostics: AnalysisResult['diagnostics'] }
  | { type: 'error'; message: string };
