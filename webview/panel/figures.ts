// The Dynamics tab's figures beyond time plots: a matrix charge Q = U Uᵀ − Wᵀ W as heat maps (at the
// start, measured at the end of a run, predicted), per-neuron charges over time as a heat map, and a
// phase portrait of two components (the chains' paths, the level sets of the charge, the minimum
// manifold and the predicted end point).
import type { AnalysisResult, RunResult, SymmetryReport } from '../../src/shared/protocol';
import { generatorName } from '../../src/shared/groupText';
import { h } from '../common/dom';
import { fmtTick, runLabel } from '../common/format';
import { DASH } from '../common/plots';
import { heatMapsSvg, HeatMap, PhaseCurve, PhaseMarker, phaseSvg, SvgFigure } from '../common/svgPlots';
import { readTheme, withAlpha } from '../common/theme';
import { getState, patchState } from '../common/vscode';
import { exportData } from './layout';
import { colorOf, theoryColor } from './plotHost';
import { model, PanelState, stem, timeAxis } from './state';

const figures = new Map<string, SvgFigure>();

/** Show the figures that fit the model and the runs in `container` (kept while their set is unchanged). */
export function renderFigures(container: HTMLElement, runs: RunResult[]): void {
  const a = model.analysis;
  const wanted: { id: string; title: string; draw: (w: number) => string; controls?: () => HTMLElement[] }[] = [];
  if (a) {
    a.groups.forEach((g, gi) => {
      if (g.structure.type === 'gl') wanted.push({ id: `matrix-${gi}`, title: `Matrix charge of ${g.name}`, draw: (w) => matrixChargeSvg(a, gi, runs, w) });
    });
    const neurons = neuronGroup(a);
    const run = runs.find((r) => r.series.charges.length > 0);
    if (neurons !== undefined && run)
      wanted.push({ id: 'neurons', title: `Per-neuron charges over time (${a.groups[neurons].name})`, draw: (w) => neuronHeatSvg(a, neurons, run, w) });
    const phaseRuns = runs.filter((r) => r.series.chains?.some((c) => c.theta));
    if (phaseRuns.length && a.components.length >= 2 && a.symmetries.length) {
      wanted.push({ id: 'phase', title: 'Phase portrait', draw: (w) => phasePortraitSvg(a, phaseRuns, w), controls: () => phaseControls(a) });
    }
  }
  const key = wanted.map((w) => w.id).join(',');
  if (container.dataset.figures !== key) {
    for (const f of figures.values()) f.destroy();
    figures.clear();
    container.replaceChildren();
    container.dataset.figures = key;
    for (const w of wanted) {
      const fig = new SvgFigure(w.id, w.title, w.draw, exportData, `${stem()}-${w.id}`, w.controls?.() ?? []);
      figures.set(w.id, fig);
      container.append(fig.el);
      fig.redraw();
    }
    return;
  }
  for (const w of wanted) figures.get(w.id)?.setDraw(w.draw);
}

export function figureSvg(id: string): string | undefined {
  return figures.get(id)?.svgText;
}

// ---- matrix charges ----

/** Component offset of each parameter tensor (components are the tensors' entries, row-major, in order). */
function offsets(a: AnalysisResult): number[] {
  const out: number[] = [];
  let o = 0;
  for (const p of a.parameters) {
    out.push(o);
    o += p.shape.reduce((x, y) => x * y, 1);
  }
  return out;
}

/** Q = Σ over the members ± T Tᵀ contracted over every axis but the group's (U Uᵀ − Wᵀ W). */
export function glCharge(a: AnalysisResult, gi: number, theta: (i: number) => number): number[][] | null {
  const s = a.groups[gi].structure as { type: string; size?: number; members?: { param: number; axis: number; sign: number }[] };
  if (s.type !== 'gl' || !s.size || !s.members) return null;
  const k = s.size;
  const off = offsets(a);
  const Q = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const m of s.members) {
    const shape = a.parameters[m.param].shape;
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((x, y) => x * y, 1));
    const others = shape.map((n, d) => (d === m.axis ? 1 : n));
    const count = others.reduce((x, y) => x * y, 1);
    for (let r = 0; r < count; r++) {
      // The flat offset of this combination of the other axes.
      let base = 0;
      let rest = r;
      for (let d = shape.length - 1; d >= 0; d--) {
        const idx = rest % others[d];
        rest = Math.floor(rest / others[d]);
        base += idx * strides[d];
      }
      for (let i = 0; i < k; i++) {
        const ti = theta(off[m.param] + base + i * strides[m.axis]);
        for (let j = 0; j < k; j++) Q[i][j] += m.sign * ti * theta(off[m.param] + base + j * strides[m.axis]);
      }
    }
  }
  return Q;
}

function matrixChargeSvg(a: AnalysisResult, gi: number, runs: RunResult[], width: number): string {
  const comps = a.components;
  const maps: HeatMap[] = [];
  const start = glCharge(a, gi, (i) => a.initial[comps[i]] ?? NaN);
  const k = start?.length ?? 0;
  const labels = Array.from({ length: k }, (_, i) => String(i));
  if (start) maps.push({ title: 'start', values: start, rowLabels: labels, colLabels: labels });
  // Measured: the mean over chains of each chain's Q at the end (Q is quadratic: not Q of the mean).
  const run = runs.find((r) => r.finalPerChain?.length && r.optimizer !== 'gd') ?? runs.find((r) => r.finalPerChain?.length);
  if (run?.finalPerChain) {
    const per = run.finalPerChain.map((th) => glCharge(a, gi, (i) => th[i]) as number[][]);
    const mean = per[0].map((row, i) => row.map((_, j) => per.reduce((s, q) => s + q[i][j], 0) / per.length));
    maps.push({ title: 'measured (end)', values: mean, rowLabels: labels, colLabels: labels });
  }
  const p = run?.prediction ?? a.predictions?.find((x) => x.status === 'equilibrium');
  if (p && p.status === 'equilibrium' && p.endPoint) {
    const end = p.endPoint;
    const q = glCharge(a, gi, (i) => end[comps[i]] ?? NaN);
    if (q) maps.push({ title: 'predicted (end)', values: q, rowLabels: labels, colLabels: labels });
  }
  const g = a.groups[gi];
  const gauge = p?.orientationDependent?.some((x) => x)
    ? ' Off-diagonal entries depend on the orientation within the group (gauge): compare the invariants.'
    : '';
  const measured = run?.finalPerChain ? ` Measured: the mean over ${run.finalPerChain.length} chains of each chain's Q at the end of ${runLabel(run)}.` : '';
  const predicted = p && p.status === 'equilibrium' ? ` Predicted: Q at where ${runLabel(p)} is predicted to end.` : '';
  return heatMapsSvg(
    `${g.charge.text}, entry by entry (diverging scale centred at 0).${measured}${predicted}${gauge}`,
    maps,
    width,
    readTheme(),
    k > 12 ? 14 : 36,
  );
}

// ---- per-neuron charges ----

/** A group with many charges of one kind (e.g. a rescaling of each hidden neuron), if any. */
function neuronGroup(a: AnalysisResult): number | undefined {
  const i = a.groups.findIndex((g) => g.symmetries.length >= 8 && g.structure.type !== 'gl');
  return i >= 0 ? i : undefined;
}

function neuronHeatSvg(a: AnalysisResult, gi: number, run: RunResult, width: number): string {
  const rows = a.groups[gi].symmetries.filter((j) => run.series.charges[j]);
  const steps = run.series.steps;
  const n = steps.length;
  const stride = Math.max(1, Math.ceil(n / 240));
  const cols: number[] = [];
  for (let k = 0; k < n; k += stride) cols.push(k);
  if (cols[cols.length - 1] !== n - 1) cols.push(n - 1);
  const values = rows.map((j) => cols.map((k) => run.series.charges[j].mean[k] ?? null));
  const x = (k: number) => (timeAxis() === 'time' ? steps[k] * run.lr : steps[k]);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * (cols.length - 1))).map((index) => ({ index, label: fmtTick(x(cols[index])) }));
  const map: HeatMap = {
    title: `${runLabel(run)}: mean over chains`,
    values,
    rowLabels: rows.map((j) => generatorName(a, j)),
    colTicks: ticks,
    xLabel: timeAxis() === 'time' ? 't = η·step' : 'step',
  };
  return heatMapsSvg(`Each row a neuron's charge, each column a record (diverging scale centred at 0)`, [map], width, readTheme(), 12);
}

// ---- phase portrait ----

function phasePair(a: AnalysisResult): [number, number] {
  const savedPair = getState<PanelState>().phase?.[model.fileName];
  const idx = (c: string) => a.components.indexOf(c);
  if (savedPair && idx(savedPair[0]) >= 0 && idx(savedPair[1]) >= 0) return [idx(savedPair[0]), idx(savedPair[1])];
  const inv = a.symmetries[0]?.involves ?? [];
  const x = inv.length >= 2 ? idx(inv[0]) : 0;
  const y = inv.length >= 2 ? idx(inv[1]) : 1;
  return [x >= 0 ? x : 0, y >= 0 && y !== x ? y : x === 0 ? 1 : 0];
}

function phaseControls(a: AnalysisResult): HTMLElement[] {
  const [ix, iy] = phasePair(a);
  const select = (axis: string, chosen: number) => {
    const el = h(
      'select',
      { class: 'nl-select', 'data-axis': axis, 'aria-label': `${axis} component` },
      a.components.map((c, i) => h('option', { value: String(i), selected: i === chosen }, c)),
    );
    el.addEventListener('change', () => {
      const sel = [...(el.closest('header')?.querySelectorAll('select') ?? [])].map((s) => a.components[Number(s.value)]);
      patchState<PanelState>({ phase: { ...(getState<PanelState>().phase ?? {}), [model.fileName]: [sel[0], sel[1]] } });
      figures.get('phase')?.redraw();
    });
    return el;
  };
  return [h('label', { class: 'nl-muted' }, 'x ', select('x', ix)), h('label', { class: 'nl-muted' }, 'y ', select('y', iy))];
}

/** θᵀAθ or vᵀθ (a generator's charge). */
function chargeOf(s: SymmetryReport, theta: number[]): number {
  if (s.direction) return s.direction.reduce((acc, v, i) => acc + v * theta[i], 0);
  let c = 0;
  s.matrix?.forEach((row, i) => row.forEach((v, j) => (c += v ? theta[i] * v * theta[j] : 0)));
  return c;
}

/** Level sets f = level on a grid over the view (marching squares), as pieces separated by NaN points. */
function levelSet(f: (x: number, y: number) => number, level: number, view: [number, number, number, number], n = 90): [number, number][] {
  const [x0, x1, y0, y1] = view;
  const dx = (x1 - x0) / n;
  const dy = (y1 - y0) / n;
  const v: number[][] = [];
  for (let i = 0; i <= n; i++) {
    v.push([]);
    for (let j = 0; j <= n; j++) v[i].push(f(x0 + i * dx, y0 + j * dy) - level);
  }
  const out: [number, number][] = [];
  const cross = (xa: number, ya: number, va: number, xb: number, yb: number, vb: number): [number, number] => {
    const t = va / (va - vb);
    return [xa + t * (xb - xa), ya + t * (yb - ya)];
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const xa = x0 + i * dx;
      const ya = y0 + j * dy;
      const c = [
        [xa, ya, v[i][j]],
        [xa + dx, ya, v[i + 1][j]],
        [xa + dx, ya + dy, v[i + 1][j + 1]],
        [xa, ya + dy, v[i][j + 1]],
      ];
      const pts: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const [p, q] = [c[e], c[(e + 1) % 4]];
        if (p[2] < 0 !== q[2] < 0) pts.push(cross(p[0], p[1], p[2], q[0], q[1], q[2]));
      }
      for (let k = 0; k + 1 < pts.length; k += 2) out.push(pts[k], pts[k + 1], [NaN, NaN]);
    }
  }
  return out;
}

/** The orbit of a point under e^{λA} (rescaling, scaling) or θ + λv (translation), in the view. */
function orbit(s: SymmetryReport, point: number[], ix: number, iy: number, view: [number, number, number, number]): [number, number][] {
  const inView = (p: number[]) => p[ix] >= view[0] - 1e-9 && p[ix] <= view[1] + 1e-9 && p[iy] >= view[2] - 1e-9 && p[iy] <= view[3] + 1e-9;
  const walk = (sign: number): [number, number][] => {
    const pts: [number, number][] = [];
    let th = point.slice();
    const scale = Math.max(view[1] - view[0], view[3] - view[2]);
    for (let k = 0; k < 2000; k++) {
      pts.push([th[ix], th[iy]]);
      if (!inView(th) && k > 0) break;
      let dir: number[];
      if (s.direction) dir = s.direction.slice();
      else if (s.matrix) dir = s.matrix.map((row) => row.reduce((acc, v, j) => acc + v * th[j], 0));
      else break;
      const speed = Math.hypot(dir[ix], dir[iy]);
      if (!(speed > 0)) break;
      const h = (sign * scale) / 200 / speed;
      th = th.map((v, i) => v + h * dir[i]);
    }
    return pts;
  };
  const back = walk(-1).reverse();
  return [...back, ...walk(1).slice(1)];
}

function phasePortraitSvg(a: AnalysisResult, runs: RunResult[], width: number): string {
  const t = readTheme();
  const [ix, iy] = phasePair(a);
  const comps = a.components;
  const start = comps.map((c) => a.initial[c] ?? 0);
  const sym = a.symmetries.find((s) => s.involves.includes(comps[ix]) || s.involves.includes(comps[iy])) ?? a.symmetries[0];
  const si = a.symmetries.indexOf(sym);
  const pred = runs.find((r) => r.prediction)?.prediction ?? a.predictions?.[0];
  const curves: PhaseCurve[] = [];
  const markers: PhaseMarker[] = [];
  const xs: number[] = [start[ix]];
  const ys: number[] = [start[iy]];
  for (const r of runs) {
    for (const c of r.series.chains ?? []) {
      const th = c.theta;
      if (!th) continue;
      const n = th[ix].length;
      const stride = Math.max(1, Math.ceil(n / 800));
      const pts: [number, number][] = [];
      for (let k = 0; k < n; k += stride) pts.push([th[ix][k], th[iy][k]]);
      pts.push([th[ix][n - 1], th[iy][n - 1]]);
      for (const [x, y] of pts) {
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        xs.push(x);
        ys.push(y);
      }
      curves.push({ points: pts, color: colorOf(r.run), width: 1, opacity: 0.7, role: 'trajectory' });
    }
  }
  const end = pred?.status === 'equilibrium' && pred.endPoint ? comps.map((c) => (pred.endPoint as Record<string, number>)[c] ?? NaN) : null;
  const minimum = pred && pred.minimum.loss !== null ? comps.map((c) => pred.minimum.point[c] ?? NaN) : null;
  for (const p of [end, minimum]) {
    if (!p) continue;
    xs.push(p[ix]);
    ys.push(p[iy]);
  }
  const pad = (lo: number, hi: number): [number, number] => {
    const d = (hi - lo) * 0.12 || Math.abs(hi) * 0.2 || 1;
    return [lo - d, hi + d];
  };
  const fin = (v: number[]) => v.filter(Number.isFinite);
  const [x0, x1] = pad(Math.min(...fin(xs)), Math.max(...fin(xs)));
  const [y0, y1] = pad(Math.min(...fin(ys)), Math.max(...fin(ys)));
  // A diverged chain's path (to 1e30 or NaN) would leave nothing to see: then the view around the start.
  const sane = [x0, x1, y0, y1].every((v) => Number.isFinite(v) && Math.abs(v) < 1e6);
  const view: [number, number, number, number] = sane ? [x0, x1, y0, y1] : [start[ix] - 1, start[ix] + 1, start[iy] - 1, start[iy] + 1];
  const slice = (x: number, y: number) => {
    const th = start.slice();
    th[ix] = x;
    th[iy] = y;
    return chargeOf(sym, th);
  };
  const name = generatorName(a, si);
  const c0 = chargeOf(sym, start);
  const legend = [];
  // Faint level sets of the charge for context, the one through the start bold.
  const span = Math.max(Math.abs(slice(x0, y0) - c0), Math.abs(slice(x1, y1) - c0), Math.abs(slice(x0, y1) - c0), Math.abs(slice(x1, y0) - c0)) || 1;
  for (let k = -3; k <= 3; k++) {
    if (k === 0) continue;
    curves.unshift({ points: levelSet(slice, c0 + (k * span) / 4, view), color: t.muted, width: 0.8, opacity: 0.35, role: 'level' });
  }
  curves.unshift({ points: levelSet(slice, c0, view), color: t.fg, width: 1.6, dash: DASH.dashed, role: 'orbit-start' });
  legend.push({ label: `${name} = ${fmtTick(c0)} through the start (conserved by gradient flow)`, color: t.fg, dash: DASH.dashed });
  const cEnd = pred?.charges[si];
  if (cEnd !== null && cEnd !== undefined && pred?.status === 'equilibrium') {
    curves.unshift({ points: levelSet(slice, cEnd, view), color: theoryColor(pred.run), width: 1.6, dash: DASH.dashdot, role: 'level-end' });
    legend.push({ label: `${name} = ${fmtTick(cEnd)} where SGD ends (predicted)`, color: theoryColor(pred.run), dash: DASH.dashdot });
  }
  if (minimum && minimum.every(Number.isFinite)) {
    curves.unshift({ points: orbit(sym, minimum, ix, iy, view), color: withAlpha(t.palette[2], 0.9), width: 3, role: 'minimum-manifold' });
    legend.push({ label: 'minimum manifold (the symmetry orbit of the minimum gradient flow reaches)', color: t.palette[2] });
    markers.push({ at: [minimum[ix], minimum[iy]], color: t.palette[2], shape: 'circle', role: 'minimum' });
  }
  markers.push({ at: [start[ix], start[iy]], color: t.fg, shape: 'square', role: 'start' });
  legend.push({ label: 'start', color: t.fg, points: true });
  if (end) {
    markers.push({ at: [end[ix], end[iy]], color: theoryColor(pred?.run ?? 0), shape: 'cross', role: 'predicted-end' });
    legend.push({ label: 'predicted end point', color: theoryColor(pred?.run ?? 0), points: true });
  }
  for (const r of runs) legend.push({ label: `${runLabel(r)}: chains ${(r.series.chains ?? []).map((c) => c.chain).join(', ')}`, color: colorOf(r.run) });
  return phaseSvg(
    {
      title: `${comps[iy]} against ${comps[ix]} (other components held at the start for the level sets)`,
      xLabel: comps[ix],
      yLabel: comps[iy],
      curves,
      markers,
      legend,
      view,
    },
    width,
    t,
  );
}
