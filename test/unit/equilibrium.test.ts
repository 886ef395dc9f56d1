// Noise equilibria: the joint equilibrium of the whole group, where SGD ends (gradient flow to a
// minimum, then the equilibrium there), and the secondary solve on the start's orbit.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Matrix } from 'ml-matrix';
import { analyzeSource } from '../../src/core/analysis/analyze';
import { readExample } from './helpers';
import { closedForm, CORRELATED, twoLayerSource } from './linear-net';

test("scalar two-layer net: SGD ends balanced on the minimum it reaches (u = w = √2), not on the start's orbit", () => {
  const r = analyzeSource(readExample('two-layer-scalar.loss'));
  assert.equal(r.predictions?.length, 1, 'one noisy train line (the gd line has no noise)');
  const p = r.predictions[0];
  assert.equal(p.status, 'equilibrium');
  const { u, w } = p.endPoint!;
  assert.ok(Math.abs(u - Math.SQRT2) < 1e-9 && Math.abs(w - Math.SQRT2) < 1e-9, `end point (${u}, ${w})`);
  assert.equal(p.charges[0], 0);
  // d(u² − w²)/dt = −(η/B)·Var(∂ℓ/∂(uw))·(u² − w²) with Var = σ²E[x²] = 0.25 at the minimum:
  // rate 0.05/4·0.25 per unit t = η·steps, i.e. 1/(0.05·0.003125) = 6400 steps.
  assert.ok(Math.abs(p.relaxationSteps! - 6400) < 1e-6 * 6400, `relaxation ${p.relaxationSteps}`);
  assert.ok(p.minimum.converged && Math.abs(p.minimum.loss - 0.125) < 1e-12, 'the flow reaches L = σ²/2');
  // Secondary: the balanced point of the start's orbit keeps u·w = 0.3.
  const e = r.symmetries[0].equilibrium!;
  assert.ok(Math.abs(e.point.u ** 2 - e.point.w ** 2) < 1e-12);
  assert.ok(Math.abs(e.point.u * e.point.w - 1.5 * 0.2) < 1e-12);
});

test('scale invariance: the norm grows without weight decay (with its growth law), and balances 2γ‖w‖² = η tr Σ_B with it', () => {
  const r = analyzeSource(readExample('scale-invariant.loss'));
  const [free, decay] = r.predictions!;
  assert.equal(free.status, 'grows');
  assert.equal(free.charges[0], null);
  assert.match(free.growth[0].law, /C\(t\)² = C₀² \+ 2ηκ·s·t/);
  assert.equal(decay.status, 'equilibrium');
  // At the end point the drift −2γC + η κ tr(AΣ) vanishes. On the orbit of a scale-invariant loss
  // Σ_ww scales as 1/‖w‖², so s = C·tr(AΣ) is the same everywhere and 2γC² = η s (κ = 1).
  const s = free.growth[0].invariant;
  const C = decay.charges[0]!;
  assert.ok(Math.abs(2 * 0.01 * C * C - 0.05 * s) < 1e-9 * 0.05 * s, `2γC² = ${2 * 0.01 * C * C} vs η s = ${0.05 * s}`);
  assert.equal(r.symmetries[0].equilibrium, null, 'no equilibrium on the start orbit without weight decay (first sgd line)');
});

test('Monte Carlo noise: the rescaling equilibrium u² = w² is exact whatever the sample (Σ_uu/Σ_ww = w²/u²)', () => {
  const src = 'param u = 1.2\nparam w = 0.4\ndata x ~ normal(0,1)\nloss = log(1 + exp(-u*w*x))\ntrain sgd(lr = 0.1)\n';
  const r = analyzeSource(src);
  assert.equal(r.noise?.method, 'monte-carlo');
  const { u, w } = r.symmetries[0].equilibrium!.point;
  assert.ok(Math.abs(u * u - w * w) < 1e-12 && Math.abs(u * w - 0.48) < 1e-12);
});

test('a finite data set uses the exact average over it', () => {
  const r = analyzeSource(readExample('finite-dataset.loss'));
  assert.equal(r.noise?.method, 'dataset');
  assert.equal(r.noise?.samples, 64);
  const { u, w } = r.predictions![0].endPoint!;
  assert.ok(Math.abs(u * u - w * w) < 1e-12);
});

function invariantsOf(point: Record<string, number>, k: number): { UtU: Matrix; WWt: Matrix } {
  const U = new Matrix(Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => point[`U[${i},${j}]`])));
  const W = new Matrix(Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => point[`W[${i},${j}]`])));
  return { UtU: U.transpose().mmul(U), WWt: W.mmul(W.transpose()) };
}

function assertClose(A: Matrix, B: Matrix, tol: number, what: string): void {
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < A.columns; j++) assert.ok(Math.abs(A.get(i, j) - B.get(i, j)) < tol, `${what}[${i},${j}] = ${A.get(i, j)} vs ${B.get(i, j)}`);
}

for (const k of [2, 3] as const) {
  test(`GL(${k}) two-layer linear net, correlated inputs and anisotropic label noise: the law-of-balance point matches THEORY §4's closed form to 1e-6`, () => {
    const { Lx, Le, V } = CORRELATED[k];
    const r = analyzeSource(twoLayerSource(k, Lx, Le, V));
    assert.equal(r.symmetries.filter((s) => s.matrix).length, (k * (k + 1)) / 2);
    const p = r.predictions![0];
    assert.equal(p.status, 'equilibrium', p.reason);
    // With anisotropic label noise the group's rotations turn the charges at the law-of-balance
    // point, so SGD ends elsewhere (slowDrift.ts; the simulation test checks where): that point is
    // reported as \`balance\`, and it is THEORY §4's closed form.
    assert.ok(p.balance, 'the balance point is reported beside the end point');
    const cf = closedForm(Lx, Le, V);
    const b = invariantsOf(p.balance.point, k);
    assertClose(b.UtU, cf.S, 1e-6, 'UᵀU');
    assertClose(b.WWt, cf.WWt, 1e-6, 'WWᵀ');
    assert.ok(p.relaxationSteps !== null && p.relaxationSteps > 0);
    assert.ok(p.rotation && p.rotation.some((w) => w !== 0), 'the charges turn at the end point');
  });

  test(`GL(${k}) with isotropic label noise: the end point is the closed form (no rotation)`, () => {
    const { Lx, V } = CORRELATED[k];
    const Le =
      k === 2
        ? [
            [0.4, 0],
            [0, 0.4],
          ]
        : [
            [0.4, 0, 0],
            [0, 0.4, 0],
            [0, 0, 0.4],
          ];
    const r = analyzeSource(twoLayerSource(k, Lx, Le, V));
    const p = r.predictions![0];
    assert.equal(p.balance, undefined);
    const cf = closedForm(Lx, Le, V);
    const e = invariantsOf(p.endPoint!, k);
    assertClose(e.UtU, cf.S, 1e-6, 'UᵀU');
    assertClose(e.WWt, cf.WWt, 1e-6, 'WWᵀ');
  });
}

test("anisotropic two-layer net with one output: SGD balances the layers in the data's metric (tr Σx·WᵀW = U Σx Uᵀ), not by norm, and the unused hidden direction collapses", () => {
  const r = analyzeSource(readExample('anisotropic-two-layer.loss'));
  assert.equal(r.symmetries.length, 3);
  const p = r.predictions![0];
  assert.equal(p.status, 'equilibrium');
  assert.ok(p.residual! < 1e-8, `residual ${p.residual}`);
  const e = p.endPoint!;
  const U = [
    [e['U[0,0]'], e['U[0,1]']],
    [e['U[1,0]'], e['U[1,1]']],
  ];
  const W = [e['W[0,0]'], e['W[0,1]']];
  // The file: x ~ normal(0, [2, 1]) so Σx = diag(4, 1), tr Σx = 5; the scalar output's noise Σε cancels.
  const sx = [4, 1];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const dataMetric = U[i][0] * sx[0] * U[j][0] + U[i][1] * sx[1] * U[j][1];
      assert.ok(Math.abs(5 * W[i] * W[j] - dataMetric) < 1e-6, `tr Σx·(WᵀW)[${i},${j}] = ${5 * W[i] * W[j]} vs (U Σx Uᵀ)[${i},${j}] = ${dataMetric}`);
      // Norm balance would be U Uᵀ = WᵀW: each rescaling charge ‖U_i‖² − W_i² would vanish.
      if (i === j)
        assert.ok(U[i][0] ** 2 + U[i][1] ** 2 - W[i] ** 2 > 0.1, `not norm-balanced: ‖U_${i}‖² − W_${i}² = ${U[i][0] ** 2 + U[i][1] ** 2 - W[i] ** 2}`);
    }
  }
  assert.ok(p.charges[0]! > 0.1 && p.charges[1]! > 0.1, `the rescaling charges stay away from 0: ${p.charges.join(', ')}`);
  // WᵀW has rank 1, so U Σx Uᵀ and U do: the hidden direction the output does not use collapses
  // (det U = 0.58 at the start).
  assert.ok(Math.abs(U[0][0] * U[1][1] - U[0][1] * U[1][0]) < 1e-3, `det U = ${U[0][0] * U[1][1] - U[0][1] * U[1][0]}`);
  // And the product is the regression: W U = [1, 0.5].
  assert.ok(Math.abs(W[0] * U[0][0] + W[1] * U[1][0] - 1) < 1e-6 && Math.abs(W[0] * U[0][1] + W[1] * U[1][1] - 0.5) < 1e-6);
});

test('stability: lr at or above 2/λ_max(H) at the start or the end is a warning on lr with a fix', () => {
  // λ_max of the scalar net at its minimum u = w = √2 is 2·(u² + w²)/2·E[x²] = 4: the bound is 0.5.
  const src = readExample('two-layer-scalar.loss').replace('train sgd(lr = 0.05,', 'train sgd(lr = 0.6,');
  const r = analyzeSource(src);
  const d = r.diagnostics.find((x) => x.severity === 'warning' && /stability bound/.test(x.message));
  assert.ok(d, 'a warning');
  assert.equal(d.line, 11);
  assert.equal(src.split('\n')[10].slice(d.column - 1, d.endColumn - 1), '0.6');
  assert.ok(d.fix && Number(d.fix.replacement) < 0.5);
  const st = r.stability!.find((s) => s.run === 0)!;
  assert.ok(Math.abs(st.lambdaMaxEnd! - 4) < 1e-6, `λ_max at the end ${st.lambdaMaxEnd}`);
  assert.ok(!analyzeSource(readExample('two-layer-scalar.loss')).diagnostics.some((x) => /stability bound/.test(x.message)), 'no warning at lr = 0.05');
});
