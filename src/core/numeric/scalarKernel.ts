// The straight-line kernel for small models: from the scalar view, every parameter, gradient,
// optimizer state and data component is a local variable (V8 keeps them in registers), the
// per-example loss and gradient one block of \`const\`s with common subexpressions shared, the update,
// the exact per-step law (D) check for every symmetry, and divergence detection. No allocation
// happens inside the loop. Beyond UNROLL_MAX components the tensor kernel (loops) takes over.
import { ScalarModel } from '../lang/model';
import { gradient } from '../expr/diff';
import { emitBlock, numberLiteral as lit } from '../expr/codegen';
import { expectedNodes } from '../analysis/expectation';
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
  denseChargeForm,
  lawAfter,
  sampleInto,
  ZIGGURAT,
} from './kernelCommon';

/** Up to this many components, parameters, gradients and optimizer state live in local variables. */
export const UNROLL_MAX = 64;

export function generateScalarKernel(inp: KernelInputs & { model: ScalarModel }): Kernel {
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
    if (unrolled)
      return range(n)
        .map((i) => stmt({ P: P(i), G: G(i), M: M(i), V: V(i), O: `o${i}`, i: String(i) }))
        .join('\n');
    return `for (let i = 0; i < ${n}; i++) { ${stmt({ P: 'th[i]', G: 'gs[i]', M: 'm[i]', V: 'v[i]', O: 'prev[i]', i: 'i' })} }`;
  };
  const lines: string[] = [];
  const emit = (s: string) => lines.push(s);

  // ---- the gradient estimate for one step ---------------------------------------------------
  let gdGradient: GdGradient | undefined;
  const body: string[] = [];
  const block = (data: (k: number) => string, prefix: string) => emitBlock(g, [model.loss, ...grads], { param: P, data, prefix });
  const accumulate = (values: string[]) =>
    values
      .slice(1)
      .map((v, i) => `${G(i)} += ${v};`)
      .join('\n');
  if (spec.optimizer === 'gd') {
    const exact = inp.rows ? undefined : expectedNodes(model, [model.loss, ...grads]);
    if (exact) {
      gdGradient = 'exact';
      const b = emitBlock(g, exact, { param: P, prefix: 'e' });
      body.push('let lstep = 0;', '{', b.code, `lstep = ${b.values[0]};`, ...b.values.slice(1).map((v, i) => `${G(i)} = ${v};`), '}');
    } else {
      gdGradient = inp.rows ? 'finite-set' : 'sampled';
      const fixed = inp.rows ?? inp.gdSample;
      const N = fixed ? fixed.length / Math.max(1, dim) : GD_SAMPLE;
      const b = block((k) => `src[r + ${k}]`, 't');
      body.push(
        each((c) => `${c.G} = 0;`),
        'let lsum = 0;',
      );
      body.push(`for (let e = 0; e < ${N}; e++) {`, `const r = e * ${dim};`, b.code, `lsum += ${b.values[0]};`, accumulate(b.values), '}');
      body.push(
        `const lstep = lsum / ${N};`,
        each((c) => `${c.G} /= ${N};`),
      );
    }
  } else {
    const b = block(Z, 't');
    body.push(
      each((c) => `${c.G} = 0;`),
      'let lsum = 0;',
    );
    body.push(`for (let b = 0; b < ${spec.batch}; b++) {`);
    if (inp.rows) {
      body.push(...chooseRow(inp.rows.length / Math.max(1, dim), dim, spec.sampling === 'without_replacement'));
      for (let k = 0; k < dim; k++) body.push(`${Z(k)} = src[r + ${k}];`);
    } else {
      for (const d of model.data) (d.dists ?? []).forEach((dist, k) => body.push(sampleInto(Z(d.offset + k), dist)));
    }
    body.push(b.code, `lsum += ${b.values[0]};`, accumulate(b.values), '}');
    if (spec.batch === 1) body.push('const lstep = lsum;');
    else
      body.push(
        `const lstep = lsum / ${spec.batch};`,
        each((c) => `${c.G} /= ${spec.batch};`),
      );
  }

  // ---- the kernel ---------------------------------------------------------------------------
  const checksLaw = spec.optimizer === 'sgd' || spec.optimizer === 'gd';
  const lawSyms = checksLaw ? symmetries : [];
  emit('return function kernel(st, t0, nsteps) {');
  emit('const th = st.theta, prev = st.prev, m = st.m, v = st.v, gs = st.gsum, z = st.z, rs = st.rng, perm = st.perm, ctl = st.ctl;');
  emit('const src = SRC;');
  emit('let s0 = rs[0] | 0, s1 = rs[1] | 0, s2 = rs[2] | 0, s3 = rs[3] | 0, rv = 0;');
  const usesMomentum = spec.optimizer === 'momentum' || spec.optimizer === 'adam';
  const usesAdam = spec.optimizer === 'adam';
  if (unrolled) {
    emit(
      `let ${range(n)
        .map((i) => `p${i} = th[${i}], g${i} = 0`)
        .join(', ')};`,
    );
    if (usesMomentum)
      emit(
        `let ${range(n)
          .map((i) => `m${i} = m[${i}]`)
          .join(', ')};`,
      );
    if (usesAdam)
      emit(
        `let ${range(n)
          .map((i) => `v${i} = v[${i}]`)
          .join(', ')};`,
      );
    if (dim > 0)
      emit(
        `let ${range(dim)
          .map((k) => `z${k} = 0`)
          .join(', ')};`,
      );
  }
  const save = [
    'rs[0] = s0; rs[1] = s1; rs[2] = s2; rs[3] = s3;',
    `ctl[${CTL.lossSum}] = lossSum; ctl[${CTL.lawResidual}] = lawMax;`,
    ...(unrolled
      ? [
          range(n)
            .map((i) => `th[${i}] = p${i};`)
            .join(' '),
        ]
      : []),
    ...(unrolled && usesMomentum
      ? [
          range(n)
            .map((i) => `m[${i}] = m${i};`)
            .join(' '),
        ]
      : []),
    ...(unrolled && usesAdam
      ? [
          range(n)
            .map((i) => `v[${i}] = v${i};`)
            .join(' '),
        ]
      : []),
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
    const f = denseChargeForm(sym, P);
    emit(`const c${k} = ${f.value}, ca${k} = ${f.abs};`);
    const q = denseChargeForm(sym, G);
    emit(`const q${k} = ${q.value}, qa${k} = ${q.abs};`);
  });
  emit(
    unrolled
      ? range(n)
          .map((i) => `const o${i} = p${i};`)
          .join(' ')
      : `for (let i = 0; i < ${n}; i++) prev[i] = th[i];`,
  );
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
  const finite = unrolled
    ? range(n)
        .map((i) => `p${i} - p${i} === 0`)
        .join(' && ')
    : 'true';
  const small = unrolled
    ? range(n)
        .map((i) => `p${i} <= ${DIVERGENCE_LIMIT} && p${i} >= -${DIVERGENCE_LIMIT}`)
        .join(' && ')
    : 'true';
  if (unrolled) {
    emit(`if (!(${small})) {`);
    emit(`  const bad = (${finite}) ? 2 : 1;`);
    emit(
      `  ${range(n)
        .map((i) => `p${i} = o${i};`)
        .join(' ')} ctl[${CTL.divergedAt}] = t; ctl[${CTL.divergedKind}] = bad; ${save} return s;`,
    );
    emit('}');
  } else {
    emit('let bad = 0;');
    emit(
      `for (let i = 0; i < ${n}; i++) { const x = th[i]; if (x !== x || x === Infinity || x === -Infinity) { bad = 1; break; } if (x > ${DIVERGENCE_LIMIT} || x < -${DIVERGENCE_LIMIT}) bad = 2; }`,
    );
    emit(`if (bad !== 0) { for (let i = 0; i < ${n}; i++) th[i] = prev[i]; ctl[${CTL.divergedAt}] = t; ctl[${CTL.divergedKind}] = bad; ${save} return s; }`);
  }
  // Law (D) after the update.
  lawSyms.forEach((sym, k) => {
    const f = denseChargeForm(sym, P);
    emit(lawAfter(k, sym.matrix !== undefined, `const cn = ${f.value}, cna = ${f.abs};`));
  });
  const escape = escapeCondition(inp.escape, P, `(${Array.from({ length: n }, (_, i) => `${P(i)} * ${P(i)}`).join(' + ')})`);
  if (escape) emit(`if (${escape}) { ctl[${CTL.passedAt}] = t + 1; ${save} return s + 1; }`);
  emit('}');
  emit(save);
  emit('return nsteps;');
  emit('};');
  const source = `"use strict";\n${lines.join('\n')}`;
  const src = inp.rows ?? inp.gdSample ?? new Float64Array(0);
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- generated from graph nodes only (see the header)
  const factory = new Function('SRC', 'ZG', source) as (src: Float64Array, zg: Float64Array) => (st: ChainState, t0: number, n: number) => number;
  const run = factory(src, ZIGGURAT);
  return {
    run,
    runBlock: (states, t0, steps) => {
      for (const st of states) st.ctl[CTL.callDone] = run(st, t0, steps);
    },
    source,
    gdGradient,
    checksLaw,
    lawStride: 1,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
