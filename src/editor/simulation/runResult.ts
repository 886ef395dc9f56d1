// What a run returned, judged without vscode (unit-tested).
import type { SimulationResult } from '../../core/numeric/types';

/**
 * A result with nothing measured: no run, or runs stopped before any chain reached a record point
 * (only the start is recorded; the next point, if any, has no chain in it and its loss is NaN).
 * A run cancelled this early keeps the previous result instead of replacing it with this one.
 */
export function measuredNothing(result: SimulationResult): boolean {
  return result.runs.every((r) => r.series.lossMean.slice(1).every((x) => !(typeof x === 'number' && Number.isFinite(x))));
}
