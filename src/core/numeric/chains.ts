// Runs a set of chains of one `train` line in lockstep, segment by segment, and keeps streaming
// statistics only: per record point the sums over chains of the loss and of each charge, law
// (C)'s predicted drift, tr H / λ_max at chain 0, the law (D) residual, and a bounded sample of
// post-burn-in points for stationary statistics. The same function runs in a worker thread (one
// share of the chains each) or in-process; batch results from several workers merge by summing.
import { checkSource } from '../lang/check';
import { Model, TrainSpec } from '../lang/model';
import { gradient } from '../expr/diff';
import { compileEvaluator, Evaluator } from '../expr/codegen';
import { expectedNodes } from '../analysis/expectation';
import { datasetRows, drawExample, initialPoint } from '../analysis/points';
import { symmetricEigen } from '../analysis/linalg';
import { ChainState, CTL, EscapeCondition, GD_SAMPLE, generateKernel, KernelSymmetry } from './kernel';
import { Rng, STREAM_ANALYSIS, STREAM_DATA } from './rng';
import { Divergence } from './types';
import { predictedEquilibria } from './equilibria';

/**
 * Bumped whenever the job or batch shape changes: a worker bundle built from older sources
 * refuses the job instead of silently returning a batch the runner misreads.
 */
export const ENGINE_PROTOCOL = 3;

export interface ChainJob {
  protocol: number;
  source: string;
  /** Contents of the data files the source names (workers cannot assume the same file system view). */
  files: Record<string, string>;
  runIndex: number;
  spec: TrainSpec;
  symmetries: KernelSymmetry[];
  chains: number[];
  recordEvery: number;
  burnin: number;
  /** Stationary samples keep this many leading components. */
  statComponents: number;
  /** Noise factor κ of law (C) for this run (0 for GD, null when the law does not apply). */
  kappa: number | null;
  escape?: EscapeCondition;
}

export interface ChainBatch {
  /** Record points completed (each at step recordSteps[k]). */
  recordSteps: number[];
  count: number[];
  lossSum: number[];
  lossSq: number[];
  chargeSum: number[][];
  chargeSq: number[][];
  /** Sum over the chains that predict it, and how many did. */
  driftPredSum: number[][];
  driftPredCount: number[];
  traceH: number[];
  lambdaMaxH: number[];
  lawResidual: number;
  finalTheta: { chain: number; theta: number[] }[];
  samples: { chain: number; values: number[] }[];
  diverged: Divergence[];
  /** Charge at each symmetry's noise equilibrium for this run (from the worker with chain 0). */
  equilibria?: (number | null)[];
  /** Escape: the step each chain first crossed (null: never), in the job's chain order. */
  firstPassage: { chain: number; step: number | null }[];
  stepsDone: number;
  gdGradient?: string;
}

/**
 * Without a closed form, predicting the drift costs a Monte Carlo average per chain: then only this
 * many chains per worker predict it (their mean estimates the mean over all chains).
 */
const MC_DRIFT_CHAINS = 8;
const MC_DRIFT_SAMPLES = 32;
const HESSIAN_MAX_COMPONENTS = 40;
/** A kernel call runs at most this many steps, so that cancellation is seen within ~100 ms. */
const MAX_STEPS_PER_CALL = 20000;

export function modelFromJob(job: Pick<ChainJob, 'source' | 'files'>): Model {
  const r = checkSource(job.source, {
    readFile: (p) => {
      if (!(p in job.files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return job.files[p];
    },
  });
  if (!r.model) throw new Error(r.diagnostics.find((d) => d.severity === 'error')?.message ?? 'invalid file');
  return r.model;
}

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
    spare: new Float64Array(2),
    perm,
    ctl,
  };
}

/** A charge θᵀAθ (or vᵀθ) as its nonzero terms: (i, j, coefficient); j = -1 for linear terms. */
interface SparseForm {
  i: Int32Array;
  j: Int32Array;
  c: Float64Array;
}

export function sparseForm(s: KernelSymmetry): SparseForm {
  const is: number[] = [];
  const js: number[] = [];
  const cs: number[] = [];
  if (s.matrix) {
    s.matrix.forEach((row, i) =>
      row.forEach((a, j) => {
        if (a !== 0 && j >= i) {
          is.push(i);
          js.push(j);
          cs.push(i === j ? a : 2 * a);
        }
      }),
    );
  } else {
    (s.direction as number[]).forEach((a, i) => {
      if (a !== 0) {
        is.push(i);
        js.push(-1);
        cs.push(a);
      }
    });
  }
  return { i: Int32Array.from(is), j: Int32Array.from(js), c: Float64Array.from(cs) };
}

export function evalForm(f: SparseForm, x: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < f.c.length; k++) s += f.j[k] < 0 ? f.c[k] * x[f.i[k]] : f.c[k] * x[f.i[k]] * x[f.j[k]];
  return s;
}

/** Evaluates law (C)'s drift −2γC + η(κ tr(AΣ) + ∇LᵀA∇L) for every symmetry at θ. */
function driftPredictor(model: Model, syms: KernelSymmetry[], spec: TrainSpec, kappa: number, rows?: Float64Array): { predict: (theta: Float64Array) => number[]; exact: boolean } {
  const g = model.graph;
  const n = model.components.length;
  const grads = gradient(g, model.loss, model.paramNodes);
  // Per-example q_k = gᵀA_k g as graph nodes; translation charges have zero drift from noise.
  const qNodes = syms.map((s) => {
    if (!s.matrix) return g.constant(0);
    let acc = g.constant(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (s.matrix[i][j] !== 0) acc = g.add(acc, g.mul(g.constant(s.matrix[i][j]), g.mul(grads[i], grads[j])));
    return acc;
  });
  const sparse = syms.map(sparseForm);
  const finish = (th: Float64Array, meanG: ArrayLike<number>, meanQ: ArrayLike<number>) =>
    syms.map((s, k) => {
      if (!s.matrix) return -spec.weightDecay * evalForm(sparse[k], th); // translation: d(vᵀθ)/dt = −γ vᵀθ
      const gAg = evalForm(sparse[k], meanG);
      const trAS = meanQ[k] - gAg; // E[gᵀAg] − ∇LᵀA∇L = tr(AΣ)
      return -2 * spec.weightDecay * evalForm(sparse[k], th) + spec.lr * (kappa * trAS + gAg);
    });
  const exact = rows ? undefined : expectedNodes(model, [...grads, ...qNodes]);
  if (exact) {
    const ev = compileEvaluator(g, exact);
    const out = new Float64Array(exact.length);
    return {
      exact: true,
      predict: (th) => {
        ev(th, [], out);
        return finish(th, out.subarray(0, n), out.subarray(n));
      },
    };
  }
  // Monte Carlo (or the exact average over a small finite set) with a fixed sample.
  const dim = model.dataComponents.length;
  const { sample, count } = fixedExamples(model, MC_DRIFT_SAMPLES, 99, rows, 256);
  const ev = compileEvaluator(g, [...grads, ...qNodes]);
  const out = new Float64Array(n + qNodes.length);
  const meanG = new Float64Array(n);
  const meanQ = new Float64Array(qNodes.length);
  return {
    // The exact average over a finite set is as good as a closed form.
    exact: rows !== undefined && count === rows.length / Math.max(1, dim),
    predict: (th) => {
      meanG.fill(0);
      meanQ.fill(0);
      for (let e = 0; e < count; e++) {
        ev(th, sample.subarray(e * dim, (e + 1) * dim), out);
        for (let i = 0; i < n; i++) meanG[i] += out[i] / count;
        for (let k = 0; k < qNodes.length; k++) meanQ[k] += out[n + k] / count;
      }
      return finish(th, meanG, meanQ);
    },
  };
}

/** tr H and λ_max(H) of the expected loss (exact where possible, else a fixed-sample average). */
function hessianProbe(model: Model, rows?: Float64Array): ((theta: Float64Array) => [number, number]) | undefined {
  const n = model.components.length;
  if (n > HESSIAN_MAX_COMPONENTS) return hvpProbe(model, rows);
  const g = model.graph;
  const grads = gradient(g, model.loss, model.paramNodes);
  const exactLoss = rows ? undefined : expectedNodes(model, [model.loss]);
  const base = exactLoss ? exactLoss[0] : model.loss;
  const gr = exactLoss ? gradient(g, base, model.paramNodes) : grads;
  const hNodes: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = gradient(g, gr[i], model.paramNodes);
    for (let j = i; j < n; j++) hNodes.push(row[j]);
  }
  const ev: Evaluator = compileEvaluator(g, hNodes);
  const out = new Float64Array(hNodes.length);
  const dim = model.dataComponents.length;
  // With the exact expected loss the Hessian needs no data: one evaluation.
  const { sample, count } = exactLoss ? { sample: new Float64Array(dim), count: 1 } : fixedExamples(model, 32, 98, rows, 0);
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  return (th) => {
    for (const r of H) r.fill(0);
    for (let e = 0; e < count; e++) {
      ev(th, sample.subarray(e * dim, (e + 1) * dim), out);
      let k = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) {
          H[i][j] += out[k] / count;
          if (j !== i) H[j][i] += out[k] / count;
          k++;
        }
      }
    }
    let tr = 0;
    for (let i = 0; i < n; i++) tr += H[i][i];
    if (!H.every((r) => r.every(Number.isFinite))) return [NaN, NaN];
    const vals = n === 1 ? [H[0][0]] : symmetricEigen(H).values;
    return [tr, Math.max(...vals)];
  };
}

/**
 * Large models: Hessian-vector products Hv = ∇(∇ℓ·v), generated like the gradient (v enters the
 * graph as extra inputs after the data). λ_max by power iteration warm-started from the previous
 * record point's vector (a few iterations per record converge along a run); tr H by Hutchinson's
 * estimator with fresh Rademacher probes, averaged over the last records (an estimate, not exact).
 */
function hvpProbe(model: Model, rows?: Float64Array): (theta: Float64Array) => [number, number] {
  const n = model.components.length;
  const g = model.graph;
  const dim = model.dataComponents.length;
  const exactLoss = rows ? undefined : expectedNodes(model, [model.loss]);
  const base = exactLoss ? exactLoss[0] : model.loss;
  const gr = gradient(g, base, model.paramNodes);
  const vNodes = Array.from({ length: n }, (_, j) => g.data(dim + j));
  let q = g.constant(0);
  for (let j = 0; j < n; j++) q = g.add(q, g.mul(gr[j], vNodes[j]));
  const ev = compileEvaluator(g, gradient(g, q, model.paramNodes));
  const { sample, count } = exactLoss ? { sample: new Float64Array(dim), count: 1 } : fixedExamples(model, 16, 96, rows, 0);
  const input = new Float64Array(dim + n);
  const out = new Float64Array(n);
  const hv = new Float64Array(n);
  const apply = (theta: Float64Array, v: Float64Array) => {
    hv.fill(0);
    input.set(v, dim);
    for (let e = 0; e < count; e++) {
      input.set(sample.subarray(e * dim, (e + 1) * dim), 0);
      ev(theta, input, out);
      for (let i = 0; i < n; i++) hv[i] += out[i] / count;
    }
    return hv;
  };
  const rng = new Rng(95, 0, STREAM_ANALYSIS);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  const probe = new Float64Array(n);
  const ITERATIONS = 4;
  const TRACE_PROBES = 2;
  return (theta) => {
    let lambda = NaN;
    for (let it = 0; it < ITERATIONS; it++) {
      let nrm = 0;
      for (let i = 0; i < n; i++) nrm += v[i] * v[i];
      nrm = Math.sqrt(nrm) || 1;
      for (let i = 0; i < n; i++) v[i] /= nrm;
      const w = apply(theta, v);
      lambda = 0;
      for (let i = 0; i < n; i++) lambda += v[i] * w[i];
      v.set(w);
    }
    let tr = 0;
    for (let p = 0; p < TRACE_PROBES; p++) {
      for (let i = 0; i < n; i++) probe[i] = rng.uniform() < 0.5 ? -1 : 1;
      const w = apply(theta, probe);
      for (let i = 0; i < n; i++) tr += (probe[i] * w[i]) / TRACE_PROBES;
    }
    return [tr, lambda];
  };
}

/**
 * A fixed set of examples (count × dataDim) for Monte Carlo estimates along a run: the whole
 * finite data set when it has at most `useAllUpTo` rows, else `draws` examples from a seeded stream.
 */
function fixedExamples(model: Model, draws: number, seed: number, rows: Float64Array | undefined, useAllUpTo: number): { sample: Float64Array; count: number } {
  const dim = model.dataComponents.length;
  const N = rows ? rows.length / Math.max(1, dim) : 0;
  if (rows && N <= useAllUpTo) return { sample: rows, count: N };
  const sample = new Float64Array(draws * dim);
  const rng = new Rng(seed, 0, STREAM_ANALYSIS);
  const z = new Float64Array(dim);
  for (let e = 0; e < draws; e++) {
    drawExample(model, rng, z, rows);
    sample.set(z, e * dim);
  }
  return { sample, count: draws };
}

/** Mean per-example loss over a fixed probe (the finite set when small, else 256 draws). */
function lossProbe(model: Model, rows?: Float64Array): (theta: Float64Array) => number {
  const dim = model.dataComponents.length;
  const { sample, count } = fixedExamples(model, 256, 97, rows, 1024);
  const ev = compileEvaluator(model.graph, [model.loss]);
  const out = new Float64Array(1);
  return (theta) => {
    let s = 0;
    for (let e = 0; e < count; e++) {
      ev(theta, sample.subarray(e * dim, (e + 1) * dim), out);
      s += out[0];
    }
    return s / count;
  };
}

export function stabilityHint(spec: TrainSpec, lambdaMax: number | undefined): string {
  if (lambdaMax !== undefined && Number.isFinite(lambdaMax) && lambdaMax > 0) {
    const bound = 2 / lambdaMax;
    return spec.lr >= bound
      ? `lr = ${spec.lr} is above the stability bound 2/λ_max(H) ≈ ${bound.toPrecision(3)} at the start (THEORY.md §7); lower lr`
      : `lr = ${spec.lr} is below 2/λ_max(H) ≈ ${bound.toPrecision(3)} at the start, but SGD's fluctuations diverge earlier than GD (THEORY.md §5: η·a·(1 + 2/B) < 2 for linear regression); lower lr or raise the batch size`;
  }
  return `lower lr (GD is stable only for lr < 2/λ_max(H); SGD's fluctuations diverge earlier, THEORY.md §5 and §7)`;
}

/**
 * Runs the job's chains. `onSegment` is called after every record point with the batch so far;
 * `shouldStop` is polled between kernel calls (cancellation).
 */
export function runChains(job: ChainJob, onSegment?: (b: ChainBatch) => void, shouldStop?: () => boolean): ChainBatch {
  const model = modelFromJob(job);
  const spec = job.spec;
  const rows = datasetRows(model, spec.seed);
  const dim = model.dataComponents.length;
  let gdSample: Float64Array | undefined;
  if (spec.optimizer === 'gd' && !rows) {
    gdSample = new Float64Array(GD_SAMPLE * dim);
    const rng = new Rng(spec.seed, 0, STREAM_ANALYSIS);
    const z = new Float64Array(dim);
    for (let e = 0; e < GD_SAMPLE; e++) {
      drawExample(model, rng, z);
      gdSample.set(z, e * dim);
    }
  }
  const kernel = generateKernel({ model, spec, symmetries: job.symmetries, rows, gdSample, escape: job.escape });
  const n = model.components.length;
  const nsym = job.symmetries.length;
  const states = job.chains.map((c) => newChainState(model, c, spec.seed, rows));
  const alive = job.chains.map(() => true);
  const predictor = job.kappa === null ? undefined : driftPredictor(model, job.symmetries, spec, job.kappa, rows);
  const predict = predictor?.predict;
  const predictIsExact = predictor?.exact ?? false;
  const hasChain0 = job.chains.includes(0);
  const probe = hasChain0 ? hessianProbe(model, rows) : undefined;
  const K = Math.min(n, job.statComponents);
  const probeLoss = lossProbe(model, rows);
  const batch: ChainBatch = {
    recordSteps: [],
    count: [],
    lossSum: [],
    lossSq: [],
    chargeSum: job.symmetries.map(() => []),
    chargeSq: job.symmetries.map(() => []),
    driftPredSum: job.symmetries.map(() => []),
    driftPredCount: [],
    traceH: [],
    lambdaMaxH: [],
    lawResidual: 0,
    finalTheta: [],
    samples: job.chains.map((c) => ({ chain: c, values: [] })),
    diverged: [],
    firstPassage: [],
    stepsDone: 0,
    gdGradient: kernel.gdGradient,
  };
  const forms = job.symmetries.map(sparseForm);
  const record = (step: number, lossPerChain: number[]) => {
    let cnt = 0;
    let ls = 0;
    let lq = 0;
    const cs = new Array<number>(nsym).fill(0);
    const cq = new Array<number>(nsym).fill(0);
    const ds = new Array<number>(nsym).fill(0);
    let dc = 0;
    states.forEach((st, k) => {
      if (!alive[k]) return;
      cnt++;
      const l = lossPerChain[k];
      ls += l;
      lq += l * l;
      forms.forEach((f, j) => {
        const c = evalForm(f, st.theta);
        cs[j] += c;
        cq[j] += c * c;
      });
      if (predict && (predictIsExact || dc < MC_DRIFT_CHAINS)) {
        const d = predict(st.theta);
        d.forEach((x, j) => (ds[j] += x));
        dc++;
      }
      if (step > job.burnin) {
        const vals = batch.samples[k].values;
        for (let i = 0; i < K; i++) vals.push(st.theta[i]);
      }
    });
    batch.recordSteps.push(step);
    batch.count.push(cnt);
    batch.lossSum.push(ls);
    batch.lossSq.push(lq);
    cs.forEach((x, j) => batch.chargeSum[j].push(x));
    cq.forEach((x, j) => batch.chargeSq[j].push(x));
    ds.forEach((x, j) => batch.driftPredSum[j].push(x));
    batch.driftPredCount.push(dc);
    if (probe) {
      const i0 = job.chains.indexOf(0);
      const [tr, lm] = alive[i0] ? probe(states[i0].theta) : [NaN, NaN];
      batch.traceH.push(tr);
      batch.lambdaMaxH.push(lm);
    }
  };

  // Record point 0: the initial state, its loss averaged over a fixed probe of examples.
  const initialLambda = probe && hasChain0 ? probe(states[job.chains.indexOf(0)].theta)[1] : undefined;
  record(0, states.map((st) => probeLoss(st.theta)));
  onSegment?.(batch);
  let t = 0;
  while (t < spec.steps) {
    const seg = Math.min(job.recordEvery, spec.steps - t);
    const lossPerChain = states.map(() => NaN);
    for (let k = 0; k < states.length; k++) {
      if (!alive[k]) continue;
      const st = states[k];
      st.ctl[CTL.lossSum] = 0;
      let done = 0;
      while (done < seg) {
        const chunk = Math.min(MAX_STEPS_PER_CALL, seg - done);
        const did = kernel.run(st, t + done, chunk);
        done += did;
        if (did < chunk && st.ctl[CTL.passedAt] >= 0) {
          alive[k] = false; // escaped: this chain's experiment is over
          break;
        }
        if (did < chunk) {
          alive[k] = false;
          const at = st.ctl[CTL.divergedAt];
          const why = st.ctl[CTL.divergedKind] === 1 ? 'a parameter became NaN or infinite' : `a parameter exceeded ${1e30} in magnitude (norm explosion)`;
          batch.diverged.push({
            chain: job.chains[k],
            step: at,
            message: `chain ${job.chains[k]} diverged at step ${at}: ${why}. ${stabilityHint(spec, initialLambda)}`,
            lastFinite: Object.fromEntries(model.components.map((c, i) => [c, st.theta[i]])),
          });
          break;
        }
        if (shouldStop?.()) break;
      }
      lossPerChain[k] = st.ctl[CTL.lossSum] / Math.max(1, done);
      batch.lawResidual = Math.max(batch.lawResidual, st.ctl[CTL.lawResidual]);
      if (shouldStop?.()) break;
    }
    t += seg;
    batch.stepsDone = t;
    record(t, lossPerChain);
    onSegment?.(batch);
    if (shouldStop?.() || alive.every((a) => !a)) break;
  }
  batch.finalTheta = states.map((st, k) => ({ chain: job.chains[k], theta: Array.from(st.theta) }));
  if (hasChain0) batch.equilibria = predictedEquilibria(model, job.symmetries, spec, job.kappa, initialPoint(model, 0, spec.seed));
  if (job.escape) batch.firstPassage = states.map((st, k) => ({ chain: job.chains[k], step: st.ctl[CTL.passedAt] >= 0 ? st.ctl[CTL.passedAt] : null }));
  return batch;
}
