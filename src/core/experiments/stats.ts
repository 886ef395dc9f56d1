// Shared statistics of the experiments: a prediction against a measurement with its standard error.
// The tolerance is z standard errors (z = 4: a correct prediction fails with probability ≈ 6·10⁻⁵ per
// check for a Gaussian estimate) plus, only where the formula itself is approximate, an explicitly
// derived model-error term documented at the call site. Never a number tuned until green.
import { Check } from './types';

export const Z = 4;

export function check(name: string, predicted: number, measured: number, stdErr: number, z = Z, modelError = 0, note?: string): Check {
  const tolerance = z * stdErr + modelError;
  const pass = Number.isFinite(predicted) && Number.isFinite(measured) && Number.isFinite(tolerance) && Math.abs(measured - predicted) <= tolerance;
  const c: Check = { name, predicted, measured, stdErr, tolerance, pass };
  if (note !== undefined) c.note = note;
  return c;
}

/** Sample mean and its standard error (independent values). */
export function meanSe(xs: number[]): { mean: number; se: number; sd: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, se: Math.sqrt(v / Math.max(1, n)), sd: Math.sqrt(v) };
}
