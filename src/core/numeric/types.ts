// The plain-data result of a simulation (`noether simulate --json`), shared by the CLI, the
// extension host, the worker pool and the webviews. Keyed by component name where the JSON
// shape asks for it.
import type { Prediction } from '../analysis/predictions';

export interface Series {
  /** Step index of each recorded point (≤ 2000 points by default). */
  steps: number[];
  /** Chains still running (not diverged, not escaped) at each record: the means are over them. */
  survivors: number[];
  /** Mean over chains of the training loss ℓ on the step's minibatch. */
  lossMean: number[];
  lossStd: number[];
  /** One entry per symmetry of the analysis (same order). */
  charges: {
    mean: number[];
    std: number[];
    /**
     * Law (C) at the resolution of the steps: the mean over the predicting chains of
     * C(θ₀) + Σ_t E[C_{t+1} − C_t | θ_t], the expected per-step change summed along each chain's own
     * path (null where no law applies). See `lawC` for its order in η and how it is summed.
     */
    predicted: (number | null)[];
    /**
     * Measured minus predicted, per record: the mean over the predicting chains of
     * C_t − C_0 − Σ E[ΔC | θ], with its standard error over those chains (a martingale: mean 0 when
     * the law holds), and the quadrature error bound of the sum (0 where every step is summed).
     */
    lawResidual?: { mean: number[]; se: number[]; quadrature: number[] };
  }[];
  /** How law (C)'s predicted curve is computed: its order in η and its time resolution. */
  lawC?: string;
  /** Measured mean drift of each charge per unit time (t = η·steps) against law (C)'s prediction. */
  drift: { measured: number[]; predicted: number[] }[];
  /** tr H and λ_max(H) of the expected loss at chain 0's parameters (power iteration). */
  traceH: number[];
  lambdaMaxH: number[];
  /**
   * A few chains' own paths (chains 0, 1, …, at most 4) at the record points, beside the means over
   * all chains: NaN (null in JSON) once a chain has stopped. Bounded: at most 64 charges, the
   * parameters only for models of at most 32 components, fewer chains for long records.
   */
  chains?: ChainTrace[];
}

/** One chain's path at the record points (the same length as `steps`). */
export interface ChainTrace {
  chain: number;
  loss: number[];
  /** The first `charges.length` charges, each over the records. */
  charges: number[][];
  /** Each component of θ over the records (components order), for small models. */
  theta?: number[][];
}

export interface Divergence {
  chain: number;
  step: number;
  message: string;
  /** The chain's last finite parameters. */
  lastFinite: Record<string, number>;
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

export type Verdict = 'agrees' | 'relaxing' | 'disagrees' | 'no prediction';

/** Prediction beside measurement for one quantity of the charges. */
export interface VerdictFields {
  /** The stationary mean after burn-in, over the chains that have a prediction, and its SE. */
  measured: number | null;
  measuredStdErr: number | null;
  /** (measured − predicted)/SE, over the chains that have a prediction. */
  z: number | null;
  /** The O(η) term the continuous-time prediction leaves out (its computed discrete-time shift). */
  etaTerm: number | null;
  /** (measured − predicted − etaTerm)/SE: against the discrete-time equilibrium (THEORY.md §9). */
  zDiscrete: number | null;
  verdict: Verdict;
  /** For `relaxing`: about how many more steps the quantity needs to reach the prediction. */
  stepsNeeded?: number;
  /** One sentence: how the verdict was reached. */
  verdictNote: string;
}

export interface ChargeSummary extends VerdictFields {
  symmetry: number;
  kind: string;
  text: string;
  initial: number;
  /** Mean and spread over the surviving chains at the last record (NaN, null in JSON: none survived). */
  finalMean: number;
  finalStd: number;
  /**
   * Where SGD ends (the run's prediction, THEORY.md §4): the charge at the joint noise equilibrium
   * on the minimum reached from the chains' starts (null when there is none).
   */
  predictedEquilibrium: number | null;
}

/** A rotation-invariant combination of the charges, set beside its prediction like a charge. */
export interface InvariantSummary extends VerdictFields {
  kind: 'linear' | 'quadratic';
  text: string;
  predicted: number;
}

export interface DivergenceSummary {
  /** Chains that diverged, of how many. */
  chains: number;
  of: number;
  firstStep: number;
  firstChain: number;
  /** λ_max(H) at the start (chain 0) and the GD stability bound 2/λ_max it implies. */
  lambdaMax: number | null;
  bound: number | null;
  lr: number;
  /** One summary sentence with the fix. */
  message: string;
}

/** The stationary law theory predicts, where it exists (else the panel labels a Gaussian fit). */
export interface StationaryTheory {
  source: string;
  /** Gaussian laws of the components (THEORY §5); empty when the theory is only a product's law. */
  mean: Record<string, number>;
  var: Record<string, number>;
  cov: number[][];
  /** The law of a product of scalar factors (a deep chain, paper (a) Theorem 4.2). */
  variable?: string;
  density?: { x: number[]; p: number[] };
  /** q10, q25, q50, q75, q90 of the product. */
  quantiles?: number[];
  /** Its interior most likely value (null: the density peaks at 0). */
  mode?: number | null;
  /** D = 1: the collapse temperature in units of η·κ (null for deeper chains: no sharp transition). */
  tc?: number | null;
  /** The product collapses to 0 (T ≥ T_c). */
  collapsed?: boolean;
  /** η·κ in the paper's convention, and the depth D. */
  temperature?: number;
  depth?: number;
}

/** The measured law of a product of factors (the chains' stationary samples), beside its theory. */
export interface ProductStatistics {
  variable: string;
  quantiles: number[];
  /** Bootstrap standard errors over chains. */
  quantileStdErr: number[];
  samples: number;
  /** The pooled samples between their 0.5 % and 99.5 % quantiles, in 40 bins (absent when they are all equal). */
  histogram?: Histogram;
}

export interface RunResult {
  /** Index of the `train` line among the file's train lines. */
  run: number;
  optimizer: string;
  lr: number;
  batch: number;
  steps: number;
  chains: number;
  weightDecay: number;
  seed: number;
  /** For gd: whether the gradient is the exact expectation or a large fixed sample. */
  gdGradient?: 'exact' | 'finite-set' | 'sampled';
  /** `diverged` when any chain diverged (the statistics are then over the survivors). */
  status: 'completed' | 'diverged' | 'cancelled';
  /** The first diverged chains (at most 20), in chain order; `divergence` summarises all of them. */
  diverged: Divergence[];
  divergence?: DivergenceSummary;
  /** Over the surviving chains; NaN (null in JSON) when none survived, never a misleading 0. */
  final: { mean: Record<string, number>; var: Record<string, number> };
  /** Where this run is predicted to end (from chain 0's start), when it has noise and a law. */
  prediction?: Prediction;
  /** Record interval actually used (record_every, raised if needed to bound the recorded points). */
  recordEvery: number;
  stationary: {
    /** First step of the stationary sample, chosen from the measured series (see `burninMethod`). */
    burnin: number;
    burninMethod: string;
    /** False when the charges or the loss still drift at the end: the statistics are not stationary. */
    reached: boolean;
    /** Samples (chain × record) the statistics use. */
    samples: number;
    theory?: StationaryTheory;
    /** The measured quantiles of the product a deep chain's theory is about. */
    product?: ProductStatistics;
    mean: Record<string, number>;
    var: Record<string, number>;
    /** Standard error of each stationary mean, accounting for autocorrelation (batch means). */
    meanStdErr: Record<string, number>;
    /** Standard error of each stationary variance (batch means over chains and time blocks). */
    varStdErr: Record<string, number>;
    /** Covariance matrix over components (components order). */
    cov: number[][];
    histograms: Record<string, Histogram>;
  };
  charges: ChargeSummary[];
  /** Where some charge depends on the orientation within the group's rotations: its invariants. */
  invariants?: InvariantSummary[];
  /** Largest relative residual of the exact per-step law (D) over the run (rounding level); NaN (null in JSON) when there is no law to check: no symmetry, or momentum/Adam. */
  lawResidual: number;
  /**
   * Where checking every charge on every step would cost several steps' work, each step checks every
   * lawStride-th charge in rotation, so each charge is checked on every lawStride-th step; absent
   * when every charge is checked on every step.
   */
  lawStride?: number;
  series: Series;
  /** Escape experiments: first-passage step per chain (null: did not escape). */
  firstPassage?: (number | null)[];
  /** Each chain's final parameters (components order), chains in order; omitted when chains × components > 10⁶. */
  finalPerChain?: number[][];
  stepsPerSecond: number;
  cancelled?: boolean;
}

export interface SimulationResult {
  file: string;
  components: string[];
  runs: RunResult[];
}

export interface SimulationProgress {
  run: number;
  /** Fraction done in [0, 1]. */
  fraction: number;
  /** The partial series so far, for live plots (may be omitted between updates). */
  partial?: RunResult;
}

/** Which steps law (D)'s residual covers, in words: "every step", or "every 3rd step of each charge". */
export function lawDCoverage(run: { lawStride?: number }): string {
  const r = run.lawStride ?? 1;
  if (r === 1) return 'every step';
  const nth = r % 10 === 1 && r % 100 !== 11 ? 'st' : r % 10 === 2 && r % 100 !== 12 ? 'nd' : r % 10 === 3 && r % 100 !== 13 ? 'rd' : 'th';
  return `every ${r}${nth} step of each charge (in rotation)`;
}
