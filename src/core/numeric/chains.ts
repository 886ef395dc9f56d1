// Runs a set of chains of one `train` line in lockstep and keeps streaming statistics only: per
// record point the sums over chains of the loss and of each charge, law (C) summed along every
// chain at the resolution of the steps (lawC.ts), tr H / λ_max at chain 0 (sparse in time), the
// law (D) residual, and a bounded, thinned sample of every chain's state for the stationary
// statistics (the burn-in is chosen afterwards from the measured series). The same function runs
// in a worker thread (one share of the chains each) or in-process; the runner merges the shares.
import { Model, TrainSpec } from '../lang/model';
import { deserializeModel, SerializedModel } from '../lang/serialize';
import { datasetRows, drawExample, initialPoint } from '../analysis/points';
import { gradientFunction } from '../analysis/gradientFn';
import { effectiveLearningRate, Prediction, predictRun } from '../analysis/predictions';
import { stationaryTheory } from '../analysis/stationaryTheory';
import { ChainState, CTL, EscapeCondition, GD_SAMPLE, generateKernel, KernelSymmetry } from './kernel';
import { Rng, STREAM_ANALYSIS, STREAM_DATA } from '../util/rng';
import { Divergence, StationaryTheory } from './types';
import { FormTable, sparseForm } from '../analysis/forms';
import { hessianProbe, lossProbe } from './probes';
import { LawCAccumulator, LawCPredictor, lawCPredictor, nextGridStep } from './lawC';

/**
 * Bumped whenever the job or message shape changes: a worker bundle built from older sources
 * refuses the job instead of silently returning a batch the runner misreads.
 */
export const ENGINE_PROTOCOL = 7;

export interface ChainJob {
  protocol: number;
  /**
   * The checked model (serializeModel: checked once by the run, never again by a share), its
   * data set's rows shared by every share.
   */
  model: SerializedModel;
  runIndex: number;
  spec: TrainSpec;
  symmetries: KernelSymmetry[];
  chains: number[];
  recordEvery: number;
  /** Stationary samples keep this many leading components. */
  statComponents: number;
  /** Each chain keeps at most this many thinned sample records. */
  sampleRecords: number;
  /** Noise factor κ of law (C) for this run (0 for GD, null when the law does not apply). */
  kappa: number | null;
  /** This share computes the run's prediction (it holds chain 0). */
  predict: boolean;
  /** The prediction when the analysis already made it for this train line (then not recomputed). */
  prediction?: Prediction;
  escape?: EscapeCondition;
  /** Per-chain traces (the runner's bounded choice): which chains, how many charges, and whether the parameters too. */
  trace?: TraceSpec;
}

/** What a share records of a few chains' own paths, beside the sums over all of them. */
export interface TraceSpec {
  /** Chain numbers to trace (those of this share are recorded). */
  chains: number[];
  /** The first this many charges. */
  charges: number;
  /** Also every component of θ (small models only: the phase portrait). */
  theta: boolean;
}

/** One traced chain at a record point (absent once the chain has stopped). */
export interface TracePoint {
  chain: number;
  loss: number;
  charges: number[];
  theta?: number[];
}

/** Sums over this share's chains at one record point. */
export interface RecordPoint {
  step: number;
  /** Chains alive (not diverged, not escaped) at this record. */
  count: number;
  lossSum: number;
  lossSq: number;
  chargeSum: number[];
  chargeSq: number[];
  /** Law (C): Σ over predicting chains of C(θ₀) + Σ_t E[ΔC | θ_t], of the residual D = C_t − that, D², and the quadrature error. */
  lawSum: number[];
  resSum: number[];
  resSq: number[];
  quadSum: number[];
  lawCount: number;
  /** Law (C)'s dC/dt at this record, summed over predicting chains. */
  driftSum: number[];
  /** tr H and λ_max(H) at chain 0 (NaN where not probed). */
  traceH: number;
  lambdaMaxH: number;
  /** The traced chains of this share (job.trace), alive at this record. */
  traces?: TracePoint[];
}

export interface ChainSamples {
  chain: number;
  /** Record steps of the kept samples (thinned: every `stride`-th record). */
  steps: number[];
  /** statComponents values per kept record. */
  values: number[];
  /** One value per symmetry per kept record. */
  charges: number[];
}

export interface ChainBatch {
  records: RecordPoint[];
  lawResidual: number;
  /** Law (D) checks each charge on every lawStride-th step (the kernel's choice; 1: every step). */
  lawStride?: number;
  finalTheta: { chain: number; theta: number[] }[];
  samples: ChainSamples[];
  diverged: Divergence[];
  /** Escape: the step each chain first crossed (null: never), in the job's chain order. */
  firstPassage: { chain: number; step: number | null }[];
  stepsDone: number;
  gdGradient?: string;
  /** From the share with chain 0: where the run should end, the stationary law, λ_max at the start. */
  prediction?: Prediction;
  stationaryTheory?: StationaryTheory;
  lambdaMaxStart?: number;
  /** Predicted charges per chain (chain 0 always, more when the starts are random and the model small). */
  chainPredictions: { chain: number; charges: (number | null)[] }[];
}

/** A streamed update: the records since the last one, and the counters so far. */
export interface ChainUpdate {
  records: RecordPoint[];
  stepsDone: number;
  lawResidual: number;
  lawStride?: number;
  diverged: Divergence[];
  prediction?: Prediction;
  stationaryTheory?: StationaryTheory;
  lambdaMaxStart?: number;
  chainPredictions?: ChainBatch['chainPredictions'];
}

/** A kernel call does at most this much work (example-gradients × model size / 64), so that a stop is seen quickly. */
const MAX_WORK_PER_CALL = 200_000;
/** tr H / λ_max are probed at most this many times per run. */
const MAX_HESSIAN_PROBES = 200;
/** Probes up to this much time are always taken; beyond it they may use a tenth of the run. */
const PROBE_FREE_MS = 500;
/** With random starts, this many chains per share also get their own prediction (small models). */
const PER_CHAIN_PREDICTIONS = 8;
const PER_CHAIN_PREDICTION_MAX_COMPONENTS = 64;

export function newChainState(model: Model, chain: number, seed: number, rows?: Float64Array): ChainState {
  const n = model.components.length;
  const rng = new Rng(seed, chain, STREAM_DATA);
  const N = rows ? rows.length / Math.max(1, model.dataComponents.length) : 0;
  const perm = new Int32Array(N);
  for (let i = 0; i < N; i++) perm[i] = i;
  const ctl = new Float64Array(CTL.size);
  ctl[CTL.divergedAt] = -1;
  ctl[CTL.passedAt] = -1;
  ctl[CTL.permCursor] = N; // shuffle before the first epoch
  return {
    theta: initialPoint(model, chain, seed),
    prev: new Float64Array(n),
    m: new Float64Array(n),
    v: new Float64Array(n),
    gsum: new Float64Array(n),
    z: new Float64Array(model.dataComponents.length),
    rng: new Int32Array(rng.s.buffer.slice(0)),
    perm,
    ctl,
  };
}

function divergenceReason(kind: number): string {
  if (kind === 1) return 'a parameter became NaN or infinite';
  if (kind === 3) return 'the loss became NaN or infinite';
  return `a parameter exceeded ${1e30} in magnitude (norm explosion)`;
}

/** GD without a finite data set averages a fixed sample of examples drawn once from the file's distributions. */
function gdSampleFor(model: Model, spec: TrainSpec, rows: Float64Array | undefined): Float64Array | undefined {
  if (spec.optimizer !== 'gd' || rows) return undefined;
  const dim = model.dataComponents.length;
  const sample = new Float64Array(GD_SAMPLE * dim);
  const rng = new Rng(spec.seed, 0, STREAM_ANALYSIS);
  const z = new Float64Array(dim);
  for (let e = 0; e < GD_SAMPLE; e++) {
    drawExample(model, rng, z);
    sample.set(z, e * dim);
  }
  return sample;
}

/**
 * The run's prediction, stationary theory and the stability of the start (the share with chain 0),
 * and per-chain predictions where the starts differ (random initial values) and the model is small:
 * written to the batch, and returned for the first update.
 */
function startPredictions(
  job: ChainJob,
  model: Model,
  batch: ChainBatch,
  lambdaMaxStart: (() => number) | undefined,
  shouldStop?: () => boolean,
): Partial<ChainUpdate> {
  const spec = job.spec;
  const extra: Partial<ChainUpdate> = {};
  if (job.predict && !shouldStop?.()) {
    const fn = gradientFunction(model);
    if (job.kappa !== null && spec.optimizer !== 'gd' && effectiveLearningRate(spec) !== undefined) {
      const p = job.prediction ?? predictRun(model, job.symmetries, fn, spec, job.runIndex, initialPoint(model, 0, spec.seed));
      batch.prediction = p;
      extra.prediction = p;
      const theory = shouldStop?.() ? undefined : stationaryTheory(model, fn, spec, job.kappa, p);
      if (theory) {
        batch.stationaryTheory = theory;
        extra.stationaryTheory = theory;
      }
    }
    if (lambdaMaxStart) {
      batch.lambdaMaxStart = lambdaMaxStart();
      extra.lambdaMaxStart = batch.lambdaMaxStart;
    }
  }
  if (batch.prediction) batch.chainPredictions.push({ chain: 0, charges: batch.prediction.charges });
  const randomStart = model.params.some((p) => p.init.kind === 'dist');
  if (
    randomStart &&
    job.kappa !== null &&
    spec.optimizer !== 'gd' &&
    model.components.length <= PER_CHAIN_PREDICTION_MAX_COMPONENTS &&
    effectiveLearningRate(spec) !== undefined
  ) {
    const fn = gradientFunction(model);
    const others = job.chains.filter((c) => c !== 0).slice(0, PER_CHAIN_PREDICTIONS - (batch.prediction ? 1 : 0));
    for (const c of others) {
      if (shouldStop?.()) break;
      const p = predictRun(model, job.symmetries, fn, spec, job.runIndex, initialPoint(model, c, spec.seed));
      batch.chainPredictions.push({ chain: c, charges: p.charges });
    }
  }
  if (batch.chainPredictions.length) extra.chainPredictions = batch.chainPredictions;
  return extra;
}

/** Law (C)'s increments cost about this many operations or less: evaluated at every record point too. */
const LAW_ON_RECORDS_COST = 20_000;

/** Law (C) along every chain at the resolution of the steps: increments summed at each grid point. */
class LawCTracker {
  readonly predictor: LawCPredictor | undefined;
  /** Per chain: its accumulator, when it predicts the law. */
  readonly acc: (LawCAccumulator | undefined)[];
  /** Per chain: the charges at the start. */
  readonly charge0: number[][];
  /**
   * Whether the increments are evaluated at every record point too, or only on their own grid
   * (every step early on, then every t/64 steps) with the record points in between extrapolated:
   * a record point gets its own evaluation when that is cheap, in itself (LAW_ON_RECORDS_COST) or
   * next to the steps since the last record (a Monte Carlo average of a large model's per-example
   * gradients is neither: at 400 parameters it cost more than the run's steps).
   */
  readonly onRecords: boolean;
  /** The drift summed over the chains at the last grid point, and at the one before it. */
  private readonly driftNow: Float64Array;
  private readonly driftBefore: Float64Array;
  private gridStep = 0;
  private beforeStep = -1;
  private readonly inc: Float64Array;
  private readonly drift: Float64Array;
  private readonly spec: TrainSpec;

  constructor(
    job: ChainJob,
    model: Model,
    rows: Float64Array | undefined,
    private readonly states: ChainState[],
    private readonly alive: boolean[],
    forms: FormTable,
    stepWork: number,
  ) {
    const nsym = job.symmetries.length;
    // Law (C) predicts the charges: nothing to predict without a symmetry.
    this.predictor = job.kappa === null || nsym === 0 ? undefined : lawCPredictor(model, job.symmetries, job.spec, job.kappa, rows);
    // A Monte Carlo law costs a sample average per chain and grid point: then 8 chains per share predict it.
    this.acc = job.chains.map((_, k) => (this.predictor !== undefined && (this.predictor.exact || k < 8) ? new LawCAccumulator(nsym) : undefined));
    this.onRecords = this.predictor !== undefined && this.predictor.cost <= Math.max(LAW_ON_RECORDS_COST, 0.5 * job.recordEvery * stepWork);
    this.charge0 = states.map((st) => {
      const c = new Float64Array(forms.charges);
      forms.evaluate(st.theta, c);
      return Array.from(c);
    });
    this.inc = new Float64Array(nsym);
    this.drift = new Float64Array(nsym);
    this.driftNow = new Float64Array(nsym);
    this.driftBefore = new Float64Array(nsym);
    this.spec = job.spec;
  }

  /** Adds every live predicting chain's increment at step t. */
  gridPoint(t: number): void {
    const predictor = this.predictor;
    if (!predictor) return;
    const spec = this.spec;
    const lr = spec.warmup > 0 ? spec.lr * Math.min(1, (t + 1) / spec.warmup) : spec.lr;
    this.driftBefore.set(this.driftNow);
    this.beforeStep = this.gridStep;
    this.gridStep = t;
    this.driftNow.fill(0);
    this.states.forEach((st, k) => {
      const a = this.acc[k];
      if (!a || !this.alive[k]) return;
      predictor.increments(st.theta, lr, this.inc, this.drift);
      a.add(t, this.inc);
      for (let j = 0; j < this.driftNow.length; j++) this.driftNow[j] += this.drift[j];
    });
  }

  /** The drift summed over the chains at `step`: at the last grid point, or extrapolated from the last two. */
  driftAt(step: number): number[] {
    const m = step - this.gridStep;
    if (m <= 0 || this.beforeStep < 0) return Array.from(this.driftNow);
    const h = this.gridStep - this.beforeStep;
    return Array.from(this.driftNow, (d, j) => d + (m * (d - this.driftBefore[j])) / h);
  }
}

/**
 * Record points: the sums over the live chains of the loss, each charge and law (C), the thinned
 * samples of every chain, and sparse curvature probes at chain 0 (at most a tenth of the run's time).
 */
class Recorder {
  private readonly sampleStride: number[];
  private readonly probeStride: number;
  private readonly started = Date.now();
  private probeMillis = 0;
  private readonly cs: Float64Array;
  private readonly K: number;
  /** Which of this share's chains are traced (job.trace), and how many of their charges. */
  private readonly traced: boolean[];
  private readonly traceCharges: number;

  constructor(
    private readonly job: ChainJob,
    private readonly batch: ChainBatch,
    private readonly states: ChainState[],
    private readonly alive: boolean[],
    private readonly forms: FormTable,
    private readonly law: LawCTracker,
    /** tr H and λ_max at chain 0's parameters, for the share that holds chain 0. */
    private readonly probe: ((theta: Float64Array) => [number, number]) | undefined,
    private readonly i0: number,
    n: number,
  ) {
    const totalRecords = Math.ceil(job.spec.steps / job.recordEvery) + 1;
    this.probeStride = Math.max(1, Math.ceil(totalRecords / MAX_HESSIAN_PROBES));
    this.sampleStride = job.chains.map(() => 1);
    this.cs = new Float64Array(forms.charges);
    this.K = Math.min(n, job.statComponents);
    this.traced = job.chains.map((c) => job.trace?.chains.includes(c) ?? false);
    this.traceCharges = Math.min(forms.charges, job.trace?.charges ?? 0);
  }

  record(step: number, lossPerChain: number[]): void {
    const nsym = this.forms.charges;
    const { batch, states, alive, cs, K } = this;
    const rp: RecordPoint = {
      step,
      count: 0,
      lossSum: 0,
      lossSq: 0,
      chargeSum: new Array<number>(nsym).fill(0),
      chargeSq: new Array<number>(nsym).fill(0),
      lawSum: new Array<number>(nsym).fill(0),
      resSum: new Array<number>(nsym).fill(0),
      resSq: new Array<number>(nsym).fill(0),
      quadSum: new Array<number>(nsym).fill(0),
      lawCount: 0,
      driftSum: this.law.driftAt(step),
      traceH: NaN,
      lambdaMaxH: NaN,
    };
    const index = batch.records.length;
    for (let k = 0; k < states.length; k++) {
      if (!alive[k]) continue;
      const st = states[k];
      rp.count++;
      const l = lossPerChain[k];
      rp.lossSum += l;
      rp.lossSq += l * l;
      this.forms.evaluate(st.theta, cs);
      for (let j = 0; j < nsym; j++) {
        const c = cs[j];
        rp.chargeSum[j] += c;
        rp.chargeSq[j] += c * c;
      }
      if (this.traced[k]) {
        (rp.traces ??= []).push({
          chain: this.job.chains[k],
          loss: l,
          charges: Array.from(cs.subarray(0, this.traceCharges)),
          ...(this.job.trace?.theta ? { theta: Array.from(st.theta) } : {}),
        });
      }
      const a = this.law.acc[k];
      if (a) {
        rp.lawCount++;
        for (let j = 0; j < nsym; j++) {
          const pred = this.law.charge0[k][j] + a.sumTo(j, step);
          const res = cs[j] - pred;
          rp.lawSum[j] += pred;
          rp.resSum[j] += res;
          rp.resSq[j] += res * res;
          rp.quadSum[j] += a.quadratureError(j, step);
        }
      }
      // Thinned samples: every stride-th record; past the cap, keep every other one and double it.
      if (index % this.sampleStride[k] !== 0) continue;
      const smp = batch.samples[k];
      smp.steps.push(step);
      for (let i = 0; i < K; i++) smp.values.push(st.theta[i]);
      for (let j = 0; j < nsym; j++) smp.charges.push(cs[j]);
      if (smp.steps.length > this.job.sampleRecords) {
        smp.steps = smp.steps.filter((_, r) => r % 2 === 0);
        smp.values = smp.values.filter((_, i) => Math.floor(i / K) % 2 === 0);
        smp.charges = smp.charges.filter((_, i) => Math.floor(i / nsym) % 2 === 0);
        this.sampleStride[k] *= 2;
      }
    }
    // Curvature probes are sparse in time and take at most a tenth of the run's time.
    const steps = this.job.spec.steps;
    const due = index % this.probeStride === 0 || step >= steps;
    const i0 = this.i0;
    if (
      this.probe &&
      i0 >= 0 &&
      due &&
      alive[i0] &&
      (index === 0 || step >= steps || this.probeMillis <= Math.max(PROBE_FREE_MS, 0.1 * (Date.now() - this.started)))
    ) {
      const t0 = Date.now();
      const [tr, lm] = this.probe(states[i0].theta);
      this.probeMillis += Date.now() - t0;
      rp.traceH = tr;
      rp.lambdaMaxH = lm;
    }
    batch.records.push(rp);
  }
}

/**
 * Runs the job's chains. `onUpdate` receives the records since its last call (after every record
 * point); `shouldStop` is polled between kernel calls (cancellation).
 */
export function runChains(job: ChainJob, onUpdate?: (u: ChainUpdate) => void, shouldStop?: () => boolean): ChainBatch {
  const model = deserializeModel(job.model);
  const spec = job.spec;
  const rows = datasetRows(model, spec.seed);
  const dim = model.dataComponents.length;
  const kernel = generateKernel({ model, spec, symmetries: job.symmetries, rows, gdSample: gdSampleFor(model, spec, rows), escape: job.escape });
  const n = model.components.length;
  const states = job.chains.map((c) => newChainState(model, c, spec.seed, rows));
  const alive = job.chains.map(() => true);
  const forms = new FormTable(job.symmetries.map(sparseForm));
  const i0 = job.chains.indexOf(0);
  const probe = i0 >= 0 ? hessianProbe(model, rows) : undefined;
  const probeLoss = lossProbe(model, rows);

  const batch: ChainBatch = {
    records: [],
    lawResidual: 0,
    lawStride: kernel.lawStride,
    finalTheta: [],
    samples: job.chains.map((c) => ({ chain: c, steps: [], values: [], charges: [] })),
    diverged: [],
    firstPassage: [],
    stepsDone: 0,
    gdGradient: kernel.gdGradient,
    chainPredictions: [],
  };
  let sent = 0;
  let sentDiverged = 0;
  const update = (extra: Partial<ChainUpdate> = {}) => {
    onUpdate?.({
      records: batch.records.slice(sent),
      stepsDone: batch.stepsDone,
      lawResidual: batch.lawResidual,
      lawStride: batch.lawStride,
      diverged: batch.diverged.slice(sentDiverged),
      ...extra,
    });
    sent = batch.records.length;
    sentDiverged = batch.diverged.length;
  };

  const startExtra = startPredictions(job, model, batch, probe && i0 >= 0 ? () => probe(states[i0].theta)[1] : undefined, shouldStop);
  // A step's work: examples per step × the model's size (graph entries and parameters).
  const examplesPerStep = Math.max(1, spec.optimizer === 'gd' ? (rows ? rows.length / Math.max(1, dim) : GD_SAMPLE) : spec.batch);
  const stepWork = examplesPerStep * (model.tgraph.entries + n);
  const law = new LawCTracker(job, model, rows, states, alive, forms, stepWork);
  const recorder = new Recorder(job, batch, states, alive, forms, law, probe, i0, n);

  // Record point 0: the initial state, its loss averaged over a fixed probe of examples.
  law.gridPoint(0);
  recorder.record(
    0,
    states.map((st) => probeLoss(st.theta)),
  );
  update(startExtra);

  // A call's work: chains × steps × examples per step × the model's size, bounded so that a stop is
  // seen quickly whatever the batch, the model or the number of chains.
  const workPerStep = examplesPerStep * Math.max(1, (model.tgraph.entries + n) / 64);
  let t = 0;
  let nextRecord = Math.min(spec.steps, job.recordEvery);
  let nextGrid = nextGridStep(0);
  const lossSum = job.chains.map(() => 0);
  const lossSteps = job.chains.map(() => 0);
  let stopped = false;
  while (t < spec.steps && !stopped) {
    // With the law on every record point its grid restarts there, so nextGrid is nextGridStep(t) then.
    const target = law.predictor ? Math.min(nextRecord, nextGrid) : nextRecord;
    let done = t;
    while (done < target) {
      const live = states.map((_, k) => k).filter((k) => alive[k]);
      if (live.length === 0) break;
      const chunk = Math.max(1, Math.min(target - done, Math.floor(MAX_WORK_PER_CALL / (workPerStep * live.length))));
      for (const k of live) states[k].ctl[CTL.lossSum] = 0;
      kernel.runBlock(
        live.map((k) => states[k]),
        done,
        chunk,
      );
      for (const k of live) {
        const st = states[k];
        const did = st.ctl[CTL.callDone];
        lossSum[k] += st.ctl[CTL.lossSum];
        lossSteps[k] += did;
        batch.lawResidual = Math.max(batch.lawResidual, st.ctl[CTL.lawResidual]);
        // Escaped (possibly on the last step of the call): this chain's experiment is over.
        if (st.ctl[CTL.passedAt] >= 0) alive[k] = false;
        else if (did < chunk) {
          alive[k] = false;
          const at = st.ctl[CTL.divergedAt];
          batch.diverged.push({
            chain: job.chains[k],
            step: at,
            message: `chain ${job.chains[k]} diverged at step ${at}: ${divergenceReason(st.ctl[CTL.divergedKind])}`,
            lastFinite: Object.fromEntries(model.components.map((c, i) => [c, st.theta[i]])),
          });
        }
      }
      done += chunk;
      if (shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    if (stopped) break;
    t = target;
    batch.stepsDone = t;
    // The law's grid is its own (record points between grid points extrapolate it); the last step is on it.
    if (law.onRecords || t === nextGrid || t === spec.steps) {
      law.gridPoint(t);
      nextGrid = nextGridStep(t);
    }
    if (t === nextRecord) {
      recorder.record(
        t,
        states.map((_, k) => (lossSteps[k] > 0 ? lossSum[k] / lossSteps[k] : NaN)),
      );
      lossSum.fill(0);
      lossSteps.fill(0);
      nextRecord = Math.min(spec.steps, t + job.recordEvery);
      update();
    }
    if (alive.every((a) => !a)) break;
  }
  batch.finalTheta = states.map((st, k) => ({ chain: job.chains[k], theta: Array.from(st.theta) }));
  if (job.escape) batch.firstPassage = states.map((st, k) => ({ chain: job.chains[k], step: st.ctl[CTL.passedAt] >= 0 ? st.ctl[CTL.passedAt] : null }));
  return batch;
}
