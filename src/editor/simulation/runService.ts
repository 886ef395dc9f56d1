// Runs simulations with a cancellable progress notification; one active run per file, Stop aborts
// them. A run simulates exactly the version it was started on (its snapshot, analysed as such),
// whatever is typed meanwhile, and runs in a run worker (dist/runWorker.js): the full check with
// its data files, the worker pool and the merging never touch the extension host's thread.
// Cancelled before it measured anything, a run keeps the previous result. Disabled in untrusted
// workspaces.
import * as path from 'path';
import * as vscode from 'vscode';
import { Worker } from 'worker_threads';
import { Disposable } from '../disposable';
import type { AnalysisResult } from '../../core/analysis/analyze';
import type { TrainSpec } from '../../core/lang/model';
import type { SimulateOptions } from '../../core/numeric/runner';
import type { SimulationProgress, SimulationResult } from '../../core/numeric/types';
import type { SweepProgress, SweepResult } from '../../core/numeric/sweep';
import type { RunWorkerMessage, RunWorkerRequest, SweepRequest } from '../../worker/protocol';
import type { DocSnapshot } from '../analysis/analysisService';
import { baseDirOf, fileLabel } from '../analysis/trust';
import { workerCount } from '../configuration/config';
import { measuredNothing } from './runResult';

export const RUNNING_CONTEXT_KEY = 'noetherLab.running';

/** A file's run: whether it is active and, once it simulates, the overall percent done. */
export interface RunState {
  uri: vscode.Uri;
  running: boolean;
  percent?: number;
}

/** A run from the moment its version is pinned (before its analysis) to its end. */
export interface RunHandle {
  snap: DocSnapshot;
  /** Aborted by Stop (or a newer run of the file), also while the run is still being analysed. */
  signal: AbortSignal;
  /** Ends the run's life as the file's active run. */
  release(): void;
}

export interface RunRequest {
  doc: vscode.TextDocument;
  /** The run, pinned to the version it simulates (taken when the command started). */
  handle: RunHandle;
  title: string;
  /** Passed through to simulateSource (run / trains / steps / chains). */
  options: Pick<SimulateOptions, 'run' | 'trains' | 'steps' | 'chains' | 'seed'>;
  /** The `run` index of each run that will be simulated, in order (for overall progress). */
  runIndices: number[];
  /** The analysis of `snap` (never of another version). */
  analysis: AnalysisResult;
  onProgress?: (p: SimulationProgress) => void;
}

export class RunService extends Disposable {
  /** Each file's active run (from its analysis to its end): Stop aborts it. */
  private readonly active = new Map<string, { controller: AbortController; version: number }>();
  private readonly last = new Map<string, SimulationResult>();
  private readonly emitter = this.register(new vscode.EventEmitter<{ uri: vscode.Uri; result: SimulationResult; title: string }>());
  readonly onDidFinish = this.emitter.event;
  private readonly stateEmitter = this.register(new vscode.EventEmitter<RunState>());
  /** A file's run started, progressed (a whole percent more done) or ended. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** The overall percent done of each file's active run (while it simulates). */
  private readonly percents = new Map<string, number>();

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  lastSimulation(uri: vscode.Uri): SimulationResult | undefined {
    return this.last.get(uri.toString());
  }

  isRunning(uri?: vscode.Uri): boolean {
    return uri ? this.active.has(uri.toString()) : this.active.size > 0;
  }

  /**
   * Starts a run of this snapshot: from now (before its analysis) to release() it is the file's
   * active run, which Stop aborts; a newer run of the file aborts it.
   */
  begin(snap: DocSnapshot): RunHandle {
    const key = snap.uri.toString();
    this.active.get(key)?.controller.abort();
    const entry = { controller: new AbortController(), version: snap.version };
    this.active.set(key, entry);
    this.percents.delete(key);
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, true);
    this.stateEmitter.fire({ uri: snap.uri, running: true });
    return {
      snap,
      signal: entry.controller.signal,
      release: () => {
        if (this.active.get(key) === entry) {
          this.active.delete(key);
          this.percents.delete(key);
          this.stateEmitter.fire({ uri: snap.uri, running: false });
        }
        void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, this.active.size > 0);
      },
    };
  }

  /** The file's run: active or not, and the percent done once it simulates. */
  state(uri: vscode.Uri): RunState {
    const key = uri.toString();
    return { uri, running: this.active.has(key), percent: this.percents.get(key) };
  }

  /** The version the file's active run simulates, while one is starting or running. */
  pinnedVersion(uri: vscode.Uri): number | undefined {
    return this.active.get(uri.toString())?.version;
  }

  /** Abort every active run (or this file's); returns how many were stopped. */
  stop(uri?: vscode.Uri): number {
    let n = 0;
    for (const [key, { controller }] of this.active) {
      if (uri && key !== uri.toString()) continue;
      controller.abort();
      n++;
    }
    return n;
  }

  /**
   * Run with a cancellable progress notification. Resolves undefined when it could not start, or
   * was stopped before it measured anything (the previous result stays the file's last).
   */
  async run(req: RunRequest): Promise<SimulationResult | undefined> {
    const name = path.basename(req.doc.uri.path);
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Noether Lab: simulations are disabled in an untrusted workspace. Trust the workspace to run them (analysis and hovers keep working).',
      );
      return undefined;
    }
    const stoppedEarly = () => {
      void vscode.window.showInformationMessage(`Noether Lab: run stopped before it measured anything; the previous result of ${name} is kept.`);
      return undefined;
    };
    if (req.handle.signal.aborted) return stoppedEarly();
    const key = req.doc.uri.toString();
    const controller = new AbortController();
    // Stopped before the first progress report, the run was still starting up (the workers start
    // and compile; a chain may have taken a step or two): it keeps the previous result.
    let progressed = false;
    let duringStartUp = false;
    controller.signal.addEventListener('abort', () => (duringStartUp = !progressed));
    const onStop = () => controller.abort();
    req.handle.signal.addEventListener('abort', onStop);
    const t0 = performance.now();
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Noether Lab: ${req.title} — ${name}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          const result = await this.simulate(req, controller.signal, (p) => {
            progressed = true;
            const done = Math.max(0, req.runIndices.indexOf(p.run));
            const overall = Math.min(1, (done + p.fraction) / Math.max(1, req.runIndices.length));
            const pct = Math.round(overall * 100);
            if (pct > reported) {
              progress.report({ increment: pct - reported, message: `${pct}%` });
              reported = pct;
              if (this.active.has(key)) {
                this.percents.set(key, pct);
                this.stateEmitter.fire({ uri: req.doc.uri, running: true, percent: pct });
              }
            }
            req.onProgress?.(p);
          });
          const ms = performance.now() - t0;
          const cancelled = result.runs.some((r) => r.cancelled) || controller.signal.aborted;
          this.log.info(
            `simulated ${vscode.workspace.asRelativePath(req.doc.uri)} v${req.handle.snap.version} (${req.title}) in ${ms.toFixed(0)} ms: ` +
              result.runs.map((r) => `${r.optimizer} ${r.steps} steps × ${r.chains} chains at ${Math.round(r.stepsPerSecond)} steps/s`).join('; ') +
              (cancelled ? ' — cancelled, partial results' : ''),
          );
          if (cancelled && (duringStartUp || measuredNothing(result))) return stoppedEarly();
          this.last.set(key, result);
          this.emitter.fire({ uri: req.doc.uri, result, title: req.title });
          if (cancelled) void vscode.window.showInformationMessage(`Noether Lab: run stopped; partial results of ${name} are shown.`);
          return result;
        },
      );
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.error(`simulation of ${req.doc.uri.toString()} failed: ${e instanceof Error ? e.stack : msg}`);
      void vscode.window.showErrorMessage(`Noether Lab: the simulation failed: ${msg}`);
      return undefined;
    } finally {
      req.handle.signal.removeEventListener('abort', onStop);
    }
  }

  /** simulateSource of the snapshot in a run worker; rejects with the run's error. */
  private simulate(req: RunRequest, signal: AbortSignal, onProgress: (p: SimulationProgress) => void): Promise<SimulationResult> {
    return this.inWorker(req.handle.snap, req.options, req.analysis, signal, (m, done) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') done(m.result);
    });
  }

  /**
   * A sweep of the snapshot (sweepSource) in a run worker: each value's run on the worker pool,
   * nothing on the extension host's thread; rejects with its error (a bad key or value too).
   */
  sweep(snap: DocSnapshot, options: SweepRequest, signal: AbortSignal, onProgress: (p: SweepProgress) => void): Promise<SweepResult> {
    return this.inWorker(
      snap,
      {},
      undefined,
      signal,
      (m, done) => {
        if (m.type === 'sweep-progress') onProgress(m.progress);
        else if (m.type === 'sweep-done') done(m.result);
      },
      options,
    );
  }

  private inWorker<T>(
    snap: DocSnapshot,
    options: RunWorkerRequest['options'],
    analysis: AnalysisResult | undefined,
    signal: AbortSignal,
    onMessage: (m: RunWorkerMessage, done: (result: T) => void) => void,
    sweep?: SweepRequest,
  ): Promise<T> {
    const data: RunWorkerRequest = {
      source: snap.text,
      file: fileLabel(snap.uri),
      baseDir: baseDirOf(snap.uri),
      options,
      workers: workerCount(),
      simWorkerScript: path.join(this.extensionPath, 'dist', 'simWorker.js'),
      analysis,
      sweep,
    };
    const worker = new Worker(path.join(this.extensionPath, 'dist', 'runWorker.js'), { workerData: data });
    const onAbort = () => worker.postMessage({ type: 'abort' });
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
    return new Promise<T>((resolve, reject) => {
      worker.on('message', (m: RunWorkerMessage) => {
        if (m.type === 'input-error' || m.type === 'error')
          reject(new Error(m.message)); // the file has errors, or a failure
        else onMessage(m, resolve);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the run worker exited (code ${code})`)));
    }).finally(() => {
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
    });
  }

  /** Also stops every active run (its worker ends with it). */
  override dispose(): void {
    this.stop();
    super.dispose();
  }
}

/** A train line's full spec, with the settings' steps/chains where the line does not set them. */
export function withDefaults(spec: TrainSpec, defaults: { steps: number; chains: number }): Partial<TrainSpec> {
  const out: Partial<TrainSpec> = { ...spec };
  delete out.span;
  delete out.given;
  if (!spec.given?.includes('steps')) out.steps = defaults.steps;
  if (!spec.given?.includes('chains')) out.chains = defaults.chains;
  return out;
}
