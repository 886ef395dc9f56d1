// The full analysis (analyzeSource, in the worker thread) per document: debounced while typing,
// cached per URI + version, stale results dropped. Everything that needs an analysis (hovers,
// CodeLens, commands, panel, side view, the test API) goes through here, and so does the full
// check (data files read) that the editor's thread never does itself.
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type { AnalysisResult } from '../../core/analysis/analyze';
import type { TrainSpec } from '../../core/lang/model';
import { config } from '../configuration/config';
import { allowedRoots, baseDirOf, fileLabel } from './trust';
import { AnalysisWorkerClient, StaleRequestError } from './workerClient';
import type { ExportReply } from '../../worker/protocol';
import { generatorCount, symmetriesWord } from '../../shared/groupText';

/** One version of a document's text, taken at one moment (a run simulates exactly this). */
export interface DocSnapshot {
  uri: vscode.Uri;
  version: number;
  text: string;
}

export function snapshot(doc: vscode.TextDocument): DocSnapshot {
  return { uri: doc.uri, version: doc.version, text: doc.getText() };
}

/** The full check of one version: every diagnostic, and the train lines when there is no error. */
export interface FullCheck {
  uri: vscode.Uri;
  version: number;
  diagnostics: AnalysisResult['diagnostics'];
  trains?: TrainSpec[];
}

export const LANGUAGE_ID = 'loss';

export function isLossDocument(doc: vscode.TextDocument): boolean {
  return doc.languageId === LANGUAGE_ID || doc.uri.path.endsWith('.loss');
}

export interface AnalysisEvent {
  uri: vscode.Uri;
  version: number;
  result: AnalysisResult;
}

interface Entry {
  version: number;
  promise: Promise<AnalysisResult | undefined>;
  result?: AnalysisResult;
  error?: string;
}

export class AnalysisService extends Disposable {
  private readonly cache = new Map<string, Entry>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly checkTimers = new Map<string, NodeJS.Timeout>();
  private readonly emitter = this.register(new vscode.EventEmitter<AnalysisEvent>());
  /** Fires when a current (not stale) analysis finishes. */
  readonly onDidAnalyze = this.emitter.event;
  private readonly failEmitter = this.register(new vscode.EventEmitter<{ uri: vscode.Uri; version: number }>());
  /** Fires when the analysis of a version fails (timeout, crash): not when it is superseded. */
  readonly onDidFail = this.failEmitter.event;
  private readonly checkEmitter = this.register(new vscode.EventEmitter<FullCheck>());
  /** Fires when a scheduled full check finishes. */
  readonly onDidCheck = this.checkEmitter.event;

  constructor(
    private readonly client: AnalysisWorkerClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  /** The cached analysis of exactly this version, if it has finished. */
  peek(doc: vscode.TextDocument): AnalysisResult | undefined {
    const e = this.cache.get(doc.uri.toString());
    return e && e.version === doc.version ? e.result : undefined;
  }

  /** The newest finished analysis of this document, whatever its version (for views). */
  latest(uri: vscode.Uri): AnalysisResult | undefined {
    return this.cache.get(uri.toString())?.result;
  }

  /** The last error of this version's analysis, if it failed. */
  errorFor(doc: vscode.TextDocument): string | undefined {
    const e = this.cache.get(doc.uri.toString());
    return e && e.version === doc.version ? e.error : undefined;
  }

  isPending(doc: vscode.TextDocument): boolean {
    const e = this.cache.get(doc.uri.toString());
    return !!e && e.version === doc.version && !e.result && !e.error;
  }

  /** Analyse after the debounce delay (typing). */
  schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    if (this.cache.get(key)?.version === doc.version) return;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.analyze(doc);
      }, config.analysisDebounceMs),
    );
  }

  /** The full check after the debounce delay (typing, when the analysis is not run). */
  scheduleCheck(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.checkTimers.get(key));
    this.checkTimers.set(
      key,
      setTimeout(() => {
        this.checkTimers.delete(key);
        void this.check(snapshot(doc), 'check').then((c) => c && this.checkEmitter.fire(c));
      }, config.analysisDebounceMs),
    );
  }

  /**
   * The full check of a snapshot in the worker (data files read there, never on this thread).
   * Undefined when it failed or a newer check for the same purpose (typing, or a run) superseded it.
   */
  async check(snap: DocSnapshot, purpose: 'check' | 'run'): Promise<FullCheck | undefined> {
    const key = snap.uri.toString();
    try {
      const { result, trains } = await this.client.analyze(`${purpose}:${key}`, { ...this.request(snap.uri, snap.text), mode: 'check' });
      return { uri: snap.uri, version: snap.version, diagnostics: result.diagnostics, trains };
    } catch (e) {
      if (!(e instanceof StaleRequestError))
        this.log.error(`check of ${vscode.workspace.asRelativePath(snap.uri)} v${snap.version} failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  /**
   * The analysis of exactly this snapshot (a run pins the version it simulates): the cached or
   * in-flight analysis of the version, else one of its own that typing does not supersede.
   */
  async analyzePinned(doc: vscode.TextDocument, snap: DocSnapshot): Promise<AnalysisResult | undefined> {
    const entry = this.cache.get(snap.uri.toString());
    if (entry?.version === snap.version && !entry.error) {
      const r = await entry.promise;
      if (r) return r;
    } else if (doc.version === snap.version) {
      const r = await this.analyze(doc);
      if (r) return r;
    }
    const key = snap.uri.toString();
    try {
      const { result, ms } = await this.client.analyze(`pinned:${key}`, this.request(snap.uri, snap.text));
      this.log.info(`analysed ${vscode.workspace.asRelativePath(snap.uri)} v${snap.version} for a run in ${ms.toFixed(0)} ms`);
      return result;
    } catch (e) {
      this.log.error(`analysis of ${vscode.workspace.asRelativePath(snap.uri)} v${snap.version} failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  /**
   * One train line of this snapshot as a PyTorch script, made in the worker (the data files are
   * read there; a CSV data set is embedded in the script); the symmetries' charges are tracked.
   */
  async exportPyTorch(snap: DocSnapshot, train: number, symmetries: AnalysisResult['symmetries'], version?: string): Promise<ExportReply> {
    const { exported } = await this.client.analyze(`export:${snap.uri.toString()}`, {
      ...this.request(snap.uri, snap.text),
      mode: 'export',
      export: { train, symmetries, version },
    });
    return exported ?? { error: 'the analysis worker returned no script' };
  }

  private request(uri: vscode.Uri, source: string) {
    return { source, file: fileLabel(uri), baseDir: baseDirOf(uri), allowedRoots: allowedRoots() };
  }

  /** Analyse this version now, or return the cached / in-flight analysis of it. */
  analyze(doc: vscode.TextDocument): Promise<AnalysisResult | undefined> {
    const key = doc.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === doc.version && !cached.error) return cached.promise;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const version = doc.version;
    const entry: Entry = { version, promise: Promise.resolve(undefined) };
    entry.promise = this.client.analyze(key, this.request(doc.uri, doc.getText())).then(
      ({ result, ms }) => {
        entry.result = result;
        const current = this.cache.get(key) === entry;
        this.log.info(
          `analysed ${vscode.workspace.asRelativePath(doc.uri)} v${version} in ${ms.toFixed(0)} ms: ` +
            `${symmetriesWord(generatorCount(result))} in ${result.groups.length} group${result.groups.length === 1 ? '' : 's'}, ${result.diagnostics.length} diagnostics${current ? '' : ' (stale, dropped)'}`,
        );
        if (current) this.emitter.fire({ uri: doc.uri, version, result });
        return result;
      },
      (e: Error) => {
        if (e instanceof StaleRequestError) {
          this.log.debug(`analysis of ${doc.uri.toString()} v${version} skipped: ${e.message}`);
          return undefined;
        }
        entry.error = e.message;
        this.log.error(`analysis of ${vscode.workspace.asRelativePath(doc.uri)} v${version} failed: ${e.message}`);
        if (this.cache.get(key) === entry) this.failEmitter.fire({ uri: doc.uri, version });
        return undefined;
      },
    );
    this.cache.set(key, entry);
    return entry.promise;
  }

  /** Wait at most `ms` for this version's analysis (starting it if needed). */
  async analysisWithin(doc: vscode.TextDocument, ms: number): Promise<AnalysisResult | undefined> {
    const done = this.peek(doc);
    if (done) return done;
    const p = this.analyze(doc);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    clearTimeout(this.checkTimers.get(key));
    this.checkTimers.delete(key);
    this.cache.delete(key);
  }

  /** Drop every cached result (e.g. after workspace trust changes what files may be read). */
  clear(): void {
    for (const t of [...this.timers.values(), ...this.checkTimers.values()]) clearTimeout(t);
    this.timers.clear();
    this.checkTimers.clear();
    this.cache.clear();
  }

  /** Also stops the debounce timers (a pending one would analyse after the end). */
  override dispose(): void {
    this.clear();
    super.dispose();
  }
}
