// The `noether` command-line tool: the core engine without an editor.
//   noether analyze FILE [--json]
// Exit codes: 0 analysed, 1 the file has errors (diagnostics are still printed), 2 usage error.
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSource } from '../core/analysis/analyze';
import { MAX_IN_THREAD_OPERATIONS, MAX_TRAIN_LINES, TRAIN_KEYS } from '../core/lang/check';
import { escapeControls } from '../core/lang/diagnostics';
import { lookupName } from '../core/lang/names';
import { makeReadFile, MAX_LOSS_FILE_BYTES, readRegularFile } from '../core/io/files';
import { MAX_WORKERS } from '../core/numeric/limits';
import { formatDiagnostics, formatReport, formatSimulation } from './report';
import { checkedModel, simulateModel, SimulationInputError } from '../core/numeric/runner';
import { serializeModel } from '../core/lang/serialize';
import { npzBytes } from '../core/io/npz';
import { finiteJson, runArrays } from '../core/numeric/runArrays';
import { parseSweepValues, SweepInputError, sweepSource, sweepText } from '../core/numeric/sweep';
import { EXPERIMENT_USAGE, experimentCommand, ExperimentUsageError } from './experiment';
import { exportCommand, EXPORT_USAGE, ExportUsageError } from './export';

const USAGE = `usage: noether <command> [options]

commands:
  analyze FILE [--json]     symmetries, Noether charges, balance laws and noise equilibria of a .loss file
  simulate FILE [--json] [--steps N] [--chains K] [--seed S] [--workers W] [--run I] [--npz F]
                            run the file's train lines (or line I, 0-based) with many chains and
                            set theory beside measurement; --npz F also writes every series and
                            statistic as numpy arrays (numpy.load(F))
  sweep FILE --key KEY --values V [--train I] [--json] [--steps N] [--chains K] [--seed S] [--workers W]
                            run train line I (default 0) at each value V of the numeric train key
                            KEY (lr, batch, weight_decay, …); V is a list 0.01,0.02,0.05, a range
                            A:B:N or a log range 'log A:B:N'; prints each stationary quantity
                            (variances, charges at the end, the loss) beside its theory
${EXPORT_USAGE}
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

/** The `.loss` file named on the command line: a regular file of at most MAX_LOSS_FILE_BYTES. */
export function readSource(file: string): string {
  try {
    return readRegularFile(file, MAX_LOSS_FILE_BYTES, '.loss files');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Bounds of the numeric flags: the file's train keys' own (steps, chains, seed) and the pool's. */
const FLAG_BOUNDS: Record<string, { min: number; max: number; what: string }> = {
  steps: { min: 1, max: 1e9, what: 'between 1 and 10⁹ (as the `steps` key)' },
  chains: { min: 1, max: 1e5, what: 'between 1 and 10⁵ (as the `chains` key)' },
  seed: { min: 0, max: 2 ** 53 - 1, what: 'between 0 and 2⁵³ − 1 (as the `seed` key)' },
  workers: { min: 0, max: MAX_WORKERS, what: `between 0 and ${MAX_WORKERS} (0 runs the chains in this thread)` },
  run: { min: 0, max: MAX_TRAIN_LINES - 1, what: `between 0 and ${MAX_TRAIN_LINES - 1} (a train line's index)` },
  train: { min: 0, max: MAX_TRAIN_LINES - 1, what: `between 0 and ${MAX_TRAIN_LINES - 1} (a train line's index)` },
};

/** A whole-number flag within its bounds, or a usage error (exit 2). */
export function intFlag(flags: Map<string, string | true>, name: string): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const b = FLAG_BOUNDS[name];
  // Decimal numbers as in a file (`20000`, `2e4`); not `0x10`, ` 5`, `Infinity` or `-0`.
  const x = typeof v === 'string' && /^\d+(\.\d+)?([eE]\+?\d+)?$/.test(v) ? Number(v) : NaN;
  const key = lookupName(TRAIN_KEYS, name);
  const keyProblem = key?.check && Number.isInteger(x) ? key.check(x) : undefined;
  if (!Number.isSafeInteger(x) || x < b.min || x > b.max || keyProblem) {
    throw new UsageError(`--${name} needs a whole number ${b.what}, got ${escapeControls(String(v).slice(0, 40))}`);
  }
  return x;
}

/** A percentage on stderr (a terminal only, and not with --json), rewritten in place. */
function progressMeter(flags: Map<string, string | true>): { show(fraction: number, what: string): void; end(after: string): void } | undefined {
  if (flags.has('json') || !process.stderr.isTTY) return undefined;
  let lastPrinted = -1;
  return {
    show: (fraction, what) => {
      const pct = Math.floor(fraction * 100);
      if (pct === lastPrinted) return;
      lastPrinted = pct;
      process.stderr.write(`\r  ${what} ${pct}%`);
    },
    end: (after) => {
      if (lastPrinted >= 0) process.stderr.write(after);
    },
  };
}

async function simulateCommand(rest: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const valued = ['steps', 'chains', 'seed', 'workers', 'run', 'npz'];
  const { positional, flags } = parseArgs(rest, valued);
  for (const k of flags.keys()) if (k !== 'json' && !valued.includes(k)) throw new UsageError(`unknown option --${k} for simulate`);
  if (positional.length !== 1) throw new UsageError('simulate takes exactly one FILE');
  const file = positional[0];
  const npz = flags.get('npz');
  if (npz === '') throw new UsageError('--npz needs a file name');
  const source = readSource(file);
  const dir = path.dirname(path.resolve(file));
  const numbers = {
    steps: intFlag(flags, 'steps'),
    chains: intFlag(flags, 'chains'),
    seed: intFlag(flags, 'seed'),
    workers: intFlag(flags, 'workers'),
    run: intFlag(flags, 'run'),
  };
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const meter = progressMeter(flags);
  try {
    // Checked once here: the run and its workers simulate this model.
    const model = checkedModel(source, { readFile: makeReadFile(dir, null) });
    // Only the straight-line path (a model's scalar view) is limited by the main thread's stack;
    // models without one take the tensor path (loops) and run here at any size.
    const ops = model.scalarOperations ?? 0;
    if (numbers.workers === 0 && ops > MAX_IN_THREAD_OPERATIONS) {
      throw new UsageError(
        `--workers 0 runs the chains in the main thread, whose stack holds the straight-line code of models of up to ${MAX_IN_THREAD_OPERATIONS} scalar operations; this one has ${ops}: use --workers 1 or more`,
      );
    }
    const result = await simulateModel(serializeModel(model), {
      file,
      ...numbers,
      signal: controller.signal,
      onProgress: meter && ((p) => meter.show(p.fraction, 'simulating…')),
    });
    meter?.end('\r');
    if (typeof npz === 'string') {
      fs.writeFileSync(npz, npzBytes(runArrays(result)));
      err(`noether: arrays written to ${npz}`);
    }
    if (flags.has('json')) out(JSON.stringify(result, finiteJson, 2));
    else out(formatSimulation(file, result));
    const diverged = result.runs.some((r) => r.diverged.length > 0);
    if (diverged && !flags.has('json')) err(result.runs.flatMap((r) => r.diverged.slice(0, 3).map((d) => `noether: ${d.message}`)).join('\n'));
    return 0;
  } catch (e) {
    if (e instanceof SimulationInputError) {
      if (flags.has('json')) out(JSON.stringify({ file, runs: [], diagnostics: e.diagnostics }, null, 2));
      else
        err(e.diagnostics.length ? e.diagnostics.map((d) => `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`).join('\n') : `noether: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function sweepCommand(rest: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const valued = ['key', 'values', 'train', 'steps', 'chains', 'seed', 'workers'];
  const { positional, flags } = parseArgs(rest, valued);
  for (const k of flags.keys()) if (k !== 'json' && !valued.includes(k)) throw new UsageError(`unknown option --${k} for sweep`);
  if (positional.length !== 1) throw new UsageError('sweep takes exactly one FILE');
  const key = flags.get('key');
  const valuesText = flags.get('values');
  if (typeof key !== 'string' || typeof valuesText !== 'string') throw new UsageError('sweep needs --key KEY and --values V');
  const file = positional[0];
  const source = readSource(file);
  const dir = path.dirname(path.resolve(file));
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const meter = progressMeter(flags);
  try {
    const values = parseSweepValues(valuesText);
    const result = await sweepSource(source, {
      file,
      key,
      values,
      readFile: makeReadFile(dir, null),
      signal: controller.signal,
      train: intFlag(flags, 'train'),
      steps: intFlag(flags, 'steps'),
      chains: intFlag(flags, 'chains'),
      seed: intFlag(flags, 'seed'),
      workers: intFlag(flags, 'workers'),
      onProgress: meter && ((p) => meter.show(p.fraction, `sweeping ${key} = ${p.value}…`)),
    });
    meter?.end('\n');
    out(flags.has('json') ? JSON.stringify(result, finiteJson, 2) : sweepText(result));
    return 0;
  } catch (e) {
    if (e instanceof SweepInputError) throw new UsageError(e.message);
    if (e instanceof SimulationInputError) {
      err(e.diagnostics.length ? e.diagnostics.map((d) => `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`).join('\n') : `noether: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export async function mainAsync(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (argv[0] === 'sweep') {
    try {
      return await sweepCommand(argv.slice(1), out, err);
    } catch (e) {
      return reportError(e, err);
    }
  }
  if (argv[0] === 'experiment') {
    try {
      return await experimentCommand(argv.slice(1), out, err);
    } catch (e) {
      return reportError(e instanceof ExperimentUsageError ? new UsageError(e.message) : e, err);
    }
  }
  if (argv[0] === 'export') {
    try {
      return exportCommand(argv.slice(1), out, err, { parseArgs, intFlag, readSource });
    } catch (e) {
      return reportError(e instanceof ExportUsageError ? new UsageError(e.message) : e, err);
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
      const result = analyzeSource(source, { file, readFile: makeReadFile(dir, null) });
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

/**
 * The process entry (bin/noether.js): every line printed has its control characters escaped (a
 * file's text never reaches the terminal raw), and a closed pipe (`noether simulate … | head`)
 * ends the process quietly with exit code 0 instead of an EPIPE stack trace.
 */
export function runCli(argv: string[]): void {
  const onPipeError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  };
  process.stdout.on('error', onPipeError);
  process.stderr.on('error', onPipeError);
  const write = (stream: NodeJS.WriteStream) => (s: string) => {
    stream.write(escapeControls(s, true) + '\n');
  };
  void mainAsync(argv, write(process.stdout), write(process.stderr)).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runCli(process.argv.slice(2));
export { simulateSource } from '../core/numeric/runner';
// For `npm run bench`: time the generated kernel alone against the C loop.
export { checkSource } from '../core/lang/check';
export { CTL, generateKernel, ZIGGURAT } from '../core/numeric/kernel';
export { newChainState } from '../core/numeric/chains';
export { kernelSymmetry } from '../core/analysis/forms';
