// The `noether` command-line tool: the core engine without an editor.
//   noether analyze FILE [--json]
// Exit codes: 0 analysed, 1 the file has errors (diagnostics are still printed), 2 usage error.
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSource } from '../core/analysis/analyze';
import { formatDiagnostics, formatReport, formatSimulation } from './report';
import { simulateSource, SimulationInputError } from '../core/numeric/runner';
import { EXPERIMENT_USAGE, experimentCommand, ExperimentUsageError } from './experiment';

const USAGE = `usage: noether <command> [options]

commands:
  analyze FILE [--json]     symmetries, Noether charges, balance laws and noise equilibria of a .loss file
  simulate FILE [--json] [--steps N] [--chains K] [--seed S] [--workers W] [--run I]
                            run the file's train lines (or line I, 0-based) with many chains and
                            set theory beside measurement
${EXPERIMENT_USAGE}

exit codes: 0 success, 1 the file has errors, 2 usage error`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[], valued: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (valued.includes(k)) {
        const val = v ?? argv[++i];
        if (val === undefined) throw new UsageError(`--${k} needs a value`);
        flags.set(k, val);
      } else if (v !== undefined) throw new UsageError(`--${k} takes no value`);
      else flags.set(k, true);
    } else positional.push(a);
  }
  return { positional, flags };
}

function readSource(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
}

function intFlag(flags: Map<string, string | true>, name: string, min: number): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const x = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(x) || x < min) throw new UsageError(`--${name} needs a whole number ≥ ${min}, got ${String(v)}`);
  return x;
}

async function simulateCommand(rest: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const valued = ['steps', 'chains', 'seed', 'workers', 'run'];
  const { positional, flags } = parseArgs(rest, valued);
  for (const k of flags.keys()) if (k !== 'json' && !valued.includes(k)) throw new UsageError(`unknown option --${k} for simulate`);
  if (positional.length !== 1) throw new UsageError('simulate takes exactly one FILE');
  const file = positional[0];
  const source = readSource(file);
  const dir = path.dirname(path.resolve(file));
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let lastPrinted = -1;
  try {
    const result = await simulateSource(source, {
      file,
      readFile: (p) => fs.readFileSync(path.resolve(dir, p), 'utf8'),
      steps: intFlag(flags, 'steps', 1),
      chains: intFlag(flags, 'chains', 1),
      seed: intFlag(flags, 'seed', 0),
      workers: intFlag(flags, 'workers', 0),
      run: intFlag(flags, 'run', 0),
      signal: controller.signal,
      onProgress: flags.has('json') || !process.stderr.isTTY
        ? undefined
        : (p) => {
            const pct = Math.floor(p.fraction * 100);
            if (pct !== lastPrinted) {
              lastPrinted = pct;
              process.stderr.write(`\r  simulating… ${pct}%`);
            }
          },
    });
    if (lastPrinted >= 0) process.stderr.write('\r');
    if (flags.has('json')) out(JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    else out(formatSimulation(file, result));
    const diverged = result.runs.some((r) => r.diverged.length > 0);
    if (diverged && !flags.has('json')) err(result.runs.flatMap((r) => r.diverged.slice(0, 3).map((d) => `noether: ${d.message}`)).join('\n'));
    return 0;
  } catch (e) {
    if (e instanceof SimulationInputError) {
      if (flags.has('json')) out(JSON.stringify({ file, runs: [], diagnostics: e.diagnostics }, null, 2));
      else err(e.diagnostics.length ? e.diagnostics.map((d) => `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`).join('\n') : `noether: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export async function mainAsync(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (argv[0] === 'experiment') {
    try {
      return await experimentCommand(argv.slice(1), out, err);
    } catch (e) {
      return reportError(e instanceof ExperimentUsageError ? new UsageError(e.message) : e, err);
    }
  }
  if (argv[0] === 'simulate') {
    try {
      return await simulateCommand(argv.slice(1), out, err);
    } catch (e) {
      return reportError(e, err);
    }
  }
  return main(argv, out, err);
}

function reportError(e: unknown, err: (s: string) => void): number {
  if (e instanceof UsageError) {
    err(`noether: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  // An internal failure is a bug; report it in one line, never as a stack trace.
  err(`noether: internal error: ${e instanceof Error ? e.message : String(e)} (please report this with the input file)`);
  return 3;
}

export function main(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  try {
    const [command, ...rest] = argv;
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      (command ? out : err)(USAGE);
      return command ? 0 : 2;
    }
    if (command === 'analyze') {
      const { positional, flags } = parseArgs(rest, []);
      for (const k of flags.keys()) if (k !== 'json') throw new UsageError(`unknown option --${k} for analyze`);
      if (positional.length !== 1) throw new UsageError('analyze takes exactly one FILE');
      const file = positional[0];
      const source = readSource(file);
      const dir = path.dirname(path.resolve(file));
      const result = analyzeSource(source, { file, readFile: (p) => fs.readFileSync(path.resolve(dir, p), 'utf8') });
      const failed = result.diagnostics.some((d) => d.severity === 'error');
      if (flags.has('json')) out(JSON.stringify(result, null, 2));
      else if (failed) err(formatDiagnostics(file, result));
      else out(formatReport(file, result));
      return failed ? 1 : 0;
    }
    if (command === 'simulate') throw new UsageError('simulate is asynchronous: use mainAsync');
    throw new UsageError(`unknown command \`${command}\``);
  } catch (e) {
    return reportError(e, err);
  }
}

if (require.main === module) {
  void mainAsync(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n')).then((code) => {
    process.exitCode = code;
  });
}
export { simulateSource } from '../core/numeric/runner';
// For `npm run bench`: time the generated kernel alone against the C loop.
export { checkSource } from '../core/lang/check';
export { CTL, generateKernel, ZIGGURAT } from '../core/numeric/kernel';
export { newChainState } from '../core/numeric/chains';
export { kernelSymmetry } from '../core/numeric/forms';
