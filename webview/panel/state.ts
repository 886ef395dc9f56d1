// The panel's state: what the host sent (analysis, runs) and what the webview remembers (tab, zoom,
// the user's plot choices) across hide/show and reloads.
import type { AnalysisResult, RunResult } from '../../src/shared/protocol';
import { PlotPrefs, setPrefsStore, setZoomStore } from '../common/plots';
import { getState, patchState } from '../common/vscode';

export interface PanelState {
  uri: string;
  fileName: string;
  tab: number;
  zoom: Record<string, [number, number]>;
  analysis: AnalysisResult;
  stationaryRun: number;
  /** Log axes chosen per plot. */
  plotPrefs: Record<string, PlotPrefs>;
  /** The time plots' x axis: steps, or t = η·steps (the time of the continuous-time laws). */
  timeAxis: 'steps' | 'time';
  /** The phase portrait's components, per file. */
  phase: Record<string, [string, string]>;
}

export const model: {
  fileName: string;
  analysis?: AnalysisResult;
  runs: (RunResult | undefined)[];
  streaming: boolean;
  progress?: { run: number; fraction: number };
  finished: boolean;
} = { fileName: '', runs: [], streaming: false, finished: false };

export const saved = getState<PanelState>();
export const zoom: Record<string, [number, number]> = { ...(saved.zoom ?? {}) };
setZoomStore({
  get: (id) => zoom[id],
  set: (id, range) => {
    if (range) zoom[id] = range;
    else delete zoom[id];
    patchState<PanelState>({ zoom });
  },
});

export function liveRuns(): RunResult[] {
  return model.runs.filter((r): r is RunResult => r !== undefined);
}

export function stem(): string {
  return (model.fileName || 'noether').replace(/\.loss$/, '');
}

const prefs: Record<string, PlotPrefs> = { ...(saved.plotPrefs ?? {}) };
setPrefsStore({
  get: (id) => prefs[id] ?? {},
  set: (id, p) => {
    prefs[id] = p;
    patchState<PanelState>({ plotPrefs: prefs });
  },
});

export function timeAxis(): 'steps' | 'time' {
  return getState<PanelState>().timeAxis ?? 'steps';
}

/** A run's record points on the chosen time axis: steps, or t = η·steps. */
export function xOf(r: RunResult): number[] {
  return timeAxis() === 'time' ? Array.from(r.series.steps, (s) => s * r.lr) : Array.from(r.series.steps);
}

export function xLabel(): string {
  return timeAxis() === 'time' ? 't = η·step' : 'step';
}
