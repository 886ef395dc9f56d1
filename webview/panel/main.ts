// The Noether Lab panel: symmetry cards (KaTeX), the equilibria table, and live uPlot plots of the
// simulation (loss, charges SGD vs GD with law (C)'s prediction, drift, curvature, stationary
// histograms, escape times). Everything from the `.loss` file is inserted as text (textContent)
// or typeset by KaTeX with trust: false; nothing is executed.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import 'katex/dist/katex.min.css';
import 'uplot/dist/uPlot.min.css';
import '../../media/webview/common.css';
import '../../media/webview/panel.css';

import { FromWebviewType, ToWebviewMessage, ToWebviewType } from '../../src/shared/protocol';
import { rebuildAllPlots } from '../common/plots';
import { watchTheme } from '../common/theme';
import { onMessage, patchState, send } from '../common/vscode';
import { PanelState, model, saved } from './state';
import { selectTab, highlight, renderProgress } from './layout';
import { renderAnalysis, focusSymmetry } from './symmetries';
import { plots } from './plotHost';
import { renderDynamics } from './dynamics';
import { renderStationary } from './stationary';
import { setOverlay } from './history';
// ---- messages ----

let frame = 0;
function scheduleSimRender(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderDynamics();
    renderStationary();
    renderProgress();
  });
}

function handle(m: ToWebviewMessage): void {
  switch (m.type) {
    case ToWebviewType.Analysis:
      model.analysis = m.analysis;
      model.fileName = m.fileName;
      patchState<PanelState>({ uri: m.uri, fileName: m.fileName, analysis: m.analysis });
      renderAnalysis();
      scheduleSimRender();
      break;
    case ToWebviewType.SimulationProgress: {
      const p = m.progress;
      if (model.finished) {
        model.runs = [];
        model.finished = false;
      }
      model.streaming = p.fraction < 1 || p.partial === undefined;
      model.progress = { run: p.run, fraction: p.fraction };
      if (p.partial) model.runs[p.run] = p.partial;
      scheduleSimRender();
      break;
    }
    case ToWebviewType.SimulationResult:
      model.runs = [];
      for (const r of m.result.runs) model.runs[r.run] = r;
      model.streaming = false;
      model.finished = true;
      model.progress = undefined;
      scheduleSimRender();
      break;
    case ToWebviewType.Overlay:
      setOverlay(m);
      scheduleSimRender();
      break;
    case ToWebviewType.FocusSymmetry:
      focusSymmetry(m.index);
      break;
    case ToWebviewType.FocusGroup:
      highlight(0, `group-${m.group}`);
      break;
    case ToWebviewType.FocusPrediction:
      highlight(0, `prediction-${m.run}`);
      break;
    case ToWebviewType.FocusRun:
      // The Dynamics tab renders on the next frame: highlight the run after it.
      selectTab(1);
      requestAnimationFrame(() => highlight(1, document.querySelector(`.nl-divergence[data-run="${m.run}"]`) ? `nl-divergence-${m.run}` : 'nl-runs'));
      break;
    case ToWebviewType.Theme:
      // VS Code also switches the body class, which watchTheme sees; re-read either way.
      requestAnimationFrame(() => rebuildAllPlots());
      break;
    default:
      break;
  }
}

onMessage(handle);
watchTheme(() => {
  rebuildAllPlots();
  renderDynamics();
  renderStationary();
});

// Restore what the state remembers (after a reload or hide/show), then ask the host for the rest.
if (saved.analysis) {
  model.analysis = saved.analysis;
  model.fileName = saved.fileName ?? '';
}
renderAnalysis();
renderDynamics();
renderStationary();
send({ type: FromWebviewType.Ready, view: 'panel' });

// Exposed only to the browser tests, whose harness sets __noetherLabTest before this bundle runs
// (read-only views of the rendered plots).
const testWindow = window as unknown as { __noetherLabTest?: boolean; __noetherLab?: unknown };
if (testWindow.__noetherLabTest === true) {
  testWindow.__noetherLab = {
    plots: () => [...plots.entries()].map(([id, p]) => ({ id, el: p.el, width: p.uplot?.width ?? 0, points: p.uplot?.data[0].length ?? 0 })),
    plot: (id: string) => plots.get(id),
  };
}
