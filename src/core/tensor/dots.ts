// Register-blocked code for a family of dot products O[p, q] = Σ_t X[p, t]·Y[q, t] with every index
// linear in (p, q, t): a matrix-vector product, a vector-matrix product, a weight times a batch of
// activations, and a weight gradient reduced over a batch are all of this form. Blocks of 2 × 4
// outputs keep 8 accumulators in registers and load each X and Y entry once per block, where a plain
// loop reloads (or re-stores) one operand per multiply-add: V8 then runs these loops at about the
// speed of the same scalar loops in C. Sizes are compile-time numbers; remainders get smaller blocks.

export interface Operand {
  array: string;
  /** Offset of [0, 0] (a number, or code such as `640 + j * 32` inside an enclosing loop). */
  offset: number | string;
  /** Index step per unit of p (or q) and per unit of t. */
  outer: number;
  inner: number;
}

export interface Dots {
  P: number;
  Q: number;
  T: number;
  X: Operand;
  Y: Operand;
  /** Output O[p, q] at array[offset + p·outer + q·inner]. */
  O: Operand;
  /** `=` to store, `+=` to accumulate into the output. */
  op: '=' | '+=';
  /** Optional divisor applied to each sum (the batch size of a mean). */
  divisor?: number;
}

function block(d: Dots, p0: number, p1: number, pb: number, q0: number, q1: number, qb: number): string {
  if (p1 <= p0 || q1 <= q0) return '';
  const { X, Y, O } = d;
  const acc: string[] = [];
  const init: string[] = [];
  for (let a = 0; a < pb; a++) for (let b = 0; b < qb; b++) init.push(`s${a}${b} = 0`);
  const xs = Array.from({ length: pb }, (_, a) => `const x${a} = ${X.array}[xi${a === 0 ? '' : ` + ${a * X.outer}`}];`).join(' ');
  const ys = Array.from({ length: qb }, (_, b) => `const y${b} = ${Y.array}[yi${b === 0 ? '' : ` + ${b * Y.outer}`}];`).join(' ');
  for (let a = 0; a < pb; a++) for (let b = 0; b < qb; b++) acc.push(`s${a}${b} += x${a} * y${b};`);
  const stores: string[] = [];
  for (let a = 0; a < pb; a++) {
    for (let b = 0; b < qb; b++) {
      const at = `${O.array}[ob + ${a * O.outer + b * O.inner}]`;
      stores.push(`${at} ${d.op} ${d.divisor ? `s${a}${b} / ${d.divisor}` : `s${a}${b}`};`);
    }
  }
  return (
    `for (let p = ${p0}; p < ${p1}; p += ${pb}) for (let q = ${q0}; q < ${q1}; q += ${qb}) { ` +
    `let xi = (${X.offset}) + p * ${X.outer}, yi = (${Y.offset}) + q * ${Y.outer}; let ${init.join(', ')}; ` +
    `for (let t = 0; t < ${d.T}; t++) { ${xs} ${ys} ${acc.join(' ')} xi += ${X.inner}; yi += ${Y.inner}; } ` +
    `const ob = (${O.offset}) + p * ${O.outer} + q * ${O.inner}; ${stores.join(' ')} }`
  );
}

/** The statements computing every O[p, q] of `d`. */
export function emitDots(d: Dots): string {
  // A matrix-vector product (one q) blocks 4 rows instead: four independent sums per loaded y.
  const [pb, qb] = d.Q === 1 ? [4, 1] : [2, 4];
  const Pm = d.P - (d.P % pb);
  const Qm = d.Q - (d.Q % qb);
  return [block(d, 0, Pm, pb, 0, Qm, qb), block(d, 0, Pm, pb, Qm, d.Q, 1), block(d, Pm, d.P, 1, 0, Qm, qb), block(d, Pm, d.P, 1, Qm, d.Q, 1)]
    .filter((s) => s)
    .join('\n');
}
