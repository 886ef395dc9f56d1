// Worker-thread entry of the simulation pool: runs one share of a run's chains and streams its
// batch statistics back; a shared flag set by the main thread cancels it between kernel calls.
import { parentPort, workerData } from 'worker_threads';
import { ChainJob, ENGINE_PROTOCOL, runChains } from './chains';

const { job, stop } = workerData as { job: ChainJob; stop: Int32Array };
let last = 0;
try {
  if (job.protocol !== ENGINE_PROTOCOL) {
    throw new Error(`the simulation worker bundle is out of date (protocol ${ENGINE_PROTOCOL}, job ${job.protocol}); rebuild with \`npm run build\``);
  }
  const batch = runChains(
    job,
    (b) => {
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        parentPort?.postMessage({ type: 'segment', batch: b, protocol: ENGINE_PROTOCOL });
      }
    },
    () => Atomics.load(stop, 0) !== 0,
  );
  parentPort?.postMessage({ type: 'done', batch, protocol: ENGINE_PROTOCOL });
} catch (e) {
  parentPort?.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
