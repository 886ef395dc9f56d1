// The proof worker: nerdamer-prime in a thread of its own, so that a simplification that ignores
// nerdamer's own timeout (expand and simplify of large rationals can take tens of seconds) can be
// stopped. Built by esbuild.mjs to dist/proofWorker.js; tests run out/src/core/symbolic/proofWorker.js.
// Protocol (prover.ts): a request {seq, text, timeoutMs} arrives on parentPort; the verdict goes
// back on the MessagePort of workerData, then state[REPLY] = seq is notified for the caller blocked
// in Atomics.wait. state[READY] = 1 once nerdamer is loaded.
import { MessagePort, parentPort, workerData } from 'worker_threads';
import { READY, REPLY, SymbolicReply, SymbolicRequest } from './protocol';

// nerdamer-prime has no types for its CommonJS entry; we use three functions of it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS entry without types
const nerdamer = require('nerdamer-prime/all') as NerdamerLib;

interface NerdamerLib {
  (expr: string): { toString(): string };
  flush(): void;
  clear(which: 'all'): void;
  set(option: string, value: number | boolean | string): void;
}

/** "text == 0" by expansion, then by simplification: true if either gives 0. */
function isZero(text: string, timeoutMs: number): boolean {
  nerdamer.set('TIMEOUT', timeoutMs);
  try {
    for (const how of ['expand', 'simplify']) {
      try {
        if (nerdamer(`${how}(${text})`).toString() === '0') return true;
      } catch {
        // nerdamer's own timeout or an internal failure: try the next method
      }
    }
    return false;
  } finally {
    // nerdamer keeps every expression until flushed.
    try {
      nerdamer.flush();
      nerdamer.clear('all');
    } catch {
      /* nothing to free */
    }
  }
}

const { state, port } = workerData as { state: Int32Array; port: MessagePort };
const requests = parentPort;
if (!requests) throw new Error('proofWorker must run in a worker thread');
requests.on('message', (req: SymbolicRequest) => {
  const reply: SymbolicReply = { seq: req.seq, zero: isZero(req.text, req.timeoutMs) };
  port.postMessage(reply);
  Atomics.store(state, REPLY, req.seq);
  Atomics.notify(state, REPLY);
});
Atomics.store(state, READY, 1);
Atomics.notify(state, READY);
