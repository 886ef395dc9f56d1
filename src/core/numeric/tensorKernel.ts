// The tensor kernel: SGD (GD, momentum, Adam) for models of any size, generated from the tensor
// graph as loops over Float64Arrays (tensor/compile.ts), so its code does not grow with the number of
// parameters and V8 keeps optimising it. One call runs a block of chains (each chain's parameters,
// optimizer state and generator contiguous: chain-major), each for a number of steps: data drawn
// inline, the per-example loss and gradient, the minibatch average, the update, the exact per-step
// law (D) check for every symmetry, divergence (a NaN loss included) and escape detection. Nothing
// is allocated inside the loop; the workspace and constants are allocated once per kernel.
import { ComponentDist } from '../lang/distributions';
import { numberLiteral as lit } from '../expr/codegen';
import { tensorGradient } from '../tensor/diff';
import { emitNode, plan, Plan } from '../tensor/compile';
import { BatchedAddress, BatchedPlan, emitBatched, planBatched } from '../tensor/batched';
import { emitDots } from '../tensor/dots';
import { operands, sizeOf } from '../tensor/graph';
import { layoutOf } from '../tensor/evaluate';
import {
  ChainState,
  CTL,
  DIVERGENCE_LIMIT,
  escapeCondition,
  GD_SAMPLE,
  GdGradient,
  Kernel,
  KernelInputs,
  chooseRow,
  normalInto,
  uniformInto,
  ZIGGURAT,
} from './kernelCommon';
import { FormTable, sparseForm } from '../analysis/forms';

/** Constant pool grown while generating: per-component distribution parameters, law forms. */
class Pool {
  values: number[] = [];
  add(xs: ArrayLike<number>): number {
    const at = this.values.length;
    for (let i = 0; i < xs.length; i++) this.values.push(xs[i]);
    return at;
  }
}

/**
 * Statements drawing data tensor components [off, off + count) from their distributions into z;
 * `slot(i)` is where component i goes (i itself, or i·B + b in a batched kernel).
 */
function drawData(dists: ComponentDist[], off: number, pool: Pool, slot: (i: string) => string = (i) => i): string {
  const out: string[] = [];
  let k = 0;
  while (k < dists.length) {
    // A run of components of one kind: one loop, its parameters in the constant pool.
    let e = k + 1;
    while (e < dists.length && dists[e].kind === dists[k].kind) e++;
    const run = dists.slice(k, e);
    const n = e - k;
    const at = off + k;
    const same = run.every((d) => JSON.stringify(d) === JSON.stringify(run[0]));
    const d0 = run[0];
    switch (d0.kind) {
      case 'normal': {
        if (same) {
          const m = d0.mean;
          const sd = d0.std;
          out.push(`for (let i = 0; i < ${n}; i++) { ${normalInto('rv')} z[${slot(`${at} + i`)}] = ${lit(m)} + ${lit(sd)} * rv; }`);
        } else {
          const mo = pool.add(run.map((d) => (d as Extract<ComponentDist, { kind: 'normal' }>).mean));
          const so = pool.add(run.map((d) => (d as Extract<ComponentDist, { kind: 'normal' }>).std));
          out.push(`for (let i = 0; i < ${n}; i++) { ${normalInto('rv')} z[${slot(`${at} + i`)}] = K[${mo} + i] + K[${so} + i] * rv; }`);
        }
        break;
      }
      case 'uniform': {
        const lo = pool.add(run.map((d) => (d as Extract<ComponentDist, { kind: 'uniform' }>).lo));
        const wd = pool.add(run.map((d) => (d as Extract<ComponentDist, { kind: 'uniform' }>).hi - (d as Extract<ComponentDist, { kind: 'uniform' }>).lo));
        out.push(`for (let i = 0; i < ${n}; i++) { ${uniformInto('rv')} z[${slot(`${at} + i`)}] = K[${lo} + i] + K[${wd} + i] * rv; }`);
        break;
      }
      case 'bernoulli': {
        const p = pool.add(run.map((d) => (d as Extract<ComponentDist, { kind: 'bernoulli' }>).p));
        out.push(`for (let i = 0; i < ${n}; i++) { ${uniformInto('rv')} z[${slot(`${at} + i`)}] = rv < K[${p} + i] ? 1 : 0; }`);
        break;
      }
      case 'rademacher':
        out.push(`for (let i = 0; i < ${n}; i++) { ${uniformInto('rv')} z[${slot(`${at} + i`)}] = rv < 0.5 ? -1 : 1; }`);
        break;
      case 'const': {
        const c = pool.add(run.map((d) => (d as Extract<ComponentDist, { kind: 'const' }>).value));
        out.push(`for (let i = 0; i < ${n}; i++) z[${slot(`${at} + i`)}] = K[${c} + i];`);
        break;
      }
    }
    k = e;
  }
  return out.join('\n');
}

/**
 * Gradients that are outer products nothing else reads (a weight matrix's gradient, a ⊗ b): they
 * are added into gs directly, never materialised.
 */
function fusedOuterGradients(g: KernelInputs['model']['tgraph'], grads: number[], order: number[]): Set<number> {
  const consumers = new Map<number, number>();
  for (const id of order) for (const o of operands(g.nodes[id])) consumers.set(o, (consumers.get(o) ?? 0) + 1);
  const fused = new Set<number>();
  grads.forEach((id) => {
    const nd = g.nodes[id];
    if (nd.op === 'outer' && !consumers.has(id) && grads.filter((x) => x === id).length === 1) fused.add(id);
  });
  return fused;
}

/** Largest batched workspace (entries) before a minibatch falls back to the per-example loop. */
const MAX_BATCHED_WORKSPACE = 1 << 22;

/**
 * One SGD step's gradient estimate as a batched pass: draw (or choose) B examples into z with the
 * batch innermost, evaluate the graph once for all of them, and reduce each parameter's gradient
 * over the batch straight into gs (an outer-product gradient Σ_b δ_b ⊗ x_b as one reduction).
 */
function batchedStep(
  model: KernelInputs['model'],
  bp: BatchedPlan,
  grads: number[],
  pool: Pool,
  rows: Float64Array | undefined,
  withoutReplacement: boolean,
): string[] {
  const g = model.tgraph;
  const B = bp.B;
  const dim = model.dataComponents.length;
  const layout = layoutOf(model);
  const A = (id: number) => bp.addr.get(id) as BatchedAddress;
  const out: string[] = [`for (let b = 0; b < ${B}; b++) {`];
  if (rows) {
    out.push(...chooseRow(rows.length / Math.max(1, dim), dim, withoutReplacement));
    out.push(`for (let k = 0; k < ${dim}; k++) z[k * ${B} + b] = src[r + k];`);
  } else {
    for (const d of model.data) if (d.dists) out.push(drawData(d.dists, d.offset, pool, (i) => `(${i}) * ${B} + b`));
  }
  out.push('}');
  for (const id of bp.order)
    if (!bp.skipped.has(id)) {
      const code = emitBatched(g, id, bp);
      if (code) out.push(code);
    }
  const loss = A(model.tloss);
  out.push(loss.batched ? `for (let b = 0; b < ${B}; b++) lsum += ${loss.array}[${loss.offset} + b];` : `lsum = ${B} * ${loss.array}[${loss.offset}];`);
  grads.forEach((id, k) => {
    const off = layout.paramOffset[k];
    const size = sizeOf(g.shape(id));
    const nd = g.nodes[id];
    if (bp.skipped.has(id) && nd.op === 'outer') {
      const a = A(nd.a);
      const c = A(nd.b);
      const [m, nn] = nd.shape;
      out.push(
        emitDots({
          P: m,
          Q: nn,
          T: B,
          X: { array: a.array, offset: a.offset, outer: B, inner: 1 },
          Y: { array: c.array, offset: c.offset, outer: B, inner: 1 },
          O: { array: 'gs', offset: off, outer: nn, inner: 1 },
          op: '=',
          divisor: B,
        }),
      );
      return;
    }
    const cv = g.constValues(id);
    if (cv && cv.every((x) => x === 0)) {
      out.push(`for (let i = 0; i < ${size}; i++) gs[${off} + i] = 0;`);
      return;
    }
    const a = A(id);
    if (a.batched)
      out.push(
        `for (let i = 0; i < ${size}; i++) { const ab = ${a.offset} + i * ${B}; let s = 0; for (let b = 0; b < ${B}; b++) s += ${a.array}[ab + b]; gs[${off} + i] = s / ${B}; }`,
      );
    else out.push(`for (let i = 0; i < ${size}; i++) gs[${off} + i] = ${a.array}[${a.offset} + i];`);
  });
  out.push(`const lstep = lsum / ${B};`);
  return out;
}

/**
 * Law (D) reads every term of every charge three times per step (θ before, ĝ, θ after). Where that
 * is more than LAW_WORK_RATIO times the step's own work (a dense GL(k) has k(k+1)/2 charges of ~2m
 * terms each), a step checks every r-th charge in rotation (k ≡ t mod r): each charge is still
 * checked on every r-th step, and the check costs about as much as the step instead of ten times it.
 */
const LAW_WORK_RATIO = 2;

function lawStride(model: KernelInputs['model'], spec: KernelInputs['spec'], terms: number): number {
  const examples = spec.optimizer === 'gd' ? GD_SAMPLE : Math.max(1, spec.batch);
  const stepWork = examples * (model.tgraph.entries + model.components.length);
  return Math.max(1, Math.ceil((3 * terms) / (LAW_WORK_RATIO * stepWork)));
}

/** A loop over `count` entries: θ's index of entry j and the gradient's value there, as code. */
type EntryLoop = (count: number, at: (j: string) => string, value: (j: string) => string) => string;

/** Entries per iteration of the unrolled SGD update. */
const UPDATE_LANES = 4;

/**
 * The SGD update θ ← fθ − lr·g of a run of entries, keeping the old values in prev and checking
 * the new ones' bound (a NaN fails it too). Unrolled: each iteration loads its entries first and
 * stores after, because V8 re-checks a typed array's map, length and base after every store to
 * one; with a store per entry that made the update half the step of a 400-parameter net at B = 1.
 * The arithmetic, and so every bit of θ, is the plain loop's.
 */
function sgdUpdateLoop(decay: boolean): EntryLoop {
  return (count, at, value) => {
    const lanes = (idx: (q: number) => string, u: number) => {
      const qs = Array.from({ length: u }, (_, q) => q);
      return (
        qs.map((q) => `const o${q} = th[${at(idx(q))}];`).join(' ') +
        ' ' +
        qs.map((q) => `const x${q} = ${decay ? `f * o${q}` : `o${q}`} - lr * (${value(idx(q))});`).join(' ') +
        ' ' +
        qs.map((q) => `prev[${at(idx(q))}] = o${q};`).join(' ') +
        ' ' +
        qs.map((q) => `th[${at(idx(q))}] = x${q};`).join(' ') +
        ` if (!(${qs.map((q) => `Math.abs(x${q}) <= ${DIVERGENCE_LIMIT}`).join(' && ')})) bad = 1;`
      );
    };
    const main = count - (count % UPDATE_LANES);
    let out = '';
    if (main > 0) out += `for (let j = 0; j < ${main}; j += ${UPDATE_LANES}) { ${lanes((q) => `j + ${q}`, UPDATE_LANES)} }`;
    if (main < count) out += ` { ${lanes((q) => String(main + q), count - main)} }`;
    return out;
  };
}

export function generateTensorKernel(inp: KernelInputs): Kernel {
  const { model, spec, symmetries } = inp;
  const g = model.tgraph;
  const n = model.components.length;
  const dim = model.dataComponents.length;
  const layout = layoutOf(model);
  const grads = tensorGradient(g, model.tloss, model.paramTensors);
  const p: Plan = plan(g, [model.tloss, ...grads], layout);
  // A minibatch of B ≥ 2 fresh or sampled examples runs as one batched pass (tensor/batched.ts)
  // when its workspace stays small; GD's large fixed sample keeps the per-example loop.
  const B = spec.batch;
  const bp = spec.optimizer !== 'gd' && B >= 2 ? planBatched(g, [model.tloss, ...grads], layout, B, fusedOuterGradients(g, grads, p.order)) : undefined;
  const batchedPlan = bp && bp.workspace <= MAX_BATCHED_WORKSPACE ? bp : undefined;
  // The plan's constants come first in the pool, at the offsets the plan gave them.
  const pool = new Pool();
  pool.add(batchedPlan ? batchedPlan.constants : p.constants);
  const addr = (id: number) => p.addr.get(id) as { array: string; offset: number };
  const lossAt = `${addr(model.tloss).array}[${addr(model.tloss).offset}]`;
  const fused = fusedOuterGradients(g, grads, p.order);
  // Per parameter tensor, the loops handing each gradient entry (its offset in θ, its value) to
  // `loop`, which writes a loop over a run of entries; an all-zero gradient only where `zeros` asks.
  const perGradientEntry = (loop: EntryLoop, zeros: boolean) =>
    grads
      .map((id, k) => {
        const off = layout.paramOffset[k];
        const size = sizeOf(g.shape(id));
        const nd = g.nodes[id];
        if (fused.has(id) && nd.op === 'outer') {
          const a = addr(nd.a);
          const b = addr(nd.b);
          const [m, nn] = nd.shape;
          return `for (let i = 0; i < ${m}; i++) { const ai = ${a.array}[${a.offset} + i]; const ro = ${off} + i * ${nn}; ${loop(
            nn,
            (j) => `ro + ${j}`,
            (j) => `ai * ${b.array}[${b.offset} + ${j}]`,
          )} }`;
        }
        const c = g.constValues(id);
        if (c && c.every((x) => x === 0))
          return zeros
            ? loop(
                size,
                (j) => `${off} + ${j}`,
                () => '0',
              )
            : '';
        const a = addr(id);
        return loop(
          size,
          (j) => `${off} + ${j}`,
          (j) => `${a.array}[${a.offset} + ${j}]`,
        );
      })
      .filter((x) => x)
      .join('\n');
  // Each parameter tensor's gradient goes to gs at the tensor's offset in θ: assigned by the first
  // example of the batch, added by the others (no separate zeroing pass).
  const gradInto = (op: '=' | '+=') =>
    perGradientEntry((count, at, value) => `for (let j = 0; j < ${count}; j++) gs[${at('j')}] ${op} ${value('j')};`, op === '=');
  const accumulate = `if (b === 0) {\n${gradInto('=')}\n} else {\n${gradInto('+=')}\n}`;
  // Plain SGD on one example per step with no law to check needs ĝ only for the update: each
  // gradient entry goes straight into θ (old value kept in prev, bound checked), never through gs.
  // Valid only when no gradient reads θ itself (∂(u·w)/∂u = w would read an updated w).
  const readsTheta = grads.some((id) => {
    const nd = g.nodes[id];
    return fused.has(id) && nd.op === 'outer' ? addr(nd.a).array === 'th' || addr(nd.b).array === 'th' : addr(id)?.array === 'th';
  });
  const fusedUpdate = () => perGradientEntry(sgdUpdateLoop(spec.weightDecay !== 0), true);
  const example = p.order
    .filter((id) => !fused.has(id))
    .map((id) => emitNode(g, id, p))
    .filter((x) => x)
    .join('\n');

  const fuseUpdate = spec.optimizer === 'sgd' && spec.batch === 1 && !batchedPlan && symmetries.length === 0 && !readsTheta;

  // ---- the gradient estimate for one step ----
  const body: string[] = [];
  let gdGradient: GdGradient | undefined;
  body.push('let lsum = 0;');
  if (spec.optimizer === 'gd') {
    gdGradient = inp.rows ? 'finite-set' : 'sampled';
    const fixed = inp.rows ?? inp.gdSample;
    const N = fixed ? fixed.length / Math.max(1, dim) : GD_SAMPLE;
    body.push(
      `for (let e = 0; e < ${N}; e++) {`,
      'const b = e;',
      `const r = e * ${dim};`,
      `for (let k = 0; k < ${dim}; k++) z[k] = src[r + k];`,
      example,
      `lsum += ${lossAt};`,
      accumulate,
      '}',
    );
    body.push(`const lstep = lsum / ${N};`, `for (let i = 0; i < ${n}; i++) gs[i] /= ${N};`);
  } else if (batchedPlan) {
    body.push(...batchedStep(model, batchedPlan, grads, pool, inp.rows, spec.sampling === 'without_replacement'));
  } else {
    body.push(`for (let b = 0; b < ${spec.batch}; b++) {`);
    if (inp.rows) {
      body.push(...chooseRow(inp.rows.length / Math.max(1, dim), dim, spec.sampling === 'without_replacement'));
      body.push(`for (let k = 0; k < ${dim}; k++) z[k] = src[r + k];`);
    } else {
      for (const d of model.data) if (d.dists) body.push(drawData(d.dists, d.offset, pool));
    }
    body.push(example, `lsum += ${lossAt};`, fuseUpdate ? '' : accumulate, '}');
    body.push(spec.batch === 1 ? 'const lstep = lsum;' : `const lstep = lsum / ${spec.batch}; for (let i = 0; i < ${n}; i++) gs[i] /= ${spec.batch};`);
  }

  // ---- law (D): every symmetry's charge as one concatenated sparse form ----
  // One loop over all terms, each tagged with its charge, accumulating into small arrays: the code
  // does not grow with the number of charges (64 rescalings of an MLP's neurons are one loop).
  const checksLaw = spec.optimizer === 'sgd' || spec.optimizer === 'gd';
  const law = new FormTable((checksLaw ? symmetries : []).map(sparseForm));
  const nsym = law.charges;
  const nterms = law.terms;
  // Per charge: value and scale before the step (θ and ĝ) and after it.
  const lawAcc = new Float64Array(6 * Math.max(1, nsym));
  const stride = lawStride(model, spec, nterms);
  // A helper of its own beside the kernel (terms are grouped by charge: one register sum each):
  // Σ c·x_i·x_j (or c·x_i) of charge k into LA[slot·nsym + k], and Σ |·| into the next slot, for
  // the charges k0, k0 + r, … this step checks.
  const formPassFn =
    `function formPass(x, slot, k0, r) { const o = slot * ${nsym}, oa = o + ${nsym}; for (let k = k0; k < ${nsym}; k += r) { let v = 0, a = 0; const e1 = LO[k + 1]; ` +
    `if (LQ[k] === 1) { for (let e = LO[k]; e < e1; e++) { const t_ = LC[e] * x[LI[e]] * x[LJ[e]]; v += t_; a += Math.abs(t_); } } ` +
    `else { for (let e = LO[k]; e < e1; e++) { const t_ = LC[e] * x[LI[e]]; v += t_; a += Math.abs(t_); } } LA[o + k] = v; LA[oa + k] = a; } }`;
  const formPass = (x: string, slot: number) => `formPass(${x}, ${slot}, k0, ${stride});`;
  // Law (D) after the update, per charge: C' = f²C + lr²ĝᵀAĝ (quadratic) or C' = fC (translation).
  // When every charge is checked on every step, the charges after this step are the next step's
  // charges before it (same θ, same sums): kept instead of recomputed.
  const keep = stride === 1 ? `for (let k = 0; k < ${2 * nsym}; k++) LA[k] = LA[${4 * nsym} + k]; have0 = true;` : '';
  const lawCheck =
    `${formPass('th', 4)} for (let k = k0; k < ${nsym}; k += ${stride}) { const c_ = LA[k], ca_ = LA[${nsym} + k], q_ = LA[${2 * nsym} + k], qa_ = LA[${3 * nsym} + k], cn_ = LA[${4 * nsym} + k], cna_ = LA[${5 * nsym} + k]; ` +
    `const quad_ = LQ[k] === 1; const pred = quad_ ? f * f * c_ + lr * lr * q_ : f * c_; const scale = quad_ ? cna_ + f * f * ca_ + lr * lr * qa_ : cna_ + f * ca_ + lr * qa_; ` +
    `if (scale > 0) { const r = Math.abs(cn_ - pred) / scale; if (r > lawMax) lawMax = r; } } ${keep}`;
  const gamma = spec.weightDecay;
  const lines: string[] = [];
  const emit = (x: string) => lines.push(x);
  emit('"use strict";');
  if (nsym > 0) emit(formPassFn);
  emit('return function kernel(states, t0, nsteps) {');
  // The workspace and tables as locals, not closure slots: V8 then keeps them in registers (−10%).
  emit('const w = W_, K = K_, ZG = ZG_, zb = ZB_, src = SRC_;');
  emit('for (let ch = 0; ch < states.length; ch++) {');
  emit('const st = states[ch];');
  emit(`const th = st.theta, prev = st.prev, m = st.m, v = st.v, gs = st.gsum, z = ${batchedPlan ? 'zb' : 'st.z'}, rs = st.rng, perm = st.perm, ctl = st.ctl;`);
  emit('let s0 = rs[0] | 0, s1 = rs[1] | 0, s2 = rs[2] | 0, s3 = rs[3] | 0, rv = 0;');
  emit(`let lossSum = ctl[${CTL.lossSum}], lawMax = ctl[${CTL.lawResidual}];`);
  emit('let s = 0, have0 = false;');
  emit('steps: for (; s < nsteps; s++) {');
  emit('const t = t0 + s;');
  emit(spec.warmup > 0 ? `const lr = ${lit(spec.lr)} * Math.min(1, (t + 1) / ${spec.warmup});` : `const lr = ${lit(spec.lr)};`);
  lines.push(...body);
  emit(`if (!(lstep - lstep === 0)) { ctl[${CTL.divergedAt}] = t; ctl[${CTL.divergedKind}] = 3; break steps; }`);
  emit('lossSum += lstep;');
  if (nsym > 0) {
    emit(stride === 1 ? 'const k0 = 0;' : `const k0 = t % ${stride};`);
    emit(stride === 1 ? `if (!have0) ${formPass('th', 0)}` : formPass('th', 0));
    emit(formPass('gs', 2));
  }
  // One pass: keep the old value, update, and check the new one (a NaN fails the comparison too).
  const check = `if (!(x <= ${DIVERGENCE_LIMIT} && x >= -${DIVERGENCE_LIMIT})) bad = 1;`;
  emit('let bad = 0;');
  switch (spec.optimizer) {
    case 'sgd':
    case 'gd':
      emit(gamma === 0 ? 'const f = 1;' : `const f = 1 - lr * ${lit(gamma)};`);
      if (fuseUpdate) emit(fusedUpdate());
      else
        emit(
          sgdUpdateLoop(gamma !== 0)(
            n,
            (j) => j,
            (j) => `gs[${j}]`,
          ),
        );
      break;
    case 'momentum':
      emit(
        `for (let i = 0; i < ${n}; i++) { const o = th[i]; prev[i] = o; const mi = ${lit(spec.beta)} * m[i] + gs[i] + ${lit(gamma)} * o; m[i] = mi; const x = o - lr * mi; th[i] = x; ${check} }`,
      );
      break;
    case 'adam':
      emit(`const at = ++ctl[${CTL.adamT}];`);
      emit(`const bc1 = 1 - Math.pow(${lit(spec.beta1)}, at), bc2 = 1 - Math.pow(${lit(spec.beta2)}, at);`);
      emit(
        `for (let i = 0; i < ${n}; i++) { const o = th[i]; prev[i] = o; const gi = gs[i] + ${lit(gamma)} * o; m[i] = ${lit(spec.beta1)} * m[i] + ${lit(1 - spec.beta1)} * gi; ` +
          `v[i] = ${lit(spec.beta2)} * v[i] + ${lit(1 - spec.beta2)} * gi * gi; const x = o - lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + ${lit(spec.eps)}); th[i] = x; ${check} }`,
      );
      break;
  }
  // Divergence: the chain stops at its last finite point; kind 1 a NaN/Inf, 2 a norm explosion.
  emit(
    `if (bad !== 0) { for (let i = 0; i < ${n}; i++) { const x = th[i]; if (x !== x || x === Infinity || x === -Infinity) bad = 2; th[i] = prev[i]; } ` +
      `ctl[${CTL.divergedAt}] = t; ctl[${CTL.divergedKind}] = bad === 2 ? 1 : 2; break steps; }`,
  );
  if (nsym > 0) emit(lawCheck);
  const escape = escapeCondition(inp.escape, (i) => `th[${i}]`, 'nrm_');
  if (escape) {
    if (inp.escape?.norm2Above !== undefined) emit(`let nrm_ = 0; for (let i = 0; i < ${n}; i++) nrm_ += th[i] * th[i];`);
    emit(`if (${escape}) { ctl[${CTL.passedAt}] = t + 1; s++; break steps; }`);
  }
  emit('}');
  emit('rs[0] = s0; rs[1] = s1; rs[2] = s2; rs[3] = s3;');
  emit(`ctl[${CTL.lossSum}] = lossSum; ctl[${CTL.lawResidual}] = lawMax; ctl[${CTL.callDone}] = s;`);
  emit('}');
  emit('};');
  const source = lines.join('\n');
  const src = inp.rows ?? inp.gdSample ?? new Float64Array(0);
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- generated from graph nodes, offsets and sizes only (see the header)
  const factory = new Function('W_', 'K_', 'SRC_', 'ZB_', 'ZG_', 'LI', 'LJ', 'LC', 'LO', 'LQ', 'LA', source) as (
    w: Float64Array,
    K: Float64Array,
    src: Float64Array,
    zb: Float64Array,
    zg: Float64Array,
    li: Int32Array,
    lj: Int32Array,
    lc: Float64Array,
    lo: Int32Array,
    lq: Uint8Array,
    la: Float64Array,
  ) => (states: ChainState[], t0: number, n: number) => void;
  const block = factory(
    new Float64Array(batchedPlan ? batchedPlan.workspace : p.workspace),
    Float64Array.from(pool.values),
    src,
    new Float64Array(batchedPlan ? dim * B : 0),
    ZIGGURAT,
    law.I,
    law.J,
    law.C,
    law.starts,
    law.quad,
    lawAcc,
  );
  const one: ChainState[] = [];
  return {
    run: (st, t0, steps) => {
      one[0] = st;
      block(one, t0, steps);
      return st.ctl[CTL.callDone];
    },
    runBlock: block,
    source,
    lawStride: stride,
    gdGradient,
    checksLaw,
  };
}
