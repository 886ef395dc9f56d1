// The whole analysis of a `.loss` file: check, find symmetries, state charges and laws, predict
// where each noisy run ends (gradient flow to a minimum, then the joint noise equilibrium of the
// whole group there), and, as a secondary result, the joint equilibrium on the orbit of the file's
// initial point. Its result is plain data (the JSON of `noether analyze --json`), so it crosses
// worker and webview boundaries unchanged.
import { checkSource, CheckOptions } from '../lang/check';
import { Diagnostic } from '../lang/diagnostics';
import { hasScalarView, Model, ScalarModel, TrainSpec } from '../lang/model';
import { findSymmetries, gradientFunction, isExponential, Symmetry, SymmetryKind } from './symmetries';
import { describeLaws, TrainingConstants } from './laws';
import { initialPoint } from './points';
import { CovarianceMethod, noiseCovariance, NoiseCovariance } from './moments';
import { JointEquilibrium, jointEquilibrium } from './jointEquilibrium';
import { minibatchNoiseFactor, predictAll, Prediction, StabilityInfo } from './predictions';
import { findGroups, Group } from './groups';
import { GroupClosedForm, groupClosedForm } from './groupClosedForm';
import { describeGroup, generatorChargeText } from './groupLaws';
import { GeneratorSpec } from './generators';
import { ListedSymmetry, listGroups, reconcile, SymmetryList } from './symmetryList';
import { sparseForm } from './forms';
import { ClosedFormLaw, closedFormLaws } from './closedForm';
import { ConservationLaws, conservationLaws } from './completeness';

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
  /** Why a `numerical` symmetry is not proved, when the symbolic proof stopped at a time limit. */
  proofNote?: string;
  matrix?: number[][];
  direction?: number[];
  charge: { text: string; tex: string };
  laws: {
    gradientFlow: string;
    sgdStep: string;
    sgdContinuous: string;
    /** Law (C) with the data expectation done exactly, simplified and factorised where it can be (null: no closed form). */
    sgdClosedForm?: ClosedFormLaw | null;
    /** Why there is no closed form. */
    sgdClosedFormNote?: string;
  };
  lawsTex: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
  equilibrium: EquilibriumResult | null;
  /** Why there is no equilibrium, when there is none. */
  equilibriumNote?: string;
  /** Components this symmetry moves (for hovers); the tensors' names for models beyond 400 components. */
  involves: string[];
  residual: number;
  /** Index into `groups` of the group this generator belongs to. */
  group: number;
  /** The generator in compact tensor form (a generator of a tensor-level group). */
  action?: GeneratorSpec;
  /**
   * The charge's nonzero terms (i, j, coefficient; j = −1 for a translation) when the model is too
   * large for a dense `matrix` in the output and the generator has no compact form.
   */
  form?: { i: number[]; j: number[]; c: number[] };
  /** Its name within the group (Q[0,1], Q[3]). */
  label?: string;
}

/** A symmetry group as a theorist names it, with its charge and laws in matrix form. */
export interface GroupReport {
  name: string;
  kind: SymmetryKind;
  /** Number of independent charges (generators). */
  dimension: number;
  tensors: string[];
  status: 'proved' | 'numerical';
  proof?: string;
  proofNote?: string;
  charge: { text: string; tex: string };
  laws: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
  lawsTex: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
  /** Indices into `symmetries` of its listed generators. */
  symmetries: number[];
  /** Generators of the group the flat list leaves out (a huge group is summarised). */
  unlisted: number;
  structure: Group['structure'];
  residual: number;
  /** Law (C) of a GL(k) group in matrix form (the papers' form on the minimum manifold where it holds). */
  sgdClosedForm?: GroupClosedForm | null;
  sgdClosedFormNote?: string;
}

export interface AnalysisResult {
  file: string;
  components: string[];
  parameters: { name: string; shape: number[] }[];
  initial: Record<string, number>;
  /** The symmetry groups (rescaling of each hidden neuron, GL(k) on a hidden index, …). */
  groups: GroupReport[];
  /** One entry per generator (a huge group is summarised: see its `unlisted`). */
  symmetries: SymmetryReport[];
  diagnostics: {
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    severity: string;
    message: string;
    fix?: { title: string; replacement: string };
    /** Every fix when there are several equally good ones; `fix` is the first. */
    fixes?: { title: string; replacement: string }[];
  }[];
  /** How Σ(θ) was obtained for the start-orbit equilibria, and the SGD constants they use. */
  noise?: { method: CovarianceMethod; samples?: number; lr: number; batch: number; weightDecay: number; kappa: number; basis: string };
  /** Where each noisy `train` line ends (THEORY.md §4): the primary prediction. */
  predictions?: Prediction[];
  /** λ_max(H) at each line's start and end, and the stability bound 2/λ_max. */
  stability?: StabilityInfo[];
  /** The joint equilibrium on the start's orbit (with the first SGD line's constants): secondary. */
  startOrbit?: { status: JointEquilibrium['status']; reason: string };
  /** All conservation laws of gradient flow (THEORY.md §8): how many, and how many the symmetries explain. */
  conservationLaws?: ConservationLaws | { note: string };
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
    groups: [],
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
  if (d.fixes) out.fixes = d.fixes;
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
 * Beyond this many components the component-level search, the dense n×n generators, covariances and
 * end-point predictions cost more than an editor can wait for: symmetries are then found at the
 * level of tensor axes only and listed in compact form.
 */
export const MAX_ANALYSIS_COMPONENTS = 400;
/** Dense generators appear in the output up to this many components (sparse terms beyond). */
const JSON_DENSE_MAX_COMPONENTS = 64;

export function analyzeModel(model: Model, base: AnalysisResult): AnalysisResult {
  const fn = gradientFunction(model);
  const names = model.components;
  const theta = initialPoint(model);
  const k = trainingConstants(model);
  const search = findGroups(model, fn);
  const small = names.length <= MAX_ANALYSIS_COMPONENTS && hasScalarView(model);
  const dense = small ? reconcile(model, search, findSymmetries(model, fn)) : undefined;
  const list: SymmetryList = dense ?? listGroups(model, search);
  const symmetries = list.symmetries;
  let noise: NoiseCovariance | undefined;
  let start: JointEquilibrium | undefined;
  const exponential = symmetries.filter(isExponential);
  if (small && exponential.length > 0) {
    noise = noiseCovariance(model, fn, theta);
    start = jointEquilibrium({ generators: exponential.map((s) => s.matrix), theta, cov: noise.cov, eta: k.lr, kappa: k.kappa, gamma: k.weightDecay });
  }
  const { predictions, stability } = predictAll(model, symmetries, fn);
  // The minimum gradient flow reached for the first noisy run: where the matrix law's form is fitted.
  const flowMin = predictions.find((p) => p.minimum.converged)?.minimum;
  const minimum = flowMin ? Float64Array.from(names, (c) => flowMin.point[c]) : undefined;
  const groups = list.groups.map((g, gi): GroupReport => {
    // Groups of the component search's generators exist for small models only (dense generators).
    const texts =
      g.structure.type === 'components' && dense ? componentTexts(dense.symmetries[g.structure.symmetries[0]], names, k) : describeGroup(g, model.params, k);
    const matrixLaw =
      g.structure.type !== 'gl' ? undefined : dense ? groupClosedForm(model as ScalarModel, g, k, minimum) : { note: closedFormSkippedNote(names.length) };
    return {
      name: g.name,
      kind: g.kind,
      dimension: g.dimension,
      tensors: g.tensors,
      status: g.status,
      proof: g.proof,
      proofNote: g.proofNote,
      ...texts,
      symmetries: symmetries.flatMap((s, i) => (s.group === gi ? [i] : [])),
      unlisted: list.unlisted[gi],
      structure: g.structure,
      residual: g.residual,
      ...(matrixLaw ? ('law' in matrixLaw ? { sgdClosedForm: matrixLaw.law } : { sgdClosedForm: null, sgdClosedFormNote: matrixLaw.note }) : {}),
    };
  });
  const closed = dense ? closedFormLaws(model as ScalarModel, dense.symmetries, k) : undefined;
  const closedFormSkipped = closedFormSkippedNote(names.length);
  const reports = symmetries.map((s, i) => {
    const r = report(
      s,
      model,
      list.groups,
      groups,
      theta,
      k,
      start,
      exponential.findIndex((e) => e === s),
    );
    const c = closed?.[i];
    if (c && 'law' in c) r.laws = { ...r.laws, sgdClosedForm: c.law };
    else r.laws = { ...r.laws, sgdClosedForm: null, sgdClosedFormNote: c ? c.note : closedFormSkipped };
    return r;
  });
  return {
    ...base,
    components: names,
    parameters: model.params.map((p) => ({ name: p.name, shape: p.shape })),
    initial: Object.fromEntries(names.map((c, i) => [c, theta[i]])),
    groups,
    symmetries: reports,
    diagnostics: [...base.diagnostics, ...stabilityDiagnostics(model, stability)],
    noise: noise
      ? { method: noise.method, samples: noise.samples, lr: k.lr, batch: k.batch, weightDecay: k.weightDecay, kappa: k.kappa, basis: k.basis }
      : undefined,
    predictions,
    stability,
    startOrbit: start ? { status: start.status, reason: start.reason } : undefined,
    conservationLaws: small
      ? conservationLaws(model, symmetries)
      : { note: 'the count of all conservation laws (Lie-algebra rank) is computed for small models only' },
  };
}

/** Why a model has no closed form: too many components, or no scalar view. */
function closedFormSkippedNote(components: number): string {
  return components > MAX_ANALYSIS_COMPONENTS
    ? `the closed form is computed for models up to ${MAX_ANALYSIS_COMPONENTS} components`
    : 'the closed form is computed on the scalar view, which this model has not (its loss has more than 2·10⁴ scalar operations)';
}

function componentTexts(s: Symmetry, names: string[], k: TrainingConstants) {
  const t = describeLaws(s, names, k);
  return { charge: t.charge, laws: t.laws, lawsTex: t.lawsTex };
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
  // toPrecision drops the float artefact of k·10^e (1.7000000000000002).
  return Number((Math.floor(target / p) * p).toPrecision(2));
}

function report(
  s: ListedSymmetry,
  model: Model,
  groupList: Group[],
  groups: GroupReport[],
  theta: Float64Array,
  k: TrainingConstants,
  start: JointEquilibrium | undefined,
  generator: number,
): SymmetryReport {
  const names = model.components;
  const group = groups[s.group];
  let texts: { charge: { text: string; tex: string }; laws: SymmetryReport['laws']; lawsTex: SymmetryReport['lawsTex'] };
  let involves: string[];
  if (s.matrix || s.direction) {
    texts = describeLaws(s, names, k);
    involves = s.direction ? names.filter((_, i) => s.direction[i] !== 0) : names.filter((_, i) => s.matrix[i].some((x) => x !== 0));
  } else {
    // A generator of a large model: its entry of the group's charge, and the group's laws.
    const text = s.label ? generatorChargeText(groupList[s.group], model.params, s.label, false) : undefined;
    const tex = s.label ? generatorChargeText(groupList[s.group], model.params, s.label, true) : undefined;
    texts = { charge: text && tex ? { text, tex } : group.charge, laws: group.laws, lawsTex: group.lawsTex };
    involves = group.tensors;
  }
  const dense = names.length <= JSON_DENSE_MAX_COMPONENTS;
  const sparse = !dense && !s.action && (s.matrix || s.direction) ? sparseForm(s) : undefined;
  const out: SymmetryReport = {
    kind: s.kind,
    status: s.status,
    proof: s.proof,
    proofNote: s.proofNote,
    matrix: dense ? s.matrix : undefined,
    direction: dense ? s.direction : undefined,
    form: sparse ? { i: Array.from(sparse.i), j: Array.from(sparse.j), c: Array.from(sparse.c) } : undefined,
    charge: texts.charge,
    laws: texts.laws,
    lawsTex: texts.lawsTex,
    equilibrium: null,
    involves,
    residual: s.residual,
    group: s.group,
    action: s.action,
    label: s.label,
  };
  if (s.kind === 'translation') {
    out.equilibriumNote =
      k.weightDecay > 0
        ? 'a translation charge decays geometrically to 0 under weight decay; noise does not move it'
        : 'a translation charge is conserved exactly by SGD: every point of the orbit is stationary';
    return out;
  }
  // An equilibrium exists for small models only, whose exponential generators have their matrix.
  if (!start || !s.matrix) return out;
  const charge = start.charges[generator];
  if (!start.point || charge === null || charge === undefined) {
    out.equilibriumNote =
      start.status === 'grows' && charge === null ? (start.growth.find((g) => g.generator === generator)?.law ?? start.reason) : start.reason;
    return out;
  }
  out.equilibrium = {
    point: Object.fromEntries(names.map((c, i) => [c, (start.point as number[])[i]])),
    chargeInitial: quadraticCharge(s.matrix, theta),
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
