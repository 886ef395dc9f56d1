// Process-level fuzzing: the `noether` CLI as a black box. Every case (a hostile file from issue 10,
// hostile flags, or a generated/mutated .loss file) runs as `node bin/noether.js analyze FILE --json`
// or `simulate FILE --json` with few steps, in a child process with a heap cap
// (--max-old-space-size) and a wall-clock limit. The contract: the process ends by itself within the
// limit, with exit code 0, 1 or 2 (never 3, an internal error, nor a signal, an abort or an
// out-of-memory death), prints no stack trace and no raw control character, and for exit 0/1 prints
// the documented JSON (a file with errors has an error diagnostic).
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateInput, inputRandom, Random, readExamples } from './fuzz';

export interface ProcessCase {
  name: string;
  /** The .loss file's text (written as case.loss), or a special file to name instead. */
  source?: string;
  /** Other files of the case's folder: text, or a FIFO. */
  files?: Record<string, string | { fifo: true }>;
  /** The file given to the CLI, relative to the case's folder (default case.loss). */
  target?: string;
  command: 'analyze' | 'simulate';
  /** Extra flags (after `--json`). */
  flags?: string[];
  /** Exit codes that keep the contract for this case (default 0, 1, 2). */
  expect?: number[];
  /**
   * A limit of this case's CPU time (all its threads), in ms: work that must stay bounded below the
   * process's wall-clock limit, measured so that a loaded machine does not fail it.
   */
  maxCpuMs?: number;
}

export interface ProcessOutcome {
  name: string;
  ms: number;
  /** The process's CPU time in ms, as it reported on exit (undefined if it was killed). */
  cpuMs?: number;
  status: number | null;
  signal: string | null;
  problems: string[];
}

export interface ProcessFuzzOptions {
  /** Wall-clock limit per process (default 60 s: the symbolic budget is 10 s, a run is short). */
  timeoutMs?: number;
  /** Heap cap per process, in MB (default 512). */
  maxOldSpaceMb?: number;
  /** The CLI to run (default this repository's bin/noether.js; another build to compare). */
  bin?: string;
  /** Called after each case. */
  onCase?: (o: ProcessOutcome, index: number) => void;
}

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'noether.js');
/** Preloaded into each process: reports its CPU time on descriptor 3 (compiled beside this file). */
const CPU_REPORT = path.join(__dirname, 'cpuReport.js');
/** Raw control characters a terminal would act on (newline and tab aside), and bidi overrides. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const STACK = /\n\s+at [^\n]*[:(]/;

const SIMULATE_FLAGS = ['--steps', '200', '--chains', '2', '--workers', '1'];

/** The hostile inputs of issue 10, one case each. */
export function hostileCases(): ProcessCase[] {
  const esc = '\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e';
  const twoLayer = 'param u = 1.5\nparam w = 0.2\ndata x, y from "DATA"\nloss = (u*w*x - y)^2 / 2\ntrain sgd(lr = 0.05, steps = 200)\n';
  const tanh = (k: number) =>
    `param W[${k},${k}] ~ normal(0, 0.1)\nparam V[${k},${k}] ~ normal(0, 0.1)\ndata x[${k}] ~ normal(0, 1)\nloss = sum((V@tanh(W@x) - x)^2)\ntrain sgd(lr = 0.001, steps = 5, chains = 2)\n`;
  const matrix = fs.readFileSync(path.join(ROOT, 'examples', 'two-layer-matrix.loss'), 'utf8');
  const cases: ProcessCase[] = [];
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    cases.push(
      { name: `distribution ${name}`, command: 'analyze', source: `param u = 1\ndata x ~ ${name}()\nloss = (u*x)^2\n`, expect: [1] },
      { name: `function ${name}`, command: 'analyze', source: `param u = 1\ndata x ~ normal(0, 1)\nloss = ${name}(u*x)\n`, expect: [1] },
      {
        name: `train key ${name}`,
        command: 'simulate',
        source: `param u = 1\ndata x ~ normal(0, 1)\nloss = (u*x)^2\ntrain sgd(lr = .1, ${name} = 1)\n`,
        expect: [1],
      },
      {
        name: `param ${name}`,
        command: 'simulate',
        source: `param ${name} = 1\nparam w = 0.5\ndata x ~ normal(0, 1)\nloss = (${name}*w*x - x)^2\ntrain sgd(lr = 0.05)\n`,
        flags: SIMULATE_FLAGS,
        expect: [0],
      },
    );
  }
  cases.push(
    { name: 'data from a FIFO', command: 'analyze', source: twoLayer.replace('DATA', 'pipe.csv'), files: { 'pipe.csv': { fifo: true } }, expect: [1] },
    {
      name: 'simulate data from a FIFO',
      command: 'simulate',
      source: twoLayer.replace('DATA', 'pipe.csv'),
      files: { 'pipe.csv': { fifo: true } },
      flags: SIMULATE_FLAGS,
      expect: [1],
    },
    { name: 'data from /dev/zero', command: 'analyze', source: twoLayer.replace('DATA', '/dev/zero'), expect: [1] },
    { name: 'data from a directory', command: 'analyze', source: twoLayer.replace('DATA', '.'), expect: [1] },
    { name: 'the .loss file is a FIFO', command: 'analyze', target: 'pipe.loss', files: { 'pipe.loss': { fifo: true } }, expect: [2] },
    { name: 'the .loss file is /dev/zero', command: 'analyze', target: '/dev/zero', expect: [2] },
    { name: 'a 2 MB .loss file', command: 'analyze', source: `# ${'x'.repeat(2_000_000)}\n`, expect: [2] },
    {
      name: 'a 10 MB CSV cell',
      command: 'analyze',
      source: twoLayer.replace('DATA', 'd.csv'),
      files: { 'd.csv': `x,y\n1,2\n${'9'.repeat(10_000_000)}z,1\n` },
      expect: [1],
    },
    {
      name: 'escape sequences in a CSV',
      command: 'analyze',
      source: twoLayer.replace('DATA', 'd.csv'),
      files: { 'd.csv': `x,y\n1,2\n${esc},1\n` },
      expect: [1],
    },
    { name: 'escape sequences in the file', command: 'analyze', source: `param w = 1\n${esc}\ndata x from "${esc}.csv"\nloss = w^2 "${esc}"\n`, expect: [1] },
    { name: 'a 100000-character name', command: 'analyze', source: `param w = 1\nloss = ${'q'.repeat(100_000)}^2\n`, expect: [1] },
    { name: '--chains 1e9', command: 'simulate', source: matrix, flags: ['--chains', '1e9'], expect: [2] },
    { name: '--steps 1e15', command: 'simulate', source: matrix, flags: ['--steps', '1e15'], expect: [2] },
    { name: '--workers 256', command: 'simulate', source: matrix, flags: ['--workers', '256'], expect: [2] },
    { name: '--workers 1e5 --chains 1e5', command: 'simulate', source: matrix, flags: ['--workers', '1e5', '--chains', '1e5'], expect: [2] },
    { name: '--seed 1e300', command: 'simulate', source: matrix, flags: ['--seed', '1e300'], expect: [2] },
    { name: 'a model past the scalar view (the tensor path)', command: 'simulate', source: tanh(80), flags: SIMULATE_FLAGS, expect: [0] },
    {
      name: 'a model past the scalar view, in the main thread',
      command: 'simulate',
      source: tanh(57),
      flags: ['--steps', '5', '--chains', '2', '--workers', '0'],
      expect: [0],
    },
    {
      name: 'a scalar view too large for the main thread',
      command: 'simulate',
      source: 'param w[40] ~ normal(0, 0.1)\ndata X[80,40] ~ normal(0, 1)\nloss = sum(tanh(X@w)^2)\n',
      flags: ['--steps', '5', '--workers', '0'],
      expect: [2],
    },
    {
      name: 'a loss of 2.4·10⁴ scalar operations on 40 components (the tensor path)',
      command: 'simulate',
      source: 'param w[40] ~ normal(0, 0.1)\ndata X[200,40] ~ normal(0, 1)\nloss = sum(tanh(X@w)^2)\n',
      flags: SIMULATE_FLAGS,
      expect: [0],
    },
    {
      name: 'a matrix product past the graph limit',
      command: 'analyze',
      source: 'param w = 1\ndata a[5000, 1] ~ normal(0, 1)\ndata b[1, 5000] ~ normal(0, 1)\nloss = sum(a @ b) * w\n',
      expect: [1],
    },
    {
      name: 'a data set past memory',
      command: 'analyze',
      source: 'param w = 1\ndata x[100] ~ normal(0, 1)\ndataset size = 10000000\nloss = (w*sum(x))^2\n',
      expect: [1],
    },
    {
      name: '40 train lines',
      command: 'simulate',
      source: `param w = 1\ndata x ~ normal(0, 1)\nloss = (w*x)^2\n${'train sgd(lr = 0.01)\n'.repeat(40)}`,
      flags: SIMULATE_FLAGS,
      expect: [1],
    },
    // The symbolic budget is 10 s; the rest of this analysis takes about 1 s.
    {
      name: 'a constant that nerdamer takes 40 s on',
      command: 'analyze',
      source: matrix.replace('let   V = [[1, 0.5, 0]', 'let   V = [[1, 123456789.123, 0]'),
      expect: [0],
      maxCpuMs: 30_000,
    },
    { name: 'nesting 20000 deep', command: 'analyze', source: `param u = 1\nloss = ${'('.repeat(20_000)}u${')'.repeat(20_000)}^2\n`, expect: [1] },
  );
  return cases;
}

/** Generated and mutated .loss files (the in-process fuzzer's generators), analysed or simulated. */
export function generatedCases(count: number, seed: number): ProcessCase[] {
  const r = new Random(seed);
  const examples = readExamples(path.join(ROOT, 'examples'));
  const out: ProcessCase[] = [];
  for (let i = 0; i < count; i++) {
    const ri = inputRandom(seed, i);
    const { generator, input } = generateInput(r.next(), ri, examples);
    const simulate = ri.chance(0.3);
    out.push({ name: `${generator} #${i}`, command: simulate ? 'simulate' : 'analyze', source: input, flags: simulate ? SIMULATE_FLAGS : [] });
  }
  return out;
}

function prepare(c: ProcessCase): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-pfuzz-'));
  for (const [name, content] of Object.entries(c.files ?? {})) {
    const f = path.join(dir, name);
    if (typeof content === 'string') fs.writeFileSync(f, content);
    else execFileSync('mkfifo', [f]);
  }
  if (c.source !== undefined) fs.writeFileSync(path.join(dir, 'case.loss'), c.source);
  const target = c.target ?? 'case.loss';
  return { dir, file: path.isAbsolute(target) ? target : path.join(dir, target) };
}

/** The longest diagnostic message (MAX_MESSAGE_LENGTH: quotes of file text are cut). */
const MAX_MESSAGE = 1000;

/** Problems with one process's outcome; empty when it kept the contract. */
export function processProblems(
  c: ProcessCase,
  status: number | null,
  signal: string | null,
  stdout: string,
  stderr: string,
  timedOut: boolean,
  cpuMs?: number,
): string[] {
  const p: string[] = [];
  if (timedOut) return ['did not end within the time limit (killed)'];
  if (c.maxCpuMs !== undefined) {
    if (cpuMs === undefined) p.push('no CPU time was reported');
    else if (cpuMs > c.maxCpuMs) p.push(`took ${(cpuMs / 1000).toFixed(1)} s of CPU, limit ${c.maxCpuMs / 1000} s`);
  }
  if (signal) p.push(`killed by ${signal}`);
  const expect = c.expect ?? [0, 1, 2];
  if (status === null || !expect.includes(status)) p.push(`exit code ${status}, expected ${expect.join(' or ')}`);
  if (STACK.test(stderr) || STACK.test(stdout)) p.push('a stack trace was printed');
  if (/FATAL ERROR|heap out of memory|Aborted|core dumped|internal error/i.test(stderr)) p.push(`a crash: ${stderr.slice(0, 200)}`);
  if (RAW_CONTROL.test(stdout) || RAW_CONTROL.test(stderr)) p.push('a raw control character was printed');
  if (status === 0 || status === 1) {
    let j: { file?: unknown; diagnostics?: { severity: string; message: string }[]; runs?: unknown[]; symmetries?: unknown[] } | undefined;
    try {
      j = JSON.parse(stdout);
    } catch {
      p.push(`stdout is not JSON: ${stdout.slice(0, 120)}`);
    }
    if (j) {
      if (typeof j.file !== 'string') p.push('the JSON has no file');
      if (c.command === 'analyze' && (!Array.isArray(j.diagnostics) || !Array.isArray(j.symmetries)))
        p.push('the analysis JSON lacks diagnostics or symmetries');
      if (c.command === 'simulate' && !Array.isArray(j.runs)) p.push('the simulation JSON lacks runs');
      const long = (j.diagnostics ?? []).find((d) => typeof d.message !== 'string' || d.message.length > MAX_MESSAGE);
      if (long) p.push(`a diagnostic message of ${String(long.message).length} characters`);
      const errors = (j.diagnostics ?? []).filter((d) => d.severity === 'error').length;
      if (status === 1 && errors === 0) p.push('exit code 1 without an error diagnostic');
      if (status === 0 && errors > 0) p.push('exit code 0 with an error diagnostic');
    }
  }
  if (status === 2 && !/^noether: /m.test(stderr)) p.push('a usage error without a message');
  return p;
}

/** Runs one case in a child process within the limits; resolves its outcome. */
export function runCase(c: ProcessCase, opts: ProcessFuzzOptions = {}): Promise<ProcessOutcome> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const { dir, file } = prepare(c);
  const args = [`--max-old-space-size=${opts.maxOldSpaceMb ?? 512}`, '--require', CPU_REPORT, opts.bin ?? BIN, c.command, file, '--json', ...(c.flags ?? [])];
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // stdout, stderr and the CPU report (descriptor 3) are pipes.
    const [, stdout, stderr, cpuReport] = child.stdio as unknown as [null, NodeJS.ReadableStream, NodeJS.ReadableStream, NodeJS.ReadableStream];
    let cpuText = '';
    cpuReport.on('data', (b: Buffer) => (cpuText += b.toString('utf8')));
    let bytes = 0;
    const collect = (into: Buffer[]) => (b: Buffer) => {
      // Output is bounded too: past 64 MB the process is stopped.
      bytes += b.length;
      if (bytes <= 64 * 1024 * 1024) into.push(b);
      else child.kill('SIGKILL');
    };
    stdout.on('data', collect(out));
    stderr.on('data', collect(err));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const cpuMs = cpuText.trim() === '' ? undefined : Number(cpuText);
      const problems = processProblems(c, status, signal, stdout, stderr, timedOut, cpuMs);
      if (bytes > 64 * 1024 * 1024) problems.push('more than 64 MB of output');
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ name: c.name, ms, cpuMs, status, signal, problems });
    });
  });
}

export interface ProcessFuzzSummary {
  count: number;
  failures: ProcessOutcome[];
  slowest: ProcessOutcome[];
  byStatus: Record<string, number>;
  totalMs: number;
}

/** Runs the cases one after another (the machine has two cores shared with other work). */
export async function fuzzProcesses(cases: ProcessCase[], opts: ProcessFuzzOptions = {}): Promise<ProcessFuzzSummary> {
  const s: ProcessFuzzSummary = { count: 0, failures: [], slowest: [], byStatus: {}, totalMs: 0 };
  const t0 = performance.now();
  for (const [i, c] of cases.entries()) {
    const o = await runCase(c, opts);
    s.count++;
    s.byStatus[String(o.status ?? o.signal)] = (s.byStatus[String(o.status ?? o.signal)] ?? 0) + 1;
    if (o.problems.length) s.failures.push(o);
    s.slowest.push(o);
    s.slowest.sort((a, b) => b.ms - a.ms);
    s.slowest.length = Math.min(5, s.slowest.length);
    opts.onCase?.(o, i);
  }
  s.totalMs = performance.now() - t0;
  return s;
}
