// Small dense linear algebra for the analysis: null spaces by SVD (ml-matrix), reduced row echelon
// form, snapping to small rationals, and symmetric eigendecomposition.
import { EigenvalueDecomposition, Matrix, QrDecomposition, SVD } from 'ml-matrix';

/**
 * Orthonormal basis (rows) of the null space of `rows` (K × m), by SVD with a relative
 * threshold on the singular values.
 */
export function nullSpace(rows: number[][], m: number, relTol = 1e-9): number[][] {
  if (m === 0) return [];
  if (rows.length === 0) return identity(m);
  const M = compressRows(rows, m);
  const svd = new SVD(M, { computeLeftSingularVectors: false, computeRightSingularVectors: true, autoTranspose: true });
  const s = svd.diagonal;
  const V = svd.rightSingularVectors;
  const smax = Math.max(...s, 0);
  const out: number[][] = [];
  for (let j = 0; j < m; j++) {
    const sj = j < s.length ? s[j] : 0;
    if (smax === 0 || sj <= relTol * smax) out.push(V.getColumn(j));
  }
  return out;
}

/**
 * A tall system (many more rows than unknowns) replaced by the R of its QR factorisation, built a
 * chunk of rows at a time: same singular values and null space, but the SVD then costs m³ instead
 * of rows·m² (tens of thousands of rows for a group's invariants or a large symmetry search).
 */
function compressRows(rows: number[][], m: number): Matrix {
  if (rows.length <= 4 * m) return new Matrix(rows);
  let R: number[][] = [];
  for (let start = 0; start < rows.length; start += 3 * m) {
    const stacked = new Matrix([...R, ...rows.slice(start, start + 3 * m)]);
    if (stacked.rows < m) {
      R = stacked.to2DArray();
      continue;
    }
    R = new QrDecomposition(stacked).upperTriangularMatrix.to2DArray().slice(0, m);
  }
  return new Matrix(R);
}

export function identity(m: number): number[][] {
  return Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));
}

/** Reduced row echelon form (partial pivoting), dropping zero rows. */
export function rref(basis: number[][], tol = 1e-10): number[][] {
  const A = basis.map((r) => [...r]);
  const rowsN = A.length;
  if (rowsN === 0) return [];
  const m = A[0].length;
  let lead = 0;
  const out: number[][] = [];
  for (let r = 0; r < rowsN && lead < m; r++) {
    let best = -1;
    while (lead < m) {
      let bestVal = tol;
      for (let i = r; i < rowsN; i++) {
        if (Math.abs(A[i][lead]) > bestVal) {
          bestVal = Math.abs(A[i][lead]);
          best = i;
        }
      }
      if (best >= 0) break;
      lead++;
    }
    if (best < 0) break;
    [A[r], A[best]] = [A[best], A[r]];
    const piv = A[r][lead];
    for (let j = 0; j < m; j++) A[r][j] /= piv;
    for (let i = 0; i < rowsN; i++) {
      if (i === r) continue;
      const f = A[i][lead];
      if (f !== 0) for (let j = 0; j < m; j++) A[i][j] -= f * A[r][j];
    }
    out.push(A[r]);
    lead++;
  }
  return out;
}

/** The nearest fraction p/q with q ≤ maxDen, if within tol; else undefined. */
export function snapRational(x: number, maxDen = 12, tol = 1e-7): number | undefined {
  if (Math.abs(x) < tol) return 0;
  for (let q = 1; q <= maxDen; q++) {
    const p = Math.round(x * q);
    if (Math.abs(x - p / q) <= tol * Math.max(1, Math.abs(x))) return p / q;
  }
  return undefined;
}

/** Snap every entry to a small rational when all of them snap; else scale to max |entry| = 1. */
export function snapVector(v: number[]): { v: number[]; exact: boolean } {
  const snapped = v.map((x) => snapRational(x));
  if (snapped.every((x) => x !== undefined)) return { v: snapped, exact: true };
  const mx = Math.max(...v.map(Math.abs));
  return { v: v.map((x) => x / mx), exact: false };
}

export interface SymEig {
  values: number[];
  /** vectors[k] is the unit eigenvector of values[k]. */
  vectors: number[][];
}

export function symmetricEigen(A: number[][]): SymEig {
  const n = A.length;
  if (n === 0) return { values: [], vectors: [] };
  const e = new EigenvalueDecomposition(new Matrix(A), { assumeSymmetric: true });
  const V = e.eigenvectorMatrix;
  return { values: e.realEigenvalues, vectors: Array.from({ length: n }, (_, k) => V.getColumn(k)) };
}

/** Projects `vectors` onto the orthogonal complement of span(`against`), returning a basis. */
export function complement(vectors: number[][], against: number[][], tol = 1e-8): number[][] {
  if (against.length === 0) return vectors;
  const q = orthonormalize(against, tol);
  const projected = vectors.map((v) => {
    const w = [...v];
    for (const u of q) {
      const d = dot(w, u);
      for (let i = 0; i < w.length; i++) w[i] -= d * u[i];
    }
    return w;
  });
  return orthonormalize(projected, tol);
}

export function orthonormalize(vectors: number[][], tol = 1e-8): number[][] {
  const out: number[][] = [];
  for (const v of vectors) {
    const w = [...v];
    for (let pass = 0; pass < 2; pass++) {
      for (const u of out) {
        const d = dot(w, u);
        for (let i = 0; i < w.length; i++) w[i] -= d * u[i];
      }
    }
    const nrm = Math.sqrt(dot(w, w));
    const ref = Math.sqrt(dot(v, v));
    if (nrm > tol * Math.max(1, ref)) out.push(w.map((x) => x / nrm));
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * x = G⁺ b for a symmetric positive semidefinite G: eigen-directions with eigenvalue ≤ relTol·max
 * are left out (they carry no information: neutral directions of a solve).
 */
export function pseudoSolve(G: number[][], b: ArrayLike<number>, relTol = 1e-12): number[] {
  const m = G.length;
  const x = new Array<number>(m).fill(0);
  if (m === 0) return x;
  // A non-finite entry has no solution to give (and sends ml-matrix's eigensolver out of bounds).
  if (G.some((row) => row.some((v) => !Number.isFinite(v))) || Array.from(b).some((v) => !Number.isFinite(v))) return x.fill(NaN);
  // Scaled to entries of order one: the eigensolver squares them (1e160 overflowed into NaN and out
  // of its bounds); G⁺b is unchanged when G and b are divided by the same s.
  const s = Math.max(...G.map((row) => Math.max(...row.map(Math.abs))));
  if (s === 0) return x;
  const e = new EigenvalueDecomposition(new Matrix(G.map((row) => row.map((v) => v / s))), { assumeSymmetric: true });
  const ev = e.realEigenvalues;
  const emax = Math.max(...ev.map(Math.abs), 0);
  ev.forEach((l, q) => {
    if (!(l > relTol * emax)) return;
    const v = e.eigenvectorMatrix.getColumn(q);
    let pr = 0;
    for (let k = 0; k < m; k++) pr += v[k] * (b[k] / s);
    for (let k = 0; k < m; k++) x[k] += (pr / l) * v[k];
  });
  return x;
}

/** G⁺ for a symmetric positive semidefinite G (see pseudoSolve). */
export function pseudoInverse(G: number[][], relTol = 1e-12): number[][] {
  return G.map((_, j) =>
    pseudoSolve(
      G,
      G.map((__, i) => (i === j ? 1 : 0)),
      relTol,
    ),
  );
}
