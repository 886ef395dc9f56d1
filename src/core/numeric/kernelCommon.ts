// What every generated SGD kernel shares: the chain state it runs on, the control slots it reports
// through, the inputs, and the code that draws random numbers inline (xoshiro128** with its state in
// locals, Marsaglia's polar method for normals). Kernels are generated only from graph nodes and
// numbers we format, never from a file's text, so nothing a user writes is executed.
import { Model, TrainSpec } from '../lang/model';
import { numberLiteral as lit } from '../expr/codegen';
import { ComponentDist } from '../lang/distributions';
import type { KernelSymmetry } from '../analysis/symmetryTypes';

// A charge a run tracks (its generator: dense, or sparse for large models) is defined with the
// analysis' forms, below this layer.
export type { KernelSymmetry } from '../analysis/symmetryTypes';

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
  /** Steps the chain did in the last call (fewer than asked when it diverged or escaped). */
  callDone: 7,
  size: 8,
} as const;

/** Beyond this magnitude a parameter counts as diverged (a norm explosion). */
export const DIVERGENCE_LIMIT = 1e30;
/** Full-batch GD without a closed-form expectation averages over this many fixed examples. */
export const GD_SAMPLE = 2048;

export type GdGradient = 'exact' | 'finite-set' | 'sampled';

export interface Kernel {
  /** Runs `steps` steps from step index t0; returns the number of steps done (fewer if diverged). */
  run(state: ChainState, t0: number, steps: number): number;
  /**
   * Runs a block of chains `steps` steps each from t0 (each stops early if it diverges or escapes;
   * ctl[CTL.callDone] says how far it got): one call serves every chain of a worker's share.
   */
  runBlock(states: ChainState[], t0: number, steps: number): void;
  source: string;
  gdGradient?: GdGradient;
  /** Whether law (D) is checked on every step (false for momentum/adam, where it does not hold). */
  checksLaw: boolean;
  /** Law (D) checks every charge on every `lawStride`-th step, a 1/lawStride share of them per step (1: all, every step). */
  lawStride: number;
}

export interface ChainState {
  theta: Float64Array;
  prev: Float64Array;
  m: Float64Array;
  v: Float64Array;
  gsum: Float64Array;
  z: Float64Array;
  rng: Int32Array;
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

/**
 * Where an escape experiment stops a chain: θ[index] above or below a threshold, or (for a
 * rotation-invariant basin, the n-dimensional exits of paper (d)) ‖θ‖² above `norm2Above`.
 */
export interface EscapeCondition {
  index: number;
  above?: number;
  below?: number;
  norm2Above?: number;
}

// The generator's state lives in locals (s0..s3) for the whole
// kernel call, so that V8 keeps it in registers; it is loaded from and stored to the chain state.
/** Statements assigning the low 7 bits of the next 32-bit draw to `target`. */
function layerInto(target: string): string {
  return `{ const x_ = Math.imul(s1, 5); ${target} = Math.imul((x_ << 7) | (x_ >>> 25), 9) & 127; const t_ = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t_; s3 = (s3 << 11) | (s3 >>> 21); }`;
}

/** Statement assigning a uniform [0, 1) double (32 random bits) to `target`. */
export function uniformInto(target: string): string {
  return `{ const x_ = Math.imul(s1, 5); ${target} = (Math.imul((x_ << 7) | (x_ >>> 25), 9) >>> 0) * 2.3283064365386963e-10; const t_ = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t_; s3 = (s3 << 11) | (s3 >>> 21); }`;
}

/**
 * Ziggurat tables (Doornik's ZIGNOR, 128 layers; Marsaglia & Tsang 2000): x[0..128] at 0..128 and
 * the ratios x[i+1]/x[i] at 129..256. Kernels receive them as `ZG`.
 */
export const ZIGGURAT: Float64Array = (() => {
  const C = 128;
  const R = 3.442619855899;
  const V = 9.91256303526217e-3;
  const x = new Float64Array(C + 1);
  let f = Math.exp(-0.5 * R * R);
  x[0] = V / f;
  x[1] = R;
  x[C] = 0;
  for (let i = 2; i < C; i++) {
    x[i] = Math.sqrt(-2 * Math.log(V / x[i - 1] + f));
    f = Math.exp(-0.5 * x[i] * x[i]);
  }
  const out = new Float64Array(2 * C + 1);
  out.set(x);
  for (let i = 0; i < C; i++) out[C + 1 + i] = x[i + 1] / x[i];
  return out;
})();
const ZIG_R = 3.442619855899;

/**
 * Statements assigning a standard normal to `target`: the ziggurat (about two 32-bit draws and a
 * comparison; exp or log only in the rare wedge and tail cases), several times faster than the
 * polar method's logarithm per pair. The layer and the value come from separate draws.
 */
export function normalInto(target: string): string {
  return (
    `for (;;) { let u_ = 0, i_ = 0; ${layerInto('i_')} ${uniformInto('u_')} u_ = 2 * u_ - 1; const xi_ = ZG[i_]; ` +
    `if (Math.abs(u_) < ZG[129 + i_]) { ${target} = u_ * xi_; break; } ` +
    `if (i_ === 0) { let a_ = 0, b_ = 0; do { ${uniformInto('a_')} ${uniformInto('b_')} a_ = Math.log(1 - a_) / ${ZIG_R}; b_ = Math.log(1 - b_); } while (-2 * b_ < a_ * a_); ${target} = u_ < 0 ? a_ - ${ZIG_R} : ${ZIG_R} - a_; break; } ` +
    `const x_ = u_ * xi_, xn_ = ZG[i_ + 1]; const f0_ = Math.exp(-0.5 * (xi_ * xi_ - x_ * x_)), f1_ = Math.exp(-0.5 * (xn_ * xn_ - x_ * x_)); let w_ = 0; ${uniformInto('w_')} ` +
    `if (f1_ + w_ * (f0_ - f1_) < 1) { ${target} = x_; break; } }`
  );
}

/** Statements drawing one component into `target`. */
export function sampleInto(target: string, d: ComponentDist): string {
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
export function quadForm(A: number[][], x: (i: number) => string): { value: string; abs: string } {
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

/** A dense generator's charge as code, θᵀAθ or vᵀθ over x(i) (the scalar kernel has no sparse forms). */
export function denseChargeForm(sym: KernelSymmetry, x: (i: number) => string): { value: string; abs: string } {
  if (sym.matrix) return quadForm(sym.matrix, x);
  if (sym.direction) return linForm(sym.direction, x);
  throw new Error('the scalar kernel tracks dense generators only');
}

export function linForm(v: number[], x: (i: number) => string): { value: string; abs: string } {
  const terms: string[] = [];
  const absTerms: string[] = [];
  v.forEach((c, i) => {
    if (c === 0) return;
    terms.push(`${lit(c)} * ${x(i)}`);
    absTerms.push(`${lit(Math.abs(c))} * Math.abs(${x(i)})`);
  });
  return { value: terms.join(' + ') || '0', abs: absTerms.join(' + ') || '0' };
}

/**
 * Law (D) after the update, for charge k: the new charge (`cn`, with its terms' absolute sum `cna`,
 * computed by `compute`) against (1 − ηγ)²C + η²ĝᵀAĝ (or (1 − ηγ)C for a translation), relative to
 * the size of the terms; the largest residual goes to `lawMax`.
 */
export function lawAfter(k: number, quadratic: boolean, compute: string): string {
  const pred = quadratic ? `f * f * c${k} + lr * lr * q${k}` : `f * c${k}`;
  const scale = quadratic ? `cna + f * f * ca${k} + lr * lr * qa${k}` : `cna + f * ca${k} + lr * qa${k}`;
  return `{ ${compute} const pred = ${pred}; const scale = ${scale}; if (scale > 0) { const r = Math.abs(cn - pred) / scale; if (r > lawMax) lawMax = r; } }`;
}

/**
 * The escape condition as code (`x(i)` is component i's expression, `norm2` that of ‖θ‖²), or
 * undefined when there is none.
 */
export function escapeCondition(e: EscapeCondition | undefined, x: (i: number) => string, norm2: string): string | undefined {
  if (!e) return undefined;
  const conds: string[] = [];
  if (e.above !== undefined) conds.push(`${x(e.index)} > ${lit(e.above)}`);
  if (e.below !== undefined) conds.push(`${x(e.index)} < ${lit(e.below)}`);
  if (e.norm2Above !== undefined) conds.push(`${norm2} > ${lit(e.norm2Above)}`);
  return conds.length ? conds.join(' || ') : undefined;
}

/**
 * Statements choosing the next example's row offset `r` in a finite data set of N rows: uniformly
 * (with replacement), or the next entry of a permutation reshuffled every epoch (without).
 */
export function chooseRow(N: number, dim: number, withoutReplacement: boolean): string[] {
  if (!withoutReplacement) return [`${uniformInto('rv')}`, `const r = ((rv * ${N}) | 0) * ${dim};`];
  return [
    `if (ctl[${CTL.permCursor}] >= ${N}) {`,
    `  for (let i = ${N} - 1; i > 0; i--) { ${uniformInto('rv')} const j = (rv * (i + 1)) | 0; const tmp = perm[i]; perm[i] = perm[j]; perm[j] = tmp; }`,
    `  ctl[${CTL.permCursor}] = 0;`,
    '}',
    `const r = perm[ctl[${CTL.permCursor}]++] * ${dim};`,
  ];
}
