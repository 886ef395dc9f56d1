// Theory against simulation. Every tolerance is a multiple of a standard error that the run itself
// reports (independent chains), not a number tuned until green: with z = 4 a correct law fails
// with probability ~6e-5 per check.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { simulateSource } from '../../src/core/numeric/runner';
import { readExample } from './helpers';

const Z = 4;

function linreg(lr: number, batch: number, sigma = 0.5, a = 1): string {
  return `param w = 2\ndata x ~ normal(0, ${Math.sqrt(a)})\ndata eps ~ normal(0, ${sigma})\nloss = (w*x - (2*x + eps))^2 / 2\ntrain sgd(lr = ${lr}, batch = ${batch}, steps = 40000, chains = 64, seed = 11)\n`;
}

for (const [lr, batch] of [
  [0.1, 1],
  [0.4, 1],
  [0.1, 4],
  [0.4, 4],
] as const) {
  test(`1-D linear regression: stationary Var[w] matches THEORY.md §5 (η = ${lr}, B = ${batch})`, async () => {
    const r = await simulateSource(linreg(lr, batch), { workers: 0 });
    const run = r.runs[0];
    const sigma2 = 0.25;
    const exact = (lr * sigma2) / (batch * (2 - lr * (1 + 2 / batch)));
    const continuous = (lr * sigma2) / (2 * batch);
    const v = run.stationary.var.w;
    const se = run.stationary.varStdErr.w;
    assert.ok(se > 0 && se < 0.05 * exact, `standard error ${se} too large for the test to mean anything`);
    assert.ok(Math.abs(v - exact) < Z * se, `Var ${v} vs exact ${exact} ± ${se}`);
    assert.ok(Math.abs(run.stationary.mean.w - 2) < Z * run.stationary.meanStdErr.w);
    // At the larger step the continuous-time answer is measurably wrong.
    if (lr === 0.4) assert.ok(Math.abs(v - continuous) > Z * se, `continuous-time ${continuous} should be rejected`);
  });
}

test('d-dimensional linear regression: stationary covariance solves the §5 linear equation', async () => {
  // x ~ N(0, diag(1, 0.5)), S = 2, η = 0.2, σ = 0.3.
  const a = [1, 0.5];
  const [eta, S, sigma2] = [0.2, 2, 0.09];
  const src = `param w[2] = [1, -1]\ndata x[2] ~ normal(0, [1, ${Math.sqrt(0.5)}])\ndata eps ~ normal(0, 0.3)\nloss = (dot(w, x) - (x[0] - x[1] + eps))^2 / 2\ntrain sgd(lr = ${eta}, batch = ${S}, steps = 40000, chains = 64, seed = 5)\n`;
  const run = (await simulateSource(src, { workers: 0 })).runs[0];
  // Diagonal A: the equation decouples entrywise. For P diagonal: P_ii = P_ii − 2η a_i P_ii
  //   + η²[(1 − 1/S) a_i² P_ii + (1/S)(2 a_i² P_ii + a_i tr(AP))] + η² σ² a_i / S, solved by fixed point.
  let P = [0, 0];
  for (let it = 0; it < 10000; it++) {
    const tr = a[0] * P[0] + a[1] * P[1];
    P = a.map((ai) => (eta * eta * ((1 / S) * ai * tr + (sigma2 * ai) / S)) / (2 * eta * ai - eta * eta * ((1 - 1 / S) * ai * ai + (2 / S) * ai * ai)));
  }
  for (const [i, c] of ['w[0]', 'w[1]'].entries()) {
    const v = run.stationary.var[c];
    const se = run.stationary.varStdErr[c];
    assert.ok(Math.abs(v - P[i]) < Z * se, `${c}: Var ${v} vs ${P[i]} ± ${se}`);
  }
  // Off-diagonal covariance is zero for diagonal A.
  const cov01 = run.stationary.cov[0][1];
  assert.ok(Math.abs(cov01) < Z * Math.sqrt(run.stationary.varStdErr['w[0]'] * run.stationary.varStdErr['w[1]']) * 3, `cov ${cov01}`);
});

test('scalar two-layer net: SGD balances u² = w² from three starts; GD moves only by the discrete term', async () => {
  for (const [u, w] of [
    [1.5, 0.2],
    [0.2, 1.5],
    [-1, 0.6],
  ]) {
    const src = readExample('two-layer-scalar.loss').replace('param u = 1.5', `param u = ${u}`).replace('param w = 0.2', `param w = ${w}`);
    const r = await simulateSource(src, { workers: 0, steps: 60000, chains: 16 });
    const [sgd, gd] = r.runs;
    const c = sgd.charges[0];
    // Law (D) makes C shrink by (1 − η² ĝ_h²) every step: after 60000 steps at the minimum,
    // |C| has fallen by more than e^{-9}; the chains agree within their spread.
    assert.ok(Math.abs(c.finalMean) < 0.01 * Math.abs(c.initial), `SGD charge ${c.finalMean} from ${c.initial}`);
    assert.equal(c.predictedEquilibrium !== null && Math.abs(c.predictedEquilibrium) < 1e-9, true);
    // GD: C_{t+1} = C_t + η²(∂_uL² − ∂_wL²) exactly (gradient flow: no change at all). The change
    // GD makes is the summed discrete term, a fraction of SGD's, and does not balance the layers.
    const g = gd.charges[0];
    assert.ok(Math.abs(g.finalMean - g.initial) < 0.25 * Math.abs(c.finalMean - c.initial), `GD charge ${g.initial} → ${g.finalMean}`);
    assert.ok(Math.abs(g.finalMean) > 0.5 * Math.abs(g.initial), 'GD keeps most of its imbalance');
    assert.ok(sgd.lawResidual < 1e-9 && gd.lawResidual < 1e-9, `law (D) residual ${sgd.lawResidual}, ${gd.lawResidual}`);
  }
});

/**
 * Law (C) integrated over [k0, end] (trapezoid over the recorded predicted drift) against the
 * measured change of the chains' mean charge; the standard error of that change is at most
 * (std[k0] + std[end]) / √chains. k0 skips the first 10% of the run, where the loss transient is
 * faster than the recording interval.
 */
function lawCGap(run: import('../../src/core/numeric/types').RunResult, j = 0): { gap: number; se: number; change: number } {
  const s = run.series.charges[j];
  const d = run.series.drift[j].predicted;
  const steps = run.series.steps;
  const end = steps.length - 1;
  const k0 = Math.floor(end / 10);
  let pred = 0;
  for (let k = k0; k < end; k++) {
    const d1 = k + 1 < d.length ? d[k + 1] : d[k];
    pred += run.lr * (steps[k + 1] - steps[k]) * 0.5 * (d[k] + d1);
  }
  const change = s.mean[end] - s.mean[k0];
  return { gap: Math.abs(change - pred), se: (s.std[k0] + s.std[end]) / Math.sqrt(run.chains), change };
}

test('law (C): the charge of the scalar two-layer net changes as the law of balance predicts', async () => {
  const src = readExample('two-layer-scalar.loss');
  const run = (await simulateSource(src, { workers: 0, run: 0, steps: 20000, chains: 64 })).runs[0];
  const { gap, se, change } = lawCGap(run);
  assert.ok(Math.abs(change) > 10 * se, 'the charge moves measurably');
  assert.ok(gap < Z * se, `law (C) misses the measured change ${change} by ${gap} (se ${se})`);
});

test('scale invariance: ‖w‖² grows as law (C) predicts under SGD and stays put under GD', async () => {
  const src = readExample('scale-invariant.loss');
  const r = await simulateSource(src, { workers: 0, run: 0, steps: 4000, chains: 64 });
  const run = r.runs[0];
  const s = run.series.charges[0];
  const last = s.mean.length - 1;
  assert.ok(s.mean[last] > s.mean[0] + 10 * (s.std[last] / Math.sqrt(run.chains)), 'the norm grows under SGD');
  const { gap, se, change } = lawCGap(run);
  assert.ok(gap < Z * se, `law (C) misses the measured growth ${change} by ${gap} (se ${se})`);
  assert.ok(run.lawResidual < 1e-9);
  const gd = (await simulateSource(src, { workers: 0, trains: [{ optimizer: 'gd', steps: 4000, chains: 1 }] })).runs[0];
  const gs = gd.series.charges[0];
  // GD: only the discrete term η²‖∇L‖² moves it, and it stops once the gradient vanishes,
  // while SGD's noise keeps pushing the norm up.
  const gdChange = gs.mean[gs.mean.length - 1] - gs.mean[0];
  assert.ok(gdChange < 0.5 * (s.mean[last] - s.mean[0]), `GD grew by ${gdChange}, SGD by ${s.mean[last] - s.mean[0]}`);
  const lateGd = gs.mean[gs.mean.length - 1] - gs.mean[Math.floor(gs.mean.length / 2)];
  const lateSgd = s.mean[last] - s.mean[Math.floor(last / 2)];
  assert.ok(lateGd < 0.1 * lateSgd, `late growth: GD ${lateGd}, SGD ${lateSgd}`);
});

test('reproducible from the seed whatever the number of workers', async () => {
  const src = readExample('two-layer-scalar.loss');
  const a = await simulateSource(src, { workers: 0, run: 0, steps: 3000, chains: 6 });
  const b = await simulateSource(src, { workers: 2, run: 0, steps: 3000, chains: 6 });
  const c = await simulateSource(src, { workers: 3, run: 0, steps: 3000, chains: 6 });
  for (const other of [b, c]) {
    // Every chain's trajectory is identical; means over chains agree to the rounding of the
    // summation order (workers sum their own chains first).
    assert.deepEqual(other.runs[0].final, a.runs[0].final);
    const x = other.runs[0].series.charges[0].mean;
    const y = a.runs[0].series.charges[0].mean;
    assert.equal(x.length, y.length);
    x.forEach((v, k) => assert.ok(Math.abs(v - y[k]) <= 1e-13 * Math.max(1, Math.abs(y[k])), `record ${k}: ${v} vs ${y[k]}`));
  }
  const d = await simulateSource(src, { workers: 0, run: 0, steps: 3000, chains: 6, seed: 8 });
  assert.notDeepEqual(d.runs[0].final, a.runs[0].final);
});

test('cancellation stops a long run within a bounded amount of work once the kernel runs, and returns partial results', async () => {
  const src = readExample('two-layer-scalar.loss');
  const controller = new AbortController();
  const started = Date.now();
  let abortedAt = 0;
  let cpuAtAbort: NodeJS.CpuUsage | undefined;
  // Abort once the kernel is running (worker start-up is not what is measured): the first progress
  // with a record past step 0.
  const onProgress = (p: { partial?: { series: { steps: number[] } } }) => {
    if (abortedAt === 0 && p.partial && p.partial.series.steps.length > 1) {
      abortedAt = Date.now();
      cpuAtAbort = process.cpuUsage();
      controller.abort();
    }
  };
  const r = await simulateSource(src, { workers: 2, run: 0, steps: 50_000_000, chains: 4, signal: controller.signal, onProgress });
  assert.ok(abortedAt > 0 && cpuAtAbort, 'the run made progress');
  // CPU time of the whole process (both workers and this thread) from the abort to the result: each
  // worker finishes the kernel call it is in (bounded by work, a few ms) and stops; the rest is
  // merging the partial result. Unlike wall time it does not grow when the machine is loaded. The
  // 50 million steps left would take minutes of CPU.
  const cpu = process.cpuUsage(cpuAtAbort);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  assert.ok(r.runs[0].cancelled, 'marked cancelled');
  assert.equal(r.runs[0].status, 'cancelled');
  assert.ok(cpuMs < 1000, `${cpuMs.toFixed(0)} ms of CPU after the abort (${Date.now() - abortedAt} ms of wall time)`);
  const last = r.runs[0].series.steps[r.runs[0].series.steps.length - 1];
  assert.ok(last < 50_000_000 && Date.now() - started < 60_000, `stopped at step ${last}`);
  assert.ok(r.runs[0].series.steps.length >= 2);
});

test('a diverging run is stopped and reported with its step, chain and the last finite values', async () => {
  // Curvature 4, so GD is stable only for lr < 0.5; at lr = 1.5 every step multiplies the error by −5.
  const src = 'param w = 1.2\ndata x ~ normal(1, 0.1)\nloss = 2*(w - x)^2\ntrain sgd(lr = 1.5, batch = 1, steps = 100000, chains = 3, seed = 1)\n';
  const started = Date.now();
  const run = (await simulateSource(src, { workers: 0 })).runs[0];
  assert.ok(Date.now() - started < 5000, 'not hung');
  assert.equal(run.diverged.length, 3);
  assert.equal(run.status, 'diverged');
  for (const d of run.diverged) {
    assert.ok(d.step >= 0 && d.step < 100000);
    assert.match(d.message, /diverged at step \d+/);
    assert.ok(Number.isFinite(d.lastFinite.w));
  }
  // One summary: how many, the first step, and the bound 2/λ_max against lr.
  const s = run.divergence!;
  assert.deepEqual([s.chains, s.of], [3, 3]);
  assert.equal(s.firstStep, Math.min(...run.diverged.map((d) => d.step)));
  assert.ok(Math.abs(s.bound! - 0.5) < 1e-6, `bound ${s.bound}`);
  assert.match(s.message, /3 of 3 chains diverged, the first at step \d+/);
  assert.match(s.message, /lr = 1.5 is at or above the stability bound 2\/λ_max\(H\) = 0.500/);
  assert.match(s.message, /No chain survived: there are no statistics/);
  // No surviving chain: statistics are missing (NaN, null in JSON), never 0.
  assert.ok(Number.isNaN(run.final.mean.w) && Number.isNaN(run.stationary.mean.w) && Number.isNaN(run.stationary.var.w));
  assert.ok(run.series.survivors.every((c, k) => k === 0 || c <= 3));
});

test('escape: each chain stops at its first passage, reported per chain', async () => {
  // Stationary std ≈ 1 around 0 (THEORY.md §5 with η = 0.5, σ = 1): crossing w > 2 is frequent.
  const src =
    'param w = 0\ndata x ~ normal(0, 1)\ndata eps ~ normal(0, 1)\nloss = (w*x - eps)^2 / 2\ntrain sgd(lr = 0.5, batch = 1, steps = 200000, chains = 16, seed = 3)\n';
  const run = (await simulateSource(src, { workers: 2, escape: { component: 'w', above: 2 } })).runs[0];
  assert.equal(run.firstPassage?.length, 16);
  run.firstPassage.forEach((step, c) => {
    assert.ok(step !== null && step >= 1 && step <= 200000, `chain ${c}: ${step}`);
    assert.ok(run.finalPerChain![c][0] > 2, `chain ${c} stopped past the threshold (${run.finalPerChain![c][0]})`);
  });
  // Same passages in-process: reproducible whatever the worker count.
  const again = (await simulateSource(src, { workers: 0, escape: { component: 'w', above: 2 } })).runs[0];
  assert.deepEqual(again.firstPassage, run.firstPassage);
});

test('large models: tr H and λ_max from Hessian-vector products match the exact Hessian of linear regression', async () => {
  // L(w) = ½ E(wᵀx − y)² with x ~ N(0, diag(a)): H = diag(a) everywhere, tr H = Σa, λ_max = max a.
  const n = 50;
  const a = Array.from({ length: n }, (_, i) => 0.5 + i / n);
  const src = `param w[${n}] = 0\ndata x[${n}] ~ normal(0, [${a.map(Math.sqrt).join(', ')}])\nloss = (dot(w, x) - x[0])^2 / 2\ntrain sgd(lr = 0.01, steps = 400, chains = 1, seed = 2)\n`;
  const run = (await simulateSource(src, { workers: 0 })).runs[0];
  // Probed sparsely in time (at most 200 record points), NaN elsewhere; always at the last record.
  const probed = run.series.lambdaMaxH.map((x, k) => (Number.isFinite(x) ? k : -1)).filter((k) => k >= 0);
  assert.equal(run.series.lambdaMaxH.length, run.series.steps.length);
  assert.ok(probed.length >= 100 && probed.length <= 201, `${probed.length} probes`);
  assert.equal(probed[probed.length - 1], run.series.steps.length - 1);
  const lm = probed.map((k) => run.series.lambdaMaxH[k]);
  const tr = probed.map((k) => run.series.traceH[k]);
  // Warm-started power iteration converges along the run (eigengap 1/n: allow 2%).
  const lastL = lm[lm.length - 1];
  assert.ok(Math.abs(lastL - Math.max(...a)) < 0.02 * Math.max(...a), `λ_max ${lastL} vs ${Math.max(...a)}`);
  // Hutchinson: each record averages 2 Rademacher probes of a diagonal H: exact (zᵢ² = 1).
  const exactTrace = a.reduce((x, y) => x + y, 0);
  assert.ok(
    tr.every((t) => Math.abs(t - exactTrace) < 1e-9 * exactTrace),
    `tr H ${tr[0]} vs ${exactTrace}`,
  );
});

test('a stale worker bundle is refused with a clear message, not misread', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  // A worker that answers like a bundle built before the protocol field existed.
  const stale = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'noether-stale-')), 'simWorker.js');
  fs.writeFileSync(stale, "const { parentPort } = require('worker_threads'); parentPort.postMessage({ type: 'done', batch: {} });\n");
  const src = readExample('two-layer-scalar.loss');
  await assert.rejects(simulateSource(src, { workers: 1, run: 0, steps: 100, chains: 1, workerScript: stale }), /out of date; rebuild with `npm run build`/);
});
