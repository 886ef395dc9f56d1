// Per-neuron quantities of a two-layer network h = relu(U x (+ b)), ŷ = W h (+ c): the rescaling
// charge of hidden neuron j, C_j = ‖U[j,:]‖² (+ b_j²) − ‖W[:,j]‖², and the two noise terms of the
// law of balance (paper (a), Theorem 3.1), the traces of the per-example gradient covariance of
// the neuron's incoming weights (uᵀC₁u in the paper's notation) and of its outgoing weights
// (wᵀC₂w), estimated from per-example gradients over a set of examples. Law (C) for C_j reads
// dC_j/dt = η(N_in,j − N_out,j)/B + η(‖ḡ_in,j‖² − ‖ḡ_out,j‖²): SGD's noise drives C_j until the two
// noise terms balance; GD has only the second (discrete-time) term.
import { gradientFunction } from '../analysis/gradientFn';
import { Model, shapeText } from '../lang/model';

export interface NeuronLayout {
  hidden: number;
  /** Component offsets of neuron j's incoming entries (row j of U, and b_j) and outgoing entries (column j of W). */
  incoming: number[][];
  outgoing: number[][];
}

/** The layout of `param U[k, d]`, optional `param b[k]` and `param W[m, k]` of a model. */
export function neuronLayout(model: Model, first: string, bias: string | undefined, second: string): NeuronLayout {
  const find = (name: string) => {
    const p = model.params.find((q) => q.name === name);
    if (!p) throw new Error(`the model has no parameter \`${name}\``);
    return p;
  };
  const U = find(first);
  const W = find(second);
  const b = bias ? find(bias) : undefined;
  const [k, d] = U.shape;
  const [m, k2] = W.shape;
  if (k !== k2) throw new Error(`${first} is ${shapeText(U.shape)} and ${second} is ${shapeText(W.shape)}: no shared hidden index`);
  const incoming: number[][] = [];
  const outgoing: number[][] = [];
  for (let j = 0; j < k; j++) {
    const inc = Array.from({ length: d }, (_, i) => U.offset + j * d + i);
    if (b) inc.push(b.offset + j);
    incoming.push(inc);
    outgoing.push(Array.from({ length: m }, (_, i) => W.offset + i * k + j));
  }
  return { hidden: k, incoming, outgoing };
}

/** Each neuron's charge C_j at θ. */
export function neuronCharges(layout: NeuronLayout, theta: ArrayLike<number>): number[] {
  const sq = (idx: number[]) => idx.reduce((s, i) => s + theta[i] * theta[i], 0);
  return layout.incoming.map((inc, j) => sq(inc) - sq(layout.outgoing[j]));
}

export interface NeuronNoise {
  /** tr Cov of the incoming and outgoing per-example gradients, per neuron. */
  noiseIn: number[];
  noiseOut: number[];
  /** ‖ḡ_in‖² − ‖ḡ_out‖² per neuron: the mean gradient's (discrete-time) term of law (C). */
  meanTerm: number[];
  /** Σ_j (N_in − N_out) and its Monte Carlo standard error over the examples. */
  total: number;
  totalSe: number;
  /** Mean per-example loss over the examples. */
  loss: number;
}

/** Per-neuron noise terms at θ over `count` examples (rows of `examples`, dataComponents wide). */
export function neuronNoise(model: Model, layout: NeuronLayout, theta: Float64Array, examples: Float64Array, count: number): NeuronNoise {
  const fn = gradientFunction(model);
  const dim = model.dataComponents.length;
  const n = model.components.length;
  const mean = new Float64Array(n);
  const sqIn = new Float64Array(layout.hidden);
  const sqOut = new Float64Array(layout.hidden);
  let loss = 0;
  let dSum = 0;
  let dSq = 0;
  for (let e = 0; e < count; e++) {
    fn.evaluate(theta, examples.subarray(e * dim, (e + 1) * dim), fn.out);
    loss += fn.out[0];
    const g = fn.out.subarray(1);
    for (let i = 0; i < n; i++) mean[i] += g[i];
    let d = 0;
    for (let j = 0; j < layout.hidden; j++) {
      let a = 0;
      for (const i of layout.incoming[j]) a += g[i] * g[i];
      let b = 0;
      for (const i of layout.outgoing[j]) b += g[i] * g[i];
      sqIn[j] += a;
      sqOut[j] += b;
      d += a - b;
    }
    dSum += d;
    dSq += d * d;
  }
  for (let i = 0; i < n; i++) mean[i] /= count;
  const noiseIn: number[] = [];
  const noiseOut: number[] = [];
  const meanTerm: number[] = [];
  let meanTotal = 0;
  for (let j = 0; j < layout.hidden; j++) {
    const mi = layout.incoming[j].reduce((s, i) => s + mean[i] * mean[i], 0);
    const mo = layout.outgoing[j].reduce((s, i) => s + mean[i] * mean[i], 0);
    noiseIn.push(sqIn[j] / count - mi);
    noiseOut.push(sqOut[j] / count - mo);
    meanTerm.push(mi - mo);
    meanTotal += mi - mo;
  }
  const dMean = dSum / count;
  const dVar = Math.max(0, dSq / count - dMean * dMean);
  return { noiseIn, noiseOut, meanTerm, total: dMean - meanTotal, totalSe: Math.sqrt(dVar / Math.max(1, count - 1)), loss: loss / count };
}
