// Two-layer linear nets ‖WUx − y‖²/2 with correlated inputs and label noise, and THEORY.md §4's
// closed form of their law-of-balance point: shared by the equilibrium and simulation tests.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** Square root of a symmetric positive definite matrix. */
export function sqrtm(A: Matrix): Matrix {
  const e = new EigenvalueDecomposition(A, { assumeSymmetric: true });
  const V = e.eigenvectorMatrix;
  return V.mmul(Matrix.diag(e.realEigenvalues.map(Math.sqrt))).mmul(V.transpose());
}

/**
 * THEORY.md §4: at a minimum W U = V of ‖WUx − y‖²/2 with y = Vx + ε, the joint equilibrium has
 * S = UᵀU = Σx^{-½}(Σx^{½} K Σx^{½})^{½}Σx^{-½}, K = (tr Σx / tr Σε) Vᵀ Σε V, and W Wᵀ = V S⁻¹ Vᵀ.
 */
export function closedForm(Lx: number[][], Le: number[][], V: number[][]): { S: Matrix; WWt: Matrix } {
  const lx = new Matrix(Lx);
  const le = new Matrix(Le);
  const v = new Matrix(V);
  const Sx = lx.mmul(lx.transpose());
  const Se = le.mmul(le.transpose());
  const K = v
    .transpose()
    .mmul(Se)
    .mmul(v)
    .mul(Sx.trace() / Se.trace());
  const h = sqrtm(Sx);
  const hi = new Matrix(new EigenvalueDecomposition(h, { assumeSymmetric: true }).eigenvectorMatrix);
  const hinv = hi.mmul(Matrix.diag(new EigenvalueDecomposition(h, { assumeSymmetric: true }).realEigenvalues.map((x) => 1 / x))).mmul(hi.transpose());
  const S = hinv.mmul(sqrtm(h.mmul(K).mmul(h))).mmul(hinv);
  const Sinv = new Matrix(new EigenvalueDecomposition(S, { assumeSymmetric: true }).eigenvectorMatrix);
  const sv = new EigenvalueDecomposition(S, { assumeSymmetric: true }).realEigenvalues;
  const SinvM = Sinv.mmul(Matrix.diag(sv.map((x) => 1 / x))).mmul(Sinv.transpose());
  return { S, WWt: v.mmul(SinvM).mmul(v.transpose()) };
}

export function matText(M: number[][]): string {
  return `[${M.map((r) => `[${r.join(', ')}]`).join(', ')}]`;
}

/** Two-layer linear net ‖WUx − y‖²/2, x = Lx z, y = V x + Le n with z, n standard normal. */
export function twoLayerSource(k: number, Lx: number[][], Le: number[][], V: number[][], lr = 0.01, steps = 1000, chains = 1): string {
  const U0 =
    k === 2
      ? [
          [0.9, 0.2],
          [0.1, 0.4],
        ]
      : [
          [0.8, 0.1, 0.0],
          [0.2, 0.5, 0.1],
          [0.0, 0.3, 0.9],
        ];
  const W0 =
    k === 2
      ? [
          [0.5, 0.1],
          [0.3, 1.1],
        ]
      : [
          [0.5, 0.0, 0.2],
          [0.1, 0.7, 0.0],
          [0.3, 0.1, 0.4],
        ];
  return [
    `param U[${k}, ${k}] = ${matText(U0)}`,
    `param W[${k}, ${k}] = ${matText(W0)}`,
    `data z[${k}] ~ normal(0, 1)`,
    `data n[${k}] ~ normal(0, 1)`,
    `let x = ${matText(Lx)} @ z`,
    `let y = ${matText(V)} @ x + ${matText(Le)} @ n`,
    'loss = norm2(W @ (U @ x) - y) / 2',
    `train sgd(lr = ${lr}, batch = 1, steps = ${steps}, chains = ${chains}, seed = 1)`,
  ].join('\n');
}

export const CORRELATED: Record<2 | 3, { Lx: number[][]; Le: number[][]; V: number[][] }> = {
  2: {
    Lx: [
      [1, 0],
      [0.6, 0.8],
    ],
    Le: [
      [0.3, 0],
      [0.1, 0.5],
    ],
    V: [
      [1, 0.4],
      [-0.3, 0.8],
    ],
  },
  3: {
    Lx: [
      [1, 0, 0],
      [0.5, 0.9, 0],
      [-0.3, 0.2, 1.2],
    ],
    Le: [
      [0.4, 0, 0],
      [0.1, 0.2, 0],
      [0, 0.15, 0.6],
    ],
    V: [
      [1, 0.5, 0],
      [0, 1, 0.5],
      [0.5, -0.2, 1],
    ],
  },
};
