// Worker-thread entry of the simulation pool: runs one share of a run's chains on the checked model
// the job carries (serialised: the worker parses and checks nothing) and streams the new record
// points back (a few per message, never the whole history); a shared flag set by the main thread
// cancels it between kernel calls.
import { parentPort, workerData } from 'worker_threads';
import { ChainJob, ChainUpdate, ENGINE_PROTOCOL, RecordPoint, runChains } from './chains';

const { job, stop } = workerData as { job: ChainJob; stop: Int32Array };
let last = 0;
let pending: ChainUpdate | undefined;
const flush = () => {
  if (pending) parentPort?.postMessage({ type: 'update', update: pending, protocol: ENGINE_PROTOCOL });
  pending = undefined;
  last = Date.now();
};
try {
  if (job.protocol !== ENGINE_PROTOCOL) {
    throw new Error(`the simulation worker bundle is out of date (protocol ${ENGINE_PROTOCOL}, job ${job.protocol}); rebuild with \`npm run build\``);
  }
  const batch = runChains(
    job,
    (u) => {
      // Updates are merged until the next message (at most every 100 ms): records accumulate.
      if (pending) {
        const records: RecordPoint[] = [...pending.records, ...u.records];
        pending = { ...pending, ...u, records, diverged: [...pending.diverged, ...u.diverged] };
      } else pending = u;
      if (Date.now() - last >= 100) flush();
    },
    () => Atomics.load(stop, 0) !== 0,
  );
  flush();
  // The records have all been sent; the final message carries the rest.
  parentPort?.postMessage({ type: 'done', batch: { ...batch, records: [] }, protocol: ENGINE_PROTOCOL });
} catch (e) {
  parentPort?.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
