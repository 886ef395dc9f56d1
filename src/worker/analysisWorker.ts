// The analysis worker: runs analyzeSource (symbolic proofs, can take 0.5 s and more) and the full
// check (data files are read here, never on the extension host's thread) off the extension host's
// thread. Built by esbuild.mjs to dist/analysisWorker.js.
import { parentPort } from 'worker_threads';
import { AnalysisResult, analyzeSource } from '../core/analysis/analyze';
import { checkSource } from '../core/lang/check';
import { makeReadFile } from '../core/io/files';
import type { AnalysisReply, AnalysisRequest } from './protocol';

const port = parentPort;
if (!port) throw new Error('analysisWorker must run in a worker thread');

port.on('message', (req: AnalysisRequest) => {
  const t0 = performance.now();
  let reply: AnalysisReply;
  try {
    const options = { file: req.file, readFile: makeReadFile(req.baseDir, req.allowedRoots) };
    if (req.mode === 'check') {
      const checked = checkSource(req.source, options);
      const result: AnalysisResult = { file: req.file, components: [], parameters: [], initial: {}, groups: [], symmetries: [], diagnostics: checked.diagnostics };
      reply = { id: req.id, ok: true, result, ms: performance.now() - t0, trains: checked.model?.trains };
    } else {
      reply = { id: req.id, ok: true, result: analyzeSource(req.source, options), ms: performance.now() - t0 };
    }
  } catch (e) {
    const error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    reply = { id: req.id, ok: false, error, ms: performance.now() - t0 };
  }
  port.postMessage(reply);
});
