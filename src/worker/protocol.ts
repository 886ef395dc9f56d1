// Messages between the extension host and the analysis worker (dist/analysisWorker.js).
// One request per analysis, answered once with the same id.
import type { AnalysisResult } from '../core/analysis/analyze';

export interface AnalysisRequest {
  id: number;
  source: string;
  /** Absolute path of the .loss file (its folder resolves `from "…"` paths); '' for untitled. */
  file: string;
  /** Folder that relative data paths resolve against (the file's folder, or the workspace's). */
  baseDir: string;
  /** When set (untrusted workspace), data files may only be read inside these folders. */
  allowedRoots: string[] | null;
}

export type AnalysisReply =
  | { id: number; ok: true; result: AnalysisResult; ms: number }
  | { id: number; ok: false; error: string; ms: number };
