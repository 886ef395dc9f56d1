// The analysis worker: runs analyzeSource (symbolic proofs, can take 0.5 s and more) off the
// extension host's thread. Built by esbuild.mjs to dist/analysisWorker.js.
import { parentPort } from 'worker_threads';
import { analyzeSource } from '../core/analysis/analyze';
import { makeReadFile } from '../core/io/files';
import type { AnalysisReply, AnalysisRequest } from './protocol';

const port = parentPort;
if (!port) throw new Error('analysisWorker must run in a worker thread');

port.on('message', (req: AnalysisRequest) => {
  const t0 = performance.now();
  let reply: AnalysisReply;
  try {
    const result = analyzeSource(req.source, { file: req.file, readFile: makeReadFile(req.baseDir, req.allowedRoots) });
    reply = { id: req.id, ok: true, result, ms: performance.now() - t0 };
  } catch (e) {
    const error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    reply = { id: req.id, ok: false, error, ms: performance.now() - t0 };
  }
  port.postMessage(reply);
});
