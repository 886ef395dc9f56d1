// The whole analysis of a `.loss` file: check, find symmetries, state charges and laws, predict
// where each noisy run ends (gradient flow to a minimum, then the joint noise equilibrium of the
// whole group there), and, as a secondary result, the joint equilibrium on the orbit of the file's
// initial point. Its result is plain data (the JSON of `noether analyze --json`), so it crosses
// worker and webview boundaries unchanged.
import { checkSource, CheckOptions } from '../lang/check';
import { Diagnostic } from '../lang/diagnostics';
import { hasScalarView, Model, TrainSpec } from '../lang/model';
import { gradient } from '../expr/diff';
import { findSymmetries, gradientFunction, Symmetry, SymmetryKind } from './symmetries';
import { describeLaws, TrainingConstants } from './laws';
import { initialPoint } from './points';
import { CovarianceMethod, noiseCovariance, NoiseCovariance } from './moments';
import { JointEquilibrium, jointEquilibrium } from './jointEquilibrium';
import { minibatchNoiseFactor, predictAll, Prediction, StabilityInfo } from './predictions';

export { minibatchNoiseFactor } from './predictions';

/** The joint equilibrium on the orbit of the file's initial point (secondary to `predictions`). */
export interface EquilibriumResult {
  point: Record<string, number>;
  /** Charge at the start and at the equilibrium. */
  chargeInitial: number;
  chargeEquilibrium: number;
}

export interface SymmetryReport {
  kind: SymmetryKind;
  status: 'proved' | 'numerical';
  proof?: string;
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
  /** How Σ(θ) was obtained for the start-orbit equilibria, and the SGD constants they use. */
  noise?: { method: CovarianceMethod; samples?: number; lr: number; batch: number; weightDecay: number; kappa: number; basis: string };
  /** Where each noisy `train` line ends (THEORY.md §4): the primary prediction. */
  predictions?: Prediction[];
  /** λ_max(H) at each line's start and end, and the stability bound 2/λ_max. */
  stability?: StabilityInfo[];
  /** The joint equilibrium on the start's orbit (with the first SGD line's constants): secondary. */
  startOrbit?: { status: JointEquilibrium['status']; reason: string };
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
  if (model.components.length > MAX_ANALYSIS_COMPONENTS || !hasScalarView(model)) {
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
  let start: JointEquilibrium | undefined;
  const exponential = symmetries.filter((s) => s.matrix);
  if (exponential.length > 0) {
    noise = noiseCovariance(model, fn, theta);
    start = jointEquilibrium({ generators: exponential.map((s) => s.matrix as number[][]), theta, cov: noise.cov, eta: k.lr, kappa: k.kappa, gamma: k.weightDecay });
  }
  const { predictions, stability } = predictAll(model, symmetries, fn);
  const reports = symmetries.map((s) => report(s, names, theta, k, start, exponential.indexOf(s)));
  return {
    ...base,
    components: names,
    parameters: model.params.map((p) => ({ name: p.name, shape: p.shape })),
    initial: Object.fromEntries(names.map((c, i) => [c, theta[i]])),
    symmetries: reports,
    diagnostics: [...base.diagnostics, ...stabilityDiagnostics(model, stability)],
    noise: noise
      ? { method: noise.method, samples: noise.samples, lr: k.lr, batch: k.batch, weightDecay: k.weightDecay, kappa: k.kappa, basis: k.basis }
      : undefined,
    predictions,
    stability,
    startOrbit: start ? { status: start.status, reason: start.reason } : undefined,
  };
}

/** A warning on `lr` where it is at or above 2/λ_max(H) at the start or at the predicted end. */
function stabilityDiagnostics(model: Model, stability: StabilityInfo[]): AnalysisResult['diagnostics'] {
  const out: AnalysisResult['diagnostics'] = [];
  for (const st of stability) {
    const spec = model.trains[st.run];
    const span = spec?.lrSpan ?? spec?.span;
    if (!span || st.bound === null || spec.lr < st.bound) continue;
    const where =
      st.lambdaMaxStart !== null && st.lambdaMaxEnd !== null && st.lambdaMaxEnd > st.lambdaMaxStart ? 'at the predicted end point' : 'at the initial point';
    out.push({
      line: span.line,
      column: span.column,
      endLine: span.endLine,
      endColumn: span.endColumn,
      severity: 'warning',
      message:
        `lr = ${spec.lr} is at or above the stability bound 2/λ_max(H) = ${st.bound.toPrecision(3)} ${where} (λ_max = ${(2 / st.bound).toPrecision(3)}): ` +
        `gradient descent on the local quadratic diverges there, and SGD's fluctuations diverge even earlier; lower lr below ${st.bound.toPrecision(3)}`,
      fix: { title: `set lr = ${niceBelow(st.bound)}`, replacement: String(niceBelow(st.bound)) },
    });
  }
  return out;
}

/** A round number a little below x (two significant digits, at most 90% of x). */
function niceBelow(x: number): number {
  const target = 0.9 * x;
  const p = Math.pow(10, Math.floor(Math.log10(target)) - 1);
  return Math.floor(target / p) * p;
}

function report(s: Symmetry, names: string[], theta: Float64Array, k: TrainingConstants, start: JointEquilibrium | undefined, generator: number): SymmetryReport {
  const texts = describeLaws(s, names, k);
  const involves = s.direction
    ? names.filter((_, i) => (s.direction as number[])[i] !== 0)
    : names.filter((_, i) => (s.matrix as number[][])[i].some((x) => x !== 0));
  const out: SymmetryReport = {
    kind: s.kind,
    status: s.status,
    proof: s.proof,
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
  if (!start) return out;
  const charge = start.charges[generator];
  if (!start.point || charge === null || charge === undefined) {
    out.equilibriumNote = start.status === 'grows' && charge === null ? start.growth.find((g) => g.generator === generator)?.law ?? start.reason : start.reason;
    return out;
  }
  out.equilibrium = {
    point: Object.fromEntries(names.map((c, i) => [c, (start.point as number[])[i]])),
    chargeInitial: quadraticCharge(s.matrix as number[][], theta),
    chargeEquilibrium: charge,
  };
  return out;
}

/** θᵀAθ, reported as 0 when it is at the rounding level of its terms. */
export function quadraticCharge(A: number[][], x: ArrayLike<number>): number {
  let c = 0;
  let scale = 0;
  for (let i = 0; i < A.length; i++) {
    const row = A[i];
    for (let j = 0; j < row.length; j++) {
      if (row[j] === 0) continue;
      const t = x[i] * row[j] * x[j];
      c += t;
      scale += Math.abs(t);
    }
  }
  return Math.abs(c) <= 1e-12 * scale ? 0 : c;
}
