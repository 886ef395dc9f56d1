// `noether export FILE --to pytorch [--out F] [--train N] [--steps N] [--chains K] [--seed S]`:
// one train line of a .loss file as a self-contained PyTorch script (src/core/export/pytorch.ts),
// written to F or printed. The file is analysed first so that the script tracks its charges.
// Exit codes: 0 written, 1 the file has errors (diagnostics printed), 2 usage error.
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSource } from '../core/analysis/analyze';
import { escapeControls } from '../core/lang/diagnostics';
import { makeReadFile } from '../core/io/files';
import { ExportError, exportPyTorch } from '../core/export/pytorch';

export class ExportUsageError extends Error {}

export const EXPORT_USAGE = `  export FILE --to pytorch [--out F] [--train N] [--steps N] [--chains K] [--seed S]
                            write train line N (0-based, default 0) as a self-contained PyTorch script
                            that prints a JSON summary (stationary mean and variance, final loss and
                            charges); to F, else to standard output`;

/** The CLI's own argument helpers (src/cli/noether.ts), passed in so both commands parse alike. */
export interface CliHelpers {
  parseArgs(argv: string[], valued: string[]): { positional: string[]; flags: Map<string, string | true> };
  intFlag(flags: Map<string, string | true>, name: string): number | undefined;
  readSource(file: string): string;
}

/** The version written into the script's header (package.json's, bundled). */
function version(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle carries package.json's version
    return (require('../../package.json') as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export function exportCommand(rest: string[], out: (s: string) => void, err: (s: string) => void, cli: CliHelpers): number {
  const valued = ['to', 'out', 'train', 'steps', 'chains', 'seed'];
  const { positional, flags } = cli.parseArgs(rest, valued);
  for (const k of flags.keys()) if (!valued.includes(k)) throw new ExportUsageError(`unknown option --${k} for export`);
  if (positional.length !== 1) throw new ExportUsageError('export takes exactly one FILE');
  const to = flags.get('to');
  if (to === undefined) throw new ExportUsageError('export needs --to pytorch');
  if (to !== 'pytorch') throw new ExportUsageError(`--to pytorch is the only target, got ${escapeControls(String(to).slice(0, 40))}`);
  const outPath = flags.get('out');
  if (outPath === '') throw new ExportUsageError('--out needs a file name');
  const file = positional[0];
  const numbers = {
    train: cli.intFlag(flags, 'train'),
    steps: cli.intFlag(flags, 'steps'),
    chains: cli.intFlag(flags, 'chains'),
    seed: cli.intFlag(flags, 'seed'),
  };
  const source = cli.readSource(file);
  const readFile = makeReadFile(path.dirname(path.resolve(file)), null);
  const analysis = analyzeSource(source, { file, readFile });
  if (analysis.diagnostics.some((d) => d.severity === 'error')) {
    err(analysis.diagnostics.map((d) => `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`).join('\n'));
    return 1;
  }
  let script: string;
  try {
    const r = exportPyTorch(source, { file: path.basename(file), readFile, ...numbers, symmetries: analysis.symmetries, version: version() });
    script = r.script;
    const what = `train line ${r.train} (${r.spec.optimizer}, ${r.spec.steps} steps × ${r.spec.chains} chains)${r.charges ? `, ${r.charges} charge${r.charges === 1 ? '' : 's'}` : ''}`;
    if (typeof outPath === 'string') {
      fs.writeFileSync(outPath, script);
      err(`noether: wrote ${outPath}: ${what}; run it with python3 ${outPath}`);
    }
  } catch (e) {
    if (!(e instanceof ExportError)) throw e;
    err(e.diagnostics.length ? e.diagnostics.map((d) => `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`).join('\n') : `noether: ${e.message}`);
    return 1;
  }
  if (typeof outPath !== 'string') out(script.replace(/\n$/, ''));
  return 0;
}
