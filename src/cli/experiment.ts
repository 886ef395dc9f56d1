// `noether experiment NAME|FILE [--json] [--out DIR] [--size small|full] [--all] [--workers W]`:
// runs reproducible experiments and writes a JSON and a self-contained HTML report.
// Exit codes: 0 all checks PASS, 1 some FAIL (or the file has errors), 2 usage error.
import * as fs from 'fs';
import * as path from 'path';
import { makeReadFile, MAX_LOSS_FILE_BYTES, readRegularFile } from '../core/io/files';
import { MAX_WORKERS } from '../core/numeric/limits';
import { fileExperiment } from '../core/experiments/generic';
import { experimentsDir, finite, lossReader, writeReports } from '../core/experiments/files';
import { EXPERIMENTS, findExperiment } from '../core/experiments/registry';
import { reportText } from '../core/experiments/report';
import { Experiment, ExperimentResult, Size } from '../core/experiments/types';

export class ExperimentUsageError extends Error {}

export const EXPERIMENT_USAGE = `  experiment NAME|FILE|--all [--size small|full] [--out DIR] [--json] [--workers W] [--fashion-mnist DIR]
                            run a reproducible experiment (${EXPERIMENTS.map((e) => e.name).join(', ')}),
                            or any .loss file, and write DIR/NAME.{json,html} (default ./noether-report/)`;

export async function experimentCommand(rest: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const valued = ['out', 'size', 'workers', 'fashion-mnist'];
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (valued.includes(k)) {
        const val = v ?? rest[++i];
        if (val === undefined) throw new ExperimentUsageError(`--${k} needs a value`);
        flags.set(k, val);
      } else if (k === 'json' || k === 'all' || k === 'list') {
        if (v !== undefined) throw new ExperimentUsageError(`--${k} takes no value`);
        flags.set(k, true);
      } else throw new ExperimentUsageError(`unknown option --${k} for experiment`);
    } else positional.push(a);
  }
  if (flags.has('list')) {
    out(EXPERIMENTS.map((e) => `${e.name.padEnd(18)} ${e.title}`).join('\n'));
    return 0;
  }
  const size = (flags.get('size') ?? 'small') as Size;
  if (size !== 'small' && size !== 'full') throw new ExperimentUsageError(`--size is small or full, got ${String(size)}`);
  let workers: number | undefined;
  if (flags.has('workers')) {
    const v = String(flags.get('workers'));
    workers = /^\d{1,3}$/.test(v) ? Number(v) : NaN;
    if (!(workers >= 0 && workers <= MAX_WORKERS))
      throw new ExperimentUsageError(`--workers needs a whole number between 0 and ${MAX_WORKERS}, got ${v.slice(0, 40)}`);
  }
  const all = flags.has('all');
  if (all ? positional.length !== 0 : positional.length !== 1)
    throw new ExperimentUsageError(all ? '--all takes no NAME' : 'experiment takes exactly one NAME or FILE (or --all)');
  let list: Experiment[];
  let readLoss: (f: string) => string;
  let stem: string;
  if (all) {
    list = EXPERIMENTS;
    readLoss = lossReader();
    stem = size === 'full' ? 'all-full' : 'all';
  } else {
    const arg = positional[0];
    const named = findExperiment(arg);
    if (named) {
      list = [named];
      readLoss = lossReader();
      stem = named.name;
    } else if (arg.endsWith('.loss') || fs.existsSync(arg)) {
      let source: string;
      try {
        source = readRegularFile(arg, MAX_LOSS_FILE_BYTES, '.loss files');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new ExperimentUsageError(code === 'ENOENT' ? `no such file: ${arg}` : `cannot read ${arg}: ${(e as Error).message}`);
      }
      const dir = path.dirname(path.resolve(arg));
      const exp = fileExperiment(arg, source, makeReadFile(dir, null));
      list = [exp];
      readLoss = (f) => readRegularFile(path.resolve(dir, f), MAX_LOSS_FILE_BYTES, '.loss files');
      stem = exp.name;
    } else {
      throw new ExperimentUsageError(`no experiment or file \`${arg}\` (experiments: ${EXPERIMENTS.map((e) => e.name).join(', ')})`);
    }
  }
  const outDir = path.resolve(String(flags.get('out') ?? 'noether-report'));
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const results: ExperimentResult[] = [];
  const tty = !flags.has('json') && process.stderr.isTTY;
  try {
    for (const e of list) {
      let last = '';
      const r = await e.run({
        size,
        workers,
        fashionMnistPath: flags.has('fashion-mnist') ? path.resolve(String(flags.get('fashion-mnist'))) : undefined,
        signal: controller.signal,
        readLoss,
        onProgress: tty
          ? (f, msg) => {
              const line = `\r  ${e.name}: ${Math.floor(f * 100)}% ${msg}`.slice(0, 100);
              if (line !== last) process.stderr.write(line.padEnd(last.length));
              last = line;
            }
          : undefined,
      });
      if (tty) process.stderr.write('\r' + ' '.repeat(last.length) + '\r');
      results.push(r);
      if (!flags.has('json')) out(reportText(r));
    }
  } catch (e) {
    if (controller.signal.aborted) {
      err('noether: experiment cancelled');
      return 1;
    }
    if (list.length === 1 && list[0].lossFiles.length === 0) {
      err(`noether: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const files = writeReports(results, outDir, stem);
  if (flags.has('json')) out(JSON.stringify(results.length === 1 ? results[0] : results, finite, 2));
  else
    out(
      `\n${results.every((r) => r.pass) ? 'ALL PASS' : 'SOME FAIL'}: ${results.filter((r) => r.pass).length}/${results.length} experiment(s); report ${files.html} (JSON ${files.json})`,
    );
  return results.every((r) => r.pass) ? 0 : 1;
}

export { experimentsDir };
