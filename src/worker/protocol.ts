// Messages between the extension host and its workers: the analysis worker
// (dist/analysisWorker.js; one request per analysis, answered once with the same id) and the run
// worker (dist/runWorker.js; one per run).
import type { AnalysisResult } from '../core/analysis/analyze';
import type { TrainSpec } from '../core/lang/model';
import type { SimulateOptions } from '../core/numeric/runner';
import type { SimulationProgress, SimulationResult } from '../core/numeric/types';
import type { SweepOptions, SweepProgress, SweepResult } from '../core/numeric/sweep';

export interface AnalysisRequest {
  id: number;
  /**
   * `analyze` (default): the whole analysis. `check`: only the full check (data files read,
   * every diagnostic) and the train lines, for the editor when it does not analyse.
   */
  mode?: 'analyze' | 'check' | 'export';
  source: string;
  /** Absolute path of the .loss file (its folder resolves `from "…"` paths); '' for untitled. */
  file: string;
  /** Folder that relative data paths resolve against (the file's folder, or the workspace's). */
  baseDir: string;
  /** When set (untrusted workspace), data files may only be read inside these folders. */
  allowedRoots: string[] | null;
  /** `export`: which train line to export to PyTorch, the analysis' symmetries (their charges are tracked), the version. */
  export?: { train: number; symmetries: AnalysisResult['symmetries']; version?: string };
}

export type AnalysisReply =
  | { id: number; ok: true; result: AnalysisResult; ms: number; trains?: TrainSpec[]; exported?: ExportReply }
  | { id: number; ok: false; error: string; ms: number };

/** `export` requests: the script, or why there is none (the file's errors are in the result's diagnostics). */
export type ExportReply = { script: string; train: number; charges: number } | { error: string };

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
  /** The analysis of this text (the run does not analyse again); none for a sweep (each value's run predicts for itself). */
  analysis?: AnalysisResult;
  /** Instead of one simulation, a sweep of one train key (sweepSource). */
  sweep?: SweepRequest;
}

/** What a sweep runs (src/core/numeric/sweep.ts). */
export type SweepRequest = Pick<SweepOptions, 'key' | 'values' | 'train' | 'steps' | 'chains' | 'seed'>;

/** Host → run worker: stop the run (it keeps and returns what it measured). */
export interface RunWorkerAbort {
  type: 'abort';
}

/** Run worker → host. */
export type RunWorkerMessage =
  | { type: 'progress'; progress: SimulationProgress }
  | { type: 'done'; result: SimulationResult }
  | { type: 'sweep-progress'; progress: SweepProgress }
  | { type: 'sweep-done'; result: SweepResult }
  | { type: 'input-error'; message: string; diagnostics: AnalysisResult['diagnostics'] }
  | { type: 'error'; message: string };
