// The noise equilibrium of a whole symmetry group (THEORY.md §4), all generators at once.
//
// For symmetric generators A_1 … A_m of exponential symmetries and a group element g, the drift of
// law (C) for generator k at the point g·θ is (t = η·steps; at a minimum ∇L = 0)
//     G_k(g) = −2γ C_k(gθ) + η κ tr(A_k Σ(gθ)),      Σ(gθ) = g^{−ᵀ} Σ(θ) g^{−1},
// and G_k(g) = −d/dε Φ(e^{εA_k} g) for the potential
//     Φ(g) = γ ‖gθ‖² + (ηκ/2) tr Σ(gθ),
// which is invariant under the orthogonal (rotation) part of the group and convex along every
// one-parameter curve e^{εD}g (its second derivative is 4γ‖Dgθ‖² + 2ηκ tr(DΣ(gθ)D) ≥ 0). The joint
// equilibrium is where every G_k vanishes together: the critical point of Φ on the orbit. We find it
// by Newton's method on the group, g ← exp(Σ δ_k A_k)·g with −J δ = G, J_kl = ∂G_k/∂ε_l, and a
// backtracking line search on Φ; directions Φ does not see (no noise, no decay) are neutral.
// Only rotation-invariant quantities of the result are meaningful (the equilibrium is unique up to
// the orthogonal part of the group), e.g. the charges' eigen-structure, UᵀU and WWᵀ.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { dot } from './linalg';

/** A symmetric generator as its nonzero entries (i ≤ j stored once, mirrored when applied). */
export interface SparseSymmetric {
  i: number[];
  j: number[];
  a: number[];
}

export function sparseSymmetric(A: number[][]): SparseSymmetric {
  const out: SparseSymmetric = { i: [], j: [], a: [] };
  A.forEach((row, i) =>
    row.forEach((a, j) => {
      if (a !== 0 && j >= i) {
        out.i.push(i);
        out.j.push(j);
        out.a.push(a);
      }
    }),
  );
  return out;
}

export interface JointEquilibriumInput {
  /** Symmetric generators over the components (dense, n × n). */
  generators: number[][][];
  theta: ArrayLike<number>;
  /** Per-example gradient covariance Σ(θ) at θ (n × n). */
  cov: number[][];
  eta: number;
  /** Minibatch noise factor: Σ_B = κ Σ. */
  kappa: number;
  gamma: number;
}

export type EquilibriumStatus = 'equilibrium' | 'grows' | 'none';

export interface JointEquilibrium {
  status: EquilibriumStatus;
  /** Why, in one sentence (for 'grows' and 'none'; a note for 'equilibrium'). */
  reason: string;
  /** g*·θ (over all components) when there is an equilibrium (the orbit point with G = 0). */
  point: number[] | null;
  /** C_k at the equilibrium (null for a generator with no equilibrium, e.g. a growing scaling). */
  charges: (number | null)[];
  /** Relaxation rates of the charges towards the equilibrium, per unit t = η·steps (slowest first). */
  rates: number[];
  /** Largest |G_k| at the solution relative to the size of its terms. */
  residual: number;
  /** Generators whose charge grows without bound (γ = 0 and noise pushes outwards), with their law. */
  growth: { generator: number; rate: number; invariant: number; law: string }[];
  /** Generators along which neither noise nor decay acts: every point of the orbit is stationary. */
  neutral: number[];
  iterations: number;
}

/** Dense n × n helpers over plain arrays (the orbit solve is small: n ≤ a few hundred). */
type Mat = Float64Array[];

function matFrom(A: number[][], idx: number[]): Mat {
  return idx.map((i) => {
    const row = A[i];
    const out = new Float64Array(idx.length);
    for (let c = 0; c < idx.length; c++) out[c] = row[idx[c]];
    return out;
  });
}

function identityMat(n: number): Mat {
  return Array.from({ length: n }, (_, i) => {
    const r = new Float64Array(n);
    r[i] = 1;
    return r;
  });
}

function matMul(A: Mat, B: Mat): Mat {
  const n = A.length;
  const m = B[0]?.length ?? 0;
  const out = Array.from({ length: n }, () => new Float64Array(m));
  for (let i = 0; i < n; i++) {
    const oi = out[i];
    const ai = A[i];
    for (let k = 0; k < ai.length; k++) {
      const a = ai[k];
      if (a === 0) continue;
      const bk = B[k];
      for (let j = 0; j < m; j++) oi[j] += a * bk[j];
    }
  }
  return out;
}

/** Nonzero entries of a matrix, row by row. */
interface SparseRows {
  rows: { j: Int32Array; v: Float64Array }[];
}

function sparseRows(A: Mat): SparseRows {
  return {
    rows: Array.from(A, (r) => {
      const js: number[] = [];
      for (let j = 0; j < r.length; j++) if (r[j] !== 0) js.push(j);
      return { j: Int32Array.from(js), v: Float64Array.from(js, (j) => r[j]) };
    }),
  };
}

function sparseMatVec(A: SparseRows, x: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  A.rows.forEach((r, i) => {
    let s = 0;
    for (let t = 0; t < r.j.length; t++) s += r.v[t] * x[r.j[t]];
    out[i] = s;
  });
  return out;
}

/** tr(A S) (or Σ |A_ij S_ji| with `abs`). */
function sparseTrace(A: SparseRows, S: Mat, abs = false): number {
  let s = 0;
  A.rows.forEach((r, i) => {
    for (let t = 0; t < r.j.length; t++) {
      const x = r.v[t] * S[r.j[t]][i];
      s += abs ? Math.abs(x) : x;
    }
  });
  return s;
}

/** tr(A B S) = Σ A_ij B_jl S_li. */
function sparseTripleTrace(A: SparseRows, B: SparseRows, S: Mat): number {
  let s = 0;
  A.rows.forEach((r, i) => {
    for (let t = 0; t < r.j.length; t++) {
      const j = r.j[t];
      const b = B.rows[j];
      let inner = 0;
      for (let u = 0; u < b.j.length; u++) inner += b.v[u] * S[b.j[u]][i];
      s += r.v[t] * inner;
    }
  });
  return s;
}

function transpose(A: Mat): Mat {
  const n = A.length;
  const m = A[0]?.length ?? 0;
  return Array.from({ length: m }, (_, j) => Float64Array.from({ length: n }, (_, i) => A[i][j]));
}

function matVec(A: Mat, x: ArrayLike<number>): Float64Array {
  return Float64Array.from(A, (row) => {
    let s = 0;
    for (let j = 0; j < row.length; j++) s += row[j] * x[j];
    return s;
  });
}

/** exp(D) and exp(−D) of a symmetric matrix through its eigendecomposition. */
function expSym(D: Mat): { E: Mat; Einv: Mat } {
  const n = D.length;
  const eig = new EigenvalueDecomposition(new Matrix(D.map((r) => Array.from(r))), { assumeSymmetric: true });
  const V = eig.eigenvectorMatrix;
  const d = eig.realEigenvalues;
  const E = Array.from({ length: n }, () => new Float64Array(n));
  const Einv = Array.from({ length: n }, () => new Float64Array(n));
  for (let k = 0; k < n; k++) {
    const ep = Math.exp(d[k]);
    const em = Math.exp(-d[k]);
    const q = V.getColumn(k);
    for (let i = 0; i < n; i++) {
      if (q[i] === 0) continue;
      const qi = q[i];
      for (let j = 0; j < n; j++) {
        E[i][j] += ep * qi * q[j];
        Einv[i][j] += em * qi * q[j];
      }
    }
  }
  return { E, Einv };
}

/**
 * A block-diagonal matrix over the moved components: every generator of a group that acts on
 * separate slices (GL(k) on a hidden index acts on each input's column of U and each output's row
 * of W separately) is block diagonal in the connected components of the generators' nonzero
 * pattern, and so is every group element exp(Σ δ_a A_a)·…·exp(…). Products, exponentials and the
 * covariance's transformation then cost per block: 40 blocks of 10 instead of one dense 400 × 400.
 */
interface BlockDiag {
  /** Positions (within the moved components) of each block, and the block itself. */
  blocks: { at: number[]; M: Mat }[];
}

/** Connected components of the union of the generators' nonzero patterns (positions 0…n−1). */
function blockPartition(gens: SparseRows[], n: number): number[][] {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (const A of gens)
    A.rows.forEach((r, i) => {
      for (const j of r.j) {
        const a = find(i);
        const b = find(j);
        if (a !== b) parent[a] = b;
      }
    });
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(i);
    else groups.set(root, [i]);
  }
  return [...groups.values()];
}

function blockIdentity(parts: number[][]): BlockDiag {
  return { blocks: parts.map((at) => ({ at, M: identityMat(at.length) })) };
}

function blockMul(A: BlockDiag, B: BlockDiag): BlockDiag {
  return { blocks: A.blocks.map((b, k) => ({ at: b.at, M: matMul(b.M, B.blocks[k].M) })) };
}

/** exp(D) and exp(−D) block by block, for D = Σ c_a A_a restricted to each block. */
function blockExpSym(parts: number[][], gens: Mat[], coeffs: number[]): { E: BlockDiag; Einv: BlockDiag } {
  const E: BlockDiag = { blocks: [] };
  const Einv: BlockDiag = { blocks: [] };
  for (const at of parts) {
    const D = at.map((i) => Float64Array.from(at, (j) => coeffs.reduce((s, c, a) => (c === 0 ? s : s + c * gens[a][i][j]), 0)));
    const ex = expSym(D);
    E.blocks.push({ at, M: ex.E });
    Einv.blocks.push({ at, M: ex.Einv });
  }
  return { E, Einv };
}

function blockMatVec(A: BlockDiag, x: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  for (const { at, M } of A.blocks)
    at.forEach((i, r) => {
      let s = 0;
      for (let c = 0; c < at.length; c++) s += M[r][c] * x[at[c]];
      out[i] = s;
    });
  return out;
}

/** Gᵀ S G for block-diagonal G and dense symmetric S: each pair of blocks (I, J) as G_Iᵀ S_IJ G_J. */
function blockCongruence(G: BlockDiag, S: Mat, n: number): Mat {
  const out = Array.from({ length: n }, () => new Float64Array(n));
  for (const I of G.blocks)
    for (const J of G.blocks) {
      const SIJ = I.at.map((i) => Float64Array.from(J.at, (j) => S[i][j]));
      const R = matMul(transpose(I.M), matMul(SIJ, J.M));
      I.at.forEach((i, r) => J.at.forEach((j, c) => (out[i][j] = R[r][c])));
    }
  return out;
}

/** Eigenvalues of a symmetric matrix that is block diagonal on `parts`. */
function blockEigenvalues(A: Mat, parts: number[][]): number[] {
  return parts.flatMap((at) =>
    at.length === 1
      ? [A[at[0]][at[0]]]
      : new EigenvalueDecomposition(new Matrix(at.map((i) => at.map((j) => A[i][j]))), { assumeSymmetric: true }).realEigenvalues,
  );
}

/** Generalised symmetric eigenvalues of M v = r K v restricted to the range of K (K ⪰ 0). */
function generalizedEigenvalues(M: number[][], K: number[][]): number[] {
  const m = M.length;
  if (m === 0) return [];
  const ek = new EigenvalueDecomposition(new Matrix(K), { assumeSymmetric: true });
  const kv = ek.realEigenvalues;
  const kmax = Math.max(...kv.map(Math.abs), 0);
  const keep = kv.map((x, i) => [x, i] as const).filter(([x]) => x > 1e-12 * kmax);
  if (keep.length === 0) return [];
  // With K = V diag(k) Vᵀ on its range, the rates are the eigenvalues of k^{-1/2} VᵀMV k^{-1/2}.
  const Vm = ek.eigenvectorMatrix;
  const cols = keep.map(([x, i]) => Vm.getColumn(i).map((v) => v / Math.sqrt(x)));
  const R = cols.map((ci) =>
    cols.map((cj) => {
      let s = 0;
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) s += ci[a] * M[a][b] * cj[b];
      return s;
    }),
  );
  return new EigenvalueDecomposition(new Matrix(R), { assumeSymmetric: true }).realEigenvalues;
}

export function jointEquilibrium(inp: JointEquilibriumInput): JointEquilibrium {
  const { eta, kappa, gamma } = inp;
  const m = inp.generators.length;
  const empty = (status: EquilibriumStatus, reason: string): JointEquilibrium => ({
    status,
    reason,
    point: null,
    charges: inp.generators.map(() => null),
    rates: [],
    residual: NaN,
    growth: [],
    neutral: [],
    iterations: 0,
  });
  if (m === 0) return empty('none', 'the loss has no exponential symmetry, so there is no charge to balance');
  // Work on the components some generator moves; the others are fixed by the whole group.
  const moved = new Set<number>();
  for (const A of inp.generators)
    A.forEach((row, i) =>
      row.forEach((a, j) => {
        if (a !== 0) {
          moved.add(i);
          moved.add(j);
        }
      }),
    );
  const idx = [...moved].sort((a, b) => a - b);
  const n = idx.length;
  const gens = inp.generators.map((A) => matFrom(A, idx));
  const theta0 = Float64Array.from(idx, (i) => inp.theta[i]);
  const cov0 = matFrom(inp.cov, idx);
  const T = eta * kappa;

  // Generators of a group are sparse (a few rows of a few tensors): the Newton system is built
  // from their nonzero entries, and group elements are block diagonal (never dense n×n products).
  const sparse = gens.map(sparseRows);
  const parts = blockPartition(sparse, n);
  let g = blockIdentity(parts);
  let ginv = blockIdentity(parts);
  const at = (gm: BlockDiag, gi: BlockDiag) => {
    const th = blockMatVec(gm, theta0, n);
    const S = blockCongruence(gi, cov0, n); // g^{-T} Σ g^{-1}
    return { th, S };
  };
  const phi = (th: Float64Array, S: Mat) => {
    let nrm = 0;
    for (const x of th) nrm += x * x;
    let tr = 0;
    for (let i = 0; i < n; i++) tr += S[i][i];
    return gamma * nrm + 0.5 * T * tr;
  };
  const charge = (A: Mat, th: Float64Array) => {
    const Ath = matVec(A, th);
    let c = 0;
    for (let i = 0; i < n; i++) c += th[i] * Ath[i];
    return c;
  };

  // Generators that only grow: with γ = 0 a positive semidefinite generator (a scaling) has
  // tr(AΣ) ≥ 0 all along its orbit, so the noise pushes the charge up forever.
  const growing: number[] = [];
  if (gamma === 0) {
    gens.forEach((A, k) => {
      const ev = blockEigenvalues(A, parts);
      const scale = Math.max(...ev.map(Math.abs));
      if (ev.every((x) => x >= -1e-12 * scale)) {
        let tr = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) tr += A[i][j] * cov0[j][i];
        if (T * tr > 0) growing.push(k);
      }
    });
  }
  const active = range(m).filter((k) => !growing.includes(k));

  let iterations = 0;
  let residual = 0;
  let neutral: number[] = [];
  let { th, S } = at(g, ginv);
  let Mfinal: number[][] = [];
  for (; iterations < 100; iterations++) {
    // Drifts G_k and the Jacobian J = −M over the active generators.
    const Ath = active.map((k) => sparseMatVec(sparse[k], th, n));
    const G = active.map((k, a) => {
      let c = 0;
      for (let i = 0; i < n; i++) c += th[i] * Ath[a][i];
      return -2 * gamma * c + T * sparseTrace(sparse[k], S);
    });
    const termScale = active.map((k, a) => {
      let c = 0;
      for (let i = 0; i < n; i++) c += Math.abs(th[i] * Ath[a][i]);
      return 2 * gamma * c + T * sparseTrace(sparse[k], S, true);
    });
    const M = active.map((ka, a) =>
      active.map((kb, b) => {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += Ath[a][i] * Ath[b][i];
        // tr(A_a A_b Σ) + tr(A_b A_a Σ) = 2 tr(A_a A_b Σ) for symmetric Σ.
        return 4 * gamma * dot + 2 * T * sparseTripleTrace(sparse[ka], sparse[kb], S);
      }),
    );
    // Entries beyond 1e150 square to infinity inside the eigensolver: the orbit has run off.
    const tooBig = (x: number) => !(Math.abs(x) <= 1e150);
    if (G.some(tooBig) || M.some((r) => r.some(tooBig))) {
      return {
        ...empty(
          'none',
          `the drift of law (C) does not vanish at any finite point the joint solve reached (after ${iterations} Newton steps the noise terms exceed 1e150): no equilibrium is predicted`,
        ),
        iterations,
        residual: NaN,
      };
    }
    Mfinal = M;
    residual = Math.max(0, ...G.map((x, a) => (termScale[a] > 0 ? Math.abs(x) / termScale[a] : 0)));
    // Solve M δ = G by its eigendecomposition; directions M does not see are neutral.
    const eig = new EigenvalueDecomposition(new Matrix(M.length ? M : [[0]]), { assumeSymmetric: true });
    const ev = eig.realEigenvalues;
    const V = eig.eigenvectorMatrix;
    const emax = Math.max(...ev.map(Math.abs), 0);
    const delta = new Array<number>(active.length).fill(0);
    const neutralDirs: number[][] = [];
    ev.forEach((lam, q) => {
      const v = V.getColumn(q);
      if (!(lam > 1e-12 * emax) || emax === 0) {
        neutralDirs.push(v);
        return;
      }
      let proj = 0;
      for (let a = 0; a < active.length; a++) proj += v[a] * G[a];
      for (let a = 0; a < active.length; a++) delta[a] += (proj / lam) * v[a];
    });
    neutral = active.filter((_, a) => neutralDirs.some((v) => Math.abs(v[a]) > 0.5));
    if (residual <= 1e-13) break;
    // Backtracking line search on Φ along exp(t Σ δ_a A_a)·g.
    const phi0 = phi(th, S);
    let slope = 0;
    for (let a = 0; a < active.length; a++) slope += delta[a] * G[a]; // −dΦ/dt at t = 0
    let t = 1;
    let accepted = false;
    for (let ls = 0; ls < 60; ls++) {
      const coeffs = gens.map(() => 0);
      active.forEach((k, a) => (coeffs[k] = t * delta[a]));
      const { E, Einv } = blockExpSym(parts, gens, coeffs);
      const g2 = blockMul(E, g);
      const gi2 = blockMul(ginv, Einv);
      const next = at(g2, gi2);
      const phi1 = phi(next.th, next.S);
      if (Number.isFinite(phi1) && phi1 <= phi0 - 1e-4 * t * slope + 1e-15 * Math.abs(phi0)) {
        g = g2;
        ginv = gi2;
        th = next.th;
        S = next.S;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) break; // at rounding level: Φ cannot decrease further
    // A log-scale beyond e^±300 means the minimum of Φ is at infinity: no equilibrium.
    if (th.some((x) => !Number.isFinite(x)) || Math.max(...th.map(Math.abs)) > 1e150) {
      return empty('none', 'the drift of law (C) does not vanish anywhere on the orbit: no equilibrium (the charges run off to infinity)');
    }
  }

  const charges: (number | null)[] = gens.map((A, k) => (growing.includes(k) ? null : roundCharge(charge(A, th), A, th)));
  const point = Array.from(inp.theta);
  idx.forEach((i, a) => (point[i] = th[a]));
  // Relaxation: near the equilibrium dC/dt = J K^{-1}(C − C*), K_ab = 2⟨A_a θ*, A_b θ*⟩.
  const nonNeutral = active.filter((k) => !neutral.includes(k));
  const sub = nonNeutral.map((k) => active.indexOf(k));
  const Ath = nonNeutral.map((k) => matVec(gens[k], th));
  const K = Ath.map((x) => Ath.map((y) => 2 * dot(x, y)));
  const Msub = sub.map((a) => sub.map((b) => Mfinal[a]?.[b] ?? 0));
  const rates = generalizedEigenvalues(Msub, K)
    .filter((r) => r > 0)
    .sort((a, b) => a - b);
  const growth = growing.map((k) => growthLaw(k, gens[k], th, S, T));
  const converged = residual <= 1e-8;
  if (!converged && active.length > 0) {
    return {
      ...empty('none', `the joint solve did not converge (largest relative drift ${residual.toExponential(2)} after ${iterations} Newton steps)`),
      iterations,
      residual,
    };
  }
  const status: EquilibriumStatus = growing.length > 0 ? 'grows' : active.length === neutral.length ? 'none' : 'equilibrium';
  const reason =
    status === 'grows'
      ? `with no weight decay the noise makes ${growing.length === 1 ? 'a scaling charge' : `${growing.length} scaling charges`} grow forever (tr(AΣ) ≥ 0 along the whole orbit): no equilibrium for ${growing.length === 1 ? 'it' : 'them'}; add weight_decay to balance the growth`
      : status === 'none'
        ? 'neither noise nor weight decay acts along the orbit: every point of it is stationary, so the charges keep their values'
        : neutral.length > 0
          ? `${neutral.length} generator(s) are neutral (no noise or decay along them); the others balance`
          : 'every drift of law (C) vanishes together';
  return { status, reason, point, charges, rates, residual, growth, neutral, iterations };
}

/** θᵀAθ reported as 0 when it is at the rounding level of its terms. */
function roundCharge(c: number, A: Mat, th: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) scale += Math.abs(th[i] * A[i][j] * th[j]);
  return Math.abs(c) <= 1e-12 * scale ? 0 : c;
}

/**
 * For a scaling with γ = 0: dC/dt = ηκ tr(AΣ) > 0. When the loss is scale invariant along A
 * (Σ(e^{λA}θ) = e^{−2λ}Σ(θ) on the group, as after a normalisation layer), s = C·tr(AΣ) is
 * constant on the orbit and C(t)² = C₀² + 2ηκ s t.
 */
function growthLaw(k: number, A: Mat, th: Float64Array, S: Mat, T: number): { generator: number; rate: number; invariant: number; law: string } {
  const n = A.length;
  let c = 0;
  let tr = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      c += th[i] * A[i][j] * th[j];
      tr += A[i][j] * S[j][i];
    }
  const rate = T * tr;
  const s = c * tr;
  return {
    generator: k,
    rate,
    invariant: s,
    law: `dC/dt = ηκ tr(AΣ) = ${rate.toPrecision(4)} now; if the loss is scale invariant along it, C(t)² = C₀² + 2ηκ·s·t with s = C·tr(AΣ) = ${s.toPrecision(4)} (√t growth)`,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
