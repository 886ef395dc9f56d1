// Worker-thread entry of the simulation pool: runs one share of a run's chains and streams its
// batch statistics back; a shared flag set by the main thread cancels it between kernel calls.
import { parentPort, workerData } from 'worker_threads';
import { ChainJob, runChains } from './chains';

const { job, stop } = workerData as { job: ChainJob; stop: Int32Array };
let last = 0;
try {
  const batch = runChains(
    job,
    (b) => {
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        parentPort?.postMessage({ type: 'segment', batch: b });
      }
    },
    () => Atomics.load(stop, 0) !== 0,
  );
  parentPort?.postMessage({ type: 'done', batch });
} catch (e) {
  parentPort?.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
