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

/** A sparse n × n matrix: per row, column → value (generators touch a few entries per row). */
export type SparseMatrix = Map<number, number>[];

export interface ChargeInvariants {
  /** Rotation generators [A_k, A_l] (antisymmetric, nonzero), over the components, sparse. */
  rotations: SparseMatrix[];
  /** Indices into `rotations` of a linearly independent subset spanning them all. */
  basis: number[];
  /** Coefficient vectors over the exponential charges (in their order) of the linear invariants. */
  linear: number[][];
  /** G⁻¹ (pseudo-inverse) over the exponential charges: the quadratic invariant cᵀ G⁻¹ c. */
  metric: number[][];
}

export function sparseOf(A: number[][]): SparseMatrix {
  return A.map((row) => {
    const m = new Map<number, number>();
    row.forEach((a, j) => {
      if (a !== 0) m.set(j, a);
    });
    return m;
  });
}

export function toDense(A: SparseMatrix): number[][] {
  const n = A.length;
  return A.map((row) => {
    const r = new Array<number>(n).fill(0);
    row.forEach((a, j) => (r[j] = a));
    return r;
  });
}

/** AB − BA as a sparse matrix (exact cancellations dropped). */
function commutator(A: SparseMatrix, B: SparseMatrix): SparseMatrix {
  const out: SparseMatrix = A.map(() => new Map<number, number>());
  const addProduct = (X: SparseMatrix, Y: SparseMatrix, sign: number) =>
    X.forEach((row, i) => {
      const o = out[i];
      row.forEach((x, k) => Y[k].forEach((y, j) => o.set(j, (o.get(j) ?? 0) + sign * x * y)));
    });
  addProduct(A, B, 1);
  addProduct(B, A, -1);
  for (const row of out) for (const [j, v] of row) if (v === 0) row.delete(j);
  return out;
}

function maxAbs(A: SparseMatrix): number {
  let m = 0;
  for (const row of A) for (const v of row.values()) m = Math.max(m, Math.abs(v));
  return m;
}

/** Indices of a linearly independent subset of the matrices (as vectors of entries; Gram–Schmidt). */
function independentSubset(mats: SparseMatrix[]): number[] {
  const n = mats[0]?.length ?? 0;
  const basis: Map<number, number>[] = [];
  const keep: number[] = [];
  const norm = (v: Map<number, number>) => Math.sqrt([...v.values()].reduce((a, x) => a + x * x, 0));
  mats.forEach((M, idx) => {
    const v = new Map<number, number>();
    M.forEach((row, i) => row.forEach((x, j) => v.set(i * n + j, x)));
    const norm0 = norm(v);
    for (let pass = 0; pass < 2; pass++)
      for (const b of basis) {
        let c = 0;
        for (const [k, x] of b) c += x * (v.get(k) ?? 0);
        if (c !== 0) for (const [k, x] of b) v.set(k, (v.get(k) ?? 0) - c * x);
      }
    const rest = norm(v);
    if (rest > 1e-9 * norm0) {
      for (const [k, x] of v) v.set(k, x / rest);
      basis.push(v);
      keep.push(idx);
    }
  });
  return keep;
}

export function chargeInvariants(generators: number[][][]): ChargeInvariants {
  const m = generators.length;
  const n = generators[0]?.length ?? 0;
  // Generators of a group touch a few entries per row: commutators stay sparse too, so GL(10) on 400
  // components (55 generators, 1485 commutators) fits in memory and time.
  const gens = generators.map(sparseOf);
  const rotations: SparseMatrix[] = [];
  for (let k = 0; k < m; k++) {
    for (let l = k + 1; l < m; l++) {
      const R = commutator(gens[k], gens[l]);
      if (maxAbs(R) > 1e-12) rotations.push(R);
    }
  }
  const G = gens.map((A) =>
    gens.map((B) => {
      let s = 0;
      A.forEach((row, i) => row.forEach((a, j) => (s += a * (B[j].get(i) ?? 0))));
      return s;
    }),
  );
  const metric = pseudoInverse(G);
  if (rotations.length === 0) return { rotations, basis: [], linear: [], metric };
  // Σ_k a_k [R, A_k] = 0 for every rotation R (those of a spanning subset): one row per (R, entry).
  const basis = independentSubset(rotations);
  const rows: number[][] = [];
  for (const r of basis) {
    const br = gens.map((A) => commutator(rotations[r], A));
    const entries = new Set<number>();
    br.forEach((C) => C.forEach((row, i) => row.forEach((_, j) => entries.add(Math.min(i, j) * n + Math.max(i, j)))));
    for (const e of [...entries].sort((a, b) => a - b)) {
      const i = Math.floor(e / n);
      const j = e % n;
      const row = br.map((C) => C[i].get(j) ?? 0);
      if (row.some((x) => x !== 0)) rows.push(row);
    }
  }
  const linear = rref(nullSpace(rows, m)).map((v) => snapVector(v).v);
  return { rotations, basis, linear, metric };
}

/** Whether C_k = θᵀA_kθ changes along some rotation at θ: d/dε θᵀ e^{−εR} A e^{εR} θ = θᵀ[A, R]θ. */
export function orientationDependent(A: number[][], inv: ChargeInvariants, theta: ArrayLike<number>): boolean {
  let scale = 0;
  for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) if (A[i][j] !== 0) scale += Math.abs(theta[i] * A[i][j] * theta[j]);
  const As = sparseOf(A);
  for (const r of inv.basis) {
    const C = commutator(As, inv.rotations[r]);
    let d = 0;
    C.forEach((row, i) => row.forEach((c, j) => (d += theta[i] * c * theta[j])));
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
