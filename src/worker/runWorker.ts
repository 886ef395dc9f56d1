// The run worker: one simulation or one sweep (simulateSource or sweepSource: the full check with its data files, the worker
// pool, the merging of batches) off the extension host's thread, of exactly the text the host
// pinned. Progress and the result go back as messages; {type: 'abort'} stops the run, which then
// returns what it measured. Terminating this worker terminates its simulation workers too.
// Built by esbuild.mjs to dist/runWorker.js.
import { parentPort, workerData } from 'worker_threads';
import { makeReadFile } from '../core/io/files';
import { simulateSource, SimulationInputError } from '../core/numeric/runner';
import { sweepSource } from '../core/numeric/sweep';
import type { RunWorkerMessage, RunWorkerRequest } from './protocol';

const port = parentPort;
if (!port) throw new Error('runWorker must run in a worker thread');
const req = workerData as RunWorkerRequest;
const controller = new AbortController();
const send = (m: RunWorkerMessage) => port.postMessage(m);
port.on('message', (m: { type?: unknown }) => {
  if (m?.type === 'abort') controller.abort();
});

const common = {
  file: req.file,
  readFile: makeReadFile(req.baseDir, null),
  workers: req.workers,
  signal: controller.signal,
  workerScript: req.simWorkerScript,
};
const work: Promise<RunWorkerMessage> = req.sweep
  ? sweepSource(req.source, { ...req.sweep, ...common, onProgress: (progress) => send({ type: 'sweep-progress', progress }) }).then((result) => ({
      type: 'sweep-done',
      result,
    }))
  : simulateSource(req.source, { ...req.options, ...common, analysis: req.analysis, onProgress: (progress) => send({ type: 'progress', progress }) }).then(
      (result) => ({ type: 'done', result }),
    );
work.then(send, (e: unknown) =>
  send(
    e instanceof SimulationInputError
      ? { type: 'input-error', message: e.message, diagnostics: e.diagnostics }
      : { type: 'error', message: e instanceof Error ? e.message : String(e) },
  ),
);
