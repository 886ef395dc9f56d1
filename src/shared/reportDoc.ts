// What the report webview shows (an experiment's report, a sweep): a plain document of sections,
// each with paragraphs (`$…$` marks TeX, typeset by KaTeX in the webview), figures (plain data, as the
// experiments' Figure) and tables of text. Built on the host from results, validated by the protocol
// (src/shared/protocol.ts), rendered through DOM APIs: nothing in it is ever HTML.
import type { ExperimentResult, Figure, FigureSeries } from '../core/experiments/types';
import type { SweepQuantity, SweepResult } from '../core/numeric/sweep';

export interface ReportTable {
  columns: string[];
  rows: string[][];
  /** Per row: a check that passed or failed (coloured), or ''. */
  rowStatus?: ('pass' | 'fail' | '')[];
}

export interface ReportSection {
  id: string;
  title: string;
  status?: 'pass' | 'fail';
  /** One muted line under the title (size, time, counts). */
  meta?: string;
  paragraphs: string[];
  figures: Figure[];
  tables: ReportTable[];
}

export interface ReportDoc {
  kind: 'experiment' | 'sweep';
  title: string;
  status?: 'pass' | 'fail';
  intro: string[];
  sections: ReportSection[];
  /** Where the report's files were written (shown at the top). */
  files?: string[];
}

function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return (a >= 1e-3 && a < 1e5 ? Number(x.toPrecision(digits)).toString() : x.toExponential(digits - 1)).replace(/^-/, '−');
}

/** Experiments' reports: each check beside its prediction, its figures and its notes. */
export function experimentReportDoc(results: ExperimentResult[], files?: string[]): ReportDoc {
  const all = results.every((r) => r.pass);
  return {
    kind: 'experiment',
    title: results.length === 1 ? `Noether Lab experiment: ${results[0].name}` : 'Noether Lab experiments',
    status: all ? 'pass' : 'fail',
    intro: [
      'Each check sets a prediction beside the measurement with its standard error (independent chains or replicates); the tolerance is 4 standard errors plus, where the formula is itself approximate, the model-error term stated in the note.',
    ],
    files,
    sections: results.map((r) => ({
      id: r.name,
      title: r.title,
      status: r.pass ? 'pass' : 'fail',
      meta: `experiment ${r.name}, size ${r.size}, ${r.seconds.toFixed(1)} s; ${r.checks.filter((c) => c.pass).length}/${r.checks.length} checks pass`,
      paragraphs: r.notes,
      figures: r.figures,
      tables: [
        {
          columns: ['check', 'predicted', 'measured ± SE', '|difference|', 'tolerance', '', 'note'],
          rows: r.checks.map((c) => [
            c.name,
            num(c.predicted),
            `${num(c.measured)} ± ${num(c.stdErr, 2)}`,
            num(Math.abs(c.measured - c.predicted), 3),
            num(c.tolerance, 3),
            c.pass ? 'PASS' : 'FAIL',
            c.note ?? '',
          ]),
          rowStatus: r.checks.map((c) => (c.pass ? 'pass' : 'fail')),
        },
      ],
    })),
  };
}

/** Quantities a sweep report plots (those with theory first). */
const MAX_SWEEP_FIGURES = 12;

/** Measured ± SE against the swept key, with the theory (and its O(η) term) where there is one. */
export function sweepFigure(s: SweepResult, q: SweepQuantity): Figure {
  const order = s.values.map((_, i) => i).sort((a, b) => s.values[a] - s.values[b]);
  const pick = <T>(a: T[]) => order.map((i) => a[i]);
  const x = pick(s.values);
  const nan = (v: number | null) => (v === null ? NaN : v);
  const series: FigureSeries[] = [
    { name: `${q.label}: measured`, x, y: pick(q.measured).map(nan), yErr: pick(q.stdErr).map((e) => (e === null ? 0 : e)), style: 'points' },
  ];
  if (q.theory.some((t) => t !== null)) series.push({ name: `${q.label}: theory`, x, y: pick(q.theory).map(nan), style: 'dashed' });
  if (q.etaTerm?.some((t) => t !== null && t !== 0)) {
    series.push({
      name: `${q.label}: theory + O(η) term`,
      x,
      y: order.map((i) => (q.theory[i] === null || q.etaTerm?.[i] === null ? NaN : q.theory[i] + (q.etaTerm?.[i] as number))),
      style: 'dashed',
    });
  }
  const positive = x.every((v) => v > 0);
  return {
    id: `sweep-${q.id.replace(/[^A-Za-z0-9_-]/g, '_')}`,
    title: `${q.label} against ${s.key}`,
    xLabel: s.key,
    yLabel: q.label,
    ...(positive && x.length > 1 && x[x.length - 1] / x[0] >= 20 ? { xLog: true } : {}),
    series,
  };
}

/** A sweep: one figure per quantity (theory first), and the table of every value. */
export function sweepReportDoc(s: SweepResult, fileName: string): ReportDoc {
  const withTheory = s.quantities.filter((q) => q.theory.some((t) => t !== null));
  const rest = s.quantities.filter((q) => !withTheory.includes(q));
  const plotted = [...withTheory, ...rest].slice(0, MAX_SWEEP_FIGURES);
  const notReached = s.points.filter((p) => !p.reached).map((p) => num(p.value));
  const diverged = s.points.filter((p) => p.diverged > 0).map((p) => num(p.value));
  const sources = [...new Set(withTheory.map((q) => q.theorySource).filter((t): t is string => !!t))];
  const paragraphs = [
    `Train line ${s.train + 1} (${s.optimizer}) of ${fileName} run at ${s.values.length} value${s.values.length === 1 ? '' : 's'} of \`${s.key}\`${s.points[0] ? `, ${s.points[0].steps} steps × ${s.points[0].chains} chains each` : ''}. Points: the stationary statistic after burn-in ± its standard error (batch means over chains); dashed: theory.`,
    ...sources.map((t) => `Theory: ${t}.`),
    ...(withTheory.length
      ? []
      : [
          'No quantity of this sweep has a theory to compare with (the stationary law is predicted for plain SGD near an isolated minimum, and charges where SGD has a noise equilibrium).',
        ]),
    ...(s.cancelled ? ['The sweep was cancelled: the values finished before the cancel are shown.'] : []),
    ...(notReached.length ? [`Not stationary at the end (the statistics are of a drifting run): ${s.key} = ${notReached.join(', ')}.`] : []),
    ...(diverged.length ? [`Chains diverged at ${s.key} = ${diverged.join(', ')} (statistics over the survivors).`] : []),
  ];
  const table: ReportTable = {
    columns: [s.key, 'status', 'stationary', ...plotted.map((q) => q.label)],
    rows: s.points.map((p, i) => [
      num(p.value, 6),
      p.status,
      p.reached ? 'yes' : 'no',
      ...plotted.map((q) => `${num(q.measured[i])} ± ${num(q.stdErr[i], 2)}${q.theory[i] !== null ? ` (theory ${num(q.theory[i])})` : ''}`),
    ]),
  };
  return {
    kind: 'sweep',
    title: `Sweep of ${s.key}: ${fileName}`,
    intro: [],
    sections: [
      {
        id: 'sweep',
        title: `${s.key} from ${num(Math.min(...s.values))} to ${num(Math.max(...s.values))}`,
        paragraphs,
        figures: plotted.map((q) => sweepFigure(s, q)),
        tables: [table],
      },
    ],
  };
}
