// CLI entry of the process-level fuzzer: `node out/test/fuzz/process-run.js [COUNT] [--seed N]
// [--timeout MS] [--heap MB] [--bin PATH]`: the hostile cases of issue 10, then COUNT generated
// files (default 200), each in its own `noether` process (this repository's bin/noether.js, or
// PATH). Prints each failure and a summary; exits 1 on any failure.
import { fuzzProcesses, generatedCases, hostileCases } from './process';

async function main(argv: string[]): Promise<number> {
  let count = 200;
  let seed = Date.now() % 1_000_000;
  let timeoutMs = 60_000;
  let heap = 512;
  let bin: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--timeout') timeoutMs = Number(argv[++i]);
    else if (a === '--heap') heap = Number(argv[++i]);
    else if (a === '--bin') bin = argv[++i];
    else if (/^\d+$/.test(a)) count = Number(a);
    else {
      process.stderr.write(`usage: node out/test/fuzz/process-run.js [COUNT] [--seed N] [--timeout MS] [--heap MB] [--bin PATH]\nunknown argument: ${a}\n`);
      return 2;
    }
  }
  if (![seed, timeoutMs, heap].every((x) => Number.isInteger(x) && x >= 0)) {
    process.stderr.write('--seed, --timeout and --heap take non-negative integers\n');
    return 2;
  }
  const cases = [...hostileCases(), ...generatedCases(count, seed)];
  process.stdout.write(`fuzzing the noether process: ${cases.length} cases (seed ${seed}), ${timeoutMs} ms and ${heap} MB of heap each\n`);
  const s = await fuzzProcesses(cases, {
    timeoutMs,
    maxOldSpaceMb: heap,
    bin,
    onCase: (o, i) => {
      if (o.problems.length) process.stdout.write(`FAIL #${i} ${o.name}: ${o.problems.join('; ')}\n`);
      else if ((i + 1) % 25 === 0) process.stdout.write(`${i + 1}/${cases.length}\n`);
    },
  });
  process.stdout.write(
    `\ncases         ${s.count} (exit codes: ${Object.entries(s.byStatus)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')})\n`,
  );
  process.stdout.write(`slowest       ${s.slowest.map((o) => `${o.name} ${(o.ms / 1000).toFixed(1)} s`).join('; ')}\n`);
  process.stdout.write(`total         ${(s.totalMs / 1000).toFixed(1)} s\n`);
  process.stdout.write(s.failures.length ? `result        ${s.failures.length} FAILURE(S)\n` : 'result        OK: no failures\n');
  return s.failures.length ? 1 : 0;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
