// The ownership of disposables (src/editor/disposable.ts): the last registered is disposed first,
// once; every one is disposed even when some throw, and the errors are thrown, never swallowed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Disposable, DisposableStore, disposeAll } from '../../src/editor/disposable';

/** A disposable that writes its name to `log` when disposed (and throws `fails`, if given). */
function probe(log: string[], name: string, fails?: Error) {
  return {
    dispose() {
      log.push(name);
      if (fails) throw fails;
    },
  };
}

class Owner extends Disposable {
  constructor(
    readonly log: string[],
    ...names: string[]
  ) {
    super();
    for (const n of names) this.register(probe(log, n));
  }
  own<T extends { dispose(): void }>(d: T): T {
    return this.register(d);
  }
  get disposed(): boolean {
    return this.isDisposed;
  }
}

/** A subclass with clean-up of its own, the way the services override dispose(). */
class Worker extends Owner {
  override dispose(): void {
    this.log.push('terminate');
    super.dispose();
  }
}

test('disposable: disposes what it registered, the last registered first, once', () => {
  const log: string[] = [];
  const o = new Owner(log, 'a', 'b', 'c');
  assert.equal(o.disposed, false);
  o.dispose();
  assert.deepEqual(log, ['c', 'b', 'a']);
  assert.equal(o.disposed, true);
  o.dispose();
  assert.deepEqual(log, ['c', 'b', 'a'], 'a second dispose does nothing');
});

test('disposable: a registration after dispose is disposed at once, and returned', () => {
  const log: string[] = [];
  const o = new Owner(log);
  o.dispose();
  const late = probe(log, 'late');
  assert.equal(o.own(late), late);
  assert.deepEqual(log, ['late']);
});

test('disposable: an object cannot own itself', () => {
  const o = new Owner([]);
  assert.throws(() => o.own(o), /cannot register itself/);
  const s = new DisposableStore();
  assert.throws(() => s.add(s), /cannot own itself/);
});

test('disposable: an overriding dispose runs its own clean-up and its registrations', () => {
  const log: string[] = [];
  new Worker(log, 'listener', 'emitter').dispose();
  assert.deepEqual(log, ['terminate', 'emitter', 'listener']);
});

test('disposable: one that throws does not stop the others, and its error is thrown', () => {
  const log: string[] = [];
  const boom = new Error('boom');
  const s = new DisposableStore();
  s.add(probe(log, 'a'), probe(log, 'b', boom), probe(log, 'c'));
  assert.throws(
    () => s.dispose(),
    (e) => e === boom,
  );
  assert.deepEqual(log, ['c', 'b', 'a']);
  assert.equal(s.isDisposed, true);
});

test('disposable: several errors are thrown together as an AggregateError', () => {
  const log: string[] = [];
  const e1 = new Error('one');
  const e2 = new Error('two');
  assert.throws(
    () => disposeAll([probe(log, 'a', e1), probe(log, 'b'), probe(log, 'c', e2)]),
    (e) => e instanceof AggregateError && e.errors.length === 2 && e.errors[0] === e1 && e.errors[1] === e2,
  );
  assert.deepEqual(log, ['a', 'b', 'c'], 'disposeAll keeps the order it is given');
});

test('disposable: clear() disposes what a store holds and keeps it open', () => {
  const log: string[] = [];
  const s = new DisposableStore();
  s.add(probe(log, 'view 1 listener'), probe(log, 'view 1 dispose'));
  s.clear();
  assert.deepEqual(log, ['view 1 dispose', 'view 1 listener']);
  assert.equal(s.isDisposed, false);
  s.add(probe(log, 'view 2'));
  assert.equal(log.length, 2, 'added after clear(): kept, not disposed');
  s.dispose();
  assert.deepEqual(log.slice(2), ['view 2']);
});
