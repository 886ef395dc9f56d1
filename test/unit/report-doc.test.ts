// Reports: TeX in experiment notes (MathML in the saved HTML, Unicode in the terminal), the report
// documents the report webview shows (experiments, sweeps), and their validation by the protocol.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { noteHtml, notePlain, reportHtml, reportText } from '../../src/core/experiments/report';
import type { ExperimentResult } from '../../src/core/experiments/types';
import type { SweepResult } from '../../src/core/numeric/sweep';
import { isFromWebviewMessage, isReportDoc, isToWebviewMessage, ToWebviewType } from '../../src/shared/protocol';
import { experimentReportDoc, sweepFigure, sweepReportDoc } from '../../src/shared/reportDoc';

const NOTE = 'with γ = 0.1 GD decays as $e^{-2\\gamma t}$ (1.2e-3); a < b';

const EXPERIMENT: ExperimentResult = {
  name: 'balance',
  title: 'Balance',
  size: 'small',
  seconds: 1.5,
  pass: false,
  notes: [NOTE],
  checks: [
    { name: 'C at t=10', predicted: 1, measured: 1.01, stdErr: 0.01, tolerance: 0.04, pass: true },
    { name: 'C at t=20', predicted: 1, measured: 2, stdErr: 0.01, tolerance: 0.04, pass: false, note: 'off' },
  ],
  figures: [
    {
      id: 'f',
      title: 'C(t)',
      xLabel: 't',
      yLabel: 'C',
      series: [
        { name: 'C', x: [0, 1], y: [1, 2], yErr: [0.1, 0.1] },
        { name: 'C: law', x: [0, 1], y: [1, 2], style: 'dashed' },
      ],
    },
  ],
};

test('TeX in notes: MathML in the HTML report (no raw e^{…}), Unicode in the text report', () => {
  const html = noteHtml(NOTE);
  assert.match(html, /<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML">/);
  assert.ok(!/\$|e\^\{/.test(html.replace(/<annotation[^>]*>.*?<\/annotation>/g, '')), 'no raw TeX outside the MathML annotation');
  assert.match(html, /a &lt; b/, 'text is escaped');
  assert.equal(notePlain(NOTE), 'with γ = 0.1 GD decays as e⁻²ᵞᵗ (1.2e-3); a < b');
  assert.equal(notePlain('$x^{ab}$ and $\\eta$'), 'x^(ab) and η');
  assert.match(reportHtml([EXPERIMENT]), /<msup><mi>e<\/mi>/);
  assert.match(reportText(EXPERIMENT), /decays as e⁻²ᵞᵗ/);
  assert.match(noteHtml('bad $\\frac{$ tex'), /<code>\\frac\{<\/code>/, 'TeX that does not parse is shown as code');
});

test("an experiment's report document: sections, checks table with pass/fail rows, valid for the protocol", () => {
  const doc = experimentReportDoc([EXPERIMENT], ['/s/balance.html', '/s/balance.json']);
  assert.ok(isReportDoc(doc));
  assert.equal(doc.status, 'fail');
  assert.deepEqual(doc.sections[0].tables[0].rowStatus, ['pass', 'fail']);
  assert.equal(doc.sections[0].tables[0].rows[1][5], 'FAIL');
  assert.deepEqual(doc.sections[0].paragraphs, [NOTE]);
  assert.ok(isToWebviewMessage({ id: 1, type: ToWebviewType.Report, doc }));
  assert.ok(
    !isReportDoc({ ...doc, sections: [{ ...doc.sections[0], figures: [{ ...doc.sections[0].figures[0], series: [{ name: 'x', x: [1, 2], y: [1] }] }] }] }),
    'x and y of unequal length',
  );
  assert.ok(!isReportDoc({ ...doc, kind: 'html' }));
  assert.ok(isFromWebviewMessage({ id: 2, type: 'ready', view: 'report' }));
});

const SWEEP: SweepResult = {
  file: 'lr.loss',
  key: 'lr',
  train: 0,
  optimizer: 'sgd',
  components: ['w'],
  values: [0.2, 0.05, 0.1],
  cancelled: false,
  points: [0.2, 0.05, 0.1].map((v) => ({
    value: v,
    status: 'completed',
    reached: v !== 0.2,
    burnin: 10,
    samples: 100,
    lr: v,
    batch: 1,
    steps: 1000,
    chains: 4,
    diverged: 0,
    stepsPerSecond: 1e6,
  })),
  quantities: [
    { id: 'loss', kind: 'loss', label: 'loss after burn-in', measured: [0.2, 0.1, 0.15], stdErr: [0.01, null, 0.01], theory: [null, null, null] },
    {
      id: 'var:w',
      kind: 'variance',
      label: 'Var[w]',
      measured: [0.036, 0.0068, 0.0147],
      stdErr: [0.001, 0.0001, 0.0002],
      theory: [0.0357, 0.00676, 0.0147],
      theorySource: 'THEORY §5',
    },
  ],
};

test('a sweep document: quantities with theory first, x sorted, theory dashed, the run table, warnings', () => {
  const doc = sweepReportDoc(SWEEP, 'lr.loss');
  assert.ok(isReportDoc(doc));
  const figs = doc.sections[0].figures;
  assert.deepEqual(
    figs.map((f) => f.id),
    ['sweep-var_w', 'sweep-loss'],
  );
  assert.deepEqual(figs[0].series[0].x, [0.05, 0.1, 0.2]);
  assert.deepEqual(figs[0].series[0].y, [0.0068, 0.0147, 0.036]);
  assert.deepEqual(figs[0].series[1], { name: 'Var[w]: theory', x: [0.05, 0.1, 0.2], y: [0.00676, 0.0147, 0.0357], style: 'dashed' });
  assert.equal(figs[1].series.length, 1, 'no theory line for the loss');
  assert.deepEqual(figs[1].series[0].yErr, [0, 0.01, 0.01], 'a missing SE draws no bar');
  assert.ok(doc.sections[0].paragraphs.some((p) => /Theory: THEORY §5/.test(p)));
  assert.ok(doc.sections[0].paragraphs.some((p) => /Not stationary at the end .*lr = 0\.2/.test(p)));
  assert.deepEqual(doc.sections[0].tables[0].columns, ['lr', 'status', 'stationary', 'Var[w]', 'loss after burn-in']);
  assert.equal(doc.sections[0].tables[0].rows[0][3], '0.036 ± 0.001 (theory 0.0357)');
  const eta = sweepFigure(SWEEP, { ...SWEEP.quantities[1], kind: 'charge', etaTerm: [0.001, 0, null] });
  assert.equal(eta.series.length, 3);
  assert.ok(Number.isNaN(eta.series[2].y[1]) && eta.series[2].y[2] === 0.0357 + 0.001, 'theory + O(η) term where both exist, in x order');
});
