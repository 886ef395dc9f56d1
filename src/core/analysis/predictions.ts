// Where SGD ends (THEORY.md §4): gradient flow from the run's initial point to a minimum (charges
// conserved), then the joint noise equilibrium of the whole symmetry group on that minimum's orbit,
// with the linearised relaxation time of the charges towards it. One prediction per `train` line
// with noise; plus λ_max(H) at the start and at the end for the stability bound η < 2/λ_max.
import { Model, TrainSpec } from '../lang/model';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { GradientFn } from './gradientFn';
import type { DenseGenerator } from './symmetryTypes';
import { CovarianceMethod, noiseCovariance } from './moments';
import { initialPoint } from './points';
import { ExpectedGradient, expectedGradient } from './expectedLoss';
import { FlowResult, gradientFlow, hessianByDifferences } from './gradientFlow';
import { largestEigenvalue } from './lanczos';
import { EquilibriumStatus, jointEquilibrium } from './jointEquilibrium';
import { discreteShift } from './discreteShift';
import { slowDrift, slowEquilibrium } from './slowDrift';
import { chargeInvariants, linearInvariant, toDense, orientationDependent, quadraticInvariant } from './invariants';
import { dot } from './linalg';

/** κ with Σ_B = κ Σ: 1/B for fresh data or with replacement, (N − B)/(B(N − 1)) without. */
export function minibatchNoiseFactor(model: Model, spec: TrainSpec): number {
  const N = model.dataset?.size;
  if (spec.sampling === 'without_replacement' && N !== undefined && N > 1) return (N - spec.batch) / (spec.batch * (N - 1));
  return 1 / spec.batch;
}

/**
 * The learning rate of the continuous-time limit: η for SGD, η/(1 − β) for heavy-ball momentum
 * (its steps accumulate ĝ/(1 − β)); undefined where no law of balance holds (Adam, GD).
 */
export function effectiveLearningRate(spec: TrainSpec): number | undefined {
  if (spec.optimizer === 'sgd') return spec.lr;
  if (spec.optimizer === 'momentum') return spec.lr / (1 - spec.beta);
  return undefined;
}

export interface Prediction {
  /** Index of the `train` line. */
  run: number;
  /** The constants and seed the prediction was made for (a run with the same ones reuses it). */
  spec?: Pick<TrainSpec, 'optimizer' | 'lr' | 'batch' | 'weightDecay' | 'seed' | 'sampling' | 'beta'>;
  optimizer: string;
  lr: number;
  batch: number;
  weightDecay: number;
  status: EquilibriumStatus;
  /** Why (for `grows` and `none`), or what the equilibrium is. */
  reason: string;
  /** The predicted end point g*·θ_min (rotation gauge of the flow's minimum), null when there is none. */
  endPoint: Record<string, number> | null;
  /** Predicted charge of each symmetry in order (null: grows or not predicted). */
  charges: (number | null)[];
  /** Linearised relaxation time of the slowest charge towards the equilibrium, in steps. */
  relaxationSteps: number | null;
  /** The minimum gradient flow reaches from chain 0's initial point (seed of this line). */
  minimum: { point: Record<string, number>; loss: number; converged: boolean; flowTime: number; note?: string };
  /** How Σ at the minimum and ∇L along the flow were obtained. */
  noise: { method: CovarianceMethod; samples?: number; flow: ExpectedGradient['method'] };
  /**
   * Growing charges (γ = 0 scalings): dC/dt = `rate` now; `invariant` is s = C·tr(AΣ), constant on
   * the orbit of a scale-invariant loss, where C(t)² = C₀² + 2ηκ·s·t.
   */
  growth: { symmetry: number; rate: number; invariant: number; law: string }[];
  /** Largest |drift| at the solution relative to its terms (rounding level when solved). */
  residual: number | null;
  /** What the prediction neglects. */
  order: string;
  /**
   * Per symmetry, the discrete-time shift of the predicted charge at this η (THEORY.md §9): the
   * O(η) term the continuous-time equilibrium leaves out (null where it is not computed).
   */
  etaTerms?: (number | null)[];
  /**
   * Per symmetry: whether its predicted value changes along the group's rotations at the end point
   * (then only its rotation-invariant combinations below are predicted; SGD diffuses along them).
   */
  orientationDependent?: boolean[];
  /** Rotation-invariant combinations of the charges, when some charge is orientation-dependent. */
  invariants?: PredictedInvariant[];
  /**
   * The law-of-balance point, where every charge drift G_k vanishes (THEORY.md §4's equilibrium),
   * when it differs from the end point: with rotations in the group it need not be stationary.
   */
  balance?: { point: Record<string, number>; charges: (number | null)[] };
  /** Rotation rates of the charges at the end point (per unit t = η·steps): they turn, invariants stay. */
  rotation?: number[];
  /**
   * The stationary law around the end point to first order in η (THEORY.md §9's Gaussian closure):
   * mean = end point moved along the orbit by the discrete shift plus the mean shift across the
   * minimum; cov = the fluctuations across the minimum (none along the orbit at this order).
   */
  stationary?: { mean: Record<string, number>; cov: number[][] };
}

export interface PredictedInvariant {
  kind: 'linear' | 'quadratic';
  text: string;
  /** Linear: Σ coefficients[k]·C_k over the symmetries. Quadratic: Σ C_k metric[k][l] C_l. */
  coefficients?: number[];
  metric?: number[][];
  predicted: number;
  /** Its discrete-time O(η) term (null where not computed). */
  etaTerm: number | null;
}

export interface StabilityInfo {
  run: number;
  optimizer: string;
  lr: number;
  /** λ_max of the Hessian of L at chain 0's initial point and at the predicted end (or the flow's minimum). */
  lambdaMaxStart: number | null;
  lambdaMaxEnd: number | null;
  /** 2/λ_max: gradient descent on the local quadratic is stable only below it. */
  bound: number | null;
}

/** Gradient flow and the dense n×n noise covariance: the end-point solve is for models up to this size. */
export const PREDICTION_MAX_COMPONENTS = 400;
/** The discrete-time shift needs Σ at 2·rank(H) points: only for small models. */
const DISCRETE_SHIFT_MAX_COMPONENTS = 64;
/** Largest model for which λ_max is computed (Hessian-vector products of the expected gradient). */
const HESSIAN_MAX_COMPONENTS = 400;
/** Up to this size the dense Hessian by differences (n gradient pairs, n³); beyond, Lanczos. */
const DENSE_HESSIAN_MAX_COMPONENTS = 64;

export function largestHessianEigenvalue(eg: ExpectedGradient, theta: ArrayLike<number>): number | null {
  const n = theta.length;
  if (n === 0 || n > HESSIAN_MAX_COMPONENTS) return null;
  if (n > DENSE_HESSIAN_MAX_COMPONENTS) {
    // Hv by central differences along v, with the dense version's step for the largest |θ_i|.
    const th = Float64Array.from(theta);
    const h = 1e-5 * Math.max(1, ...th.map(Math.abs));
    const x = new Float64Array(n);
    const gp = new Float64Array(n);
    const gm = new Float64Array(n);
    return largestEigenvalue((v, out) => {
      for (let i = 0; i < n; i++) x[i] = th[i] + h * v[i];
      eg.evaluate(x, gp);
      for (let i = 0; i < n; i++) x[i] = th[i] - h * v[i];
      eg.evaluate(x, gm);
      for (let i = 0; i < n; i++) out[i] = (gp[i] - gm[i]) / (2 * h);
    }, n);
  }
  const H = hessianByDifferences(eg, Float64Array.from(theta));
  if (!H.every((r) => r.every(Number.isFinite))) return null;
  const ev = n === 1 ? [H[0][0]] : new EigenvalueDecomposition(new Matrix(H), { assumeSymmetric: true }).realEigenvalues;
  return Math.max(...ev);
}

/** The gradient flow from one start and Σ at its end, shared by the train lines that start there. */
export interface FlowCache {
  flow?: FlowResult;
  noise?: ReturnType<typeof noiseCovariance>;
}

/** What the predictions need of a symmetry: its generator or its translation direction. */
/** What the predictions need of a symmetry: its dense generator, if the model is small enough for one. */
export type SymmetryAction = DenseGenerator | { matrix?: undefined; direction?: undefined };

export interface PredictionSet {
  predictions: Prediction[];
  stability: StabilityInfo[];
}

/** Predictions for every noisy `train` line and stability bounds for every line. */
export function predictAll(model: Model, symmetries: SymmetryAction[], fn: GradientFn): PredictionSet {
  if (model.components.length > PREDICTION_MAX_COMPONENTS) {
    // No gradient flow or dense Hessian at this size: each line says why it has no prediction.
    const theta0 = new Float64Array(model.components.length);
    return {
      predictions: model.trains.flatMap((spec, run) => (spec.optimizer === 'gd' ? [] : [predictRun(model, symmetries, fn, spec, run, theta0)])),
      stability: model.trains.map((spec, run) => ({ run, optimizer: spec.optimizer, lr: spec.lr, lambdaMaxStart: null, lambdaMaxEnd: null, bound: null })),
    };
  }
  const eg = expectedGradient(model);
  const flows = new Map<string, FlowCache>();
  const flowFrom = (theta0: Float64Array): FlowCache => {
    const key = Array.from(theta0).join(',');
    let c = flows.get(key);
    if (!c) {
      c = {};
      flows.set(key, c);
    }
    return c;
  };
  const predictions: Prediction[] = [];
  const stability: StabilityInfo[] = [];
  model.trains.forEach((spec, run) => {
    const theta0 = initialPoint(model, 0, spec.seed);
    let endTheta: ArrayLike<number> | null = null;
    if (spec.optimizer !== 'gd') {
      const p = predictRun(model, symmetries, fn, spec, run, theta0, { cache: flowFrom(theta0), eg });
      predictions.push(p);
      if (p.endPoint) endTheta = model.components.map((c) => (p.endPoint as Record<string, number>)[c]);
    } else {
      const c = flowFrom(theta0);
      c.flow ??= gradientFlow(theta0, eg);
      if (c.flow.converged) endTheta = c.flow.point;
    }
    const start = largestHessianEigenvalue(eg, theta0);
    const end = endTheta ? largestHessianEigenvalue(eg, endTheta) : null;
    const top = Math.max(start ?? -Infinity, end ?? -Infinity);
    stability.push({ run, optimizer: spec.optimizer, lr: spec.lr, lambdaMaxStart: start, lambdaMaxEnd: end, bound: top > 0 ? 2 / top : null });
  });
  return { predictions, stability };
}

function specOf(spec: TrainSpec): NonNullable<Prediction['spec']> {
  return {
    optimizer: spec.optimizer,
    lr: spec.lr,
    batch: spec.batch,
    weightDecay: spec.weightDecay,
    seed: spec.seed,
    sampling: spec.sampling,
    beta: spec.beta,
  };
}

function record(names: string[], v: ArrayLike<number>): Record<string, number> {
  return Object.fromEntries(names.map((c, i) => [c, v[i]]));
}

export function predictRun(
  model: Model,
  symmetries: SymmetryAction[],
  fn: GradientFn,
  spec: TrainSpec,
  run: number,
  theta0: Float64Array,
  opts: { cache?: FlowCache; eg?: ExpectedGradient } = {},
): Prediction {
  const names = model.components;
  const kappa = minibatchNoiseFactor(model, spec);
  const eta = effectiveLearningRate(spec);
  const header = {
    run,
    spec: specOf(spec),
    optimizer: spec.optimizer,
    lr: spec.lr,
    batch: spec.batch,
    weightDecay: spec.weightDecay,
    growth: [] as Prediction['growth'],
  };
  const noPrediction = (reason: string, minimum: Prediction['minimum'], noise: Prediction['noise']): Prediction => ({
    ...header,
    status: 'none',
    reason,
    endPoint: null,
    charges: symmetries.map(() => null),
    relaxationSteps: null,
    minimum,
    noise,
    residual: null,
    order: 'no prediction',
  });
  if (names.length > PREDICTION_MAX_COMPONENTS) {
    return noPrediction(
      `the end-point solve (gradient flow, then the joint equilibrium with a dense noise covariance) is limited to ${PREDICTION_MAX_COMPONENTS} parameter components; this model has ${names.length}`,
      { point: {}, loss: NaN, converged: false, flowTime: 0, note: 'not computed' },
      { method: 'monte-carlo', flow: 'sample' },
    );
  }
  const eg = opts.eg ?? expectedGradient(model);
  const cache = opts.cache ?? {};
  cache.flow ??= gradientFlow(theta0, eg);
  const flow = cache.flow;
  const minimum = { point: record(names, flow.point), loss: flow.loss, converged: flow.converged, flowTime: flow.time, note: flow.note };
  const base = { ...header, minimum, order: 'leading order in η: the continuous-time equilibrium at a minimum of L; discrete-time SGD shifts it by O(η)' };
  const none = (reason: string, method: CovarianceMethod = 'exact-moments'): Prediction => noPrediction(reason, minimum, { method, flow: eg.method });
  if (eta === undefined) {
    return none('Adam rescales every coordinate by its own gradient history, which breaks the law of balance: no equilibrium is predicted');
  }
  if (!flow.converged) return none(`no minimum to balance on: ${flow.note ?? 'gradient flow did not converge'}`);
  if (!cache.noise) cache.noise = noiseCovariance(model, fn, flow.point);
  const noise = cache.noise;
  const noiseInfo = { method: noise.method, samples: noise.samples, flow: eg.method };
  if (!(kappa > 0)) {
    return {
      ...none('no minibatch noise (the batch is the whole data set, sampled without replacement): the charges keep their gradient-flow values', noise.method),
      noise: noiseInfo,
    };
  }
  const exponential = symmetries.flatMap((s, i) => (s.matrix ? [{ i, matrix: s.matrix }] : []));
  const expIdx = exponential.map((e) => e.i);
  const gens = exponential.map((e) => e.matrix);
  const eq = jointEquilibrium({ generators: gens, theta: flow.point, cov: noise.cov, eta, kappa, gamma: spec.weightDecay });
  const sigma = (x: Float64Array) => noiseCovariance(model, fn, x).cov;
  const small = names.length <= DISCRETE_SHIFT_MAX_COMPONENTS;
  // With rotations in the group, the law-of-balance point (every G_k = 0) may not be stationary:
  // SGD ends where the symmetric part of the slow drift vanishes (slowDrift.ts).
  const inv = eq.status === 'equilibrium' && gens.length > 1 ? chargeInvariants(gens) : undefined;
  let slow: ReturnType<typeof slowEquilibrium>;
  if (inv && inv.rotations.length > 0 && eq.point && small) {
    const drift = { generators: gens, rotations: inv.rotations.map(toDense), eg, sigma, eta, kappa, gamma: spec.weightDecay };
    // Where the rotations do not move the charges (an isotropic equilibrium) the two points agree.
    const at = slowDrift(drift, Float64Array.from(eq.point));
    const size = (v: number[]) => Math.max(0, ...v.map(Math.abs));
    if (at && size(at.symmetric) > 1e-9 * Math.max(size(at.rotation), size(eq.rates), 1e-300)) {
      slow = slowEquilibrium(drift, eq.point);
      if (slow && !(slow.residual <= 1e-6)) slow = undefined;
    }
  }
  const endTheta = slow ? slow.point : eq.point;
  // Translations: vᵀθ is conserved by SGD without weight decay and decays to 0 with it.
  const point = endTheta ? Float64Array.from(endTheta) : Float64Array.from(flow.point);
  const directions = symmetries.flatMap((s) => (s.direction ? [s.direction] : []));
  if (spec.weightDecay > 0 && directions.length > 0) removeTranslations(point, directions);
  const chargeAt = (x: ArrayLike<number>) =>
    symmetries.map((s, i) => {
      if (s.direction) return dot(s.direction, x);
      const k = expIdx.indexOf(i);
      if (!s.matrix || eq.charges[k] === null || eq.charges[k] === undefined) return null; // grows: no equilibrium value
      return roundedCharge(s.matrix, x);
    });
  const charges = chargeAt(point);
  const rates = slow ? slow.rates : eq.rates;
  const slowest = rates.length > 0 ? rates[0] : undefined;
  const rotationRate = slow ? Math.sqrt(slow.rotation.reduce((a, w) => a + w * w, 0)) : 0;
  // The O(η) discrete-time shift of each charge (THEORY.md §9), for plain SGD without weight decay.
  let etaTerms: (number | null)[] | undefined;
  let shift: ReturnType<typeof discreteShift>;
  if (eq.status === 'equilibrium' && endTheta && spec.optimizer === 'sgd' && spec.weightDecay === 0 && expIdx.length > 0 && small) {
    shift = discreteShift({
      generators: gens,
      theta: endTheta,
      eta,
      kappa,
      eg,
      sigma,
    });
    if (shift) {
      const sh = shift.shift;
      etaTerms = symmetries.map((s, i) => (s.direction ? 0 : sh[expIdx.indexOf(i)]));
    }
  }
  // Orientation: which predicted charges depend on the rotation gauge, and the invariants.
  let orientation: boolean[] | undefined;
  let invariants: PredictedInvariant[] | undefined;
  if (inv && inv.rotations.length > 0 && endTheta) {
    {
      orientation = symmetries.map((s) => (s.matrix ? orientationDependent(s.matrix, inv, endTheta) : false));
      if (orientation.some((x) => x)) {
        const cExp = expIdx.map((i) => charges[i] as number);
        const widen = (v: number[]) => symmetries.map((_, i) => (expIdx.includes(i) ? v[expIdx.indexOf(i)] : 0));
        const name = (k: number) => `C${expIdx[k] + 1}`;
        invariants = inv.linear.map((a) => ({
          kind: 'linear' as const,
          text: a
            .map((x, k) => ({ x, k }))
            .filter(({ x }) => x !== 0)
            .map(({ x, k }, i) => `${x < 0 ? (i ? ' − ' : '−') : i ? ' + ' : ''}${Math.abs(x) === 1 ? '' : `${Math.abs(x)}·`}${name(k)}`)
            .join(''),
          coefficients: widen(a),
          predicted: linearInvariant(a, cExp),
          etaTerm: shift ? linearInvariant(a, shift.shift) : null,
        }));
        // E[q(c)] = q(c*) + 2c*ᵀG⁻¹δc + tr(G⁻¹ Cov c) to first order in η.
        const M = inv.metric;
        let etaQ: number | null = null;
        if (shift) {
          let lin = 0;
          let tr = 0;
          for (let a = 0; a < M.length; a++)
            for (let b = 0; b < M.length; b++) {
              lin += 2 * cExp[a] * M[a][b] * shift.shift[b];
              tr += M[a][b] * shift.chargeCov[b][a];
            }
          etaQ = lin + tr;
        }
        invariants.push({
          kind: 'quadratic',
          text: `cᵀG⁻¹c over ${expIdx.map((_, k) => name(k)).join(', ')} (G_kl = tr(A_k A_l): the rotation-invariant size of the charges)`,
          metric: symmetries.map((_, i) => symmetries.map((__, j) => (expIdx.includes(i) && expIdx.includes(j) ? M[expIdx.indexOf(i)][expIdx.indexOf(j)] : 0))),
          predicted: quadraticInvariant(M, cExp),
          etaTerm: etaQ,
        });
      }
    }
  }
  const growth = eq.growth.map((g) => ({ symmetry: expIdx[g.generator], rate: g.rate, invariant: g.invariant, law: g.law }));
  let reason = eq.reason;
  if (expIdx.length === 0)
    reason =
      directions.length > 0
        ? spec.weightDecay > 0
          ? 'translation charges decay to 0 under weight decay'
          : 'translation charges are conserved exactly by SGD'
        : 'the loss has no continuous symmetry';
  if (slow && rotationRate > 0) {
    reason = `the law-of-balance point (every charge drift zero) is not stationary here: the slow drift along the minima also turns the group's rotations, so SGD ends on a steady rotation (rate ${rotationRate.toPrecision(3)} per unit t = η·steps) where the symmetric part of that drift vanishes; the charges turn, their invariants stay`;
  }
  if (slow && slow.offOrbit > 1e-3)
    reason += `; the minima extend beyond the symmetry orbit and SGD also drifts along them (${(100 * slow.offOrbit).toFixed(1)}% of the slow drift), which this prediction leaves out`;
  return {
    ...base,
    status: expIdx.length === 0 ? (directions.length > 0 ? 'equilibrium' : 'none') : eq.status,
    reason,
    endPoint: eq.status === 'grows' ? null : record(names, point),
    charges,
    relaxationSteps: slowest !== undefined ? 1 / (eta * slowest) : null,
    noise: noiseInfo,
    growth,
    residual: Number.isFinite(eq.residual) ? eq.residual : null,
    ...(etaTerms ? { etaTerms } : {}),
    ...(orientation ? { orientationDependent: orientation } : {}),
    ...(invariants ? { invariants } : {}),
    ...(shift ? { stationary: { mean: record(names, shift.mean), cov: shift.cov } } : {}),
    ...(slow && eq.point ? { balance: { point: record(names, eq.point), charges: chargeAt(eq.point) }, rotation: slow.rotation } : {}),
  };
}

/** Removes from θ its components along the translation directions (least squares). */
function removeTranslations(theta: Float64Array, dirs: number[][]): void {
  // Gram–Schmidt on the directions, then subtract the projection.
  const q: number[][] = [];
  for (const v of dirs) {
    const w = [...v];
    for (const u of q) {
      const d = dot(w, u);
      for (let i = 0; i < w.length; i++) w[i] -= d * u[i];
    }
    const nrm = Math.sqrt(dot(w, w));
    if (nrm > 1e-12) q.push(w.map((x) => x / nrm));
  }
  for (const u of q) {
    const d = dot(u, theta);
    for (let i = 0; i < theta.length; i++) theta[i] -= d * u[i];
  }
}

/** θᵀAθ, reported as 0 when it is at the rounding level of its terms. */
function roundedCharge(A: number[][], x: ArrayLike<number>): number {
  let c = 0;
  let scale = 0;
  for (let i = 0; i < A.length; i++) {
    for (let j = 0; j < A.length; j++) {
      if (A[i][j] === 0) continue;
      const t = x[i] * A[i][j] * x[j];
      c += t;
      scale += Math.abs(t);
    }
  }
  return Math.abs(c) <= 1e-12 * scale ? 0 : c;
}
