// The Dynamics tab: the runs table, prediction beside measurement, and the time plots (loss, each
// charge against law (C) and its predicted end, drifts, curvature).
import type { ChainTrace, GroupReport, RunResult, VerdictFields } from '../../src/shared/protocol';
import { groupCharge, runChargeName, runChargeText } from '../../src/shared/groupText';
import { etaTermText, sig4 } from '../../src/shared/predictionText';
import { clear, h } from '../common/dom';
import { fmt, runLabel } from '../common/format';
import { joinTables, PlotBand, PlotSeries, PlotValue } from '../common/plots';
import { readTheme, withAlpha } from '../common/theme';
import { patchState } from '../common/vscode';
import { model, liveRuns, stem, xOf, xLabel, timeAxis, zoom, PanelState } from './state';
import { badge, commandButton, dynPanel } from './layout';
import { renderFigures } from './figures';
import { overlayBar, overlayKey, withOverlay } from './history';
import {
  PlotDef,
  GRID_CHARGES,
  syncPlots,
  colorOf,
  theoryColor,
  mathTitle,
  chargeInfo,
  chargeSections,
  curveLabel,
  titleWithSurvivors,
  sparse,
  median,
  lower,
  upper,
  padTo,
} from './plotHost';

export const dynBody = h('div', { class: 'nl-plots nl-dyn' });
export const dynRuns = h('div', { class: 'nl-runs' });
export const dynVerdicts = h('div', { class: 'nl-verdicts' });
export const dynEmpty = h('div', { class: 'nl-empty' });
/** Heat maps of matrix and per-neuron charges, the phase portrait. */
const dynFigures = h('div', { class: 'nl-plots nl-figures' });

/** The heading of a group's charges on the Dynamics tab: its name and matrix-form charge. */
export function sectionHeading(g: GroupReport, gi: number, plotted: number): () => HTMLElement {
  return () => {
    const charge = groupCharge(model.analysis ?? { groups: [], symmetries: [] }, g);
    const more = g.unlisted ? `; ${g.unlisted} more not tracked` : '';
    return h(
      'header',
      { class: 'nl-group-heading', 'data-group': String(gi) },
      h('h3', {}, g.name),
      mathTitle(charge.tex, charge.text),
      h('span', { class: 'nl-muted' }, `${plotted} charge${plotted === 1 ? '' : 's'} tracked${more}`),
    );
  };
}

/** Charge `i` over the steps: measured mean ± spread per run, law (C), and the predicted end. */
export function chargePlot(i: number, runs: RunResult[]): PlotDef | null {
  const info = chargeInfo(i, runs);
  const withData = runs.filter((r) => r.series.charges[i]);
  if (!withData.length) return null;
  const t = joinTables(
    withData.map((r) => {
      const c = r.series.charges[i];
      const end = r.prediction?.charges[i];
      const endLine = end === null || end === undefined ? r.series.steps.map(() => undefined) : r.series.steps.map(() => end);
      return { x: xOf(r), ys: [c.mean, c.predicted, lower(c.mean, c.std), upper(c.mean, c.std), endLine, ...traces(r, (tr) => tr.charges[i])] };
    }),
  );
  const series: PlotSeries[] = [];
  const bands: PlotBand[] = [];
  let col = 0;
  withData.forEach((r) => {
    const color = colorOf(r.run);
    const ys = t.ys.slice(col, col + 5 + traceCount(r, (tr) => tr.charges[i]));
    col += ys.length;
    // Thin chain traces first (under the mean), then the mean, law (C) dashed, the predicted end dash-dotted.
    series.push(...traceSeries(r, ys.slice(5), color));
    series.push({ label: curveLabel(r, 'measured'), values: ys[0], color });
    if (ys[1].some((v) => v !== null && v !== undefined))
      series.push({ label: `${runLabel(r)} law (C)`, values: ys[1], color: theoryColor(r.run), kind: 'dashed' });
    bands.push({ label: `${runLabel(r)} ± std`, lower: ys[2], upper: ys[3], color });
    if (ys[4].some((v) => v !== undefined))
      series.push({ label: `${runLabel(r)} SGD end (predicted)`, values: ys[4], color: theoryColor(r.run), kind: 'dashdot', width: 1.5 });
  });
  const extra = info.tex ? mathTitle(info.tex, info.text) : h('span', { class: 'nl-plot-tex' }, info.text);
  return {
    opts: {
      id: `charge-${i}`,
      title: titleWithSurvivors(`Charge ${info.name}`, withData),
      xLabel: xLabel(),
      yLabel: info.name,
      fileStem: `${stem()}-charge-${i + 1}`,
      headerExtra: extra,
      link: 'dynamics',
    },
    data: { x: t.x, series, bands },
  };
}

/** The drift of charge `i`: measured against law (C). */
export function driftPlot(i: number, runs: RunResult[]): PlotDef | null {
  const withData = runs.filter((r) => r.series.drift[i] && r.series.drift[i].measured.length);
  if (!withData.length) return null;
  const name = chargeInfo(i, runs).name;
  const t = joinTables(
    withData.map((r) => {
      const d = r.series.drift[i];
      const n = Math.min(r.series.steps.length, d.measured.length, d.predicted.length);
      return { x: xOf(r).slice(0, n), ys: [Array.from(d.measured).slice(0, n), Array.from(d.predicted).slice(0, n)] };
    }),
  );
  const series: PlotSeries[] = [];
  withData.forEach((r, k) => {
    series.push({ label: curveLabel(r, 'measured'), values: t.ys[2 * k], color: colorOf(r.run), kind: 'points' });
    series.push({ label: `${runLabel(r)} law (C)`, values: t.ys[2 * k + 1], color: theoryColor(r.run), kind: 'dashed' });
  });
  // Drifts span orders of magnitude (a fast transient, then a slow decay): an asinh axis, linear
  // below a threshold set by the typical predicted drift.
  const typical = median(withData.flatMap((r) => Array.from(r.series.drift[i].predicted, (v) => Math.abs(v ?? NaN))).filter((v) => v > 0));
  return {
    opts: {
      id: `drift-${i}`,
      title: titleWithSurvivors(`Drift d${name}/dt: measured vs law (C)`, withData),
      xLabel: xLabel(),
      yLabel: `d${name}/dt (asinh)`,
      yScale: typical > 0 ? { asinh: typical / 2 } : 'linear',
      fileStem: `${stem()}-drift-${i + 1}`,
      link: 'dynamics',
    },
    data: { x: t.x, series },
  };
}

/** The time plots' controls: the x axis (steps or t = η·steps); zoom is linked across the tab. */
const dynControls = (() => {
  const select = h(
    'select',
    { class: 'nl-select', id: 'nl-time-axis', 'aria-label': 'x axis of the time plots' },
    h('option', { value: 'steps' }, 'steps'),
    h('option', { value: 'time' }, 't = η·steps'),
  );
  select.value = timeAxis();
  select.addEventListener('change', () => {
    patchState<PanelState>({ timeAxis: select.value === 'time' ? 'time' : 'steps' });
    // The zoom was in the other unit.
    for (const id of Object.keys(zoom)) delete zoom[id];
    patchState<PanelState>({ zoom });
    renderDynamics();
  });
  return h(
    'div',
    { class: 'nl-plot-controls' },
    h('label', { for: 'nl-time-axis' }, 'x axis: '),
    select,
    h('span', { class: 'nl-muted' }, ' · drag across a plot to zoom every time plot of this tab, double-click to reset; thin lines are single chains (0–3)'),
  );
})();

/** The traced chains' columns of a run (loss or one charge), for a joined table. */
function traces(r: RunResult, pick: (t: ChainTrace) => ArrayLike<number | null> | undefined): ArrayLike<number | null>[] {
  // A run of one chain: its trace is its mean.
  if (r.chains < 2) return [];
  return (r.series.chains ?? []).map(pick).filter((v): v is ArrayLike<number | null> => v !== undefined);
}
function traceCount(r: RunResult, pick: (t: ChainTrace) => ArrayLike<number | null> | undefined): number {
  return traces(r, pick).length;
}

/** Thin, translucent lines, one per traced chain; only the first in the legend. */
function traceSeries(r: RunResult, columns: PlotValue[][], color: string): PlotSeries[] {
  const chains = r.series.chains ?? [];
  const names = chains.map((c) => c.chain);
  return columns.map((values, k) => ({
    label:
      k === 0
        ? `${runLabel(r)} chain${names.length > 1 ? `s ${names[0]}–${names[names.length - 1]}` : ` ${names[0]}`} (thin)`
        : `${runLabel(r)} chain ${names[k]}`,
    values,
    color: withAlpha(color, 0.35),
    width: 1,
    noLegend: k > 0,
    trace: true,
    csvLabel: `${runLabel(r)} chain ${names[k]}`,
  }));
}

export function renderDynamics(): void {
  const runs = liveRuns();
  if (!dynPanel.contains(dynBody)) dynPanel.append(overlayBar, dynEmpty, dynRuns, dynVerdicts, dynControls, dynBody, dynFigures);
  dynControls.hidden = runs.length === 0;
  renderFigures(dynFigures, runs);
  dynEmpty.hidden = runs.length > 0;
  if (!runs.length) {
    clear(dynEmpty);
    dynEmpty.append(
      'No simulation yet. ',
      commandButton('Run', 'run', 'Run the file’s train lines', false),
      ' ',
      commandButton('Compare SGD vs GD', 'compare', 'Run SGD and GD from the same start'),
    );
    syncPlots(dynBody, 'none', withOverlay([], false));
    clear(dynRuns);
    clear(dynVerdicts);
    return;
  }
  renderRunsTable(runs);
  renderVerdicts(runs);
  const defs: PlotDef[] = [];
  const key = runs.map((r) => r.run).join('-');

  // Loss (mean ± std over chains).
  {
    // (no chain traces here: a chain's minibatch loss is noise around the mean, and would hide it)
    const t = joinTables(
      runs.map((r) => ({ x: xOf(r), ys: [r.series.lossMean, lower(r.series.lossMean, r.series.lossStd), upper(r.series.lossMean, r.series.lossStd)] })),
    );
    const series: PlotSeries[] = [];
    const bands: PlotBand[] = [];
    let col = 0;
    runs.forEach((r) => {
      const ys = t.ys.slice(col, col + 3);
      col += ys.length;
      series.push({ label: curveLabel(r, 'loss'), values: ys[0], color: colorOf(r.run) });
      bands.push({ label: `${runLabel(r)} ± std`, lower: ys[1], upper: ys[2], color: colorOf(r.run) });
    });
    const positive = runs.every((r) => Array.prototype.every.call(r.series.lossMean, (v: number | null) => v === null || v > 0));
    const title = titleWithSurvivors('Training loss (mean ± std over chains)', runs);
    const top = Math.max(...runs.flatMap((r) => Array.from(r.series.lossMean).filter((v): v is number => v !== null && Number.isFinite(v))));
    if (positive && top > 1e15) {
      // A diverging loss spans more decades than a log axis can label (uPlot stops past 10¹⁷):
      // plot log₁₀ ℓ on a linear axis, ticks written as powers of ten.
      const floor = Math.min(...series.flatMap((q) => Array.from(q.values).filter((v): v is number => typeof v === 'number' && v > 0)));
      const lg = (v: PlotValue, clamp = false): PlotValue => (v === null || v === undefined ? v : v > 0 ? Math.log10(v) : clamp ? Math.log10(floor) : null);
      defs.push({
        opts: {
          id: 'loss',
          title: `${title} — log₁₀ scale`,
          xLabel: xLabel(),
          yLabel: 'loss ℓ',
          yTicks: (v) => `1e${Math.round(v)}`,
          fileStem: `${stem()}-loss`,
          link: 'dynamics',
        },
        data: {
          x: t.x,
          series: series.map((q) => ({ ...q, values: Array.from(q.values, (v) => lg(v)) })),
          bands: bands.map((b) => ({ ...b, lower: Array.from(b.lower, (v) => lg(v, true)), upper: Array.from(b.upper, (v) => lg(v)) })),
        },
      });
    } else {
      defs.push({
        opts: { id: 'loss', title, xLabel: xLabel(), yLabel: 'loss ℓ', yScale: positive ? 'log' : 'linear', fileStem: `${stem()}-loss`, link: 'dynamics' },
        data: { x: t.x, series, bands },
      });
    }
  }

  // Charges, group by group: each charge (measured mean ± spread, law (C) at step resolution, where
  // SGD is predicted to end), then its drift against law (C).
  const nCharges = Math.max(0, ...runs.map((r) => r.series.charges.length));
  const sections = chargeSections(nCharges, runs);
  for (const sec of sections) {
    const heading = sec.group ? sectionHeading(sec.group, sec.index ?? 0, sec.charges.length) : undefined;
    const cell = sec.charges.length > GRID_CHARGES;
    const plots = [...sec.charges.map((i) => chargePlot(i, runs)), ...sec.charges.map((i) => driftPlot(i, runs))]
      .filter((d): d is PlotDef => d !== null)
      .map((d) => (cell ? { ...d, cell } : d));
    if (plots.length && heading) plots[0] = { ...plots[0], heading };
    defs.push(...plots);
  }
  const sectionKey = sections.map((x) => (x.group ? `${x.index}:${x.charges.join('.')}` : x.charges.length)).join('|');

  // Curvature along training (probed at some records only: the line joins the probes).
  const curv = runs.filter((r) => r.series.traceH.some((v) => v !== null) || r.series.lambdaMaxH.some((v) => v !== null));
  if (curv.length) {
    const t = joinTables(
      curv.map((r) => {
        const n = r.series.steps.length;
        return { x: xOf(r), ys: [sparse(padTo(r.series.traceH, n)), sparse(padTo(r.series.lambdaMaxH, n))] };
      }),
    );
    const series: PlotSeries[] = [];
    curv.forEach((r, k) => {
      series.push({ label: `${runLabel(r)} tr H`, values: t.ys[2 * k], color: colorOf(r.run) });
      // λ_max in its own colour (not the run's): the two quantities differ, not their source.
      series.push({ label: `${runLabel(r)} λmax(H)`, values: t.ys[2 * k + 1], color: theoryColor(r.run + 1), kind: 'dashed' });
    });
    // The GD stability edge 2/η, drawn when λmax comes within a factor 2 of it (else it would
    // flatten the curves); the title always states it.
    const lmax = Math.max(...curv.flatMap((r) => Array.from(r.series.lambdaMaxH).filter((v): v is number => v !== null && Number.isFinite(v))));
    const lrs = [...new Set(curv.map((r) => r.lr))].filter((lr) => lr > 0);
    for (const lr of lrs) {
      if (lmax > 1 / lr)
        series.push({ label: `2/η (GD stability, η=${lr})`, values: t.x.map(() => 2 / lr), color: readTheme().muted, kind: 'dashed', width: 1 });
    }
    const edge = lrs.map((lr) => `2/η = ${fmt(2 / lr)}`).join(', ');
    defs.push({
      opts: {
        id: 'curvature',
        title: `Sharpness: tr H and λmax(H) at chain 0${edge ? ` (GD stable while λmax < ${edge})` : ''}`,
        xLabel: xLabel(),
        yLabel: 'curvature',
        fileStem: `${stem()}-curvature`,
        link: 'dynamics',
      },
      data: { x: t.x, series },
    });
  }
  syncPlots(dynBody, `${key}/${sectionKey}/${timeAxis()}${overlayKey()}`, withOverlay(defs, true));
}

export function runState(r: RunResult): string {
  if (model.streaming && model.progress?.run === r.run) return `running ${Math.round((model.progress?.fraction ?? 0) * 100)}%`;
  return r.cancelled ? 'cancelled' : r.status;
}

export function renderRunsTable(runs: RunResult[]): void {
  clear(dynRuns);
  const rows = runs.map((r) => {
    const state = runState(r);
    const div = r.divergence ? `${r.divergence.chains} of ${r.divergence.of}` : String(r.diverged.length);
    return h(
      'tr',
      { 'data-run': String(r.run), 'data-status': r.status, class: r.status === 'diverged' ? 'nl-row-diverged' : '' },
      h('td', {}, h('span', { class: 'nl-swatch', 'data-color-index': String(r.run % 6) }), runLabel(r)),
      h('td', {}, String(r.chains)),
      h('td', {}, String(r.steps)),
      h(
        'td',
        { title: 'Largest relative residual of the exact per-step law (D): rounding level when the law holds' },
        r.lawResidual !== null && Number.isFinite(r.lawResidual) ? r.lawResidual.toExponential(1).replace('e-', 'e−') : '—',
      ),
      h('td', {}, r.stepsPerSecond ? fmt(Math.round(r.stepsPerSecond)) : '—'),
      h('td', { class: r.diverged.length ? 'nl-error' : '', 'data-col': 'diverged' }, div),
      h('td', { class: r.status === 'diverged' ? 'nl-error nl-status-cell' : 'nl-status-cell', 'data-col': 'status' }, state),
    );
  });
  dynRuns.append(
    h(
      'div',
      { class: 'nl-table-wrap' },
      h(
        'table',
        { class: 'nl-table nl-runs-table', id: 'nl-runs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['run', 'chains', 'steps', 'law (D) residual', 'steps/s', 'diverged', 'status'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
  // One summary per diverged run (k of N chains, the first step, λ_max and the bound against lr).
  for (const r of runs) {
    if (!r.divergence && !r.diverged.length) continue;
    const msg = r.divergence?.message ?? r.diverged.map((d) => d.message).join('; ');
    dynRuns.append(
      h(
        'div',
        { class: 'nl-callout nl-callout-error nl-divergence', id: `nl-divergence-${r.run}`, role: 'alert', 'data-run': String(r.run) },
        h('strong', {}, `${runLabel(r)} diverged: `),
        msg,
        r.diverged.length
          ? h(
              'details',
              {},
              h('summary', {}, `First diverged chains (${r.diverged.length})`),
              h(
                'ul',
                {},
                r.diverged.slice(0, 8).map((d) => h('li', {}, d.message)),
              ),
            )
          : null,
      ),
    );
  }
}

/**
 * One quantity's verdict: prediction beside measurement (a charge or a rotation-invariant
 * combination), and below it, across the table, how the verdict was reached.
 */
export function verdictRow(name: string, title: string, predicted: number | null, v: VerdictFields): HTMLElement[] {
  return [
    h(
      'tr',
      { 'data-verdict': v.verdict },
      h('th', { scope: 'row', title }, name),
      h('td', { 'data-col': 'predicted' }, sig4(predicted)),
      h('td', { 'data-col': 'eta' }, etaTermText(v.etaTerm, predicted) || (v.etaTerm === null ? '—' : '0')),
      h('td', { 'data-col': 'measured' }, v.measured === null ? '—' : `${sig4(v.measured)}${v.measuredStdErr !== null ? ` ± ${sig4(v.measuredStdErr)}` : ''}`),
      h('td', { 'data-col': 'z' }, v.z === null ? '—' : v.z.toFixed(2).replace('-', '−')),
      h('td', { 'data-col': 'verdict' }, badge(v.verdict, `verdict-${v.verdict.replace(' ', '-')}`, v.verdictNote)),
      h('td', { 'data-col': 'steps' }, v.verdict === 'relaxing' && v.stepsNeeded !== undefined ? `≈${fmt(v.stepsNeeded)}` : '—'),
    ),
    h('tr', { class: 'nl-note-row' }, h('td', { colspan: 7, class: 'nl-muted' }, h('div', {}, v.verdictNote))),
  ];
}

/** Per run: each charge's (and invariant's) final mean against its predicted end, with z and a verdict. */
export function renderVerdicts(runs: RunResult[]): void {
  clear(dynVerdicts);
  for (const r of runs) {
    const items = [...r.charges, ...(r.invariants ?? [])];
    if (!items.length) continue;
    const head = h('header', { class: 'nl-plot-header' }, h('h3', {}, `Prediction beside measurement — ${runLabel(r)}`));
    if (items.every((c) => c.verdict === 'no prediction')) {
      dynVerdicts.append(
        h(
          'section',
          { class: 'nl-verdict-block', 'data-run': String(r.run) },
          head,
          h('p', { class: 'nl-muted' }, `No prediction to compare: ${items[0].verdictNote}.`),
        ),
      );
      continue;
    }
    const rows = [
      ...r.charges.flatMap((c) => verdictRow(`${runChargeName(c)} (${c.kind})`, runChargeText(c), c.predictedEquilibrium, c)),
      ...(r.invariants ?? []).flatMap((inv) => verdictRow(inv.kind === 'linear' ? inv.text : 'cᵀG⁻¹c', inv.text, inv.predicted, inv)),
    ];
    const st = r.stationary;
    dynVerdicts.append(
      h(
        'section',
        { class: 'nl-verdict-block', 'data-run': String(r.run) },
        head,
        h(
          'div',
          { class: 'nl-table-wrap' },
          h(
            'table',
            { class: 'nl-table nl-verdict-table', id: `nl-verdicts-${r.run}` },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['quantity', 'predicted', 'O(η) term', 'measured ± SE', 'z', 'verdict', 'steps left'].map((c) =>
                  h(
                    'th',
                    { scope: 'col', title: c === 'steps left' ? 'About how many more steps a relaxing quantity needs to reach the prediction' : undefined },
                    c,
                  ),
                ),
              ),
            ),
            h('tbody', {}, rows),
          ),
        ),
        h(
          'p',
          { class: 'nl-note' },
          `Measured: each chain's mean after the burn-in (step ${st.burnin}), averaged over chains, with its standard error over chains. "agrees" means within 4 SE plus the O(η) term; "relaxing" means still moving towards the prediction.`,
        ),
      ),
    );
  }
  const lawC = runs.find((r) => r.series.lawC && r.charges.length)?.series.lawC;
  if (lawC) dynVerdicts.append(h('p', { class: 'nl-note nl-lawc', id: 'nl-lawc' }, h('strong', {}, 'Law (C) curves: '), lawC));
}
