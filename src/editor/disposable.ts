// Ownership of disposables, after VS Code's own (src/vs/base/common/lifecycle.ts: Disposable,
// DisposableStore, dispose): a class that owns listeners, emitters, status-bar items and the like
// extends Disposable and registers each as it creates it; its dispose() disposes them all, the last
// registered first. Pure (it needs only `{ dispose(): void }`, which vscode.Disposable is), so the
// unit tests load it with plain Node.

/** Anything that can be disposed: a vscode.Disposable, an EventEmitter, a DisposableStore. */
export interface DisposableLike {
  dispose(): void;
}

/**
 * Disposes each, in the order given. Every one is disposed even when some throw; then the error is
 * thrown again (one: itself; several: an AggregateError of them), never swallowed.
 */
export function disposeAll(disposables: Iterable<DisposableLike>): void {
  const errors: unknown[] = [];
  for (const d of disposables) {
    try {
      d.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} errors while disposing`);
}

/**
 * A set of disposables owned together. clear() disposes what it holds and keeps it usable (e.g. the
 * listeners of a webview that is replaced); dispose() also closes it: anything added afterwards is
 * disposed at once (VS Code's store only warns and leaks it; here nothing outlives its owner).
 */
export class DisposableStore implements DisposableLike {
  private readonly items: DisposableLike[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Owns `d` and `more`; returns `d` (for `const x = store.add(new X())`). */
  add<T extends DisposableLike>(d: T, ...more: DisposableLike[]): T {
    for (const x of [d, ...more]) {
      if ((x as unknown) === this) throw new Error('a DisposableStore cannot own itself');
      if (this.disposed) x.dispose();
      else this.items.push(x);
    }
    return d;
  }

  /** Disposes everything held, the last added first; the store stays open. */
  clear(): void {
    disposeAll(this.items.splice(0).reverse());
  }

  /** Disposes everything held and closes the store; a second call does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/**
 * Base of a class that owns disposables: register() each, and dispose() disposes them (the last
 * registered first), once. A subclass with other clean-up (stopping runs, terminating a worker,
 * clearing timers) overrides dispose() and calls super.dispose().
 */
export abstract class Disposable implements DisposableLike {
  private readonly store = new DisposableStore();

  /** Whether dispose() has been called. */
  protected get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  /**
   * Owns `d` (and `more`) until this object is disposed; returns `d`. After dispose(), disposes
   * them at once.
   */
  protected register<T extends DisposableLike>(d: T, ...more: DisposableLike[]): T {
    if ([d, ...more].some((x) => (x as unknown) === this)) throw new Error('a Disposable cannot register itself');
    return this.store.add(d, ...more);
  }

  dispose(): void {
    this.store.dispose();
  }
}
