// The small size of experiments 1–4 (balance, equilibrium, scale-invariance, fluctuations): every
// check passes, and the checks mean something: standard errors are positive where the measurement is
// random, and the tolerance is small against the effect being measured.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findExperiment, EXPERIMENTS } from '../../src/core/experiments/registry';
import { lossReader, writeReports } from '../../src/core/experiments/files';
import { check } from '../../src/core/experiments/stats';
import { reportHtml } from '../../src/core/experiments/report';
import { ExperimentResult } from '../../src/core/experiments/types';
import { mainAsync } from '../../src/cli/noether';

const readLoss = lossReader();

async function runSmall(name: string): Promise<ExperimentResult> {
  const e = findExperiment(name);
  assert.ok(e, `experiment ${name} is registered`);
  const r = await e.run({ size: 'small', workers: 2, readLoss });
  const failed = r.checks.filter((c) => !c.pass);
  assert.equal(
    failed.length,
    0,
    `failed checks:\n${failed.map((c) => `${c.name}: predicted ${c.predicted}, measured ${c.measured} ± ${c.stdErr}, tolerance ${c.tolerance}`).join('\n')}`,
  );
  assert.ok(r.pass && r.checks.length > 0);
  assert.ok(r.figures.length > 0 && r.figures.every((f) => f.series.length > 0));
  return r;
}

/** Checks whose measurement is random: a positive SE, and a tolerance small against the quantity. */
function assertMeaningful(r: ExperimentResult, pick: (name: string) => boolean, maxRelTol: number) {
  const random = r.checks.filter((c) => pick(c.name));
  assert.ok(random.length > 0, 'some random checks');
  for (const c of random) {
    assert.ok(c.stdErr > 0, `${c.name}: SE ${c.stdErr} > 0`);
    const scale = Math.max(Math.abs(c.predicted), Math.abs(c.measured));
    assert.ok(c.tolerance < maxRelTol * scale, `${c.name}: tolerance ${c.tolerance} against ${scale}`);
  }
}

test('check(): tolerance is z·SE plus the model error', () => {
  const c = check('x', 1, 1.3, 0.1);
  assert.equal(c.tolerance, 0.4);
  assert.equal(c.pass, true);
  assert.equal(check('x', 1, 1.5, 0.1).pass, false);
  assert.equal(check('x', 1, 1.5, 0.1, 4, 0.2).pass, true);
  assert.equal(check('x', NaN, 1, 0.1).pass, false);
});

test('experiment 1 (balance), small: law (C) against SGD and GD, with and without weight decay', async () => {
  const r = await runSmall('balance');
  // SGD law (C) checks on the big charges: the tolerance is under 10 % of the change.
  assertMeaningful(r, (n) => n.includes('SGD') && (n.includes('u² − w²') || n.includes('charge 1')), 0.1);
});

test('experiment 2 (equilibrium), small: ten starts on one orbit end at the solved equilibrium', async () => {
  const r = await runSmall('equilibrium');
  assertMeaningful(r, (n) => n.includes('SGD end') && !n.includes('₀₁'), 0.3);
  // GD's end points differ from start to start (they remember it): the spread of GD's (UᵀU)₀₀ over
  // the starts is far larger than the tolerance of the SGD checks.
  const fig = r.figures.find((f) => f.id === 'equilibrium-ends')!;
  const gd = fig.series.find((s) => s.name.startsWith('GD end'))!.y;
  const tol = Math.max(...r.checks.filter((c) => c.name.includes('SGD end: (UᵀU)₀₀')).map((c) => c.tolerance));
  assert.ok(Math.max(...gd) - Math.min(...gd) > 5 * tol, `GD spread ${Math.max(...gd) - Math.min(...gd)} vs SGD tolerance ${tol}`);
});

test('experiment 3 (scale-invariance), small: the norm grows under SGD as law (C) says, GD does not', async () => {
  const r = await runSmall('scale-invariance');
  assertMeaningful(r, (n) => n.startsWith('SGD'), 0.2);
});

test('experiment 4 (fluctuations), small: stationary variances and covariance against §5', async () => {
  const r = await runSmall('fluctuations');
  assertMeaningful(r, (n) => n.includes('Var'), 0.15);
});

test('reports: JSON and a self-contained HTML page with inline SVG', () => {
  const r: ExperimentResult = {
    name: 'x',
    title: 'T <b>',
    size: 'small',
    seconds: 1,
    pass: false,
    notes: ['n'],
    checks: [check('c', 1, 2, 0.1)],
    figures: [
      {
        id: 'f',
        title: 'F',
        xLabel: 'x',
        yLabel: 'y',
        yLog: true,
        series: [
          { name: 's', x: [1, 2, 3], y: [1, 10, 100], yErr: [0.1, 1, 10], style: 'points' },
          { name: 'l', x: [1, 3], y: [1, 100], style: 'dashed' },
        ],
      },
    ],
  };
  const html = reportHtml([r]);
  assert.match(html, /<svg/);
  assert.match(html, /FAIL/);
  assert.ok(!/<script/i.test(html) && !/https?:\/\//.test(html.replace('http://www.w3.org/2000/svg', '')), 'no scripts, no network');
  assert.ok(html.includes('T &lt;b&gt;'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-exp-'));
  const files = writeReports([r], dir, 'x');
  assert.equal(JSON.parse(fs.readFileSync(files.json, 'utf8')).name, 'x');
});

test('CLI: `noether experiment` usage errors exit 2; a .loss file runs as a generic experiment', async () => {
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(
    await mainAsync(
      ['experiment'],
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    2,
  );
  assert.equal(
    await mainAsync(
      ['experiment', 'no-such-experiment'],
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    2,
  );
  assert.equal(
    await mainAsync(
      ['experiment', 'balance', '--size', 'huge'],
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    2,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noether-exp-'));
  const file = path.join(dir, 'tiny.loss');
  fs.writeFileSync(
    file,
    'param u = 1.5\nparam w = 0.2\ndata x ~ normal(0, 1)\nloss = (u*w*x - 2*x)^2 / 2\ntrain sgd(lr = 0.05, batch = 1, steps = 2000, chains = 8, seed = 1)\ntrain gd(lr = 0.05, steps = 2000)\n',
  );
  const code = await mainAsync(
    ['experiment', file, '--out', dir, '--workers', '0'],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  assert.equal(code, 0, out.join('\n') + err.join('\n'));
  assert.ok(fs.existsSync(path.join(dir, 'tiny.html')) && fs.existsSync(path.join(dir, 'tiny.json')));
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'tiny.json'), 'utf8'));
  assert.ok(json.checks.some((c: { name: string }) => c.name.includes('law (D)')));
  assert.ok(json.checks.some((c: { name: string }) => c.name.includes('law C')));
  assert.ok(EXPERIMENTS.length >= 4);
});
