// The whole analysis of a `.loss` file: check, find symmetries, state charges and laws, and solve
// each noise equilibrium on the orbit of the file's initial point. Its result is plain data
// (the JSON of `noether analyze --json`), so it crosses worker and webview boundaries unchanged.
import { checkSource, CheckOptions } from '../lang/check';
import { Diagnostic } from '../lang/diagnostics';
import { Model, TrainSpec } from '../lang/model';
import { gradient } from '../expr/diff';
import { findSymmetries, gradientFunction, Symmetry, SymmetryKind } from './symmetries';
import { describeLaws, TrainingConstants } from './laws';
import { initialPoint } from './points';
import { CovarianceMethod, noiseCovariance, NoiseCovariance } from './moments';
import { equilibriumOnOrbit, orbitTerms, solveEquilibrium } from './equilibrium';

export interface EquilibriumResult {
  lambda: number;
  point: Record<string, number>;
  /** Charge at the start and at the equilibrium. */
  chargeInitial: number;
  chargeEquilibrium: number;
  /** Standard error of λ (Monte Carlo Σ only). */
  lambdaStdErr?: number;
}

export interface SymmetryReport {
  kind: SymmetryKind;
  status: 'proved' | 'numerical';
  proof?: string;
  /** Why a `numerical` symmetry is not proved, when the symbolic proof stopped at a time limit. */
  proofNote?: string;
  matrix?: number[][];
  direction?: number[];
  charge: { text: string; tex: string };
  laws: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
  lawsTex: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
  equilibrium: EquilibriumResult | null;
  /** Why there is no equilibrium, when there is none. */
  equilibriumNote?: string;
  /** Components this symmetry moves (for hovers). */
  involves: string[];
  residual: number;
}

export interface AnalysisResult {
  file: string;
  components: string[];
  parameters: { name: string; shape: number[] }[];
  initial: Record<string, number>;
  symmetries: SymmetryReport[];
  diagnostics: { line: number; column: number; endLine: number; endColumn: number; severity: string; message: string; fix?: { title: string; replacement: string } }[];
  /** How Σ(θ) was obtained for the equilibria, and the SGD constants they use. */
  noise?: { method: CovarianceMethod; samples?: number; lr: number; batch: number; weightDecay: number; kappa: number; basis: string };
  timings?: { totalMs: number };
}

export interface AnalyzeOptions extends CheckOptions {
  file?: string;
}

export function analyzeSource(source: string, options: AnalyzeOptions = {}): AnalysisResult {
  const t0 = Date.now();
  const checked = checkSource(source, options);
  const base: AnalysisResult = {
    file: options.file ?? '',
    components: [],
    parameters: [],
    initial: {},
    symmetries: [],
    diagnostics: checked.diagnostics.map(toJsonDiagnostic),
  };
  const model = checked.model;
  if (!model) return base;
  const result = analyzeModel(model, base);
  result.timings = { totalMs: Date.now() - t0 };
  return result;
}

function toJsonDiagnostic(d: Diagnostic): AnalysisResult['diagnostics'][number] {
  const out: AnalysisResult['diagnostics'][number] = {
    line: d.line,
    column: d.column,
    endLine: d.endLine,
    endColumn: d.endColumn,
    severity: d.severity,
    message: d.message,
  };
  if (d.fix) out.fix = d.fix;
  return out;
}

/**
 * κ with Σ_B = κ Σ for one run's minibatches (THEORY.md notation): 1/B for fresh data or sampling
 * with replacement, (N − B)/(B(N − 1)) without replacement from N examples.
 */
export function minibatchNoiseFactor(model: Model, spec: TrainSpec): number {
  const N = model.dataset?.size;
  if (spec.sampling === 'without_replacement' && N !== undefined && N > 1) return (N - spec.batch) / (spec.batch * (N - 1));
  return 1 / spec.batch;
}

/** The SGD constants the equilibria and laws are stated for. */
export function trainingConstants(model: Model): TrainingConstants & { basis: string } {
  const sgd = model.trains.find((t) => t.optimizer === 'sgd');
  const t: TrainSpec | undefined = sgd ?? model.trains[0];
  const lr = t?.lr ?? 0.01;
  const batch = t?.batch ?? 1;
  const weightDecay = t?.weightDecay ?? 0;
  const kappa = t ? minibatchNoiseFactor(model, t) : 1 / batch;
  const kappaText = kappa === 1 / batch ? '(1/B)' : '(N−B)/(B(N−1))';
  const basis = sgd
    ? `the first sgd run (line ${sgd.span.line})`
    : t
      ? `the first run (line ${t.span.line}, ${t.optimizer}), treated as SGD`
      : 'no train line: η = 0.01, B = 1, γ = 0 (with γ = 0 the equilibrium does not depend on η or B)';
  return { lr, batch, weightDecay, kappa, kappaText, basis };
}

/**
 * Beyond this many components the dense n×n generators, covariances and eigendecompositions cost
 * more memory and time than an editor can wait for: the file is still checked and can be
 * simulated, but symmetry analysis is skipped with a warning.
 */
export const MAX_ANALYSIS_COMPONENTS = 400;

export function analyzeModel(model: Model, base: AnalysisResult): AnalysisResult {
  const fn = gradientFunction(model);
  if (model.components.length > MAX_ANALYSIS_COMPONENTS) {
    const s = model.lossSpan;
    const theta0 = initialPoint(model);
    return {
      ...base,
      components: model.components,
      parameters: model.params.map((p) => ({ name: p.name, shape: p.shape })),
      initial: Object.fromEntries(model.components.map((c, i) => [c, theta0[i]])),
      diagnostics: [
        ...base.diagnostics,
        {
          line: s.line, column: s.column, endLine: s.endLine, endColumn: s.endColumn, severity: 'warning',
          message: `symmetry analysis is limited to ${MAX_ANALYSIS_COMPONENTS} parameter components (this file has ${model.components.length}); the file can still be simulated`,
        },
      ],
    };
  }
  const symmetries = findSymmetries(model, fn);
  const theta = initialPoint(model);
  const names = model.components;
  const k = trainingConstants(model);
  let noise: NoiseCovariance | undefined;
  if (symmetries.some((s) => s.kind !== 'translation')) {
    const gradNodes = gradient(model.graph, model.loss, model.paramNodes);
    noise = noiseCovariance(model, fn, theta, gradNodes);
  }
  const reports = symmetries.map((s) => report(s, names, theta, k, noise));
  return {
    ...base,
    components: names,
    parameters: model.params.map((p) => ({ name: p.name, shape: p.shape })),
    initial: Object.fromEntries(names.map((c, i) => [c, theta[i]])),
    symmetries: reports,
    noise: noise
      ? { method: noise.method, samples: noise.samples, lr: k.lr, batch: k.batch, weightDecay: k.weightDecay, kappa: k.kappa, basis: k.basis }
      : undefined,
  };
}

function report(s: Symmetry, names: string[], theta: Float64Array, k: TrainingConstants, noise?: NoiseCovariance): SymmetryReport {
  const texts = describeLaws(s, names, k);
  const involves = s.direction
    ? names.filter((_, i) => (s.direction as number[])[i] !== 0)
    : names.filter((_, i) => (s.matrix as number[][])[i].some((x) => x !== 0));
  const out: SymmetryReport = {
    kind: s.kind,
    status: s.status,
    proof: s.proof,
    proofNote: s.proofNote,
    matrix: s.matrix,
    direction: s.direction,
    charge: texts.charge,
    laws: texts.laws,
    lawsTex: texts.lawsTex,
    equilibrium: null,
    involves,
    residual: s.residual,
  };
  if (s.kind === 'translation') {
    out.equilibriumNote = k.weightDecay > 0
      ? 'a translation charge decays geometrically to 0 under weight decay; noise does not move it'
      : 'a translation charge is conserved exactly by SGD: every point of the orbit is stationary';
    return out;
  }
  if (!noise) return out;
  const A = s.matrix as number[][];
  const eq = equilibriumOnOrbit(A, theta, noise.cov, k.lr, k.kappa, k.weightDecay);
  if (eq.kind !== 'root') {
    out.equilibriumNote = eq.reason;
    return out;
  }
  out.equilibrium = {
    lambda: eq.lambda,
    point: Object.fromEntries(names.map((c, i) => [c, eq.point[i]])),
    chargeInitial: eq.chargeInitial,
    chargeEquilibrium: eq.chargeEquilibrium,
  };
  if (noise.batches) {
    const lambdas = noise.batches
      .map((b) => solveEquilibrium(orbitTerms(A, theta, b.cov), k.lr, k.kappa, k.weightDecay))
      .filter((r): r is { kind: 'root'; lambda: number } => r.kind === 'root')
      .map((r) => r.lambda);
    if (lambdas.length >= 2) {
      const m = lambdas.reduce((a, b) => a + b, 0) / lambdas.length;
      const v = lambdas.reduce((a, b) => a + (b - m) ** 2, 0) / (lambdas.length - 1);
      out.equilibrium.lambdaStdErr = Math.sqrt(v / lambdas.length);
    }
  }
  return out;
}
