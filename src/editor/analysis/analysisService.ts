// The full analysis (analyzeSource, in the worker thread) per document: debounced while typing,
// cached per URI + version, stale results dropped. Everything that needs an analysis (hovers,
// CodeLens, commands, panel, side view, the test API) goes through here.
import * as vscode from 'vscode';
import type { AnalysisResult } from '../../core/analysis/analyze';
import { config } from '../configuration/config';
import { allowedRoots, baseDirOf, fileLabel } from './trust';
import { AnalysisWorkerClient, StaleRequestError } from './workerClient';
import { generatorCount, symmetriesWord } from '../../shared/groupText';

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

export class AnalysisService implements vscode.Disposable {
  private readonly cache = new Map<string, Entry>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly emitter = new vscode.EventEmitter<AnalysisEvent>();
  /** Fires when a current (not stale) analysis finishes. */
  readonly onDidAnalyze = this.emitter.event;

  constructor(
    private readonly client: AnalysisWorkerClient,
    private readonly log: vscode.LogOutputChannel,
  ) {}

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

  /** Analyse this version now, or return the cached / in-flight analysis of it. */
  analyze(doc: vscode.TextDocument): Promise<AnalysisResult | undefined> {
    const key = doc.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === doc.version && !cached.error) return cached.promise;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const version = doc.version;
    const entry: Entry = { version, promise: Promise.resolve(undefined) };
    entry.promise = this.client
      .analyze(key, {
        source: doc.getText(),
        file: fileLabel(doc.uri),
        baseDir: baseDirOf(doc.uri),
        allowedRoots: allowedRoots(),
      })
      .then(
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
    this.cache.delete(key);
  }

  /** Drop every cached result (e.g. after workspace trust changes what files may be read). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.cache.clear();
  }

  dispose(): void {
    this.clear();
    this.emitter.dispose();
  }
}
