// Probes of a run's state that need the expected loss rather than a minibatch: tr H and λ_max(H)
// (dense for small models, Hessian-vector products for large ones) and the mean loss over a fixed
// set of examples. Deterministic: the same examples at every call.
import { hasScalarView, Model } from '../lang/model';
import { tensorGradient } from '../tensor/diff';
import { compileTensorEvaluator } from '../tensor/compile';
import { gradientTensors, layoutOf } from '../tensor/evaluate';
import { gradient } from '../expr/diff';
import { compileEvaluator, Evaluator } from '../expr/codegen';
import { expectedNodes } from '../analysis/expectation';
import { drawExample } from '../analysis/points';
import { symmetricEigen } from '../analysis/linalg';
import { Rng, STREAM_ANALYSIS } from '../util/rng';

const HESSIAN_MAX_COMPONENTS = 40;
/** Examples averaged by a Hessian-vector product without a closed form. */
const HVP_EXAMPLES = 64;

/** tr H and λ_max(H) of the expected loss (exact where possible, else a fixed-sample average). */
export function hessianProbe(model: Model, rows?: Float64Array): ((theta: Float64Array) => [number, number]) | undefined {
  const n = model.components.length;
  if (n > HESSIAN_MAX_COMPONENTS || !hasScalarView(model)) return hvpProbe(model, rows);
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
/** Hv for a fixed set of examples (or the exact expected loss): one function of (θ, v). */
function hessianVector(model: Model, rows?: Float64Array): (theta: Float64Array, v: Float64Array) => Float64Array {
  const n = model.components.length;
  const dim = model.dataComponents.length;
  // Small models with a closed-form expected loss: Hv of L itself, exact (one evaluation).
  const exactLoss = hasScalarView(model) && !rows ? expectedNodes(model, [model.loss]) : undefined;
  if (exactLoss && hasScalarView(model)) {
    const sg = model.graph;
    const gr = gradient(sg, exactLoss[0], model.paramNodes);
    const vNodes = Array.from({ length: n }, (_, j) => sg.data(j));
    let q = sg.constant(0);
    for (let j = 0; j < n; j++) q = sg.add(q, sg.mul(gr[j], vNodes[j]));
    const ev = compileEvaluator(sg, gradient(sg, q, model.paramNodes));
    const hv = new Float64Array(n);
    return (theta, v) => {
      ev(theta, v, hv);
      return hv;
    };
  }
  const g = model.tgraph;
  const gr = gradientTensors(model);
  // v enters as extra data tensors after the file's data, one per parameter tensor.
  const vs = model.params.map((p, k) => g.data(model.data.length + k, p.shape));
  let q = g.scalar(0);
  gr.forEach((gp, k) => (q = g.add(q, g.sum(g.mul(gp, vs[k])))));
  const layout = layoutOf(model);
  const ev = compileTensorEvaluator(g, tensorGradient(g, q, model.paramTensors), {
    paramOffset: layout.paramOffset,
    dataOffset: [...layout.dataOffset, ...model.params.map((p) => dim + p.offset)],
  }).evaluate;
  const { sample, count } = fixedExamples(model, HVP_EXAMPLES, 96, rows, 0);
  const input = new Float64Array(dim + n);
  const out = new Float64Array(n);
  const hv = new Float64Array(n);
  return (theta, v) => {
    hv.fill(0);
    input.set(v, dim);
    for (let e = 0; e < count; e++) {
      input.set(sample.subarray(e * dim, (e + 1) * dim), 0);
      ev(theta, input, out);
      for (let i = 0; i < n; i++) hv[i] += out[i] / count;
    }
    return hv;
  };
}

/**
 * Large models: Hessian-vector products (see hessianVector). λ_max by power iteration warm-started
 * from the previous record point's vector (a few iterations per record converge along a run); tr H
 * by Hutchinson's estimator with fresh Rademacher probes (an estimate, not exact).
 */
function hvpProbe(model: Model, rows?: Float64Array): (theta: Float64Array) => [number, number] {
  const n = model.components.length;
  const apply = hessianVector(model, rows);
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
export function fixedExamples(
  model: Model,
  draws: number,
  seed: number,
  rows: Float64Array | undefined,
  useAllUpTo: number,
): { sample: Float64Array; count: number } {
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
export function lossProbe(model: Model, rows?: Float64Array): (theta: Float64Array) => number {
  const dim = model.dataComponents.length;
  const { sample, count } = fixedExamples(model, 256, 97, rows, 1024);
  const ev =
    hasScalarView(model) && model.components.length <= 64
      ? compileEvaluator(model.graph, [model.loss])
      : compileTensorEvaluator(model.tgraph, [model.tloss], layoutOf(model)).evaluate;
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
