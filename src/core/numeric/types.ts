// The plain-data result of a simulation (`noether simulate --json`), shared by the CLI, the
// extension host, the worker pool and the webviews. Keyed by component name where the JSON
// shape asks for it.

export interface Series {
  /** Step index of each recorded point (≤ 2000 points). */
  steps: number[];
  /** Mean over chains of the training loss ℓ on the step's minibatch. */
  lossMean: number[];
  lossStd: number[];
  /** One entry per symmetry of the analysis (same order). */
  charges: {
    mean: number[];
    std: number[];
    /** Law (C) integrated from the chains' mean state (null where it is not available). */
    predicted: (number | null)[];
  }[];
  /** Measured mean drift of each charge per unit time (t = η·steps) against law (C)'s prediction. */
  drift: { measured: number[]; predicted: number[] }[];
  /** tr H and λ_max(H) of the expected loss at chain 0's parameters (power iteration). */
  traceH: number[];
  lambdaMaxH: number[];
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

export interface ChargeSummary {
  symmetry: number;
  kind: string;
  text: string;
  initial: number;
  finalMean: number;
  finalStd: number;
  /** Charge at the solved noise equilibrium (null when there is none). */
  predictedEquilibrium: number | null;
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
  diverged: Divergence[];
  final: { mean: Record<string, number>; var: Record<string, number> };
  stationary: {
    burnin: number;
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
  /** Largest relative residual of the exact per-step law (D) over the run (rounding level); NaN (null in JSON) when there is no law to check: no symmetry, or momentum/Adam. */
  lawResidual: number;
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
