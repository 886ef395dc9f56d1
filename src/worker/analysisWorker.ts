// The analysis worker: runs analyzeSource (symbolic proofs, can take 0.5 s and more) and the full
// check (data files are read here, never on the extension host's thread) off the extension host's
// thread. Built by esbuild.mjs to dist/analysisWorker.js.
import { parentPort } from 'worker_threads';
import { AnalysisResult, analyzeSource } from '../core/analysis/analyze';
import { checkSource } from '../core/lang/check';
import { makeReadFile } from '../core/io/files';
import { ExportError, exportPyTorch } from '../core/export/pytorch';
import type { AnalysisReply, AnalysisRequest, ExportReply } from './protocol';

const port = parentPort;
if (!port) throw new Error('analysisWorker must run in a worker thread');

port.on('message', (req: AnalysisRequest) => {
  const t0 = performance.now();
  let reply: AnalysisReply;
  try {
    const options = { file: req.file, readFile: makeReadFile(req.baseDir, req.allowedRoots) };
    if (req.mode === 'export') {
      reply = { id: req.id, ok: true, ...exportReply(req, options), ms: performance.now() - t0 };
    } else if (req.mode === 'check') {
      const checked = checkSource(req.source, options);
      const result: AnalysisResult = {
        file: req.file,
        components: [],
        parameters: [],
        initial: {},
        groups: [],
        symmetries: [],
        diagnostics: checked.diagnostics,
      };
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

/** The PyTorch script of one train line, or why there is none with the file's errors (data files are read here). */
function exportReply(req: AnalysisRequest, options: { file: string; readFile: (p: string) => string }): { result: AnalysisResult; exported: ExportReply } {
  const result: AnalysisResult = { file: req.file, components: [], parameters: [], initial: {}, groups: [], symmetries: [], diagnostics: [] };
  const e = req.export ?? { train: 0, symmetries: [] };
  try {
    const name = req.file ? req.file.replace(/^.*[\\/]/, '') : undefined;
    const r = exportPyTorch(req.source, { file: name, readFile: options.readFile, train: e.train, symmetries: e.symmetries, version: e.version });
    return { result, exported: { script: r.script, train: r.train, charges: r.charges } };
  } catch (err) {
    if (!(err instanceof ExportError)) throw err;
    return { result: { ...result, diagnostics: err.diagnostics }, exported: { error: err.message } };
  }
}
