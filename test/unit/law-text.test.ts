// What the core derives beyond the charges, where a researcher reads it: law (C) in closed form (the
// hover's first line, the CLI and Markdown reports), the count of all conservation laws of gradient
// flow (one sentence), and a deep chain's law of the product beside its measured quantiles and the
// histogram of its samples (the run result, the CLI and Markdown reports).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simulateSource } from '../../src/core/numeric/runner';
import { formatReport, formatSimulation } from '../../src/cli/report';
import { lossHoverMarkdown, paramHoverMarkdown } from '../../src/editor/hover/format';
import { buildReport, reportMarkdown } from '../../src/editor/report/report';
import { conservationLawsText, expectedCounts, groupClosedForms, productComparison, productFactsText } from '../../src/shared/lawText';
import { isAnalysisResult, isSimulationResult, jsonSafe } from '../../src/shared/protocol';
import { analysis, readExample, ROOT } from './helpers';

const URI = 'file:///w/model.loss';
const UW1 =
  'param u = 0.8\nparam w = 0.3\ndata x ~ normal(0, 1)\ndata y ~ normal(0, 1)\nloss = (u * (w + 1) * x - y)^2 / 2\ntrain sgd(lr = 0.01, batch = 2, steps = 100, chains = 2)\n';
const GL20 = fs.readFileSync(path.join(ROOT, 'test', 'browser', 'fixtures', 'linear-net-gl20.loss'), 'utf8');
/** Markdown without its backslash escapes. */
const plain = (s: string) => s.replace(/\\([\\`*_{}[\]()#+!|<>])/g, '$1');

test('hover: its first line is law (C) in closed form, then the equilibrium condition beside where SGD ends', () => {
  const a = analysis('two-layer-scalar');
  const law = a.symmetries[0].laws.sgdClosedForm;
  assert.ok(law, a.symmetries[0].laws.sgdClosedFormNote);
  for (const hover of [paramHoverMarkdown(a, 'u', URI), lossHoverMarkdown(a, URI, '**`loss`** — doc')]) {
    const lines = plain(hover).split('\n');
    assert.equal(lines[0].trimEnd(), law.text);
    assert.match(lines[0], /^d\(u² − w²\)\/dt = −η·\[\(1\/B\)·\(2·u²·w² − 8·u·w \+ 8\.25\) \+ \(u²·w² − 4·u·w \+ 4\)\]·\(u² − w²\) = /);
    assert.match(
      lines[1],
      /^\*equilibrium\*: u² − w² = 0, or where the rate vanishes: −0\.075·u²·w² \+ 0\.3·u·w − 0\.303125 = 0 — \*solved\*: \*\*SGD ends at\*\* u = 1\.414, w = 1\.414 · C₁ = 0 · relaxes in ≈6400 steps/,
    );
    // The generic law stays below, in the group's block.
    assert.ok(hover.indexOf('**SGD, continuous time**') > hover.indexOf('*equilibrium*'));
  }
});

test('hover: a deep chain leads with both laws; a matrix-form group points to the panel, without component sums', () => {
  const chain = plain(paramHoverMarkdown(analysis('deep-scalar-chain'), 'b', URI)).split('\n');
  assert.match(chain[0], /^d\(a² − c²\)\/dt = −η·\[/);
  assert.match(chain[1], /^d\(b² − c²\)\/dt = −η·\[/);
  assert.match(
    chain[2],
    /^\*equilibrium\*: a² − c² = 0, or where the rate vanishes: .*; b² − c² = 0, or where the rate vanishes: .* — \*solved\*: \*\*SGD ends at\*\* /,
  );
  const m = analysis('two-layer-matrix');
  const f = groupClosedForms(m, 0);
  assert.equal(f.inline, false);
  assert.equal(f.count, 6);
  const hover = plain(paramHoverMarkdown(m, 'U', URI));
  // The group's own law in matrix form leads (the papers' form on the minimum manifold).
  assert.equal(f.matrix, true);
  assert.match(hover.split('\n')[0], /^on the minimum manifold \(∇L = 0\): dQ\/dt = η·\(1\/B\)·\(Wᵀ M W − U N Uᵀ\) = −η·\(1\/B\)·0\.12·Q/);
  assert.match(hover.split('\n')[1], /^\*equilibrium\*: Wᵀ M W = U N Uᵀ — \*solved\*: \*\*SGD ends at\*\* U\[0,0\]/);
  assert.doesNotMatch(hover, /U\[0,0\]² \+/, 'no generator component sums in the hover');
  // Translations: dC/dt = 0, nothing for noise to balance.
  const soft = plain(lossHoverMarkdown(analysis('softmax-translation'), URI, 'doc'));
  assert.match(soft, /\*equilibrium\*: every value is stationary: noise does not move a translation charge — \*solved\*: /);
});

test('hover: no closed form — SGD ends first, and the group says why there is none', () => {
  const a = analysis('relu-network');
  assert.equal(a.symmetries[0].laws.sgdClosedForm, null);
  const hover = plain(paramHoverMarkdown(a, 'v', URI));
  assert.match(hover.split('\n')[0], /^\*\*SGD ends/);
  assert.match(hover, /\n- \*\*law \(C\) in closed form\*\*: none: the loss is not polynomial in the data/);
  assert.doesNotMatch(hover, /\*equilibrium\*/);
});

test('conservation laws: one sentence — all of them from the symmetries, further ones no symmetry explains, or not counted', () => {
  assert.equal(
    conservationLawsText(analysis('two-layer-scalar')),
    'The charge of the symmetries is all the conservation laws of gradient flow (Lie-algebra rank 1 of 2).',
  );
  assert.equal(
    conservationLawsText(analysis('two-layer-matrix')),
    'The 6 charges of the symmetries are all the conservation laws of gradient flow (Lie-algebra rank 12 of 18).',
  );
  const uw1 = analysis('uw1', UW1);
  assert.match(
    conservationLawsText(uw1) ?? '',
    /^1 further conservation law exists that no linear symmetry explains \(1 in all, 0 from symmetries; Lie-algebra rank 1 of 2\)\.$/,
  );
  const gl = analysis('gl20', GL20);
  assert.match(conservationLawsText(gl) ?? '', /^Conservation laws of gradient flow: not counted \(.*small models only\)\.$/);
  assert.equal(conservationLawsText({ conservationLaws: undefined }), undefined);
  // Where it is read: the hovers (parameter and loss), the CLI report, the Markdown report.
  const sentence = conservationLawsText(uw1) as string;
  assert.ok(plain(paramHoverMarkdown(uw1, 'u', URI)).includes(`*${sentence}*`));
  assert.ok(plain(lossHoverMarkdown(uw1, URI, 'doc')).includes(`*${sentence}*`));
  assert.ok(formatReport('uw1.loss', uw1).includes(`\n${sentence}\n`));
  assert.ok(reportMarkdown(buildReport('uw1.loss', uw1, undefined, 'test')).includes(sentence));
  const none = analysis('linear-regression');
  assert.match(formatReport('linear-regression.loss', none), /No continuous symmetry[^]*\nGradient flow has no conservation law here/);
});

test('CLI report: one closed-form line per symmetry, in its group or under its generator, and the note when there is none', () => {
  const scalar = formatReport('two-layer-scalar.loss', analysis('two-layer-scalar'));
  assert.match(scalar, /\n {2}charge {8}C₁ = u² − w²\n {2}law \(C\) {7}d\(u² − w²\)\/dt = −η·\[\(1\/B\)·/);
  assert.match(scalar, /\n {2}equilibrium {3}u² − w² = 0, or where the rate vanishes: /);
  assert.ok(scalar.indexOf('law (C)  ') < scalar.indexOf('SGD, in time'), 'before the generic law');
  const chain = formatReport('deep-scalar-chain.loss', analysis('deep-scalar-chain'));
  assert.equal((chain.match(/^ {2}law \(C\) {7}d\([ab]² − c²\)\/dt = /gm) ?? []).length, 2);
  const matrix = formatReport('two-layer-matrix.loss', analysis('two-layer-matrix'));
  assert.match(
    matrix,
    /\n {2}law \(C\) {7}on the minimum manifold \(∇L = 0\): dQ\/dt = η·\(1\/B\)·\(Wᵀ M W − U N Uᵀ\) = −η·\(1\/B\)·0\.12·Q[^\n]*\n {16}each generator's own closed form: under Generators, below\n {2}equilibrium {3}Wᵀ M W = U N Uᵀ\n/,
  );
  assert.equal((matrix.match(/^ {6}law \(C\): d\([^\n]*\)\/dt = η·\(1\/B\)·\(a polynomial of \d+ terms\)/gm) ?? []).length, 6, 'one line under each generator');
  const relu = formatReport('relu-network.loss', analysis('relu-network'));
  assert.match(relu, /\n {2}law \(C\) {7}closed form none: the loss is not polynomial in the data/);
});

test('Markdown report: the closed form in the group section, or a column of the generators table for a matrix-form group', () => {
  const scalar = reportMarkdown(buildReport('s.loss', analysis('two-layer-scalar'), undefined, 'test'));
  assert.match(scalar, /\n- Law \(C\) in closed form: d\(u² − w²\)\/dt = −η·\[/);
  assert.match(scalar, /\n- At the noise equilibrium: u² − w² = 0, or where the rate vanishes: /);
  assert.doesNotMatch(scalar, /\| law \(C\) in closed form \|/);
  const matrix = reportMarkdown(buildReport('m.loss', analysis('two-layer-matrix'), undefined, 'test'));
  assert.match(
    matrix,
    /\n- Law \(C\) in closed form: on the minimum manifold \(∇L = 0\): dQ\/dt = [^\n]*\n- Each generator's own law \(C\), anywhere: in the table of generators below\n/,
  );
  assert.match(matrix, /start's orbit \(secondary\) \| law \(C\) in closed form \|\n/);
  assert.equal((matrix.match(/\| d\([^|]*\)\/dt = η·\(1\/B\)[^|]*\|\n/g) ?? []).length, 6);
});

test('expected counts of a density over histogram bins: the mass of each bin times n, in either grid order, 0 off the grid', () => {
  // A uniform density on [0, 2] (p = 0.5): a bin of width w holds n·w/2.
  const uniform = { x: [0, 0.5, 1, 1.5, 2], p: [0.5, 0.5, 0.5, 0.5, 0.5] };
  assert.deepEqual(expectedCounts(uniform, [0, 0.25, 1, 2], 100), [12.5, 37.5, 50]);
  assert.deepEqual(expectedCounts({ x: [...uniform.x].reverse(), p: uniform.p }, [0, 0.25, 1, 2], 100), [12.5, 37.5, 50]);
  assert.deepEqual(expectedCounts(uniform, [2.5, 3, 4], 100), [0, 0]);
  // A bin straddling the grid's end counts the part on the grid.
  assert.ok(Math.abs(expectedCounts(uniform, [1.5, 2.5], 100)[0] - 25) < 1e-12);
  // A triangle p(x) = x/2 on [0, 2], sampled coarsely; bin edges between grid points are interpolated.
  const tri = { x: [0, 1, 2], p: [0, 0.5, 1] };
  const c = expectedCounts(tri, [0, 0.5, 1.5, 2], 1000);
  const exact = (a: number, b: number) => (1000 * (b * b - a * a)) / 4;
  assert.ok(Math.abs(c[0] - exact(0, 0.5)) < 1e-9 && Math.abs(c[1] - exact(0.5, 1.5)) < 1e-9 && Math.abs(c[2] - exact(1.5, 2)) < 1e-9, String(c));
  // Nulls (NaN in JSON) are skipped.
  assert.deepEqual(expectedCounts({ x: [0, null, 2], p: [0.5, 0.5, 0.5] }, [0, 2], 10), [10]);
});

test('product comparison: quantile rows theory against measured ± SE, and the facts (mode, T, T_c, collapse)', () => {
  const st = {
    theory: {
      source: 's',
      mean: {},
      var: {},
      cov: [],
      variable: 'u·w',
      quantiles: [0.5, 0.7, 0.9, 1.1, 1.3],
      mode: 0.88,
      tc: 0.25,
      collapsed: false,
      temperature: 0.05,
      depth: 1,
    },
    product: { variable: 'u·w', quantiles: [0.51, 0.7, 0.91, 1.12, 1.31], quantileStdErr: [0.01, 0.01, NaN, 0.02, 0.02], samples: 1200 },
  };
  const c = productComparison(st);
  assert.ok(c);
  assert.equal(c.variable, 'u·w');
  assert.deepEqual(
    c.rows.map((r) => r.level),
    [0.1, 0.25, 0.5, 0.75, 0.9],
  );
  assert.deepEqual(c.rows[2], { level: 0.5, theory: 0.9, measured: 0.91, se: null });
  assert.equal(c.samples, 1200);
  assert.equal(productFactsText(c), 'mode 0.88; T = ηκ = 0.05; T_c = 0.25 (in units of ηκ)');
  assert.equal(
    productFactsText({ ...c, collapsed: true }),
    'the product collapses to 0 (T ≥ T_c): no density away from 0; T = ηκ = 0.05; T_c = 0.25 (in units of ηκ)',
  );
  assert.equal(
    productFactsText({ ...c, mode: null, tc: null, depth: 2 }),
    'mode: the density peaks at 0; T = ηκ = 0.05; no sharp collapse temperature at depth D = 2',
  );
  assert.equal(productComparison({ theory: { source: 'Gaussian', mean: { u: 0 }, var: { u: 1 }, cov: [[1]] } }), undefined);
  assert.equal(productComparison({}), undefined);
});

test("a deep chain's run ships the histogram of its product; the CLI and the Markdown report set the law beside the quantiles", async () => {
  const src = readExample('deep-scalar-chain.loss').replace(/steps = \d+, chains = \d+/, 'steps = 6000, chains = 8');
  const r = await simulateSource(src, { workers: 1 });
  const st = r.runs[0].stationary;
  assert.ok(st.theory?.density && st.product, JSON.stringify(Object.keys(st)));
  const hist = st.product.histogram;
  assert.ok(hist, 'a histogram of the product');
  assert.equal(hist.counts.length, 40);
  assert.equal(hist.edges.length, 41);
  const inside = hist.counts.reduce((x, y) => x + y, 0);
  assert.ok(inside >= 0.985 * st.product.samples && inside <= st.product.samples, `${inside} of ${st.product.samples} in the central 99 %`);
  assert.ok(hist.edges[0] <= st.product.quantiles[0] && hist.edges[40] >= st.product.quantiles[4], 'the range holds q10 … q90');
  // The law's expected counts over the same bins: most of the mass, as the theory puts it there.
  const expected = expectedCounts(st.theory.density, hist.edges, st.product.samples);
  assert.ok(expected.every((v) => v >= 0) && expected.reduce((x, y) => x + y, 0) > 0.5 * st.product.samples);
  const json = JSON.parse(JSON.stringify(r));
  assert.ok(isSimulationResult(json), 'the protocol accepts it');
  const broken = JSON.parse(JSON.stringify(r));
  broken.runs[0].stationary.product.histogram.counts.pop();
  assert.equal(isSimulationResult(broken), false, 'a histogram whose edges and counts disagree is refused');
  const text = formatSimulation('deep-scalar-chain.loss', r);
  assert.match(
    text,
    /\n {2}product a·b·c, continuous-time law \(O\(η\) corrections not included\): mode [^;]+; T = ηκ = 0\.01; no sharp collapse temperature at depth D = 2\n/,
  );
  assert.match(text, /\n {6}quantiles theory vs measured ± SE: q10 [\d.]+ vs [\d.]+ ± [\d.e−]+; q25 /);
  assert.doesNotMatch(text, /theory —|undefined|NaN/);
  const md = reportMarkdown(buildReport('deep-scalar-chain.loss', analysis('deep-scalar-chain'), r, 'test'));
  assert.match(md, /\nLaw of the product a·b·c, the continuous-time law \(O\(η\) corrections not included\): mode /);
  assert.match(md, /\n\| quantile \| theory \| measured ± SE \|\n\|---\|---\|---\|\n\| q10 \| [\d.]+ \| [\d.]+ ± [\d.e−]+ \|\n/);
  assert.doesNotMatch(md, /\| theory mean \| theory variance \|/, 'no Gaussian columns for a product-only theory');
});

test('protocol: an analysis with closed forms and the count of conservation laws passes; malformed ones are refused', () => {
  for (const name of ['two-layer-scalar', 'relu-network', 'two-layer-matrix']) {
    assert.ok(isAnalysisResult(JSON.parse(JSON.stringify(jsonSafe(analysis(name))))), name);
  }
  assert.ok(isAnalysisResult(JSON.parse(JSON.stringify(jsonSafe(analysis('gl20', GL20))))), 'a conservation-law note');
  // The scalar net's analysis as JSON with the value at `path` replaced (undefined: deleted).
  const accepts = (path: (string | number)[], value: unknown) => {
    const a = JSON.parse(JSON.stringify(jsonSafe(analysis('two-layer-scalar'))));
    let o = a as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (value === undefined) delete o[last];
    else o[last] = value;
    return isAnalysisResult(a);
  };
  const law = ['symmetries', 0, 'laws'];
  assert.equal(accepts(['file'], 'two-layer-scalar.loss'), true);
  assert.equal(accepts([...law, 'sgdClosedForm', 'tex'], 42), false, 'TeX not a string');
  assert.equal(accepts([...law, 'sgdClosedForm', 'equilibrium'], undefined), false, 'no equilibrium');
  assert.equal(accepts([...law, 'sgdClosedForm', 'method'], 'guess'), false, 'an unknown method');
  assert.equal(accepts([...law, 'sgdClosedForm'], null), true, 'none, with its note');
  assert.equal(accepts([...law, 'sgdClosedFormNote'], ['x']), false, 'a note not a string');
  assert.equal(accepts(['conservationLaws', 'count'], 1.5), false, 'a count not an integer');
  assert.equal(accepts(['conservationLaws'], { note: 7 }), false, 'a note not a string');
  assert.equal(accepts(['conservationLaws', 'summary'], undefined), false, 'no summary');
});
