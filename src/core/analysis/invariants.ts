// Which charges a prediction can be held to. The joint equilibrium is unique only up to the
// rotations of the group (THEORY.md §4): for GL(k) on a hidden index, U → OU, W → WOᵀ carry no
// charge but turn Q = UUᵀ − WᵀW into OQOᵀ, and SGD's noise slowly diffuses along them. A charge
// whose value changes along those rotations at the predicted point is orientation-dependent: only
// its rotation-invariant combinations are predicted. The rotations are the commutators
// R = [A_k, A_l] of the symmetric generators (antisymmetric, and symmetries by closure); the
// invariants are
//   - linear: combinations Σ a_k C_k with Σ a_k [R, A_k] = 0 for every R (tr Q for GL(k));
//   - quadratic: cᵀ G⁻¹ c with G_kl = tr(A_k A_l), invariant because conjugation by a rotation is an
//     isometry of the generators' Frobenius inner product (‖Q‖²-like for GL(k)).
import { nullSpace, pseudoInverse, rref, snapVector } from './linalg';

export interface ChargeInvariants {
  /** Rotation generators [A_k, A_l] (antisymmetric, nonzero), over the components. */
  rotations: number[][][];
  /** Coefficient vectors over the exponential charges (in their order) of the linear invariants. */
  linear: number[][];
  /** G⁻¹ (pseudo-inverse) over the exponential charges: the quadratic invariant cᵀ G⁻¹ c. */
  metric: number[][];
}

function commutator(A: number[][], B: number[][]): number[][] {
  const n = A.length;
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const a = A[i][k];
      const b = B[i][k];
      if (a === 0 && b === 0) continue;
      for (let j = 0; j < n; j++) out[i][j] += a * B[k][j] - b * A[k][j];
    }
  }
  return out;
}

export function chargeInvariants(generators: number[][][]): ChargeInvariants {
  const m = generators.length;
  const rotations: number[][][] = [];
  for (let k = 0; k < m; k++) {
    for (let l = k + 1; l < m; l++) {
      const R = commutator(generators[k], generators[l]);
      if (R.some((r) => r.some((x) => Math.abs(x) > 1e-12))) rotations.push(R);
    }
  }
  const G = generators.map((A) =>
    generators.map((B) => {
      let s = 0;
      for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) s += A[i][j] * B[j][i];
      return s;
    }),
  );
  const metric = pseudoInverse(G);
  if (rotations.length === 0) return { rotations, linear: [], metric };
  // Σ_k a_k [R, A_k] = 0 for every rotation R: one row per (R, entry).
  const rows: number[][] = [];
  const brackets = rotations.map((R) => generators.map((A) => commutator(R, A)));
  const n = generators[0].length;
  for (const br of brackets) {
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const row = br.map((C) => C[i][j]);
        if (row.some((x) => x !== 0)) rows.push(row);
      }
    }
  }
  const linear = rref(nullSpace(rows, m)).map((v) => snapVector(v).v);
  return { rotations, linear, metric };
}

/** Whether C_k = θᵀA_kθ changes along some rotation at θ: d/dε θᵀ e^{−εR} A e^{εR} θ = θᵀ[A, R]θ. */
export function orientationDependent(A: number[][], rotations: number[][][], theta: ArrayLike<number>): boolean {
  let scale = 0;
  for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) scale += Math.abs(theta[i] * A[i][j] * theta[j]);
  for (const R of rotations) {
    const C = commutator(A, R);
    let d = 0;
    for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) if (C[i][j] !== 0) d += theta[i] * C[i][j] * theta[j];
    if (Math.abs(d) > 1e-8 * Math.max(scale, 1e-300)) return true;
  }
  return false;
}

export function linearInvariant(a: number[], c: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * c[k];
  return s;
}

export function quadraticInvariant(metric: number[][], c: ArrayLike<number>): number {
  let s = 0;
  for (let a = 0; a < metric.length; a++) for (let b = 0; b < metric.length; b++) s += c[a] * metric[a][b] * c[b];
  return s;
}
