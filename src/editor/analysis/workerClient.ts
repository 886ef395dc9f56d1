// Owns the analysis worker thread: one request at a time, a timeout that restarts a stuck worker,
// and a pending queue that keeps only the newest request per document (older ones are stale).
import * as vscode from 'vscode';
import { Worker } from 'worker_threads';
import { Disposable } from '../disposable';
import type { AnalysisResult } from '../../core/analysis/analyze';
import type { TrainSpec } from '../../core/lang/model';
import type { AnalysisReply, AnalysisRequest, ExportReply } from '../../worker/protocol';

export class StaleRequestError extends Error {
  constructor() {
    super('superseded by a newer version of the document');
  }
}

interface Job {
  key: string;
  req: AnalysisRequest;
  resolve: (r: WorkerAnswer) => void;
  reject: (e: Error) => void;
}

export interface WorkerAnswer {
  result: AnalysisResult;
  ms: number;
  /** `check` requests: the train lines, when the file has no error. */
  trains?: TrainSpec[];
  /** `export` requests: the script, or why there is none. */
  exported?: ExportReply;
}

export class AnalysisWorkerClient extends Disposable {
  private worker: Worker | undefined;
  private running: (Job & { timer: NodeJS.Timeout }) | undefined;
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(
    private readonly script: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly timeoutMs = 60_000,
  ) {
    super();
  }

  /** Analyse; a queued (not yet started) request for the same key is dropped as stale. */
  analyze(key: string, req: Omit<AnalysisRequest, 'id'>): Promise<WorkerAnswer> {
    if (this.isDisposed) return Promise.reject(new Error('the analysis worker is disposed'));
    return new Promise((resolve, reject) => {
      for (let i = this.queue.length - 1; i >= 0; i--) {
        if (this.queue[i].key === key) this.queue.splice(i, 1)[0].reject(new StaleRequestError());
      }
      this.queue.push({ key, req: { ...req, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script);
    w.on('message', (reply: AnalysisReply) => this.onReply(reply));
    w.on('error', (e) => {
      this.log.error(`analysis worker error: ${e.stack ?? e.message}`);
      this.failRunning(e);
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      if (code !== 0 && !this.isDisposed) this.log.warn(`analysis worker exited with code ${code}`);
      this.failRunning(new Error(`the analysis worker exited (code ${code})`));
    });
    this.worker = w;
    this.log.info(`analysis worker started (${this.script})`);
    return w;
  }

  private pump(): void {
    if (this.running || this.isDisposed) return;
    const job = this.queue.shift();
    if (!job) return;
    const worker = this.ensureWorker();
    const timer = setTimeout(() => {
      this.log.warn(`analysis of ${job.req.file || job.key} took longer than ${this.timeoutMs} ms: restarting the worker`);
      const w = this.worker;
      this.worker = undefined;
      this.failRunning(new Error(`the analysis took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped`));
      void w?.terminate();
    }, this.timeoutMs);
    this.running = { ...job, timer };
    worker.postMessage(job.req);
  }

  private onReply(reply: AnalysisReply): void {
    const job = this.running;
    if (!job || job.req.id !== reply.id) return;
    clearTimeout(job.timer);
    this.running = undefined;
    if (reply.ok) job.resolve({ result: reply.result, ms: reply.ms, trains: reply.trains, exported: reply.exported });
    else job.reject(new Error(reply.error));
    this.pump();
  }

  private failRunning(e: Error): void {
    const job = this.running;
    if (!job) return;
    clearTimeout(job.timer);
    this.running = undefined;
    job.reject(e);
    this.pump();
  }

  /** Rejects the queued and running requests and terminates the worker. */
  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    for (const j of this.queue.splice(0)) j.reject(new Error('the analysis worker is disposed'));
    this.failRunning(new Error('the analysis worker is disposed'));
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
