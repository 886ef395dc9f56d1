// Runs simulations (simulateSource from the numeric engine, which uses its own worker pool) with a
// cancellable progress notification; one active run per file, Stop aborts them. Disabled in
// untrusted workspaces.
import * as path from 'path';
import * as vscode from 'vscode';
import type { AnalysisResult } from '../../core/analysis/analyze';
import type { TrainSpec } from '../../core/lang/model';
import { simulateSource, SimulateOptions } from '../../core/numeric/runner';
import type { SimulationProgress, SimulationResult } from '../../core/numeric/types';
import { makeReadFile } from '../../core/io/files';
import { baseDirOf, fileLabel } from '../analysis/trust';
import { workerCount } from '../configuration/config';

export const RUNNING_CONTEXT_KEY = 'noetherLab.running';

export interface RunRequest {
  doc: vscode.TextDocument;
  title: string;
  /** Passed through to simulateSource (run / trains / steps / chains). */
  options: Pick<SimulateOptions, 'run' | 'trains' | 'steps' | 'chains' | 'seed'>;
  /** The `run` index of each run that will be simulated, in order (for overall progress). */
  runIndices: number[];
  analysis?: AnalysisResult;
  onProgress?: (p: SimulationProgress) => void;
}

export class RunService implements vscode.Disposable {
  private readonly active = new Map<string, AbortController>();
  private readonly last = new Map<string, SimulationResult>();
  private readonly emitter = new vscode.EventEmitter<{ uri: vscode.Uri; result: SimulationResult }>();
  readonly onDidFinish = this.emitter.event;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  lastSimulation(uri: vscode.Uri): SimulationResult | undefined {
    return this.last.get(uri.toString());
  }

  isRunning(uri?: vscode.Uri): boolean {
    return uri ? this.active.has(uri.toString()) : this.active.size > 0;
  }

  /** Abort every active run (or this file's); returns how many were stopped. */
  stop(uri?: vscode.Uri): number {
    let n = 0;
    for (const [key, c] of this.active) {
      if (uri && key !== uri.toString()) continue;
      c.abort();
      n++;
    }
    return n;
  }

  /** Run with a cancellable progress notification. Resolves undefined when it could not start. */
  async run(req: RunRequest): Promise<SimulationResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Noether Lab: simulations are disabled in an untrusted workspace. Trust the workspace to run them (analysis and hovers keep working).',
      );
      return undefined;
    }
    const key = req.doc.uri.toString();
    this.active.get(key)?.abort();
    const controller = new AbortController();
    this.active.set(key, controller);
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, true);
    const t0 = performance.now();
    const name = path.basename(req.doc.uri.path);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Noether Lab: ${req.title} — ${name}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          const opts: SimulateOptions = {
            ...req.options,
            file: fileLabel(req.doc.uri),
            readFile: makeReadFile(baseDirOf(req.doc.uri), null),
            workers: workerCount(),
            signal: controller.signal,
            workerScript: path.join(this.extensionPath, 'dist', 'simWorker.js'),
            analysis: req.analysis,
            onProgress: (p) => {
              const done = Math.max(0, req.runIndices.indexOf(p.run));
              const overall = Math.min(1, (done + p.fraction) / Math.max(1, req.runIndices.length));
              const pct = Math.round(overall * 100);
              if (pct > reported) {
                progress.report({ increment: pct - reported, message: `${pct}%` });
                reported = pct;
              }
              req.onProgress?.(p);
            },
          };
          const result = await simulateSource(req.doc.getText(), opts);
          const ms = performance.now() - t0;
          const cancelled = result.runs.some((r) => r.cancelled) || controller.signal.aborted;
          this.log.info(
            `simulated ${vscode.workspace.asRelativePath(req.doc.uri)} (${req.title}) in ${ms.toFixed(0)} ms: ` +
              result.runs.map((r) => `${r.optimizer} ${r.steps} steps × ${r.chains} chains at ${Math.round(r.stepsPerSecond)} steps/s`).join('; ') +
              (cancelled ? ' — cancelled, partial results' : ''),
          );
          this.last.set(key, result);
          this.emitter.fire({ uri: req.doc.uri, result });
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
      if (this.active.get(key) === controller) this.active.delete(key);
      void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, this.active.size > 0);
    }
  }

  dispose(): void {
    this.stop();
    this.emitter.dispose();
  }
}

/** A train line's full spec, with the settings' steps/chains where the line does not set them. */
export function withDefaults(spec: TrainSpec, keys: string[], defaults: { steps: number; chains: number }): Partial<TrainSpec> {
  const out: Partial<TrainSpec> = { ...spec };
  delete out.span;
  if (!keys.includes('steps')) out.steps = defaults.steps;
  if (!keys.includes('chains')) out.chains = defaults.chains;
  return out;
}
