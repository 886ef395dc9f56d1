// Charges as sparse forms: θᵀAθ or vᵀθ as their nonzero terms, evaluated without an n×n matrix.
import { KernelSymmetry } from './kernel';

/** A charge θᵀAθ (or vᵀθ) as its nonzero terms: (i, j, coefficient); j = -1 for linear terms. */
export interface SparseForm {
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

