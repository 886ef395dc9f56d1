// Generated SGD kernels. For one model and one `train` line we emit straight-line JavaScript that
// runs many optimizer steps of one chain over Float64Arrays: data drawn inline from the file's
// distributions (or its data set), the per-example loss and gradient as one block of `const`s
// (common subexpressions shared by the graph), the update, the exact per-step law (D) check for
// every symmetry, and divergence detection. No allocation happens inside the loop.
//
// The source is built only from graph nodes and numbers we format (codegen.ts), never from the
// file's text, so nothing a user writes is executed.
import { Model, TrainSpec } from '../lang/model';
import { gradient } from '../expr/diff';
import { emitBlock, numberLiteral as lit } from '../expr/codegen';
import { expectedNodes } from '../analysis/expectation';
import { ComponentDist } from '../lang/distributions';

export interface KernelSymmetry {
  matrix?: number[][];
  direction?: number[];
}

/** Indices into the control array shared by the kernel and its caller. */
export const CTL = {
  lossSum: 0,
  divergedAt: 1,
  lawResidual: 2,
  permCursor: 3,
  adamT: 4,
  /** 1 when the divergence was a NaN/Inf, 2 when a norm explosion. */
  divergedKind: 5,
  /** Step at which the escape condition first held (−1: not yet). */
  passedAt: 6,
  size: 7,
} as const;

/** Beyond this magnitude a parameter counts as diverged (a norm explosion). */
export const DIVERGENCE_LIMIT = 1e30;
/** Full-batch GD without a closed-form expectation averages over this many fixed examples. */
export const GD_SAMPLE = 2048;

export type GdGradient = 'exact' | 'finite-set' | 'sampled';

export interface Kernel {
  /** Runs `steps` steps from step index t0; returns the number of steps done (fewer if diverged). */
  run(state: ChainState, t0: number, steps: number): number;
  source: string;
  gdGradient?: GdGradient;
  /** Whether law (D) is checked on every step (false for momentum/adam, where it does not hold). */
  checksLaw: boolean;
}

export interface ChainState {
  theta: Float64Array;
  prev: Float64Array;
  m: Float64Array;
  v: Float64Array;
  gsum: Float64Array;
  z: Float64Array;
  rng: Int32Array;
  spare: Float64Array;
  perm: Int32Array;
  ctl: Float64Array;
}

export interface KernelInputs {
  model: Model;
  spec: TrainSpec;
  symmetries: KernelSymmetry[];
  /** Finite data set rows (N × dataDim), if any. */
  rows?: Float64Array;
  /** Fixed sample for GD without a closed form (GD_SAMPLE × dataDim). */
  gdSample?: Float64Array;
  /** Escape experiments: stop the chain at the first step where θ[index] crosses a threshold. */
  escape?: EscapeCondition;
}

export interface EscapeCondition {
  index: number;
  above?: number;
  below?: number;
}

// The generator's state lives in locals (s0..s3, and the polar method's spare) for the whole
// kernel call, so that V8 keeps it in registers; it is loaded from and stored to the chain state.
/** Statement assigning a uniform [0, 1) double (32 random bits) to `target`. */
function uniformInto(target: string): string {
  return `{ const x_ = Math.imul(s1, 5); ${target} = (Math.imul((x_ << 7) | (x_ >>> 25), 9) >>> 0) * 2.3283064365386963e-10; const t_ = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t_; s3 = (s3 << 11) | (s3 >>> 21); }`;
}

/** Statements assigning a standard normal to `target` (Marsaglia's polar method, spare kept). */
function normalInto(target: string): string {
  return `if (hs) { hs = 0; ${target} = spv; } else { let u_ = 0, v_ = 0, q_ = 0; do { ${uniformInto('u_')} ${uniformInto('v_')} u_ = 2 * u_ - 1; v_ = 2 * v_ - 1; q_ = u_ * u_ + v_ * v_; } while (q_ >= 1 || q_ === 0); const f_ = Math.sqrt(-2 * Math.log(q_) / q_); spv = v_ * f_; hs = 1; ${target} = u_ * f_; }`;
}

/** Statements drawing one component into `target`. */
function sampleInto(target: string, d: ComponentDist): string {
  switch (d.kind) {
    case 'normal':
      return d.std === 0 ? `${target} = ${lit(d.mean)};` : `${normalInto('rv')} ${target} = ${lit(d.mean)} + ${lit(d.std)} * rv;`;
    case 'uniform':
      return `${uniformInto('rv')} ${target} = ${lit(d.lo)} + ${lit(d.hi - d.lo)} * rv;`;
    case 'bernoulli':
      return `${uniformInto('rv')} ${target} = rv < ${lit(d.p)} ? 1 : 0;`;
    case 'rademacher':
      return `${uniformInto('rv')} ${target} = rv < 0.5 ? -1 : 1;`;
    case 'const':
      return `${target} = ${lit(d.value)};`;
  }
}

/** θᵀAθ-style forms as code: value and the sum of absolute terms (for rounding-level scales). */
function quadForm(A: number[][], x: (i: number) => string): { value: string; abs: string } {
  const terms: string[] = [];
  const absTerms: string[] = [];
  for (let i = 0; i < A.length; i++) {
    for (let j = i; j < A.length; j++) {
      const a = i === j ? A[i][i] : 2 * A[i][j];
      if (a === 0) continue;
      terms.push(`${lit(a)} * ${x(i)} * ${x(j)}`);
      absTerms.push(`${lit(Math.abs(a))} * Math.abs(${x(i)} * ${x(j)})`);
    }
  }
  return { value: terms.join(' + ') || '0', abs: absTerms.join(' + ') || '0' };
}

function linForm(v: number[], x: (i: number) => string): { value: string; abs: string } {
  const terms: string[] = [];
  const absTerms: string[] = [];
  v.forEach((c, i) => {
    if (c === 0) return;
    terms.push(`${lit(c)} * ${x(i)}`);
    absTerms.push(`${lit(Math.abs(c))} * Math.abs(${x(i)})`);
  });
  return { value: terms.join(' + ') || '0', abs: absTerms.join(' + ') || '0' };
}

export function generateKernel(inp: KernelInputs): Kernel {
  const { model, spec, symmetries } = inp;
  const g = model.graph;
  const n = model.components.length;
  const dim = model.dataComponents.length;
  const grads = gradient(g, model.loss, model.paramNodes);
  const th = (i: number) => `th[${i}]`;
  const lines: string[] = [];
  const emit = (s: string) => lines.push(s);

  // ---- the gradient estimate for one step ---------------------------------------------------
  let gdGradient: GdGradient | undefined;
  const body: string[] = [];
  const block = (data: (k: number) => string, prefix: string) =>
    emitBlock(g, [model.loss, ...grads], { param: th, data, prefix });
  if (spec.optimizer === 'gd') {
    const exact = inp.rows ? undefined : expectedNodes(model, [model.loss, ...grads]);
    if (exact) {
      gdGradient = 'exact';
      const b = emitBlock(g, exact, { param: th, prefix: 'e' });
      body.push('{', b.code, `lossSum += ${b.values[0]};`, ...b.values.slice(1).map((v, i) => `gs[${i}] = ${v};`), '}');
    } else {
      gdGradient = inp.rows ? 'finite-set' : 'sampled';
      const N = inp.rows ? inp.rows.length / Math.max(1, dim) : GD_SAMPLE;
      const b = block((k) => `src[r + ${k}]`, 't');
      body.push(`for (let i = 0; i < ${n}; i++) gs[i] = 0;`);
      body.push(`let lsum = 0;`);
      body.push(`for (let e = 0; e < ${N}; e++) {`, `const r = e * ${dim};`, b.code, `lsum += ${b.values[0]};`);
      body.push(...b.values.slice(1).map((v, i) => `gs[${i}] += ${v};`), '}');
      body.push(`lossSum += lsum / ${N};`, `for (let i = 0; i < ${n}; i++) gs[i] /= ${N};`);
    }
  } else {
    const b = block((k) => `z[${k}]`, 't');
    body.push(`for (let i = 0; i < ${n}; i++) gs[i] = 0;`);
    body.push(`let lsum = 0;`);
    body.push(`for (let b = 0; b < ${spec.batch}; b++) {`);
    if (inp.rows) {
      const N = inp.rows.length / Math.max(1, dim);
      if (spec.sampling === 'without_replacement') {
        body.push(`if (ctl[${CTL.permCursor}] >= ${N}) {`);
        body.push(`  for (let i = ${N} - 1; i > 0; i--) { ${uniformInto('rv')} const j = (rv * (i + 1)) | 0; const tmp = perm[i]; perm[i] = perm[j]; perm[j] = tmp; }`);
        body.push(`  ctl[${CTL.permCursor}] = 0;`, '}');
        body.push(`const r = perm[ctl[${CTL.permCursor}]++] * ${dim};`);
      } else body.push(`${uniformInto('rv')}`, `const r = ((rv * ${N}) | 0) * ${dim};`);
      for (let k = 0; k < dim; k++) body.push(`z[${k}] = src[r + ${k}];`);
    } else {
      for (const d of model.data) (d.dists ?? []).forEach((dist, k) => body.push(sampleInto(`z[${d.offset + k}]`, dist)));
    }
    body.push(b.code, `lsum += ${b.values[0]};`, ...b.values.slice(1).map((v, i) => `gs[${i}] += ${v};`), '}');
    body.push(`lossSum += lsum / ${spec.batch};`, `for (let i = 0; i < ${n}; i++) gs[i] /= ${spec.batch};`);
  }

  // ---- the kernel ---------------------------------------------------------------------------
  const checksLaw = spec.optimizer === 'sgd' || spec.optimizer === 'gd';
  const lawSyms = checksLaw ? symmetries : [];
  emit('return function kernel(st, t0, nsteps) {');
  emit('const th = st.theta, prev = st.prev, m = st.m, v = st.v, gs = st.gsum, z = st.z, rs = st.rng, sp = st.spare, perm = st.perm, ctl = st.ctl;');
  emit('const src = SRC;');
  emit('let s0 = rs[0] | 0, s1 = rs[1] | 0, s2 = rs[2] | 0, s3 = rs[3] | 0, hs = sp[0] | 0, spv = sp[1], rv = 0;');
  const saveRng = 'rs[0] = s0; rs[1] = s1; rs[2] = s2; rs[3] = s3; sp[0] = hs; sp[1] = spv;';
  emit(`let lossSum = ctl[${CTL.lossSum}], lawMax = ctl[${CTL.lawResidual}];`);
  emit('for (let s = 0; s < nsteps; s++) {');
  emit('const t = t0 + s;');
  emit(spec.warmup > 0 ? `const lr = ${lit(spec.lr)} * Math.min(1, (t + 1) / ${spec.warmup});` : `const lr = ${lit(spec.lr)};`);
  lines.push(...body);
  const gamma = spec.weightDecay;
  // Law (D): charges before the update.
  lawSyms.forEach((sym, k) => {
    const f = sym.matrix ? quadForm(sym.matrix, th) : linForm(sym.direction as number[], th);
    emit(`const c${k} = ${f.value}, ca${k} = ${f.abs};`);
    if (sym.matrix) {
      const q = quadForm(sym.matrix, (i) => `gs[${i}]`);
      emit(`const q${k} = ${q.value}, qa${k} = ${q.abs};`);
    } else {
      const q = linForm(sym.direction as number[], (i) => `gs[${i}]`);
      emit(`const q${k} = ${q.value}, qa${k} = ${q.abs};`);
    }
  });
  emit(`for (let i = 0; i < ${n}; i++) prev[i] = th[i];`);
  switch (spec.optimizer) {
    case 'sgd':
    case 'gd':
      emit(`const f = 1 - lr * ${lit(gamma)};`);
      emit(`for (let i = 0; i < ${n}; i++) th[i] = f * th[i] - lr * gs[i];`);
      break;
    case 'momentum':
      emit(`for (let i = 0; i < ${n}; i++) { m[i] = ${lit(spec.beta)} * m[i] + gs[i] + ${lit(gamma)} * th[i]; th[i] -= lr * m[i]; }`);
      break;
    case 'adam':
      emit(`const at = ++ctl[${CTL.adamT}];`);
      emit(`const bc1 = 1 - Math.pow(${lit(spec.beta1)}, at), bc2 = 1 - Math.pow(${lit(spec.beta2)}, at);`);
      emit(`for (let i = 0; i < ${n}; i++) {`);
      emit(`  const gi = gs[i] + ${lit(gamma)} * th[i];`);
      emit(`  m[i] = ${lit(spec.beta1)} * m[i] + ${lit(1 - spec.beta1)} * gi;`);
      emit(`  v[i] = ${lit(spec.beta2)} * v[i] + ${lit(1 - spec.beta2)} * gi * gi;`);
      emit(`  th[i] -= lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + ${lit(spec.eps)});`);
      emit('}');
      break;
  }
  // Divergence: a NaN/Inf or a parameter beyond the limit stops the chain at its last finite point.
  emit('let bad = 0;');
  emit(`for (let i = 0; i < ${n}; i++) { const x = th[i]; if (x !== x || x === Infinity || x === -Infinity) { bad = 1; break; } if (x > ${DIVERGENCE_LIMIT} || x < -${DIVERGENCE_LIMIT}) bad = 2; }`);
  emit(`if (bad !== 0) { ${saveRng} for (let i = 0; i < ${n}; i++) th[i] = prev[i]; ctl[${CTL.divergedAt}] = t; ctl[${CTL.divergedKind}] = bad; ctl[${CTL.lossSum}] = lossSum; ctl[${CTL.lawResidual}] = lawMax; return s; }`);
  // Law (D) after the update.
  lawSyms.forEach((sym, k) => {
    const f = sym.matrix ? quadForm(sym.matrix, th) : linForm(sym.direction as number[], th);
    if (sym.matrix) {
      emit(`{ const cn = ${f.value}, cna = ${f.abs};`);
      emit(`  const pred = f * f * c${k} + lr * lr * q${k};`);
      emit(`  const scale = cna + f * f * ca${k} + lr * lr * qa${k};`);
    } else {
      emit(`{ const cn = ${f.value}, cna = ${f.abs};`);
      emit(`  const pred = f * c${k};`);
      emit(`  const scale = cna + f * ca${k} + lr * qa${k};`);
    }
    emit(`  if (scale > 0) { const r = Math.abs(cn - pred) / scale; if (r > lawMax) lawMax = r; } }`);
  });
  if (inp.escape) {
    const e = inp.escape;
    const conds: string[] = [];
    if (e.above !== undefined) conds.push(`th[${e.index}] > ${lit(e.above)}`);
    if (e.below !== undefined) conds.push(`th[${e.index}] < ${lit(e.below)}`);
    if (conds.length) {
      emit(`if (${conds.join(' || ')}) { ${saveRng} ctl[${CTL.passedAt}] = t + 1; ctl[${CTL.lossSum}] = lossSum; ctl[${CTL.lawResidual}] = lawMax; return s + 1; }`);
    }
  }
  emit('}');
  emit(`ctl[${CTL.lossSum}] = lossSum; ctl[${CTL.lawResidual}] = lawMax;`);
  emit(saveRng);
  emit('return nsteps;');
  emit('};');
  const source = `"use strict";\n${lines.join('\n')}`;
  const src = inp.rows ?? inp.gdSample ?? new Float64Array(0);
  // eslint-disable-next-line no-new-func -- generated from graph nodes only (see the header)
  const factory = new Function('SRC', source) as (src: Float64Array) => (st: ChainState, t0: number, n: number) => number;
  const run = factory(spec.optimizer === 'gd' && !inp.rows ? inp.gdSample ?? new Float64Array(0) : src);
  return { run, source, gdGradient, checksLaw };
}
