// λ_max by Lanczos (analysis/lanczos.ts) against the dense eigendecomposition: random symmetric
// matrices (indefinite, a clustered top, a repeated top eigenvalue, low rank) and the Hessian of a
// 100-component model, where predictions switch from the dense Hessian to Hessian-vector products.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { largestEigenvalue } from '../../src/core/analysis/lanczos';
import { largestHessianEigenvalue } from '../../src/core/analysis/predictions';
import { hessianByDifferences } from '../../src/core/analysis/gradientFlow';
import { expectedGradient } from '../../src/core/analysis/expectedLoss';
import { initialPoint } from '../../src/core/analysis/points';
import { Rng } from '../../src/core/util/rng';
import { modelOf } from './helpers';

/** Q diag(d) Qᵀ with a random orthogonal Q (Gram–Schmidt of a Gaussian matrix). */
function withSpectrum(d: number[], seed: number): number[][] {
  const n = d.length;
  const rng = new Rng(seed, 0, 0);
  const Q: number[][] = [];
  for (let k = 0; k < n; k++) {
    const v = Array.from({ length: n }, () => rng.normal());
    for (const u of Q) {
      const c = v.reduce((s, x, i) => s + x * u[i], 0);
      for (let i = 0; i < n; i++) v[i] -= c * u[i];
    }
    const s = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    Q.push(v.map((x) => x / s));
  }
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => d.reduce((s, dk, k) => s + dk * Q[k][i] * Q[k][j], 0)));
}

function lanczosOf(A: number[][]): number | null {
  const n = A.length;
  return largestEigenvalue((v, out) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i][j] * v[j];
      out[i] = s;
    }
  }, n);
}

const denseMax = (A: number[][]) => Math.max(...new EigenvalueDecomposition(new Matrix(A), { assumeSymmetric: true }).realEigenvalues);

test('Lanczos finds λ_max of symmetric matrices to 1e-9 relative, whatever the spectrum', () => {
  const rng = new Rng(7, 0, 0);
  const cases: [string, number[]][] = [
    ['indefinite, spread', Array.from({ length: 120 }, () => 10 * rng.normal())],
    ['clustered top', [5, 5 - 1e-4, 5 - 2e-4, ...Array.from({ length: 97 }, () => rng.normal())]],
    ['repeated top', [3, 3, 3, ...Array.from({ length: 60 }, () => -Math.abs(rng.normal()))]],
    ['low rank', [2, 1, ...new Array(78).fill(0)]],
    ['negative definite', Array.from({ length: 50 }, () => -1 - Math.abs(rng.normal()))],
  ];
  cases.forEach(([name, d], c) => {
    const A = withSpectrum(d, 100 + c);
    const exact = denseMax(A);
    const got = lanczosOf(A);
    assert.ok(got !== null, name);
    assert.ok(Math.abs(got - exact) <= 1e-9 * Math.max(...d.map(Math.abs)), `${name}: Lanczos ${got}, dense ${exact}`);
  });
});

test('a non-finite product gives null, not a number', () => {
  assert.equal(
    largestEigenvalue((_v, out) => out.fill(NaN), 10),
    null,
  );
});

test('the Hessian λ_max of a 100-component model by Hessian-vector products equals the dense Hessian’s', () => {
  // Two-layer linear net, 10 × 5 and 5 × 10 (100 components): above the dense-Hessian size.
  const model = modelOf(
    'param U[5, 10] ~ normal(0, 0.3)\nparam W[10, 5] ~ normal(0, 0.3)\ndata x[10] ~ normal(0, 1)\ndata eps[10] ~ normal(0, 1)\n' +
      'loss = norm2(W @ (U @ x) - (x + 0.1*eps)) / 2\ntrain sgd(lr = 0.01, batch = 1, steps = 100, seed = 3)\n',
  );
  const eg = expectedGradient(model);
  const theta = initialPoint(model);
  const H = hessianByDifferences(eg, Float64Array.from(theta));
  const dense = denseMax(H);
  const got = largestHessianEigenvalue(eg, theta);
  assert.ok(got !== null);
  // Both are central differences with the same step: they agree to the differences' error.
  assert.ok(Math.abs(got - dense) <= 1e-7 * Math.abs(dense), `Lanczos ${got}, dense ${dense}`);
});
