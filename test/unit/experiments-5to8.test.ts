// Experiments 5–10 and 13 at the small size: each passes every check, reports figures, and its statistical
// checks carry real (positive, finite) standard errors, so a pass means something.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkSource } from '../../src/core/lang/check';
import { deepDiagonal } from '../../src/core/experiments/deepDiagonal';
import { escape, kestenIndex, wls } from '../../src/core/experiments/escape';
import { noiseCurvature } from '../../src/core/experiments/noiseCurvature';
import { sharpness } from '../../src/core/experiments/sharpness';
import { discreteEquilibrium, fitLinearQuadratic } from '../../src/core/experiments/discreteEquilibrium';
import { escapeContrast } from '../../src/core/experiments/escapeContrast';
import { escapeDimension } from '../../src/core/experiments/escapeDimension';
import { lossReader } from '../../src/core/experiments/files';
import { findExperiment } from '../../src/core/experiments/registry';
import { Experiment } from '../../src/core/experiments/types';

const readLoss = lossReader();

test('Kesten index: β = 2 exactly where the second moment diverges (η(1 + 2/B) = 2 for unit-variance data)', () => {
  assert.ok(Math.abs(kestenIndex(1, 2) - 2) < 1e-6, `β(η = 1, B = 2) = ${kestenIndex(1, 2)}`);
  assert.ok(Math.abs(kestenIndex(0.5, 1) - 2.904) < 2e-3, `β(0.5, 1) = ${kestenIndex(0.5, 1)} (PAPERS.md table: 2.90)`);
});

test('weighted least squares recovers a line and its χ²', () => {
  const f = wls([0, 1, 2, 3], [1, 3, 5, 7], [0.1, 0.1, 0.1, 0.1]);
  assert.ok(Math.abs(f.slope - 2) < 1e-12 && Math.abs(f.intercept - 1) < 1e-12 && f.chi2 < 1e-20 && f.dof === 2);
  assert.ok(Math.abs(f.slopeSe - 0.1 / Math.sqrt(5)) < 1e-12);
});

test('the aη + cη² fit recovers both coefficients and the standard error of a', () => {
  const eta = [0.01, 0.02, 0.04];
  const f = fitLinearQuadratic(
    eta,
    eta.map((e) => 3 * e - 5 * e * e),
    [1e-3, 1e-3, 1e-3],
  );
  assert.ok(Math.abs(f.a - 3) < 1e-9 && Math.abs(f.c + 5) < 1e-7, `${f.a}, ${f.c}`);
  // Var(a) = (XᵀWX)⁻¹₁₁ for X = [η, η²], W = I/σ².
  const s11 = eta.reduce((a, e) => a + e * e, 0) / 1e-6;
  const s12 = eta.reduce((a, e) => a + e ** 3, 0) / 1e-6;
  const s22 = eta.reduce((a, e) => a + e ** 4, 0) / 1e-6;
  assert.ok(Math.abs(f.seA - Math.sqrt(s22 / (s11 * s22 - s12 * s12))) < 1e-12);
});

for (const exp of [deepDiagonal, escape, noiseCurvature, sharpness, discreteEquilibrium, escapeContrast, escapeDimension] as Experiment[]) {
  test(`experiment ${exp.name} (small) passes with non-trivial standard errors`, async () => {
    assert.equal(findExperiment(exp.name), exp, 'registered');
    for (const f of exp.lossFiles) {
      const r = checkSource(readLoss(f), {});
      assert.ok(r.model, `${f}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    }
    // CPU time of the whole process (its worker threads included): a busy machine does not inflate it.
    const cpu0 = process.cpuUsage();
    const res = await exp.run({ size: 'small', readLoss });
    const cpu = process.cpuUsage(cpu0);
    const seconds = (cpu.user + cpu.system) / 1e6;
    const failed = res.checks
      .filter((c) => !c.pass)
      .map((c) => `${c.name}: predicted ${c.predicted}, measured ${c.measured} ± ${c.stdErr} (tolerance ${c.tolerance})`);
    assert.deepEqual(failed, [], 'every check passes');
    assert.ok(res.pass && res.checks.length >= 5, `${res.checks.length} checks`);
    assert.ok(res.figures.length >= 1 && res.figures.every((f) => f.series.length > 0 && f.series.every((s) => s.x.length === s.y.length)));
    assert.ok(res.notes.length >= 2);
    for (const c of res.checks) assert.ok(Number.isFinite(c.stdErr) && c.stdErr >= 0 && Number.isFinite(c.tolerance), `${c.name}: stdErr ${c.stdErr}`);
    const statistical = res.checks.filter((c) => c.stdErr > 0);
    assert.ok(statistical.length >= 2, 'statistical checks with positive standard errors');
    // Standard errors small enough to be informative: below the scale of the measured quantity (a
    // difference predicted to be 0 measures noise of the order of its SE, so it has no scale here).
    for (const c of statistical.filter((x) => x.predicted !== 0))
      assert.ok(c.stdErr <= Math.max(Math.abs(c.measured), Math.abs(c.predicted), 1e-3), `${c.name}: SE ${c.stdErr} vs ${c.measured}`);
    assert.ok(seconds < 120, `${exp.name} took ${seconds} s of CPU`);
  });
}

test('exit times depend on η and h* only through η·h*: the exact solver is invariant under w̃ = √h*·w', async () => {
  const { exactMeanExitSteps, exitStepsForKernel } = await import('../../src/core/experiments/escape');
  const base = exactMeanExitSteps(0.5, 1, 4);
  for (const h of [2, 0.5, 3]) {
    const scaled = exactMeanExitSteps(0.5 / h, 1, 4 / Math.sqrt(h), 201, 200, h);
    assert.ok(Math.abs(scaled - base) < 1e-9 * base, `h* = ${h}: ${scaled} vs ${base}`);
  }
  // A one-node kernel is the AR(1) chain: with a = 0 every step is a fresh N(0, sd²), so the exit
  // time is geometric with success probability P(|N(0, sd²)| > r) (for a start inside).
  const sd = 0.7;
  const r = 1;
  const p = 0.1531274510196696; // P(|N(0, 0.7²)| > 1) = erfc(1/(0.7·√2)), from Python's math.erfc
  assert.ok(Math.abs(exitStepsForKernel([{ a: 0, sd, w: 1 }], r, 201) - 1 / p) < 1e-5 / p);
});

test('the exact mean exit time of the escape experiment matches 4096 simulated chains', async () => {
  const { exactMeanExitSteps } = await import('../../src/core/experiments/escape');
  const { simulateSource } = await import('../../src/core/numeric/runner');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const src = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'experiments', 'escape.loss'), 'utf8');
  // The discretisation converges: 201 against 401 cells agree to 0.1%.
  const fine = exactMeanExitSteps(0.5, 1, 2, 401);
  const mid = exactMeanExitSteps(0.5, 1, 2, 201);
  assert.ok(Math.abs(fine - mid) < 1e-3 * fine, `${mid} vs ${fine}`);
  const run = (
    await simulateSource(src, { workers: 2, trains: [{ lr: 0.5, batch: 1, chains: 4096, seed: 77 }], escape: { component: 'w', above: 2, below: -2 } })
  ).runs[0];
  const t = run.firstPassage!.filter((x): x is number => x !== null);
  assert.equal(t.length, 4096);
  const m = t.reduce((a, b) => a + b, 0) / t.length;
  const se = Math.sqrt(t.reduce((a, b) => a + (b - m) ** 2, 0) / (t.length - 1) / t.length);
  assert.ok(Math.abs(m - mid) < 4 * se, `simulated ${m} ± ${se} steps vs exact ${mid}`);
});
