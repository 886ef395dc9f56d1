// The Stationary tab: per-component histograms with the theory (or a Gaussian fit), a deep chain's
// law of the product, and escape times.
import type { RunResult } from '../../src/shared/protocol';
import { CHAIN_LAW_LABEL, expectedCounts, levelName, measuredText, productComparison, productFactsText } from '../../src/shared/lawText';
import { sig4, stepsText } from '../../src/shared/predictionText';
import { clear, h } from '../common/dom';
import { fmt, runLabel } from '../common/format';
import { joinTables, PlotSeries } from '../common/plots';
import { readTheme } from '../common/theme';
import { getState, patchState } from '../common/vscode';
import { PanelState, liveRuns, stem } from './state';
import { statPanel } from './layout';
import { PlotDef, syncPlots, colorOf, survivorsOnly } from './plotHost';

// ---- stationary tab ----

export const statHead = h('div', { class: 'nl-run-picker' });
export const statInfo = h('div', {});
export const productInfo = h('section', { class: 'nl-product', id: 'nl-product', hidden: true });
export const productPlots = h('div', { class: 'nl-plots nl-legend-lines' });
export const statTable = h('div', { class: 'nl-table-wrap' });
export const statPlots = h('div', { class: 'nl-plots nl-grid' });
export const escPlots = h('div', { class: 'nl-plots' });
export const statEmpty = h('p', { class: 'nl-empty' }, 'Stationary statistics appear when a run finishes (or streams its histograms).');

export function normalCdf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** The part of a theory's source before its formula, for a legend: "discrete-time SGD linearised at the minimum". */
export function shortSource(source: string): string {
  const cut = source.split(/[,(:;]/)[0].trim();
  return cut.length > 70 ? `${cut.slice(0, 69)}…` : cut;
}

export function renderStationary(): void {
  if (!statPanel.contains(statTable)) statPanel.append(statEmpty, statHead, statInfo, productInfo, productPlots, statTable, statPlots, escPlots);
  const runs = liveRuns().filter((r) => r.stationary && Object.keys(r.stationary.histograms ?? {}).length);
  statEmpty.hidden = runs.length > 0;
  clear(statHead);
  clear(statInfo);
  clear(statTable);
  if (!runs.length) {
    syncPlots(statPlots, 'none', []);
    renderProduct(undefined);
  } else {
    let chosen = getState<PanelState>().stationaryRun ?? runs[0].run;
    if (!runs.some((r) => r.run === chosen)) chosen = runs[0].run;
    const run = runs.find((r) => r.run === chosen) as RunResult;
    statHead.append(
      h('span', { class: 'nl-muted' }, 'Run: '),
      ...runs.map((r) => {
        const b = h('vscode-button', { secondary: r.run !== chosen, 'data-run': String(r.run) }, runLabel(r));
        b.addEventListener('click', () => {
          patchState<PanelState>({ stationaryRun: r.run });
          renderStationary();
        });
        return b;
      }),
    );
    const st = run.stationary;
    // The components' theory: Gaussian laws (THEORY §5); a deep chain's theory is the law of their product.
    const th = st.theory && Object.keys(st.theory.mean).length ? st.theory : undefined;
    const comps = Object.keys(st.histograms);
    const sv = survivorsOnly(run);
    // Burn-in (reported), and a visible warning when the run had not become stationary.
    statInfo.append(
      h(
        'p',
        { class: 'nl-note', id: 'nl-burnin' },
        `Burn-in: the statistics start at step ${st.burnin} (${st.burninMethod}); ${st.samples} samples over ${sv ? `the ${sv.alive} surviving of ${sv.of}` : run.chains} chains.`,
      ),
    );
    if (!st.reached) {
      const relax = run.prediction?.relaxationSteps;
      statInfo.append(
        h(
          'div',
          { class: 'nl-callout nl-callout-warn', id: 'nl-not-stationary', role: 'alert' },
          h('strong', {}, 'Not stationary yet: '),
          `the charges or the loss still drift at the end of the run, so these are not stationary statistics. Run longer${relax ? ` (the charges relax in ${stepsText(relax)})` : ''}.`,
        ),
      );
    }
    if (sv)
      statInfo.append(
        h('div', { class: 'nl-callout nl-callout-error', role: 'alert' }, `Survivors only: ${sv.alive} of ${sv.of} chains (the others diverged).`),
      );
    renderProduct(run);
    const cols = ['component', 'mean', '± s.e.', 'variance', '± s.e.', ...(th ? ['theory mean', 'theory variance'] : [])];
    statTable.append(
      h(
        'table',
        { class: 'nl-table', id: 'nl-stationary' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            cols.map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          Object.keys(st.mean).map((c) =>
            h(
              'tr',
              { 'data-component': c },
              h('th', { scope: 'row' }, c),
              h('td', {}, fmt(st.mean[c])),
              h('td', {}, fmt(st.meanStdErr?.[c])),
              h('td', {}, fmt(st.var[c])),
              h('td', {}, fmt(st.varStdErr?.[c])),
              th ? [h('td', { 'data-col': 'theory-mean' }, fmt(th.mean[c])), h('td', { 'data-col': 'theory-var' }, fmt(th.var[c]))] : null,
            ),
          ),
        ),
      ),
    );
    const productOnly = !th && !!st.theory?.variable;
    statTable.append(
      h(
        'p',
        { class: 'nl-note', id: 'nl-overlay-note' },
        th
          ? `Overlay: the theory density N(mean, var) — ${th.source}.`
          : productOnly
            ? `Overlay on each component: Gaussian fit (the theory here is the law of the product ${st.theory?.variable}, above): the normal with the measured stationary mean and variance.`
            : 'Overlay: Gaussian fit (no theory for this model): the normal with the measured stationary mean and variance.',
      ),
    );
    const overlayLabel = th
      ? `theory: ${shortSource(th.source)}`
      : productOnly
        ? 'Gaussian fit (the theory is for the product)'
        : 'Gaussian fit (no theory for this model)';
    const defs: PlotDef[] = comps.slice(0, 12).map((c) => {
      const hist = st.histograms[c];
      const x: number[] = [];
      const density: (number | null)[] = [];
      let n = 0;
      for (let k = 0; k < hist.counts.length; k++) n += hist.counts[k];
      const m = th ? th.mean[c] : st.mean[c];
      const v = th ? th.var[c] : st.var[c];
      const ok = m !== null && m !== undefined && v !== null && v !== undefined && Number.isFinite(m) && v > 0;
      const sd = ok ? Math.sqrt(v) : 0;
      for (let k = 0; k < hist.counts.length; k++) {
        const a = hist.edges[k];
        const b = hist.edges[k + 1];
        x.push((a + b) / 2);
        density.push(ok ? n * (normalCdf((b - m) / sd) - normalCdf((a - m) / sd)) : null);
      }
      return {
        opts: {
          id: `hist-${run.run}-${c}`,
          title: `Stationary distribution of ${c}`,
          xLabel: c,
          yLabel: 'count',
          yZero: true,
          height: 200,
          legendValues: false,
          fileStem: `${stem()}-hist-${c}`,
        },
        data: {
          x,
          series: [
            { label: `${runLabel(run)} histogram`, values: Array.from(hist.counts), color: colorOf(run.run), kind: 'bars' },
            { label: overlayLabel, values: density, color: readTheme().palette[4], kind: 'spline' },
          ],
        },
      };
    });
    syncPlots(statPlots, `run${run.run}`, defs);
    if (comps.length > 12) statPlots.append(h('p', { class: 'nl-muted' }, `${comps.length - 12} more components not shown.`));
  }

  // Escape times (first passage), when the run records them.
  const esc = liveRuns().filter((r) => r.firstPassage && r.firstPassage.length);
  if (!esc.length) {
    syncPlots(escPlots, 'none', []);
    return;
  }
  const t = joinTables(
    esc.map((r) => {
      const fp = r.firstPassage as (number | null)[];
      const times = fp.filter((v): v is number => v !== null).sort((a, b) => a - b);
      const x = [0, ...times];
      const y = x.map((_, k) => 1 - k / fp.length);
      return { x, ys: [y] };
    }),
  );
  const series = esc.map((r, k) => ({
    label: `${runLabel(r)}: ${(r.firstPassage as (number | null)[]).filter((v) => v !== null).length}/${r.firstPassage?.length} escaped`,
    values: t.ys[k],
    color: colorOf(r.run),
    kind: 'step' as const,
  }));
  syncPlots(escPlots, 'esc', [
    {
      opts: {
        id: 'escape',
        title: 'Escape: fraction of chains still in the minimum',
        xLabel: 'step',
        yLabel: 'not escaped',
        yZero: true,
        fileStem: `${stem()}-escape`,
      },
      data: { x: t.x, series },
    },
  ]);
}

/**
 * A deep chain's law of the product (paper (a), Theorem 4.2) beside its measurement: the mode, T and
 * T_c, the quantiles (theory against measured ± bootstrap SE) and the density over the histogram of
 * the product's stationary samples, labelled as the continuous-time law it is.
 */
export function renderProduct(run: RunResult | undefined): void {
  clear(productInfo);
  const cmp = run ? productComparison(run.stationary) : undefined;
  productInfo.hidden = !cmp;
  if (!run || !cmp) {
    syncPlots(productPlots, 'none', []);
    return;
  }
  const st = run.stationary;
  const rows = cmp.rows.map((r) =>
    h(
      'tr',
      { 'data-level': levelName(r.level) },
      h('th', { scope: 'row' }, levelName(r.level)),
      h('td', { 'data-col': 'theory' }, sig4(r.theory)),
      h('td', { 'data-col': 'measured' }, measuredText(r)),
      h('td', { 'data-col': 'z' }, r.theory !== null && r.measured !== null && r.se ? ((r.measured - r.theory) / r.se).toFixed(2).replace('-', '−') : '—'),
    ),
  );
  productInfo.append(
    h('h2', {}, `Stationary law of the product ${cmp.variable}`),
    h(
      'p',
      { class: 'nl-note', id: 'nl-product-source' },
      `${CHAIN_LAW_LABEL[0].toUpperCase()}${CHAIN_LAW_LABEL.slice(1)}: ${st.theory?.source ?? 'no theory for this run'}.`,
    ),
    h('p', { class: 'nl-product-facts', id: 'nl-product-facts' }, productFactsText(cmp)),
    h(
      'div',
      { class: 'nl-table-wrap' },
      h(
        'table',
        { class: 'nl-table nl-product-quantiles', id: 'nl-product-quantiles' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['quantile', 'theory', 'measured ± SE', 'z'].map((c) =>
              h('th', { scope: 'col', title: c === 'measured ± SE' ? 'Pooled over the chains after the burn-in; SE by bootstrap over chains' : undefined }, c),
            ),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
    h(
      'p',
      { class: 'nl-note' },
      cmp.samples === null
        ? 'The run measured no quantiles of the product.'
        : `Measured over ${cmp.samples} samples (chains × records after step ${st.burnin}); the SE is a bootstrap over chains. Discrete-time SGD differs from the law by O(η).`,
    ),
  );
  const hist = st.product?.histogram;
  const density = st.theory?.density;
  if (!hist) {
    syncPlots(productPlots, 'none', []);
    return;
  }
  const x = Array.from({ length: hist.counts.length }, (_, k) => (hist.edges[k] + hist.edges[k + 1]) / 2);
  const series: PlotSeries[] = [
    { label: `${runLabel(run)} histogram of ${cmp.variable}`, values: Array.from(hist.counts), color: colorOf(run.run), kind: 'bars' },
  ];
  if (density && density.x.length && cmp.samples)
    series.push({ label: CHAIN_LAW_LABEL, values: expectedCounts(density, hist.edges, cmp.samples), color: readTheme().palette[4], kind: 'spline' });
  syncPlots(productPlots, `product${run.run}`, [
    {
      opts: {
        id: `product-${run.run}`,
        title: `Stationary distribution of ${cmp.variable} (the central 99 % of its samples)`,
        xLabel: cmp.variable,
        yLabel: 'count',
        yZero: true,
        height: 240,
        legendValues: false,
        fileStem: `${stem()}-product`,
      },
      data: { x, series },
    },
  ]);
}
