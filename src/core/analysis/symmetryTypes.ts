// The shapes of a symmetry's generator, as discriminated unions: checking `kind` (or whether
// `matrix`, `direction` or `form` is there) narrows them, so no caller casts. Types only: the
// simulation worker imports them without loading the symmetry search or its proofs.
import type { SparseForm } from './forms';

export type SymmetryKind = 'rescaling' | 'scaling' | 'linear' | 'translation';
export type ExponentialKind = Exclude<SymmetryKind, 'translation'>;

/** A dense generator: a matrix A (θ → e^{λA}θ) or a direction v (θ → θ + λv). */
export type DenseGenerator = { matrix: number[][]; direction?: undefined } | { direction: number[]; matrix?: undefined };

/** A generator by its kind: exponential kinds have a matrix, a translation a direction. */
export type Generator = { kind: ExponentialKind; matrix: number[][]; direction?: undefined } | { kind: 'translation'; direction: number[]; matrix?: undefined };

/** A generator of a large model, kept only in compact form (its group's action): no dense matrix. */
export interface CompactGenerator {
  kind: SymmetryKind;
  matrix?: undefined;
  direction?: undefined;
}

export interface SymmetryFacts {
  status: 'proved' | 'numerical';
  /** How the proof was obtained (for the report), when proved. */
  proof?: 'homogeneity' | 'covariance' | 'nerdamer';
  /** Why it is not proved, when the symbolic proof stopped at its deadline or budget. */
  proofNote?: string;
  /**
   * Largest relative residual |Σ f_i g_i| / Σ |f_i g_i| of the symmetry condition at the fresh
   * re-check points; each point's residual was also within its own rounding-error bound.
   */
  residual: number;
}

/** A symmetry found on the components (small models): always with its dense generator. */
export type Symmetry = Generator & SymmetryFacts;

/** An exponential symmetry (its generator a matrix). */
export type ExponentialSymmetry = Extract<Symmetry, { kind: ExponentialKind }>;

export function isExponential<S extends { kind: SymmetryKind; matrix?: number[][] }>(s: S): s is S & { matrix: number[][] } {
  return s.kind !== 'translation' && s.matrix !== undefined;
}

/**
 * A charge a run tracks: a dense generator A or direction v (small models), or its sparse form
 * (large models: the tensor-level generators expanded, never n×n).
 */
export type KernelSymmetry =
  | { matrix: number[][]; direction?: undefined; form?: undefined }
  | { direction: number[]; matrix?: undefined; form?: undefined }
  | { form: SparseForm; matrix?: undefined; direction?: undefined };
