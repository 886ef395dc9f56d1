// What the panels and the side view posted, for the integration tests (the extension's API returns
// it). Recording is off in production: only a test run turns it on (VS Code's test mode, or
// NOETHER_LAB_RECORD_MESSAGES=1), and even then the log is bounded: the last `perKey` messages of
// the last `keys` files, each progress message but the latest of its key without its partial run (a
// progress message carries a whole partial run: tens of MB per minute of a run).

/** The environment variable that turns recording on outside VS Code's test mode. */
export const RECORD_ENV = 'NOETHER_LAB_RECORD_MESSAGES';

export interface MessageLogOptions {
  /** Messages kept per key (the oldest are dropped first). */
  perKey?: number;
  /** Keys kept (the least recently written is dropped first). */
  keys?: number;
}

export class MessageLog {
  private readonly byKey = new Map<string, unknown[]>();
  /** Per key, the latest progress message, kept whole until the next one arrives. */
  private readonly fullProgress = new Map<string, unknown>();
  private readonly perKey: number;
  private readonly keys: number;

  constructor(
    readonly enabled: boolean,
    options: MessageLogOptions = {},
  ) {
    this.perKey = Math.max(1, options.perKey ?? 1000);
    this.keys = Math.max(1, options.keys ?? 64);
  }

  /** Whether a test run asked for recording: VS Code's test mode, or the environment variable. */
  static wanted(testMode: boolean, env: Record<string, string | undefined> = process.env): boolean {
    return testMode || env[RECORD_ENV] === '1';
  }

  record(key: string, message: unknown): void {
    if (!this.enabled) return;
    const list = this.byKey.get(key) ?? [];
    // Most recently written last: Map keeps insertion order.
    this.byKey.delete(key);
    this.byKey.set(key, list);
    if (hasPartial(message)) {
      const previous = this.fullProgress.get(key);
      const at = previous === undefined ? -1 : list.lastIndexOf(previous);
      if (at >= 0) list[at] = compact(previous);
      this.fullProgress.set(key, message);
    }
    list.push(message);
    if (list.length > this.perKey) list.splice(0, list.length - this.perKey);
    while (this.byKey.size > this.keys) {
      const oldest = this.byKey.keys().next().value as string;
      this.byKey.delete(oldest);
      this.fullProgress.delete(oldest);
    }
  }

  /** A copy of the messages recorded under `key`, oldest first. */
  messages(key: string): unknown[] {
    return [...(this.byKey.get(key) ?? [])];
  }
}

function hasPartial(message: unknown): message is { progress: { partial: unknown } } {
  if (typeof message !== 'object' || message === null) return false;
  const p = (message as { progress?: unknown }).progress;
  return typeof p === 'object' && p !== null && 'partial' in p;
}

/** A progress message without its partial run. */
function compact(message: unknown): unknown {
  if (!hasPartial(message)) return message;
  const { partial: _partial, ...rest } = message.progress;
  return { ...message, progress: rest };
}
