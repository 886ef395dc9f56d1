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
  /** 1 when a parameter became NaN/Inf, 2 a norm explosion, 3 the loss became NaN/Inf. */
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
      if (d.std === 0) return `${target} = ${lit(d.mean)};`;
      return `${normalInto('rv')} ${target} = ${d.mean === 0 ? '' : `${lit(d.mean)} + `}${d.std === 1 ? 'rv' : `${lit(d.std)} * rv`};`;
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
      absTerms.push(i === j ? `${lit(Math.abs(a))} * ${x(i)} * ${x(i)}` : `${lit(Math.abs(a))} * Math.abs(${x(i)} * ${x(j)})`);
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

/** Up to this many components, parameters, gradients and optimizer state live in local variables. */
const UNROLL_MAX = 64;

export function generateKernel(inp: KernelInputs): Kernel {
  const { model, spec, symmetries } = inp;
  const g = model.graph;
  const n = model.components.length;
  const dim = model.dataComponents.length;
  const grads = gradient(g, model.loss, model.paramNodes);
  // Small models: every per-component quantity is a local (p3, g3, m3, v3, z2), so V8 keeps them
  // in registers; large ones use the chain's arrays with loops.
  const unrolled = n <= UNROLL_MAX && dim <= UNROLL_MAX;
  const P = (i: number) => (unrolled ? `p${i}` : `th[${i}]`);
  const G = (i: number) => (unrolled ? `g${i}` : `gs[${i}]`);
  const M = (i: number) => (unrolled ? `m${i}` : `m[${i}]`);
  const V = (i: number) => (unrolled ? `v${i}` : `v[${i}]`);
  const Z = (k: number) => (unrolled ? `z${k}` : `z[${k}]`);
  /** One statement per component (unrolled) or a loop over `i`. */
  const each = (stmt: (c: { P: string; G: string; M: string; V: string; O: string; i: string }) => string): string => {
    if (unrolled) return range(n).map((i) => stmt({ P: P(i), G: G(i), M: M(i), V: V(i), O: `o${i}`, i: String(i) })).join('\n');
    return `for (let i = 0; i < ${n}; i++) { ${stmt({ P: 'th[i]', G: 'gs[i]', M: 'm[i]', V: 'v[i]', O: 'prev[i]', i: 'i' })} }`;
  };
  const lines: string[] = [];
  const emit = (s: string) => lines.push(s);

  // ---- the gradient estimate for one step ---------------------------------------------------
  let gdGradient: GdGradient | undefined;
  const body: string[] = [];
  const block = (data: (k: number) => string, prefix: string) => emitBlock(g, [model.loss, ...grads], { param: P, data, prefix });
  const accumulate = (values: string[]) => values.slice(1).map((v, i) => `${G(i)} += ${v};`).join('\n');
  if (spec.optimizer === 'gd') {
    const exact = inp.rows ? undefined : expectedNodes(model, [model.loss, ...grads]);
    if (exact) {
      gdGradient = 'exact';
      const b = emitBlock(g, exact, { param: P, prefix: 'e' });
      body.push('let lstep = 0;', '{', b.code, `lstep = ${b.values[0]};`, ...b.values.slice(1).map((v, i) => `${G(i)} = ${v};`), '}');
    } else {
      gdGradient = inp.rows ? 'finite-set' : 'sampled';
      const N = inp.rows ? inp.rows.length / Math.max(1, dim) : GD_SAMPLE;
      const b = block((k) => `src[r + ${k}]`, 't');
      body.push(each((c) => `${c.G} = 0;`), 'let lsum = 0;');
      body.push(`for (let e = 0; e < ${N}; e++) {`, `const r = e * ${dim};`, b.code, `lsum += ${b.values[0]};`, accumulate(b.values), '}');
      body.push(`const lstep = lsum / ${N};`, each((c) => `${c.G} /= ${N};`));
    }
  } else {
    const b = block(Z, 't');
    body.push(each((c) => `${c.G} = 0;`), 'let lsum = 0;');
    body.push(`for (let b = 0; b < ${spec.batch}; b++) {`);
    if (inp.rows) {
      const N = inp.rows.length / Math.max(1, dim);
      if (spec.sampling === 'without_replacement') {
        body.push(`if (ctl[${CTL.permCursor}] >= ${N}) {`);
        body.push(`  for (let i = ${N} - 1; i > 0; i--) { ${uniformInto('rv')} const j = (rv * (i + 1)) | 0; const tmp = perm[i]; perm[i] = perm[j]; perm[j] = tmp; }`);
        body.push(`  ctl[${CTL.permCursor}] = 0;`, '}');
        body.push(`const r = perm[ctl[${CTL.permCursor}]++] * ${dim};`);
      } else body.push(`${uniformInto('rv')}`, `const r = ((rv * ${N}) | 0) * ${dim};`);
      for (let k = 0; k < dim; k++) body.push(`${Z(k)} = src[r + ${k}];`);
    } else {
      for (const d of model.data) (d.dists ?? []).forEach((dist, k) => body.push(sampleInto(Z(d.offset + k), dist)));
    }
    body.push(b.code, `lsum += ${b.values[0]};`, accumulate(b.values), '}');
    if (spec.batch === 1) body.push('const lstep = lsum;');
    else body.push(`const lstep = lsum / ${spec.batch};`, each((c) => `${c.G} /= ${spec.batch};`));
  }

  // ---- the kernel ---------------------------------------------------------------------------
  const checksLaw = spec.optimizer === 'sgd' || spec.optimizer === 'gd';
  const lawSyms = checksLaw ? symmetries : [];
  emit('return function kernel(st, t0, nsteps) {');
  emit('const th = st.theta, prev = st.prev, m = st.m, v = st.v, gs = st.gsum, z = st.z, rs = st.rng, sp = st.spare, perm = st.perm, ctl = st.ctl;');
  emit('const src = SRC;');
  emit('let s0 = rs[0] | 0, s1 = rs[1] | 0, s2 = rs[2] | 0, s3 = rs[3] | 0, hs = sp[0] | 0, spv = sp[1], rv = 0;');
  const usesMomentum = spec.optimizer === 'momentum' || spec.optimizer === 'adam';
  const usesAdam = spec.optimizer === 'adam';
  if (unrolled) {
    emit(`let ${range(n).map((i) => `p${i} = th[${i}], g${i} = 0`).join(', ')};`);
    if (usesMomentum) emit(`let ${range(n).map((i) => `m${i} = m[${i}]`).join(', ')};`);
    if (usesAdam) emit(`let ${range(n).map((i) => `v${i} = v[${i}]`).join(', ')};`);
    if (dim > 0) emit(`let ${range(dim).map((k) => `z${k} = 0`).join(', ')};`);
  }
  const save = [
    'rs[0] = s0; rs[1] = s1; rs[2] = s2; rs[3] = s3; sp[0] = hs; sp[1] = spv;',
    `ctl[${CTL.lossSum}] = lossSum; ctl[${CTL.lawResidual}] = lawMax;`,
    ...(unrolled ? [range(n).map((i) => `th[${i}] = p${i};`).join(' ')] : []),
    ...(unrolled && usesMomentum ? [range(n).map((i) => `m[${i}] = m${i};`).join(' ')] : []),
    ...(unrolled && usesAdam ? [range(n).map((i) => `v[${i}] = v${i};`).join(' ')] : []),
  ].join(' ');
  emit(`let lossSum = ctl[${CTL.lossSum}], lawMax = ctl[${CTL.lawResidual}];`);
  emit('for (let s = 0; s < nsteps; s++) {');
  emit('const t = t0 + s;');
  emit(spec.warmup > 0 ? `const lr = ${lit(spec.lr)} * Math.min(1, (t + 1) / ${spec.warmup});` : `const lr = ${lit(spec.lr)};`);
  lines.push(...body);
  // A NaN or infinite loss is a divergence too, even while the parameters are still finite.
  emit(`if (!(lstep - lstep === 0)) { ctl[${CTL.divergedAt}] = t; ctl[${CTL.divergedKind}] = 3; ${save} return s; }`);
  emit('lossSum += lstep;');
  const gamma = spec.weightDecay;
  // Law (D): charges before the update.
  lawSyms.forEach((sym, k) => {
    const f = sym.matrix ? quadForm(sym.matrix, P) : linForm(sym.direction as number[], P);
    emit(`const c${k} = ${f.value}, ca${k} = ${f.abs};`);
    const q = sym.matrix ? quadForm(sym.matrix, G) : linForm(sym.direction as number[], G);
    emit(`const q${k} = ${q.value}, qa${k} = ${q.abs};`);
  });
  emit(unrolled ? range(n).map((i) => `const o${i} = p${i};`).join(' ') : `for (let i = 0; i < ${n}; i++) prev[i] = th[i];`);
  switch (spec.optimizer) {
    case 'sgd':
    case 'gd':
      emit(gamma === 0 ? 'const f = 1;' : `const f = 1 - lr * ${lit(gamma)};`);
      emit(each((c) => (gamma === 0 ? `${c.P} -= lr * ${c.G};` : `${c.P} = f * ${c.P} - lr * ${c.G};`)));
      break;
    case 'momentum':
      emit(each((c) => `${c.M} = ${lit(spec.beta)} * ${c.M} + ${c.G} + ${lit(gamma)} * ${c.P}; ${c.P} -= lr * ${c.M};`));
      break;
    case 'adam':
      emit(`const at = ++ctl[${CTL.adamT}];`);
      emit(`const bc1 = 1 - Math.pow(${lit(spec.beta1)}, at), bc2 = 1 - Math.pow(${lit(spec.beta2)}, at);`);
      emit(
        each(
          (c) =>
            `{ const gi = ${c.G} + ${lit(gamma)} * ${c.P}; ${c.M} = ${lit(spec.beta1)} * ${c.M} + ${lit(1 - spec.beta1)} * gi; ` +
            `${c.V} = ${lit(spec.beta2)} * ${c.V} + ${lit(1 - spec.beta2)} * gi * gi; ${c.P} -= lr * (${c.M} / bc1) / (Math.sqrt(${c.V} / bc2) + ${lit(spec.eps)}); }`,
        ),
      );
      break;
  }
  // Divergence: a NaN/Inf or a parameter beyond the limit stops the chain at its last finite point.
  // (x − x is NaN exactly when x is NaN or infinite.)
  const finite = unrolled ? range(n).map((i) => `p${i} - p${i} === 0`).join(' && ') : 'true';
  const small = unrolled ? range(n).map((i) => `p${i} <= ${DIVERGENCE_LIMIT} && p${i} >= -${DIVERGENCE_LIMIT}`).join(' && ') : 'true';
  if (unrolled) {
    emit(`if (!(${small})) {`);
    emit(`  const bad = (${finite}) ? 2 : 1;`);
    emit(`  ${range(n).map((i) => `p${i} = o${i};`).join(' ')} ctl[${CTL.divergedAt}] = t; ctl[${CTL.divergedKind}] = bad; ${save} return s;`);
    emit('}');
  } else {
    emit('let bad = 0;');
    emit(`for (let i = 0; i < ${n}; i++) { const x = th[i]; if (x !== x || x === Infinity || x === -Infinity) { bad = 1; break; } if (x > ${DIVERGENCE_LIMIT} || x < -${DIVERGENCE_LIMIT}) bad = 2; }`);
    emit(`if (bad !== 0) { for (let i = 0; i < ${n}; i++) th[i] = prev[i]; ctl[${CTL.divergedAt}] = t; ctl[${CTL.divergedKind}] = bad; ${save} return s; }`);
  }
  // Law (D) after the update.
  lawSyms.forEach((sym, k) => {
    const f = sym.matrix ? quadForm(sym.matrix, P) : linForm(sym.direction as number[], P);
    emit(`{ const cn = ${f.value}, cna = ${f.abs};`);
    if (sym.matrix) {
      emit(`  const pred = f * f * c${k} + lr * lr * q${k};`);
      emit(`  const scale = cna + f * f * ca${k} + lr * lr * qa${k};`);
    } else {
      emit(`  const pred = f * c${k};`);
      emit(`  const scale = cna + f * ca${k} + lr * qa${k};`);
    }
    emit(`  if (scale > 0) { const r = Math.abs(cn - pred) / scale; if (r > lawMax) lawMax = r; } }`);
  });
  if (inp.escape) {
    const e = inp.escape;
    const conds: string[] = [];
    if (e.above !== undefined) conds.push(`${P(e.index)} > ${lit(e.above)}`);
    if (e.below !== undefined) conds.push(`${P(e.index)} < ${lit(e.below)}`);
    if (conds.length) emit(`if (${conds.join(' || ')}) { ctl[${CTL.passedAt}] = t + 1; ${save} return s + 1; }`);
  }
  emit('}');
  emit(save);
  emit('return nsteps;');
  emit('};');
  const source = `"use strict";\n${lines.join('\n')}`;
  const src = inp.rows ?? inp.gdSample ?? new Float64Array(0);
  // eslint-disable-next-line no-new-func -- generated from graph nodes only (see the header)
  const factory = new Function('SRC', source) as (src: Float64Array) => (st: ChainState, t0: number, n: number) => number;
  return { run: factory(src), source, gdGradient, checksLaw };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
