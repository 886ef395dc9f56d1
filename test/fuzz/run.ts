// CLI entry of the fuzz tester: `node out/test/fuzz/run.js [COUNT] [--seed N] [--out DIR]`.
// Prints progress and a summary; writes every failing input to a file under DIR (default
// /tmp/noether-fuzz-<seed>); exits 1 on any failure.
import * as path from 'path';
import { fuzz, FuzzSummary } from './fuzz';

function main(argv: string[]): number {
  let count = 100_000;
  let seed = Date.now() % 1_000_000;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--out') out = argv[++i];
    else if (/^\d+$/.test(a)) count = Number(a);
    else {
      process.stderr.write(`usage: node out/test/fuzz/run.js [COUNT] [--seed N] [--out DIR]\nunknown argument: ${a}\n`);
      return 2;
    }
  }
  if (!Number.isInteger(seed) || seed < 0) {
    process.stderr.write('--seed takes a non-negative integer\n');
    return 2;
  }
  const failureDir = out ?? path.join('/tmp', `noether-fuzz-${seed}`);
  process.stdout.write(`fuzzing the .loss front end: ${count} inputs, seed ${seed}\n`);
  const line = (s: FuzzSummary, done: number) =>
    `${String(done).padStart(String(count).length)}/${count}  valid ${s.valid}  analysed ${s.analyzed}  ` +
    `slowest check ${s.maxCheckMs.toFixed(1)} ms  failures ${s.failures.length}  ${(s.totalMs / 1000).toFixed(1)} s`;
  const s = fuzz(count, seed, {
    failureDir,
    progressEvery: Math.max(1, Math.min(10_000, Math.floor(count / 10))),
    onProgress: (done, sum) => process.stdout.write(line(sum, done) + '\n'),
  });
  process.stdout.write('\n');
  process.stdout.write(
    `inputs        ${s.count} (${Object.entries(s.generators)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})\n`,
  );
  process.stdout.write(`valid         ${s.valid} (${((100 * s.valid) / Math.max(1, s.count)).toFixed(1)}%), analysed ${s.analyzed}\n`);
  process.stdout.write(`diagnostics   ${s.diagnostics}\n`);
  process.stdout.write(
    `slowest check ${s.maxCheckMs.toFixed(1)} ms CPU (${s.maxCheckGenerator}), ${s.maxCheckWallMs.toFixed(1)} ms wall; slowest analysis ${s.maxAnalyzeMs.toFixed(1)} ms\n`,
  );
  process.stdout.write(`total         ${(s.totalMs / 1000).toFixed(1)} s\n`);
  if (s.failures.length === 0) {
    process.stdout.write('result        OK: no failures\n');
    return 0;
  }
  process.stdout.write(`result        ${s.failures.length} FAILURE(S)\n`);
  for (const f of s.failures) {
    process.stdout.write(
      `\n#${f.index} [${f.generator}] ${f.problem.split('\n').slice(0, 6).join('\n    ')}\n    input: ${f.file ?? JSON.stringify(f.input.slice(0, 300))}\n`,
    );
  }
  return 1;
}

process.exitCode = main(process.argv.slice(2));
