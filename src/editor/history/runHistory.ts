// The run history of a workspace: every finished run (completed, diverged or stopped with partial
// results) kept as a downsampled copy in the extension's workspace storage
// (`<storageUri>/history/<id>.json`; without a workspace folder, the global storage), its index in
// workspaceState. Bounded (src/core/numeric/history.ts): the last 20 runs per file and 64 MiB in
// all, series downsampled to 500 records. Files are read and written through vscode.workspace.fs
// (asynchronous); the compaction and the JSON text of a run take milliseconds.
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { compactResult, entriesToDrop, HistoryEntry, resultStatus } from '../../core/numeric/history';
import type { SimulationResult } from '../../core/numeric/types';
import { runLabel } from '../../shared/predictionText';
import { isSimulationResult, jsonSafe } from '../../shared/protocol';

const INDEX_KEY = 'noetherLab.runHistory';

export class RunHistory extends Disposable {
  private readonly emitter = this.register(new vscode.EventEmitter<string>());
  /** The history of a file (its URI string) changed. */
  readonly onDidChange = this.emitter.event;
  /** Results read or written this session, by entry id (the stored, downsampled copies). */
  private readonly cache = new Map<string, SimulationResult>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  /** Where the stored runs are (said in the docs and the log). */
  get folder(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.storageUri ?? this.context.globalStorageUri, 'history');
  }

  private index(): HistoryEntry[] {
    const raw = this.context.workspaceState.get<unknown>(INDEX_KEY);
    return Array.isArray(raw) ? (raw as HistoryEntry[]).filter((e) => e && typeof e.id === 'string' && typeof e.uri === 'string') : [];
  }

  /** The file's entries, newest first. */
  list(uri: vscode.Uri): HistoryEntry[] {
    const key = uri.toString();
    return this.index()
      .filter((e) => e.uri === key)
      .sort((a, b) => b.time - a.time);
  }

  entry(id: string): HistoryEntry | undefined {
    return this.index().find((e) => e.id === id);
  }

  /** Keeps a finished run; resolves with its entry. Writes one after another (the index stays whole). */
  add(uri: vscode.Uri, title: string, result: SimulationResult): Promise<HistoryEntry> {
    const task = this.queue.then(() => this.write(uri, title, result));
    this.queue = task.catch(() => undefined);
    return task;
  }

  private async write(uri: vscode.Uri, title: string, result: SimulationResult): Promise<HistoryEntry> {
    const stored = jsonSafe(compactResult(result));
    const bytes = new TextEncoder().encode(JSON.stringify(stored));
    const time = Date.now();
    const id = `${time.toString(36)}-${Math.floor(Math.random() * 36 ** 4)
      .toString(36)
      .padStart(4, '0')}`;
    const entry: HistoryEntry = {
      id,
      uri: uri.toString(),
      time,
      title,
      status: resultStatus(result),
      bytes: bytes.length,
      runs: result.runs.map((r) => ({ label: runLabel(r), train: r.run, status: r.cancelled ? 'cancelled' : r.status })),
    };
    await vscode.workspace.fs.createDirectory(this.folder);
    await vscode.workspace.fs.writeFile(this.file(id), bytes);
    this.cache.set(id, stored);
    const all = [...this.index(), entry];
    const drop = entriesToDrop(all);
    await this.context.workspaceState.update(
      INDEX_KEY,
      all.filter((e) => !drop.has(e.id)),
    );
    await this.removeFiles([...drop]);
    this.log.info(
      `run kept in the history: ${this.file(id).fsPath} (${(bytes.length / 1024).toFixed(0)} KiB)${drop.size ? `; ${drop.size} older run${drop.size > 1 ? 's' : ''} dropped` : ''}`,
    );
    this.emitter.fire(entry.uri);
    return entry;
  }

  /** A stored result (downsampled), or undefined when its file is gone or unreadable. */
  async load(id: string): Promise<SimulationResult | undefined> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    if (!this.entry(id)) return undefined;
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(this.file(id))));
      if (!isSimulationResult(parsed)) throw new Error('not a simulation result');
      this.cache.set(id, parsed);
      return parsed;
    } catch (e) {
      this.log.warn(`run history: cannot read ${this.file(id).fsPath}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** The file's newest stored run. */
  async latest(uri: vscode.Uri): Promise<SimulationResult | undefined> {
    const e = this.list(uri)[0];
    return e ? this.load(e.id) : undefined;
  }

  /** Deletes entries (by id); resolves with how many there were. */
  delete(ids: string[]): Promise<number> {
    const task = this.queue.then(async () => {
      const gone = new Set(ids);
      const all = this.index();
      const hit = all.filter((e) => gone.has(e.id));
      await this.context.workspaceState.update(
        INDEX_KEY,
        all.filter((e) => !gone.has(e.id)),
      );
      await this.removeFiles(hit.map((e) => e.id));
      for (const u of new Set(hit.map((e) => e.uri))) this.emitter.fire(u);
      return hit.length;
    });
    this.queue = task.catch(() => undefined);
    return task;
  }

  /** Clears the history of a file (or of every file). */
  clear(uri?: vscode.Uri): Promise<number> {
    return this.delete((uri ? this.list(uri) : this.index()).map((e) => e.id));
  }

  private file(id: string): vscode.Uri {
    return vscode.Uri.joinPath(this.folder, `${id}.json`);
  }

  private async removeFiles(ids: string[]): Promise<void> {
    for (const id of ids) {
      this.cache.delete(id);
      try {
        await vscode.workspace.fs.delete(this.file(id));
      } catch {
        // already gone
      }
    }
  }
}

/** An entry as a short line: `14:02:31 · running sgd · completed` (the date when not today). */
export function entryLabel(e: HistoryEntry, now = new Date()): string {
  const d = new Date(e.time);
  const sameDay = d.toDateString() === now.toDateString();
  const when = sameDay ? d.toLocaleTimeString() : `${d.toLocaleDateString()} ${d.toLocaleTimeString()}`;
  return `${when} · ${e.runs.map((r) => r.label).join(', ') || e.title} · ${e.status}`;
}
