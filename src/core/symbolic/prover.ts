// Synchronous access to the proof worker (proofWorker.ts) for the analysis, which is synchronous
// for its callers: the expression is posted to the worker and the caller blocks in Atomics.wait
// until the reply or the deadline. Past the deadline the worker is terminated (nerdamer's own
// timeout is not honoured by expand/simplify, and a thread stuck in them cannot be interrupted
// otherwise) and a fresh one starts at the next proof. The worker starts lazily, stays warm across
// proofs (loading nerdamer costs about 0.2–0.5 s) and is unref'd: it never keeps a process alive.
// Atomics.wait is allowed in Node's main thread and in workers.
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { READY, REPLY, SymbolicReply, SymbolicRequest } from './protocol';

export type SymbolicVerdict =
  { kind: 'zero'; ms: number } | { kind: 'not-zero'; ms: number } | { kind: 'timeout'; ms: number } | { kind: 'unavailable'; ms: number; reason: string };

/** How long a starting worker may take to load nerdamer (not counted in any proof's deadline). */
export const STARTUP_DEADLINE_MS = 15_000;

/**
 * The worker's script: next to this module, which is dist/ for the bundles (dist/cli.js,
 * dist/analysisWorker.js, dist/extension.js → dist/proofWorker.js) and out/src/core/symbolic/
 * for the unit tests (tsc compiles proofWorker.ts beside this file).
 */
export function proofWorkerScript(): string {
  return path.join(__dirname, 'proofWorker.js');
}

interface Live {
  worker: Worker;
  port: MessagePort;
  state: Int32Array;
  seq: number;
  ready: boolean;
}

let live: Live | undefined;
let started = 0;

/** How many proof workers this process has started (a timeout replaces the worker), for tests. */
export function proofWorkersStarted(): number {
  return started;
}

function start(): Live | string {
  const script = proofWorkerScript();
  if (!fs.existsSync(script)) return `its script ${script} is missing (rebuild with \`npm run build\`)`;
  const state = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(script, { workerData: { state, port: port2 }, transferList: [port2] });
  started++;
  worker.unref();
  port1.unref();
  // A crash shows as a missing reply (the deadline); without a listener it would end the process.
  worker.on('error', () => undefined);
  worker.on('exit', () => {
    if (live?.worker === worker) live = undefined;
  });
  return { worker, port: port1, state, seq: 0, ready: false };
}

function stop(w: Live): void {
  if (live === w) live = undefined;
  w.port.close();
  void w.worker.terminate();
}

/** Stops the proof worker, if one runs (the next proof starts a new one). */
export function stopProofWorker(): void {
  if (live) stop(live);
}

/**
 * nerdamer's verdict on "text == 0" within `deadlineMs` (a hard limit; `softTimeoutMs` is
 * nerdamer's own per-method timeout). `ms` is the time the proof took, start-up excluded.
 */
export function proveZeroSymbolically(text: string, softTimeoutMs: number, deadlineMs: number): SymbolicVerdict {
  if (!live) {
    const s = start();
    if (typeof s === 'string') return { kind: 'unavailable', ms: 0, reason: s };
    live = s;
  }
  const w = live;
  if (!w.ready) {
    if (Atomics.wait(w.state, READY, 0, STARTUP_DEADLINE_MS) === 'timed-out') {
      stop(w);
      return { kind: 'unavailable', ms: 0, reason: `it did not start within ${STARTUP_DEADLINE_MS / 1000} s` };
    }
    w.ready = true;
  }
  const seq = ++w.seq;
  Atomics.store(w.state, REPLY, 0);
  const request: SymbolicRequest = { seq, text, timeoutMs: softTimeoutMs };
  w.worker.postMessage(request);
  const t0 = performance.now();
  for (;;) {
    const got = receiveMessageOnPort(w.port);
    if (got) {
      const reply = got.message as SymbolicReply;
      if (reply.seq === seq) return { kind: reply.zero ? 'zero' : 'not-zero', ms: performance.now() - t0 };
      continue; // a reply to an earlier request (cannot happen: a late worker is terminated)
    }
    const left = deadlineMs - (performance.now() - t0);
    if (left <= 0) {
      stop(w);
      return { kind: 'timeout', ms: performance.now() - t0 };
    }
    Atomics.wait(w.state, REPLY, 0, left);
  }
}
