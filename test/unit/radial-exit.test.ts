// The exact n-dimensional exit-time solver of experiment 13 (radialExit.ts) and the simulator's
// ‖θ‖² escape condition it is compared with.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { exactMeanExitSteps } from '../../src/core/experiments/escape';
import { gaussHermiteNormal, radialMeanExitSteps } from '../../src/core/experiments/radialExit';
import { withDimension } from '../../src/core/experiments/escapeDimension';
import { lossReader } from '../../src/core/experiments/files';
import { simulateSource } from '../../src/core/numeric/runner';

test('Gauss–Hermite nodes integrate the normal moments exactly', () => {
  const { x, w } = gaussHermiteNormal(20);
  const moment = (k: number) => w.reduce((a, wi, i) => a + wi * x[i] ** k, 0);
  // E x^{2k} = (2k − 1)!!: exact for degree < 40.
  for (const [k, m] of [
    [0, 1],
    [2, 1],
    [4, 3],
    [6, 15],
    [10, 945],
    [20, 654729075],
  ] as [number, number][])
    assert.ok(Math.abs(moment(k) - m) < 1e-11 * m, `E x^${k} = ${moment(k)}`);
  assert.ok(Math.abs(moment(3)) < 1e-12);
});

test("n = 1: the radial chain is the 1-D chain w' = (1 − ηx²)w + ηxy of experiment 6", () => {
  const radii = [1, 2, 3];
  const radial = radialMeanExitSteps(0.5, 1, radii, { cellsPerUnit: 60 });
  radii.forEach((r, k) => {
    const oneD = exactMeanExitSteps(0.5, 1, r, 401);
    assert.ok(Math.abs(radial[k] - oneD) < 5e-3 * oneD, `r = ${r}: radial ${radial[k]} vs 1-D ${oneD}`);
  });
});

test('the exact exit times converge with the grid, and fall with the dimension at every radius', () => {
  const radii = [1, 2];
  const byN = [1, 2, 4].map((n) => {
    const fine = radialMeanExitSteps(0.3, n, radii);
    const coarse = radialMeanExitSteps(0.3, n, radii, { cellsPerUnit: 16, hermite: 28, simpson: 32 });
    fine.forEach((v, k) => assert.ok(Math.abs(v - coarse[k]) < 0.02 * v, `n = ${n}, r = ${radii[k]}: ${v} vs ${coarse[k]}`));
    return fine;
  });
  for (let k = 0; k < radii.length; k++) assert.ok(byN[0][k] > byN[1][k] && byN[1][k] > byN[2][k], `r = ${radii[k]}: ${byN.map((v) => v[k]).join(' > ')}`);
  assert.throws(() => radialMeanExitSteps(0.3, 2, [Math.SQRT2]), /integer/);
});

// The simulator's ‖θ‖² escape condition against the exact solver: the straight-line kernel (3
// components) and the tensor kernel (80 components, beyond its 64), each within 4 standard errors.
// Small steps need fine cells (the kernel is cell-averaged): 200 cells of [0, 0.5) at n = 80.
for (const [n, eta, r, perUnit] of [
  [3, 0.3, 1.5, 40],
  [80, 0.01, 0.5, 400],
] as [number, number, number, number][]) {
  test(`mean exit time from ‖w‖² > r² in ${n} dimensions: simulated against the exact radial chain`, async () => {
    const source = withDimension(lossReader()('escape-dimension.loss'), n);
    const chains = 2048;
    const sim = await simulateSource(source, {
      file: 'escape-dimension.loss',
      trains: [{ lr: eta, batch: 1, chains, seed: 77 }],
      escape: { norm2Above: r * r },
      workers: 0,
    });
    const times = (sim.runs[0].firstPassage ?? []).filter((t): t is number => t !== null);
    assert.equal(times.length, chains, 'every chain escapes');
    const m = times.reduce((a, t) => a + t, 0) / chains;
    const se = Math.sqrt(times.reduce((a, t) => a + (t - m) ** 2, 0) / (chains - 1) / chains);
    const [exact] = radialMeanExitSteps(eta, n, [r], { cellsPerUnit: perUnit });
    assert.ok(Math.abs(m - exact) < 4 * se + 0.01 * exact, `n = ${n}: measured ${m} ± ${se}, exact ${exact}`);
  });
}

test('escape: a threshold on a component needs the component', async () => {
  const source = withDimension(lossReader()('escape-dimension.loss'), 2);
  await assert.rejects(simulateSource(source, { trains: [{ chains: 2, steps: 10 }], escape: { above: 1 }, workers: 0 }), /needs its `component`/);
});
