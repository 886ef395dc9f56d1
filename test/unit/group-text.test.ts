// The group form on the text surfaces: the CLI report, the hovers, the CodeLens headline and the
// Markdown report lead with the symmetry groups (charges and laws in matrix form), list generators
// after, summarise huge groups, and stay short for big models.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatReport } from '../../src/cli/report';
import { lossHoverMarkdown, paramHoverMarkdown } from '../../src/editor/hover/format';
import { buildReport, reportMarkdown } from '../../src/editor/report/report';
import { generatorsText, groupCharge, groupsHeadline, runChargeName, runChargeText } from '../../src/shared/groupText';
import { analysis, ROOT } from './helpers';

/** A 12-20-10 linear net (440 components): GL(20), 210 generators, three listed (a browser fixture). */
const GL20 = fs.readFileSync(path.join(ROOT, 'test', 'browser', 'fixtures', 'linear-net-gl20.loss'), 'utf8');

/** A 30-12-3 ReLU net (411 components): a rescaling of each of its 12 hidden neurons (a browser fixture). */
const MLP = fs.readFileSync(path.join(ROOT, 'test', 'browser', 'fixtures', 'relu-mlp-411.loss'), 'utf8');

const URI = 'file:///w/model.loss';
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

test('CLI report: the GL(3) group first, in matrix form, then its six generators', () => {
  const text = formatReport('two-layer-matrix.loss', analysis('two-layer-matrix'));
  const groups = text.indexOf('6 symmetries in 1 group:');
  const group = text.indexOf('Group 1: GL(3) on the hidden index of U, W — linear, proved (covariance); acts on U, W');
  const generators = text.indexOf('Generators:');
  assert.ok(groups > 0 && group > groups && generators > group, text);
  assert.match(text, /\n {2}charge {8}Q = U Uᵀ − Wᵀ W\n/);
  assert.match(text, /\n {2}gradient flow dQ\/dt = 0 {3}\(conserved by gradient flow\)\n/);
  assert.match(text, /\n {2}SGD, per step Q\(θₜ₊₁\) = Q\(θₜ\) \+ η²·\(ĝ_U ĝ_Uᵀ − ĝ_Wᵀ ĝ_W\)/);
  assert.match(text, /\n {2}SGD, in time {2}dQ\/dt = η·\(1\/B\)·E_z\[δ_U δ_Uᵀ − δ_Wᵀ δ_W\]/);
  assert.match(text, /\n {2}generators {4}dimension 6: C₁, C₂, C₃, C₄, C₅, C₆\n/);
  assert.match(text, /\n {2}SGD ends with C₁ = 0, C₂ = 0, C₃ = 0, C₄ = 0, … \(\+2 more\)\n/);
  // The long component sums appear after the groups, under their generator: its charge and its law (C).
  assert.equal(count(text, /U\[0,0\]² \+ U\[0,1\]² \+ U\[0,2\]² − W\[0,0\]² − W\[1,0\]² − W\[2,0\]²/g), 2);
  assert.ok(text.indexOf('U[0,0]² + U[0,1]²') > generators, 'not in the group block');
  assert.ok(text.indexOf('C₁ = U[0,0]² + U[0,1]²') > generators);
  assert.equal(count(text, /^ {2}C[₁-₉] = /gm), 6);
});

test('CLI report: a scalar net names its one-generator group and its charge C₁', () => {
  const text = formatReport('two-layer-scalar.loss', analysis('two-layer-scalar'));
  assert.match(
    text,
    /1 symmetry in 1 group:\nThe charge of the symmetries is all the conservation laws of gradient flow \(Lie-algebra rank 1 of 2\)\.\n\nGroup 1: rescaling of u, w — rescaling, proved \(homogeneity\); acts on u, w\n {2}charge {8}C₁ = u² − w²\n/,
  );
  assert.match(text, /start's orbit \(secondary: .*\): C goes from 2\.21 to 0, at u = 0\.5477, w = 0\.5477/);
  assert.doesNotMatch(text, /Generators:/, 'a one-generator group is not listed again');
});

test('CLI report: two translation groups, and a file with no symmetry', () => {
  const text = formatReport('softmax-translation.loss', analysis('softmax-translation'));
  assert.match(text, /3 symmetries in 2 groups:/);
  // Numerical, not proved: cross_entropy's onehot is exact only for labels in 0…K−1 (LANGUAGE.md).
  assert.match(
    text,
    /Group 1: translation of W along its rows .* — translation, numerical: translations are re-checked [^\n]*; acts on W\n {2}charge {8}C = 1ᵀW\n/,
  );
  assert.match(text, /Group 2: translation of b by a constant \(b → b \+ c·1\) — translation, numerical: [^\n]*; acts on b\n {2}charge {8}C = 1ᵀb\n/);
  const none = formatReport('tanh-network.loss', analysis('tanh-network'));
  assert.match(none, /No continuous symmetry: no conserved quantity, no balance law/);
  assert.doesNotMatch(none, /Group 1/);
});

test('CLI report: a model beyond 400 components — the group summarised, no prediction and no made-up numbers', () => {
  const a = analysis('gl20', GL20);
  assert.equal(a.components.length, 440);
  assert.equal(a.predictions?.[0].status, 'none');
  const text = formatReport('gl20.loss', a);
  assert.match(text, /210 symmetries in 1 group:/);
  assert.match(text, /Group 1: GL\(20\) on the hidden index of U, W — linear, proved \(covariance\)/);
  assert.match(text, /\n {2}generators {4}dimension 210: Q\[0,0\], Q\[1,1\], Q\[0,1\] tracked in runs, 207 more not listed\n/);
  assert.match(text, /\n {2}Q\[0,1\] = U\[0,:\]·U\[1,:\] − W\[:,0\]·W\[:,1\]\n/);
  assert.match(text, /… 207 generators of group 1 not listed: its charge Q = U Uᵀ − Wᵀ W holds them all/);
  assert.match(text, /SGD ends \(run 0, .*\): no prediction: the end-point solve .* limited to 400 parameter components; this model has 440/);
  assert.doesNotMatch(text, /NaN/);
  assert.match(text, /initial point: U\[0,0\] = [^\n]*, … \(\+428 more\)\n/, 'the initial point is cut');
  assert.ok(text.length < 6000, `short: ${text.length} characters`);
});

test('hover on a parameter: the groups acting on it with the matrix-form charge and the three laws, SGD ends in the lead', () => {
  const a = analysis('two-layer-matrix');
  const hover = paramHoverMarkdown(a, 'U', URI);
  const blocks = hover.split('\n\n---\n\n');
  assert.equal(blocks.length, 2, 'the lead and the parameter, then one block for its one group');
  assert.match(blocks[0].split('\n')[0], /^on the minimum manifold \\\(∇L = 0\\\): dQ\/dt = η·\\\(1\/B\\\)·\\\(Wᵀ M W − U N Uᵀ\\\)/);
  assert.match(blocks[0].split('\n')[1], /— \*solved\*: \*\*SGD ends at\*\* U\\\[0,0\\\] = 1\.024, /);
  assert.match(blocks[0], /\*\*U\*\* — parameter \(3×3\)/);
  const g = blocks[1];
  assert.match(g, /^\*\*GL\\\(3\\\) on the hidden index of U, W\*\* — linear, proved \\\(covariance\\\), dimension 6\n/);
  assert.match(g, /\n- \*\*charge\*\* Q = U Uᵀ − Wᵀ W\n/);
  assert.match(g, /\n- \*\*gradient flow\*\*: dQ\/dt = 0/);
  assert.match(g, /\n- \*\*SGD, exact per step\*\*: Q\\\(θₜ₊₁\\\) = Q\\\(θₜ\\\) \\\+ η²/);
  assert.match(g, /\n- \*\*SGD, continuous time\*\*: dQ\/dt = η·/);
  assert.match(g, /\n- \*\*generators\*\*: dimension 6: C₁, C₂, C₃, C₄, C₅, C₆\n/);
  assert.match(g, /\n- \*\*where SGD ends\*\*: C₁ = 0, C₂ = 0, C₃ = 0, C₄ = 0, … \\\(\\\+2 more\\\)\n/);
  assert.match(g, /command:noetherLab\.showPanel\?/);
  assert.ok(g.includes(encodeURIComponent(JSON.stringify([URI, { group: 0 }]))), 'the link opens the group card');
  // No generator's component sum in the hover.
  assert.doesNotMatch(hover, /U\\\[0,0\\\]² \\\+/);
  assert.ok(hover.length < 2500, `${hover.length} characters`);
});

test('hover on a scalar parameter: its group, the charge C₁ = u² − w², where SGD ends and the start orbit', () => {
  const hover = paramHoverMarkdown(analysis('two-layer-scalar'), 'u', URI);
  assert.match(hover.split('\n')[1], /— \*solved\*: \*\*SGD ends at\*\* u = 1\.414, w = 1\.414 · C₁ = 0 · relaxes in ≈6400 steps/);
  assert.match(hover, /\*\*u\*\* — parameter \(scalar, initial value 1\.5\)/);
  assert.match(hover, /\*\*rescaling of u, w\*\* — rescaling, proved \\\(homogeneity\\\), dimension 1\n/);
  assert.match(hover, /- \*\*charge\*\* C₁ = u² − w²\n/);
  assert.doesNotMatch(hover, /\*\*generators\*\*/, 'one generator: nothing more to list');
  assert.match(hover, /- \*\*where SGD ends\*\*: C₁ = 0\n/);
  assert.match(hover, /\*secondary — balanced point of the start's orbit, not where SGD ends\*: C goes from 2\.21 to 0, at u = 0\.5477, w = 0\.5477/);
});

test('hover on a parameter of a big model: short, one block, summarised generators, no prediction', () => {
  const a = analysis('mlp', MLP);
  assert.equal(a.components.length, 411);
  const hover = paramHoverMarkdown(a, 'W1', URI);
  assert.match(hover.split('\n')[0], /^\*\*SGD ends:\*\* no prediction/);
  assert.match(hover, /limited to 400 parameter components; this model has 411/);
  assert.equal(count(hover, /\n---\n/g), 1, 'one group block');
  assert.match(hover, /\*\*rescaling of each hidden neuron \\\(W1, b1 against W2\\\)\*\* — rescaling, proved \\\(homogeneity\\\), dimension 12/);
  assert.match(hover, /- \*\*charge\*\* Q\\_j = ‖W1\\\[j,:\\\]‖² \\\+ b1\\\[j\\\]² − ‖W2\\\[:,j\\\]‖² for each j\n/);
  assert.match(
    hover,
    /- \*\*generators\*\*: dimension 12: Q\\\[0\\\], Q\\\[1\\\], Q\\\[2\\\], Q\\\[3\\\], Q\\\[4\\\], Q\\\[5\\\], … \\\(\\\+6 more listed\\\)\n/,
  );
  assert.doesNotMatch(hover, /secondary/, 'no start-orbit solve beyond its size');
  assert.ok(hover.length < 2000, `${hover.length} characters`);
  // b2 is in no group: said so, with what the group acts on.
  assert.match(paramHoverMarkdown(a, 'b2', URI), /No symmetry group of this loss acts on `b2` \(its one group acts on W1, b1, W2\)\./);

  const gl = paramHoverMarkdown(analysis('gl20', GL20), 'W', URI);
  assert.match(gl, /- \*\*generators\*\*: dimension 210: Q\\\[0,0\\\], Q\\\[1,1\\\], Q\\\[0,1\\\] tracked in runs, 207 more not listed\n/);
  assert.ok(gl.length < 2000, `${gl.length} characters`);
});

test('hover on `loss`: every group once, or that there is none', () => {
  const head = '**`loss`** — doc';
  const soft = lossHoverMarkdown(analysis('softmax-translation'), URI, head);
  assert.match(soft, /\*\*3 symmetries\*\* of ℓ, in 2 groups:/);
  assert.equal(count(soft, /\n- \*\*charge\*\* /g), 2);
  assert.match(soft, /- \*\*charge\*\* C = 1ᵀW\n/);
  assert.match(soft, /- \*\*charge\*\* C = 1ᵀb\n/);
  assert.match(lossHoverMarkdown(analysis('two-layer-scalar'), URI, head), /\*Laws for η = 0\.05, B = 4, γ = 0/);
  const none = lossHoverMarkdown(analysis('tanh-network'), URI, head);
  assert.match(none.split('\n')[0], /^\*\*SGD ends:\*\* no prediction/);
  assert.match(none, /\*\*No continuous symmetry/);
});

test('CodeLens headline: the groups by name, counting generators', () => {
  assert.equal(groupsHeadline(analysis('two-layer-scalar')), '1 symmetry: rescaling of u, w: C₁ = u² − w²');
  assert.equal(groupsHeadline(analysis('two-layer-matrix')), '6 symmetries: GL(3) on the hidden index of U, W: Q = U Uᵀ − Wᵀ W');
  // Two groups: each counted; names shortened (their parenthesis dropped) where the whole line is too long.
  assert.equal(groupsHeadline(analysis('softmax-translation')), '3 symmetries: translation of W along its rows (2) · translation of b by a constant (1)');
  assert.equal(groupsHeadline(analysis('tanh-network')), 'no continuous symmetry');
  assert.equal(groupsHeadline(analysis('gl20', GL20)), '210 symmetries: GL(20) on the hidden index of U, W: Q = U Uᵀ − Wᵀ W');
  assert.equal(groupsHeadline(analysis('mlp', MLP)), '12 symmetries: rescaling of each hidden neuron (W1, b1 against W2)');
});

test('group texts: bare charges named after their generators; run charges named by their label', () => {
  const chain = analysis('deep-scalar-chain');
  assert.deepEqual(groupCharge(chain, chain.groups[0]), { text: 'C₁, C₂ = a² − c², b² − c²', tex: 'C_{1},\\ C_{2} = a^2 - c^2,\\quad b^2 - c^2' });
  assert.equal(generatorsText(chain, chain.groups[0]), 'dimension 2: C₁, C₂');
  assert.equal(runChargeName({ symmetry: 2, text: 'Q[0,1] = U[0,:]·U[1,:] − W[:,0]·W[:,1]' }), 'Q[0,1]');
  assert.equal(runChargeText({ symmetry: 2, text: 'Q[0,1] = U[0,:]·U[1,:] − W[:,0]·W[:,1]' }), 'Q[0,1] = U[0,:]·U[1,:] − W[:,0]·W[:,1]');
  assert.equal(runChargeText({ symmetry: 0, text: 'u² − w²' }), 'C₁ = u² − w²');
});

test('Markdown report: groups first with matrix-form charges and laws, then a table of generators', () => {
  const md = reportMarkdown(buildReport('two-layer-matrix.loss', analysis('two-layer-matrix'), undefined, 'test'));
  const groups = md.indexOf('## Symmetry groups');
  const generators = md.indexOf('## Generators');
  assert.ok(groups > md.indexOf('## Where SGD ends') && generators > groups, 'where SGD ends, then groups, then generators');
  assert.match(
    md,
    /### GL\(3\) on the hidden index of U, W\n\n- linear, proved \(covariance\); acts on U, W\n- Charge: Q = U Uᵀ − Wᵀ W {2}\(\$Q = U U\^\{\\top\} - W\^\{\\top\} W\$\)\n- Law \(C\) in closed form: on the minimum manifold \(∇L = 0\): dQ\/dt = [^\n]*\n- Each generator's own law \(C\), anywhere: in the table of generators below\n- At the noise equilibrium: Wᵀ M W = U N Uᵀ\n- Gradient flow: dQ\/dt = 0/,
  );
  assert.match(md, /- SGD, exact per step: Q\(θₜ₊₁\)/);
  assert.match(md, /- SGD, continuous time: dQ\/dt = /);
  assert.equal(count(md, /^\| C[₁-₉] \| 1 \| (rescaling|linear) \| proved /gm), 6, 'six generator rows');
  assert.equal(count(md, /^\| C[₁-₉] = /gm), 6, 'six rows of predicted charges');
  const big = reportMarkdown(buildReport('gl20.loss', analysis('gl20', GL20), undefined, 'test'));
  assert.match(big, /- Generators: dimension 210: Q\[0,0\], Q\[1,1\], Q\[0,1\] tracked in runs, 207 more not listed/);
  assert.match(big, /\| … \| 1 \| \| \| 207 not listed \(the charge Q = U Uᵀ − Wᵀ W holds them all\) \|/);
  assert.match(
    big,
    /\| Q\[0,1\] \| 1 \| linear \| proved \(covariance\) \| Q\[0,1\] = U\[0,:\]·U\[1,:\] − W\[:,0\]·W\[:,1\] \| — \|\n/,
    'no prediction columns, no start-orbit solve',
  );
  assert.doesNotMatch(big, /NaN/);
});
