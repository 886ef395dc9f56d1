// Running Python for the export tests: Debian's /usr/bin/python3 with python3-torch (installed by
// scripts/ensure-python-torch.sh, the unit suite's pre-script). Without it the tests skip and say why.
import { execFile, spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

let availability: string | undefined | null = null;

/** Undefined when /usr/bin/python3 imports torch; else why not (the skip message). */
export function torchMissing(): string | undefined {
  if (availability !== null) return availability;
  const r = spawnSync(PYTHON, ['-c', 'import torch, functorch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  availability =
    r.status === 0
      ? undefined
      : `${PYTHON} cannot import torch (${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()}): run scripts/ensure-python-torch.sh (apt-get install python3-torch) to run the PyTorch export tests`;
  return availability;
}

/** Runs `python3 args…` with `input` on stdin; resolves with stdout, rejects with stderr. */
export function python(args: string[], input = '', timeoutMs = 600_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python3 ${args.join(' ').slice(0, 200)} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

/** Runs an exported script and parses the JSON summary it prints. */
export async function runExported(file: string): Promise<ExportSummary> {
  return JSON.parse(await python([file])) as ExportSummary;
}

/** The summary an exported script prints (src/core/export/pytorch.ts, main()). */
export interface ExportSummary {
  components: string[];
  componentCount: number;
  train: { index: number; optimizer: string; steps: number; chains: number; seed: number };
  stationary: {
    burnin: number;
    samples: number;
    mean: Record<string, number>;
    var: Record<string, number>;
    meanStdErr: Record<string, number>;
    varStdErr: Record<string, number>;
  };
  final: { mean: Record<string, number>; var: Record<string, number> | null };
  loss: { final: { mean: number; std: number | null; stdErr: number | null; window: number }; stationary: { mean: number; stdErr: number | null } };
  charges: { kind: string; text: string; initial: number; final: { mean: number; std: number | null } }[];
  diverged: { chains: number; firstStep: number | null };
}
