// Run history, the pure part: what an entry keeps (a downsampled copy of the result) and which
// entries a bounded history keeps. The extension stores the entries in its workspace storage
// (src/editor/history/runHistory.ts); nothing here touches files.
import type { RunResult, SimulationResult } from './types';

/** Entries kept per `.loss` file (the newest). */
export const HISTORY_PER_FILE = 20;
/** Bytes of stored results kept over all files of a workspace (the oldest entries go first). */
export const HISTORY_MAX_BYTES = 64 * 1024 * 1024;
/** Record points kept per series of a stored run (every k-th and the last). */
export const HISTORY_SERIES_POINTS = 500;
/** Per-chain final parameters are kept up to this many numbers per run (chains × components). */
const HISTORY_PER_CHAIN_VALUES = 20_000;

export interface HistoryEntry {
  id: string;
  /** The `.loss` file's URI (string form). */
  uri: string;
  /** When it finished (ms since 1970). */
  time: number;
  title: string;
  status: RunResult['status'];
  runs: { label: string; train: number; status: RunResult['status'] }[];
  /** Size of the stored result (JSON bytes). */
  bytes: number;
}

/** Indices of `n` records keeping at most `max`: every k-th and the last. */
export function keptIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const k = Math.ceil(n / max);
  const out: number[] = [];
  for (let i = 0; i < n; i += k) out.push(i);
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

function pick<T>(a: ArrayLike<T>, idx: number[]): T[] {
  return idx.filter((i) => i < a.length).map((i) => a[i]);
}

/** A run with its series downsampled to `max` records and its per-chain parameters dropped when large. */
export function compactRun(r: RunResult, max = HISTORY_SERIES_POINTS): RunResult {
  const s = r.series;
  const idx = keptIndices(s.steps.length, max);
  const driftIdx = idx.filter((i) => i < s.steps.length - 1);
  const perChain = r.finalPerChain && r.finalPerChain.length * (r.finalPerChain[0]?.length ?? 0) <= HISTORY_PER_CHAIN_VALUES ? r.finalPerChain : undefined;
  const out: RunResult = {
    ...r,
    series: {
      ...s,
      steps: pick(s.steps, idx),
      survivors: pick(s.survivors, idx),
      lossMean: pick(s.lossMean, idx),
      lossStd: pick(s.lossStd, idx),
      charges: s.charges.map((c) => ({
        mean: pick(c.mean, idx),
        std: pick(c.std, idx),
        predicted: pick(c.predicted, idx),
        ...(c.lawResidual
          ? { lawResidual: { mean: pick(c.lawResidual.mean, idx), se: pick(c.lawResidual.se, idx), quadrature: pick(c.lawResidual.quadrature, idx) } }
          : {}),
      })),
      drift: s.drift.map((d) => ({ measured: pick(d.measured, driftIdx), predicted: pick(d.predicted, driftIdx) })),
      traceH: pick(s.traceH, idx),
      lambdaMaxH: pick(s.lambdaMaxH, idx),
      // The chains' own paths share the records' grid: thinned with it.
      ...(s.chains
        ? {
            chains: s.chains.map((c) => ({
              chain: c.chain,
              loss: pick(c.loss, idx),
              charges: c.charges.map((x) => pick(x, idx)),
              ...(c.theta ? { theta: c.theta.map((x) => pick(x, idx)) } : {}),
            })),
          }
        : {}),
    },
  };
  if (perChain) out.finalPerChain = perChain;
  else delete out.finalPerChain;
  return out;
}

export function compactResult(result: SimulationResult, max = HISTORY_SERIES_POINTS): SimulationResult {
  return { ...result, runs: result.runs.map((r) => compactRun(r, max)) };
}

/** The worst status of a result's runs: cancelled, then diverged, then completed. */
export function resultStatus(result: SimulationResult): RunResult['status'] {
  if (result.runs.some((r) => r.status === 'cancelled' || r.cancelled)) return 'cancelled';
  return result.runs.some((r) => r.status === 'diverged') ? 'diverged' : 'completed';
}

/**
 * Which entries a bounded history drops: past `perFile` per file (the oldest), then the oldest of
 * all while the stored bytes exceed `maxBytes` (the newest entry is always kept).
 */
export function entriesToDrop(entries: HistoryEntry[], perFile = HISTORY_PER_FILE, maxBytes = HISTORY_MAX_BYTES): Set<string> {
  const drop = new Set<string>();
  const newest = [...entries].sort((a, b) => b.time - a.time);
  const counts = new Map<string, number>();
  for (const e of newest) {
    const n = (counts.get(e.uri) ?? 0) + 1;
    counts.set(e.uri, n);
    if (n > perFile) drop.add(e.id);
  }
  let bytes = newest.filter((e) => !drop.has(e.id)).reduce((a, e) => a + e.bytes, 0);
  for (const e of [...newest].reverse()) {
    if (bytes <= maxBytes || e === newest[0]) break;
    if (drop.has(e.id)) continue;
    drop.add(e.id);
    bytes -= e.bytes;
  }
  return drop;
}
