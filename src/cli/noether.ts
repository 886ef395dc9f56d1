// The `noether` command-line tool: the core engine without an editor.
//   noether analyze FILE [--json]
// Exit codes: 0 analysed, 1 the file has errors (diagnostics are still printed), 2 usage error.
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSource } from '../core/analysis/analyze';
import { formatDiagnostics, formatReport } from './report';

const USAGE = `usage: noether <command> [options]

commands:
  analyze FILE [--json]     symmetries, Noether charges, balance laws and noise equilibria of a .loss file

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
    throw new UsageError(`unknown command \`${command}\``);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`noether: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    // An internal failure is a bug; report it in one line, never as a stack trace.
    err(`noether: internal error: ${e instanceof Error ? e.message : String(e)} (please report this with the input file)`);
    return 3;
  }
}

if (require.main === module) {
  const code = main(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n'));
  process.exitCode = code;
}
