// Law (C) in closed form: `laws.sgdClosedForm.expr` (the whole right-hand side in `.loss` syntax) is
// evaluated at random parameters through the language itself and compared with the law's
// definition −2γC + ηκ·tr(AΣ) + η·∇LᵀA∇L computed independently: by Monte Carlo over the data laws
// (an unbiased estimator, tolerance 5 standard errors) or exactly over a finite data set (1e-9).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSource, SymmetryReport } from '../../src/core/analysis/analyze';
import { checkSource } from '../../src/core/lang/check';
import { Model } from '../../src/core/lang/model';
import { compileLossGradient } from '../../src/core/tensor/evaluate';
import { datasetRows, drawExample } from '../../src/core/analysis/points';
import { Rng } from '../../src/core/util/rng';
import { evalExpr, EXAMPLES, modelOf, readExample } from './helpers';

const readFile = (p: string) => fs.readFileSync(path.resolve(EXAMPLES, p), 'utf8');

/** θᵀAθ (or vᵀθ). */
function chargeOf(s: SymmetryReport, x: ArrayLike<number>): number {
  if (s.direction) return s.direction.reduce((a, v, i) => a + v * x[i], 0);
  const A = s.matrix as number[][];
  let c = 0;
  for (let i = 0; i < A.length; i++) for (let j = 0; j < A.length; j++) c += x[i] * A[i][j] * x[j];
  return c;
}

/**
 * The drift of law (C) at θ from per-example gradients: exact over a finite set, else an unbiased
 * Monte Carlo estimate (U-statistic for ∇LᵀA∇L) with its standard error from 20 batches.
 */
function drift(
  model: Model,
  s: SymmetryReport,
  theta: Float64Array,
  eta: number,
  kappa: number,
  gamma: number,
  samples: number,
): { value: number; se: number } {
  const A = s.matrix as number[][];
  const n = theta.length;
  const fn = compileLossGradient(model);
  const out = new Float64Array(1 + n);
  const rows = datasetRows(model);
  const dim = model.dataComponents.length;
  const quad = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let q = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (A[i][j] !== 0) q += a[i] * A[i][j] * b[j];
    return q;
  };
  const estimate = (grads: Float64Array[], unbiased: boolean) => {
    const N = grads.length;
    const mean = new Float64Array(n);
    let qbar = 0;
    for (const g of grads) {
      for (let i = 0; i < n; i++) mean[i] += g[i] / N;
      qbar += quad(g, g) / N;
    }
    // ḡᵀAḡ is biased by tr(AΣ)/N; (N²ḡᵀAḡ − Σ gᵀAg)/(N(N − 1)) is not.
    const gAg = unbiased ? (N * N * quad(mean, mean) - N * qbar) / (N * (N - 1)) : quad(mean, mean);
    return -2 * gamma * chargeOf(s, theta) + eta * kappa * (qbar - gAg) + eta * gAg;
  };
  const z = new Float64Array(dim);
  if (rows) {
    const N = rows.length / dim;
    const grads = Array.from({ length: N }, (_, r) => {
      fn(theta, rows.subarray(r * dim, (r + 1) * dim), out);
      return out.slice(1);
    });
    return { value: estimate(grads, false), se: 0 };
  }
  const rng = new Rng(99, 3, 7);
  const batches = 20;
  const per = Math.floor(samples / batches);
  const values: number[] = [];
  for (let b = 0; b < batches; b++) {
    const grads = Array.from({ length: per }, () => {
      drawExample(model, rng, z);
      fn(theta, z, out);
      return out.slice(1);
    });
    values.push(estimate(grads, true));
  }
  const m = values.reduce((a, v) => a + v, 0) / batches;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (batches - 1));
  return { value: m, se: sd / Math.sqrt(batches) };
}

test("two-layer-scalar: the closed form is the issue's −η[(2(uw−2)² + 0.25)/B + (uw−2)²](u² − w²), factorised", () => {
  const src = readExample('two-layer-scalar.loss');
  const r = analyzeSource(src);
  const law = r.symmetries[0].laws.sgdClosedForm!;
  assert.ok(law, r.symmetries[0].laws.sgdClosedFormNote);
  assert.equal(law.factorised, true);
  assert.match(law.text, /^d\(u² − w²\)\/dt = −η·\[\(1\/B\)·\(2·u²·w² − 8·u·w \+ 8\.25\) \+ \(u²·w² − 4·u·w \+ 4\)\]·\(u² − w²\)/);
  const model = modelOf(src);
  const rng = new Rng(5, 0, 9);
  for (let k = 0; k < 20; k++) {
    const u = 3 * rng.normal();
    const w = 3 * rng.normal();
    const m = u * w - 2;
    const exact = -0.05 * ((2 * m * m + 0.25) / 4 + m * m) * (u * u - w * w);
    const got = evalExpr(model, law.expr, [u, w]);
    assert.ok(Math.abs(got - exact) <= 1e-12 * Math.abs(exact), `${got} vs ${exact}`);
  }
});

test('every example with a closed form: expr agrees with the law (C) drift at random parameters (MC within 5 SE, finite sets to 1e-9)', () => {
  const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.loss'));
  let checked = 0;
  for (const f of files) {
    const src = readExample(f);
    const r = analyzeSource(src, { readFile });
    const model = checkSource(src, { readFile }).model!;
    const sgd = model.trains.find((t) => t.optimizer === 'sgd') ?? model.trains[0];
    const eta = sgd?.lr ?? 0.01;
    const gamma = sgd?.weightDecay ?? 0;
    const N = model.dataset?.size;
    const kappa = sgd ? (model.dataset && sgd.sampling === 'without_replacement' ? (N! - sgd.batch) / (sgd.batch * (N! - 1)) : 1 / sgd.batch) : 1;
    const rng = new Rng(11, 1, 9);
    r.symmetries.forEach((s) => {
      const law = s.laws.sgdClosedForm;
      if (!law || !s.matrix) return;
      for (let p = 0; p < 2; p++) {
        const theta = Float64Array.from(model.components, () => 0.8 * rng.normal());
        const got = evalExpr(model, law.expr, theta);
        const d = drift(model, s, theta, eta, kappa, gamma, 40_000);
        const tol = d.se === 0 ? 1e-9 * Math.max(1e-12, Math.abs(d.value)) : 5 * d.se;
        assert.ok(Math.abs(got - d.value) <= tol, `${f} ${s.charge.text}: closed form ${got} vs drift ${d.value} ± ${d.se}`);
        checked++;
      }
    });
  }
  assert.ok(checked >= 10, `${checked} comparisons`);
});

test('weight decay enters the closed form as −2γC; a loss the data enter non-polynomially has none, with a reason', () => {
  const src = readExample('two-layer-scalar.loss').replace('train sgd(lr = 0.05, batch = 4', 'train sgd(lr = 0.05, weight_decay = 0.1, batch = 4');
  const law = analyzeSource(src).symmetries[0].laws.sgdClosedForm!;
  const model = modelOf(src);
  const [u, w] = [1.3, -0.4];
  const m = u * w - 2;
  const exact = (-2 * 0.1 - 0.05 * ((2 * m * m + 0.25) / 4 + m * m)) * (u * u - w * w);
  const got = evalExpr(model, law.expr, [u, w]);
  assert.ok(Math.abs(got - exact) <= 1e-12 * Math.abs(exact), `${got} vs ${exact}`);
  // The decay term and the noise term join with one sign, in text and TeX.
  assert.match(law.text, /^d\(u² − w²\)\/dt = −2γ·\(u² − w²\) − η·\[/);
  assert.match(law.tex, /-2\\gamma \\left\(u\^\{2\} - w\^\{2\}\\right\) - \\eta\\left\[/);
  // A law exact in the parameters but not polynomial (a normalised model): TeX with real backslashes.
  const scaled = analyzeSource(readExample('scale-invariant.loss')).symmetries[0].laws.sgdClosedForm!;
  for (const tex of [scaled.tex, scaled.equilibrium.tex]) {
    // eslint-disable-next-line no-control-regex -- control characters are what a lost backslash leaves
    assert.doesNotMatch(tex, /[\u0000-\u001f]/, 'no control characters from unescaped \\f, \\t, \\n');
    assert.match(tex, /\\(frac|dot)/);
  }
  const relu = analyzeSource(readExample('relu-network.loss')).symmetries[0].laws;
  assert.equal(relu.sgdClosedForm, null);
  assert.match(relu.sgdClosedFormNote!, /not polynomial in the data/);
});
