// Messages between prover.ts (the caller, blocked in Atomics.wait) and proofWorker.ts.

/** Index in the shared Int32Array: the seq of the last reply written. */
export const REPLY = 0;
/** Index in the shared Int32Array: 1 once the worker has loaded nerdamer. */
export const READY = 1;

export interface SymbolicRequest {
  seq: number;
  /** nerdamer text of an expression to prove equal to 0. */
  text: string;
  /** nerdamer's own (soft) timeout per method, in ms. */
  timeoutMs: number;
}

export interface SymbolicReply {
  seq: number;
  zero: boolean;
}
