// The Symmetries tab: where SGD ends (one card per noisy train line), one card per symmetry group
// (its charge and laws in KaTeX, its generators collapsed beneath), and the start-orbit table.
import {
  generatorCharge,
  generatorCount,
  generatorName,
  generatorNamesText,
  groupCharge,
  groupEndsText,
  groupStartOrbitText,
  symmetriesWord,
} from '../../src/shared/groupText';
import { closedFormNoneText, conservationLawsText, groupClosedForms } from '../../src/shared/lawText';
import { etaTermText, movedComponents, predictionLine, sig4, stabilityLine } from '../../src/shared/predictionText';
import { AnalysisResult, FromWebviewType, GroupReport, Prediction, SymmetryReport } from '../../src/shared/protocol';
import { clear, h } from '../common/dom';
import { csvNum, fmt, runLabel } from '../common/format';
import { renderTex } from '../common/tex';
import { send } from '../common/vscode';
import { model, stem } from './state';
import { badge, fileTitle, subtitle, banner, symPanel, symCount, exportData, highlight } from './layout';

// ---- symmetries tab ----

export function renderAnalysis(): void {
  const a = model.analysis;
  clear(symPanel);
  clear(banner);
  banner.hidden = true;
  if (!a) {
    symPanel.append(h('p', { class: 'nl-empty' }, 'Waiting for the analysis…'));
    return;
  }
  fileTitle.textContent = model.fileName || a.file || 'Noether Lab';
  const n = generatorCount(a);
  const inGroups = a.groups.length > 1 ? ` in ${a.groups.length} groups` : '';
  subtitle.textContent = `${a.components.length} parameter component${a.components.length === 1 ? '' : 's'} · ${symmetriesWord(n)}${inGroups}`;
  symCount.textContent = String(n);

  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    banner.hidden = false;
    banner.append(
      h('strong', {}, 'The file has errors: '),
      h(
        'ul',
        {},
        errors.slice(0, 8).map((d) => h('li', {}, `line ${d.line}:${d.column} ${d.message}`)),
      ),
    );
  }

  // First: where each noisy run ends (THEORY.md §4).
  const preds = a.predictions ?? [];
  const predCards = h(
    'div',
    { class: 'nl-cards nl-predictions' },
    preds.map((p) => predictionCard(a, p)),
  );
  symPanel.append(
    h(
      'section',
      { id: 'nl-predictions' },
      h('h2', {}, 'Where SGD ends'),
      preds.length
        ? h(
            'p',
            { class: 'nl-note' },
            'Gradient flow from the start to a minimum (the charges are conserved on the way), then the joint noise equilibrium of the whole symmetry group there; the charges relax to it in the steps given.',
          )
        : h(
            'p',
            { class: 'nl-empty', id: 'nl-no-prediction' },
            'No noisy train line (sgd or momentum): nothing to predict. Add a `train sgd(…)` line to see where SGD ends.',
          ),
      predCards,
    ),
  );

  // One card per symmetry group (its charge and laws in matrix form), its generators collapsed beneath.
  const cards = h('div', { class: 'nl-cards nl-groups' });
  if (!a.groups.length) {
    cards.append(
      h(
        'p',
        { class: 'nl-empty', id: 'nl-no-symmetry' },
        'No symmetry found. That is a valid answer: no rescaling, scaling, linear or translation symmetry holds for every parameter and data point.',
      ),
    );
  }
  a.groups.forEach((g, gi) => cards.append(groupCard(a, g, gi)));
  const conservation = conservationLawsText(a);
  symPanel.append(h('h2', {}, 'Symmetry groups and Noether charges'));
  if (conservation) symPanel.append(h('p', { class: 'nl-note nl-conservation', id: 'nl-conservation' }, conservation));
  symPanel.append(cards);

  const table = startOrbitTable(a);
  if (table) symPanel.append(table);
  if (a.noise) {
    symPanel.append(
      h(
        'p',
        { class: 'nl-note' },
        `The laws and the start-orbit balance use Σ from ${a.noise.method}${a.noise.samples ? ` (${a.noise.samples} samples)` : ''}, η = ${a.noise.lr}, B = ${a.noise.batch}, γ = ${a.noise.weightDecay}, κ = ${fmt(a.noise.kappa)}: ${a.noise.basis}.`,
      ),
    );
  }
}

/** θᵀAθ (or vᵀθ for a translation) at the file's initial point: the charge at the start. */
export function chargeAt(s: SymmetryReport, components: string[], point: Record<string, number>): number | null {
  const theta = components.map((c) => point[c]);
  if (theta.some((v) => v === null || v === undefined)) return null;
  if (s.direction) return s.direction.reduce((acc, v, i) => acc + v * theta[i], 0);
  if (!s.matrix) return null;
  let c = 0;
  s.matrix.forEach((row, i) => row.forEach((v, j) => (c += v ? theta[i] * v * theta[j] : 0)));
  return c;
}

export const GAUGE_NOTE =
  "Gauge-dependent charges change along the group's rotations at the end point, along which SGD diffuses: only their rotation-invariant combinations are predicted.";

/** One noisy train line's prediction: where SGD ends, its charges, relaxation, stability, invariants. */
export function predictionCard(a: AnalysisResult, p: Prediction): HTMLElement {
  const line = predictionLine(a, p, { maxComponents: 8 });
  const st = a.stability?.find((x) => x.run === p.run);
  const facts: (HTMLElement | null)[] = [];
  const fact = (label: string, value: string | HTMLElement, cls = '') => {
    facts.push(h('dt', {}, label), h('dd', { class: cls }, value));
  };
  if (line.charges) fact('Charges there', line.charges);
  if (line.relaxation) fact('Relaxation', `${line.relaxation} (linearised: a run needs several of them to reach the end point)`, 'nl-relaxation');
  for (const g of p.growth) fact(`${generatorName(a, g.symmetry)} grows`, g.law);
  if (line.reason) fact(p.status === 'none' ? 'Why not' : 'Why', line.reason, 'nl-reason');
  if (p.balance) {
    // Secondary: the law-of-balance point (every charge drift zero), not stationary here.
    const b = p.balance.charges
      .map((c, i) => (c === null ? null : `${generatorName(a, i)} = ${sig4(c)}`))
      .filter((x): x is string => x !== null)
      .join(', ');
    fact('Balance point', `secondary — every charge drift vanishes there, but it is not stationary: ${b}`, 'nl-secondary nl-balance');
  }
  if (st) {
    const l = stabilityLine(st);
    fact('Stability', `${l.bounds}; ${l.verdict}.`, l.stable === false ? 'nl-warn nl-stability' : 'nl-stability');
  }
  const m = p.minimum;
  // Beyond the end-point solve's size nothing was computed (the reason says so): no "how", no table.
  const computed = m.loss !== null && Number.isFinite(m.loss);
  if (computed)
    fact(
      'How',
      `gradient flow from chain 0's start to a minimum (L = ${fmt(m.loss)}${m.converged ? '' : `; ${m.note ?? 'not converged'}`}), Σ there by ${p.noise.method}${p.noise.samples ? ` (${p.noise.samples} samples)` : ''}; ${p.order}.`,
      'nl-muted',
    );

  // End point against the start and the minimum (the end only where it is predicted).
  const end = p.status === 'equilibrium' ? p.endPoint : null;
  const moved = new Set(computed ? movedComponents(a) : []);
  // (no rows where nothing was computed: a model beyond the solve's size has tens of thousands of components)
  const pointRows = (computed ? a.components : []).map((c) =>
    h(
      'tr',
      { 'data-component': c },
      h('th', { scope: 'row' }, c),
      h('td', { 'data-col': 'start' }, fmt(a.initial[c])),
      h('td', { 'data-col': 'minimum' }, fmt(m.point[c])),
      end ? h('td', { 'data-col': 'end', class: moved.has(c) ? 'nl-moved' : '' }, fmt(end[c])) : null,
    ),
  );
  const csvButton = h('vscode-button', { secondary: true, class: 'nl-export', 'data-format': 'csv', title: 'Export the end point as CSV' }, 'CSV');
  csvButton.addEventListener('click', () => {
    const lines = [['component', 'start', 'gradient-flow minimum', ...(end ? ['SGD end'] : [])].join(',')];
    for (const c of a.components)
      lines.push([`"${c.replace(/"/g, '""')}"`, csvNum(a.initial[c]), csvNum(m.point[c]), ...(end ? [csvNum(end[c])] : [])].join(','));
    exportData('csv', lines.join('\n') + '\n', `${stem()}-run${p.run}-end-point.csv`);
  });
  const pointTable = h(
    'div',
    { class: 'nl-table-wrap nl-scroll' },
    h(
      'table',
      { class: 'nl-table nl-end-point', id: `nl-end-point-${p.run}` },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'component'),
          h('th', { scope: 'col' }, 'start'),
          h('th', { scope: 'col' }, 'minimum'),
          end ? h('th', { scope: 'col' }, 'SGD ends at') : null,
        ),
      ),
      h('tbody', {}, pointRows),
    ),
  );

  // The charges there, with the O(η) discrete-time term; orientation-dependent ones point to the invariants.
  let chargeTable: HTMLElement | null = null;
  if (p.charges.some((c) => c !== null) || p.growth.length) {
    chargeTable = h(
      'table',
      { class: 'nl-table nl-pred-charges', id: `nl-pred-charges-${p.run}` },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['charge', 'at the start', 'at the end', 'O(η) term', ''].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        p.charges.flatMap((c, i) => {
          const s = a.symmetries[i];
          const grows = p.growth.some((g) => g.symmetry === i);
          const orient = p.orientationDependent?.[i];
          // With several groups, a row naming the group before its first generator.
          const g = s && a.groups.length > 1 && a.groups[s.group]?.symmetries[0] === i ? a.groups[s.group] : undefined;
          const groupRow = g
            ? h(
                'tr',
                { class: 'nl-group-row', 'data-group': String(s.group) },
                h('th', { colspan: 5, scope: 'rowgroup', title: groupCharge(a, g).text }, g.name),
              )
            : null;
          return [
            groupRow,
            h(
              'tr',
              { 'data-symmetry': String(i) },
              h('th', { scope: 'row', title: s ? generatorCharge(a, i).text : '' }, `${generatorName(a, i)}${s ? ` (${s.kind})` : ''}`),
              h('td', {}, s ? sig4(chargeAt(s, a.components, a.initial)) : '—'),
              h('td', { class: 'nl-moved' }, grows ? 'grows' : sig4(c)),
              h('td', {}, etaTermText(p.etaTerms?.[i], c) || (p.etaTerms?.[i] === undefined || p.etaTerms?.[i] === null ? '—' : '0')),
              h('td', { class: 'nl-muted', title: orient ? GAUGE_NOTE : '' }, orient ? 'gauge-dependent' : ''),
            ),
          ];
        }),
      ),
    );
  }
  const gaugeNote = p.orientationDependent?.some((x) => x) ? h('p', { class: 'nl-note' }, GAUGE_NOTE) : null;
  let invTable: HTMLElement | null = null;
  if (p.invariants?.length) {
    invTable = h(
      'table',
      { class: 'nl-table nl-invariants', id: `nl-invariants-${p.run}` },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['rotation-invariant combination', 'predicted', 'O(η) term'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        p.invariants.map((inv) =>
          h('tr', {}, h('th', { scope: 'row', class: 'nl-wrap' }, inv.text), h('td', {}, sig4(inv.predicted)), h('td', {}, sig4(inv.etaTerm))),
        ),
      ),
    );
  }
  return h(
    'article',
    { class: 'nl-card nl-prediction', id: `prediction-${p.run}`, 'data-run': String(p.run), 'data-status': p.status },
    h(
      'header',
      { class: 'nl-card-header' },
      h('span', { class: 'nl-card-name' }, `run ${p.run}`),
      h('span', { class: 'nl-muted' }, runLabel(p)),
      badge(p.status, `pred-${p.status}`, p.status === 'equilibrium' ? 'Every drift of law (C) vanishes there' : p.reason),
      h('span', { class: 'nl-spacer' }),
      computed ? csvButton : null,
    ),
    h('p', { class: 'nl-ends' }, line.head),
    h('dl', { class: 'nl-facts' }, facts),
    computed ? pointTable : null,
    chargeTable ? h('div', { class: 'nl-table-wrap' }, chargeTable) : null,
    gaugeNote,
    invTable ? h('div', { class: 'nl-table-wrap' }, invTable) : null,
  );
}

/** Where SGD ends for one generator (the first noisy run), or null when nothing is predicted for it. */
export function generatorEnds(a: AnalysisResult, i: number): HTMLElement | null {
  const p = a.predictions?.[0];
  const name = generatorName(a, i);
  const c = p?.charges[i];
  const growth = p?.growth.find((g) => g.symmetry === i);
  if (p && growth)
    return h(
      'div',
      { class: 'nl-eq nl-ends-charge' },
      h('span', { class: 'nl-eq-label' }, 'Where SGD ends: '),
      `${name} grows without bound (run ${p.run}): ${growth.law}`,
    );
  if (!p || c === null || c === undefined) return null;
  const eta = etaTermText(p.etaTerms?.[i], c);
  const gauge = p.orientationDependent?.[i] ? ', gauge-dependent: see the invariants' : '';
  return h(
    'div',
    { class: 'nl-eq nl-ends-charge', title: gauge ? GAUGE_NOTE : '' },
    h('span', { class: 'nl-eq-label' }, 'Where SGD ends: '),
    `${name} = ${fmt(c)}${eta ? ` (+ O(η) term ${eta})` : ''} (run ${p.run}, ${runLabel(p)}${gauge})`,
  );
}

/** Chips that reveal a component (or a tensor) in the editor; at most `max`, then "+N more". */
export function chips(names: string[], max = 24): (HTMLElement | null)[] {
  const all = names.map((comp) => {
    const b = h('button', { class: 'nl-chip', type: 'button', title: `Show ${comp} in the editor` }, comp);
    b.addEventListener('click', () => send({ type: FromWebviewType.ShowInEditor, component: comp }));
    return b;
  });
  return [...all.slice(0, max), all.length > max ? h('span', { class: 'nl-muted' }, ` +${all.length - max} more`) : null];
}

/** The charge and the three laws in display math (KaTeX), with the plain text as fallback. */
export function chargeAndLaws(charge: { text: string; tex: string }, laws: { text: SymmetryReport['laws']; tex: SymmetryReport['lawsTex'] }): HTMLElement[] {
  const el = h('div', { class: 'nl-charge' });
  renderTex(el, charge.tex, { display: true, fallback: charge.text });
  const law = (label: string, tex: string, text: string, cls: string) => {
    const dd = h('dd', { class: `nl-law ${cls}` });
    renderTex(dd, tex, { display: true, fallback: text });
    return [h('dt', {}, label), dd];
  };
  return [
    el,
    h(
      'dl',
      { class: 'nl-laws' },
      law('Gradient flow', laws.tex.gradientFlow, laws.text.gradientFlow, 'gf'),
      law('SGD, every step (exact)', laws.tex.sgdStep, laws.text.sgdStep, 'step'),
      law('SGD, continuous time', laws.tex.sgdContinuous, laws.text.sgdContinuous, 'cont'),
    ),
  ];
}

/**
 * One generator of a group, inside the group's collapsed list: its name and kind, its own charge
 * (typeset when the list is first opened), where SGD ends for it, the start-orbit solve, what it moves.
 */
export function generatorItem(a: AnalysisResult, i: number): { el: HTMLElement; typeset: () => void } {
  const s = a.symmetries[i];
  const charge = generatorCharge(a, i);
  const tex = h('div', { class: 'nl-gen-charge' }, charge.text);
  const e = s.equilibrium;
  const secondary =
    e || s.equilibriumNote
      ? h(
          'div',
          {
            class: 'nl-eq nl-secondary',
            title: "The balanced point of the initial point's orbit: not where SGD ends (SGD first follows gradient flow to a minimum)",
          },
          h('span', { class: 'nl-secondary-label' }, "Secondary, start's orbit: "),
          e ? `${generatorName(a, i)}: ${fmt(e.chargeInitial)} → ${fmt(e.chargeEquilibrium, e.chargeInitial)}` : (s.equilibriumNote ?? ''),
        )
      : null;
  // Its own law (C) in closed form where the group card shows only some (a group of several generators).
  const law = (a.groups[s.group]?.symmetries.length ?? 0) > 1 ? s.laws.sgdClosedForm : null;
  const lawEl = law ? h('div', { class: 'nl-closed-form-tex nl-gen-law', 'data-symmetry': String(i) }, law.text) : null;
  const el = h(
    'li',
    { class: 'nl-gen', id: `sym-${i}`, 'data-index': String(i), 'data-kind': s.kind },
    h(
      'div',
      { class: 'nl-gen-head' },
      h('span', { class: 'nl-gen-name' }, generatorName(a, i)),
      badge(s.kind, `kind-${s.kind}`, kindTitle(s.kind)),
      s.status !== a.groups[s.group]?.status ? badge(s.status, `status-${s.status}`) : null,
    ),
    tex,
    lawEl,
    generatorEnds(a, i),
    secondary,
    h('div', { class: 'nl-involves' }, h('span', { class: 'nl-muted' }, 'Moves: '), chips(s.involves)),
  );
  return {
    el,
    typeset: () => {
      renderTex(tex, charge.tex, { fallback: charge.text });
      if (law && lawEl) markOverflow(renderTex(lawEl, law.tex, { fallback: law.text }));
    },
  };
}

/**
 * One symmetry group: its name, kind, dimension, status and proof (or why it is only numerical),
 * its charge and laws in matrix form (KaTeX), where SGD ends for it, the tensors it acts on, and its
 * listed generators collapsed beneath ("N more not listed" for a summarised group).
 */
export function groupCard(a: AnalysisResult, g: GroupReport, gi: number): HTMLElement {
  const proof =
    g.status === 'proved'
      ? `Proved${g.proof ? ` by ${PROOF_NAMES[g.proof] ?? g.proof}` : ''}.`
      : `Numerical: ${g.proofNote ?? 'holds at many random points within rounding; not proved symbolically'}.`;
  const ends = groupEndsText(a, gi);
  const p = a.predictions?.[0];
  const orbit = groupStartOrbitText(a, gi);
  const items = g.symmetries.map((i) => generatorItem(a, i));
  const listed = g.symmetries.length;
  const summary = g.unlisted > 0 ? `Generators: ${listed} listed of ${g.dimension}` : `${listed === 1 ? 'Generator' : `Generators (${listed})`}`;
  const gens = h(
    'details',
    { class: 'nl-generators', 'data-group': String(gi) },
    h('summary', {}, summary, h('span', { class: 'nl-muted' }, ` — ${generatorNamesText(a, g, 8)}`)),
    h(
      'ol',
      { class: 'nl-gen-list' },
      items.map((x) => x.el),
      g.unlisted > 0
        ? h(
            'li',
            { class: 'nl-gen nl-unlisted nl-muted' },
            `${g.unlisted} more not listed: the other entries of ${groupCharge(a, g).text}, conserved and driven by the same laws.`,
          )
        : null,
    ),
  );
  let typeset = false;
  gens.addEventListener('toggle', () => {
    if (!gens.open || typeset) return;
    typeset = true;
    for (const x of items) x.typeset();
  });
  const charge = groupCharge(a, g);
  const [chargeEl, lawsEl] = chargeAndLaws(charge, { text: g.laws, tex: g.lawsTex });
  const closedText = groupClosedForms(a, gi).laws.map(({ law }) => law.text);
  const asText = h(
    'details',
    { class: 'nl-as-text' },
    h('summary', {}, 'As text'),
    h('pre', {}, [charge.text, ...closedText, g.laws.gradientFlow, g.laws.sgdStep, g.laws.sgdContinuous].join('\n')),
  );
  return h(
    'article',
    { class: 'nl-card nl-group', id: `group-${gi}`, 'data-group': String(gi), 'data-kind': g.kind, 'data-dimension': String(g.dimension) },
    h(
      'header',
      { class: 'nl-card-header' },
      h('span', { class: 'nl-card-name' }, g.name),
      badge(g.kind, `kind-${g.kind}`, kindTitle(g.kind)),
      badge(g.status, `status-${g.status}`, proof),
      badge(
        `dim ${g.dimension}`,
        'nl-dim',
        `${g.dimension} independent charge${g.dimension === 1 ? '' : 's'} (generators)${g.unlisted ? `, ${g.unlisted} of them not listed` : ''}`,
      ),
    ),
    h('p', { class: 'nl-proof nl-muted' }, proof),
    chargeEl,
    closedFormBlock(a, gi),
    p && ends
      ? h('div', { class: 'nl-eq nl-ends-charge' }, h('span', { class: 'nl-eq-label' }, 'Where SGD ends: '), `${ends} (run ${p.run}, ${runLabel(p)})`)
      : null,
    lawsEl,
    orbit ? h('div', { class: 'nl-eq nl-secondary' }, h('span', { class: 'nl-secondary-label' }, "Secondary, start's orbit: "), orbit) : null,
    h('div', { class: 'nl-involves' }, h('span', { class: 'nl-muted' }, 'Acts on: '), chips(g.tensors)),
    gens,
    asText,
  );
}

/**
 * Typeset math that cannot wrap everywhere (a bracket is one piece) scrolls sideways in its box: the
 * box shows that it does (class nl-overflowing, an inner shadow on the right), whatever its width.
 * Checked when the box changes size and when fonts arrive (KaTeX's change the math's width alone).
 */
export function checkOverflow(box: HTMLElement): void {
  box.classList.toggle('nl-overflowing', box.scrollWidth > box.clientWidth + 1);
}
export const overflowWatch = new ResizeObserver((entries) => {
  for (const e of entries) {
    const box = e.target as HTMLElement;
    if (!box.isConnected) overflowWatch.unobserve(box);
    else checkOverflow(box);
  }
});
document.fonts.addEventListener('loadingdone', () => document.querySelectorAll<HTMLElement>('.nl-closed-form-tex').forEach(checkOverflow));
export function markOverflow(el: HTMLElement): HTMLElement {
  overflowWatch.observe(el);
  return el;
}

/** Closed-form laws a group card typesets; the others are in its generators' list. */
export const CARD_CLOSED_FORMS = 2;

/**
 * Law (C) in closed form for a group (KaTeX, inline so that it wraps at its relations and operators,
 * in a box that scrolls what cannot wrap), then what must balance at the noise equilibrium (the card's
 * next line is where SGD ends: the solved point); or why there is none.
 */
export function closedFormBlock(a: AnalysisResult, gi: number): HTMLElement | null {
  const f = groupClosedForms(a, gi, CARD_CLOSED_FORMS);
  if (!f.count && !f.matrix) {
    return f.notes.length
      ? h('p', { class: 'nl-closed-form-none nl-muted', 'data-group': String(gi) }, `Law (C) in closed form: ${closedFormNoneText(f)}.`)
      : null;
  }
  const tex = (source: string, text: string, attrs: Record<string, string>) =>
    markOverflow(renderTex(h('div', { class: 'nl-closed-form-tex', ...attrs }), source, { fallback: text }));
  const more = f.inline ? f.more : f.matrix ? 0 : f.count;
  return h(
    'section',
    { class: 'nl-closed-form', 'data-group': String(gi) },
    h('div', { class: 'nl-eq-label' }, 'Law (C) in closed form'),
    ...(f.inline || f.matrix ? f.laws : []).map(({ symmetry, law }) => tex(law.tex, law.text, { 'data-symmetry': String(symmetry), 'data-role': 'law' })),
    f.matrix
      ? h(
          'p',
          { class: 'nl-muted nl-closed-form-more' },
          'In matrix form on the minimum manifold; each generator’s own law (C), anywhere: open the generators below.',
        )
      : null,
    more
      ? h(
          'p',
          { class: 'nl-muted nl-closed-form-more' },
          f.inline
            ? `${more} more, one per generator: open the generators below.`
            : `One per generator (${more}), each about a sum over components: open the generators below.`,
        )
      : null,
    h('div', { class: 'nl-eq-label' }, 'At the noise equilibrium'),
    ...f.equilibria.map((e) => tex(e.tex, e.text, { 'data-role': 'equilibrium' })),
  );
}

export const PROOF_NAMES: Record<string, string> = {
  homogeneity: 'the homogeneity calculus on the tensor graph',
  covariance: 'the covariance calculus on the tensor graph',
  nerdamer: 'symbolic simplification (nerdamer)',
};

export function kindTitle(kind: string): string {
  switch (kind) {
    case 'rescaling':
      return 'Rescaling: one group scaled up, another down, e.g. (u, w) → (e^λ u, e^−λ w)';
    case 'scaling':
      return 'Scaling: the loss sees only the direction of a group';
    case 'linear':
      return 'General linear: ℓ(WU) is invariant under U → e^{λB}U, W → We^{−λB}';
    default:
      return 'Translation: shifting parameters together leaves the loss unchanged';
  }
}

/** Secondary: the joint balanced point on the orbit of the file's initial point (not where SGD ends). */
export function startOrbitTable(a: AnalysisResult): HTMLElement | null {
  const withEq = a.symmetries.map((s, i) => ({ s, i })).filter(({ s }) => s.equilibrium);
  if (!withEq.length) return null;
  const point = withEq[0].s.equilibrium?.point ?? {};
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'Component'),
    h('th', { scope: 'col' }, 'Initial'),
    h('th', { scope: 'col', 'data-col': 'orbit' }, "Balanced on the start's orbit"),
  );
  const rows = a.components.map((c) => {
    const v = point[c];
    const moved = v !== undefined && Math.abs(v - a.initial[c]) > 1e-12 * Math.max(1, Math.abs(v));
    return h(
      'tr',
      { 'data-component': c },
      h('th', { scope: 'row' }, c),
      h('td', { 'data-col': 'initial' }, fmt(a.initial[c])),
      h('td', { 'data-col': 'orbit', class: moved ? 'nl-moved' : '' }, fmt(v)),
    );
  });
  const chargeRows = withEq.map(({ s, i }) =>
    h(
      'tr',
      { class: 'nl-foot', 'data-symmetry': String(i) },
      h('th', { scope: 'row' }, generatorName(a, i)),
      h('td', {}, fmt(s.equilibrium?.chargeInitial)),
      h('td', { 'data-col': 'orbit' }, fmt(s.equilibrium?.chargeEquilibrium, s.equilibrium?.chargeInitial)),
    ),
  );
  const csvButton = h('vscode-button', { secondary: true, class: 'nl-export', 'data-format': 'csv', title: 'Export the table as CSV' }, 'CSV');
  csvButton.addEventListener('click', () => {
    const lines = [['component', 'initial', 'start-orbit balance'].join(',')];
    for (const c of a.components) lines.push([`"${c.replace(/"/g, '""')}"`, csvNum(a.initial[c]), csvNum(point[c])].join(','));
    for (const { s, i } of withEq)
      lines.push([`"${generatorName(a, i)}"`, csvNum(s.equilibrium?.chargeInitial), csvNum(s.equilibrium?.chargeEquilibrium)].join(','));
    exportData('csv', lines.join('\n') + '\n', `${stem()}-start-orbit.csv`);
  });
  return h(
    'section',
    { class: 'nl-equilibria nl-secondary-section' },
    h('header', { class: 'nl-plot-header' }, h('h2', {}, "Secondary: the balanced point of the start's orbit"), h('span', { class: 'nl-spacer' }), csvButton),
    h(
      'p',
      { class: 'nl-note' },
      "Where the noise would balance if SGD stayed on the orbit of the initial point (first SGD line's constants). It is not where SGD ends: SGD first follows gradient flow to a minimum, then balances there (above).",
    ),
    h(
      'details',
      { class: 'nl-secondary-details' },
      h('summary', {}, `Show the table (${a.components.length} components)`),
      h('div', { class: 'nl-table-wrap' }, h('table', { class: 'nl-table', id: 'nl-equilibria' }, h('thead', {}, head), h('tbody', {}, rows, chargeRows))),
    ),
  );
}

/** A generator: open its group's list of generators, then show it. */
export function focusSymmetry(index: number): void {
  const el = document.getElementById(`sym-${index}`);
  const list = el?.closest('details');
  if (list && !list.open) list.open = true;
  highlight(0, el ? `sym-${index}` : `group-${model.analysis?.symmetries[index]?.group ?? 0}`);
}
