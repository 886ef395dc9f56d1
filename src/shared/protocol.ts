// The messages between the extension host and the Noether Lab webviews (panel and side view),
// typed once and used by both sides (after microsoft/vscode-hexeditor's shared/protocol.ts).
//
// Every message travels in an envelope `{ id, type, ... }`; a reply carries `replyTo`, the id of the
// request it answers, so a request can await its reply. Both sides validate every message they
// receive with the type guards below and ignore (and log) anything that does not match: a webview
// is a separate, untrusted-by-default context, and its data (names from a `.loss` file) is never
// executed or injected as HTML.
//
// No `vscode` and no DOM import here: the file is compiled for the extension host and bundled into
// the webviews.
import type { AnalysisResult, SymmetryReport } from '../core/analysis/analyze';
import type { RunResult, SimulationProgress, SimulationResult } from '../core/numeric/types';

/** Messages the host sends to a webview. */
export enum ToWebviewType {
  /** A fresh analysis of the panel's file. */
  Analysis = 'analysis',
  /** Streaming progress of a simulation, with the partial run for live plots. */
  SimulationProgress = 'simulationProgress',
  /** A finished simulation (all runs). */
  SimulationResult = 'simulationResult',
  /** Scroll to and highlight one symmetry card. */
  FocusSymmetry = 'focusSymmetry',
  /** The colour theme changed (the webview also watches its body class). */
  Theme = 'theme',
  /** Side view: the active file's summary (or an empty state). */
  Summary = 'summary',
  /** The answer to a request from the webview. */
  Reply = 'reply',
}

/** Messages a webview sends to the host. */
export enum FromWebviewType {
  /** The webview has loaded and listens; the host (re)sends its current state. */
  Ready = 'ready',
  /** A button: run / compare / stop / export / findEquilibrium. */
  Command = 'command',
  /** Save a plot or table (PNG data URL, SVG text, CSV text); the host answers with a Reply. */
  ExportData = 'exportData',
  /** Reveal a component (parameter) in the `.loss` editor. */
  ShowInEditor = 'showInEditor',
}

export const WEBVIEW_COMMANDS = ['run', 'compare', 'stop', 'export', 'findEquilibrium'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
export type ExportFormat = 'png' | 'svg' | 'csv';

export interface Envelope {
  /** Unique per sender. */
  id: number;
  /** For replies: the id of the request. */
  replyTo?: number;
}

// ---- host → webview ----

export interface AnalysisMessage extends Envelope {
  type: ToWebviewType.Analysis;
  /** The file's URI (string form); the webview keeps it in its state for restoring after reload. */
  uri: string;
  fileName: string;
  analysis: AnalysisResult;
}

export interface SimulationProgressMessage extends Envelope {
  type: ToWebviewType.SimulationProgress;
  progress: SimulationProgress;
}

export interface SimulationResultMessage extends Envelope {
  type: ToWebviewType.SimulationResult;
  result: SimulationResult;
}

export interface FocusSymmetryMessage extends Envelope {
  type: ToWebviewType.FocusSymmetry;
  index: number;
}

export interface ThemeMessage extends Envelope {
  type: ToWebviewType.Theme;
  kind: ThemeKind;
}

export interface SummaryMessage extends Envelope {
  type: ToWebviewType.Summary;
  /** null: no `.loss` file is active (empty state). */
  uri: string | null;
  fileName: string | null;
  analysis?: AnalysisResult;
  simulation?: SimulationResult;
}

export interface ReplyMessage extends Envelope {
  type: ToWebviewType.Reply;
  replyTo: number;
  ok: boolean;
  /** What happened (e.g. the saved path, "cancelled", an error message). */
  detail?: string;
}

export type ToWebviewMessage =
  | AnalysisMessage
  | SimulationProgressMessage
  | SimulationResultMessage
  | FocusSymmetryMessage
  | ThemeMessage
  | SummaryMessage
  | ReplyMessage;

// ---- webview → host ----

export interface ReadyMessage extends Envelope {
  type: FromWebviewType.Ready;
  /** Which front end: the panel or the side view. */
  view: 'panel' | 'sidebar';
}

export interface CommandMessage extends Envelope {
  type: FromWebviewType.Command;
  command: WebviewCommand;
  args?: unknown;
}

export interface ExportDataMessage extends Envelope {
  type: FromWebviewType.ExportData;
  format: ExportFormat;
  /** PNG: a `data:image/png;base64,…` URL; SVG and CSV: the text. */
  data: string;
  suggestedName: string;
}

export interface ShowInEditorMessage extends Envelope {
  type: FromWebviewType.ShowInEditor;
  component: string;
}

export type FromWebviewMessage = ReadyMessage | CommandMessage | ExportDataMessage | ShowInEditorMessage;

/** A message without its envelope id (the sender assigns it). */
export type Unsent<M> = M extends Envelope ? Omit<M, 'id'> : never;

// ---- runtime validators ----

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number';
const isFiniteNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isStrArray = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);

/**
 * A plain number array or a typed array (postMessage carries typed arrays binary). Non-finite
 * numbers (NaN: "not measured", e.g. a drift that law (C) does not predict for Adam) travel as
 * null, since webview messages are serialised as JSON; see jsonSafe.
 */
function isNumArray(x: unknown): x is number[] {
  if (Array.isArray(x)) return x.every((v) => v === null || isNum(v));
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && typeof (x as unknown as { length: unknown }).length === 'number';
}
const isNumOrNullArray = (x: unknown): x is (number | null)[] =>
  isNumArray(x) || (Array.isArray(x) && x.every((v) => v === null || isNum(v)));
const isNumRecord = (x: unknown): x is Record<string, number> => isObj(x) && Object.values(x).every((v) => v === null || isNum(v));

/** A deep copy in which every non-finite number is null: what JSON would make of it, made explicit. */
export function jsonSafe<T>(x: T): T {
  if (typeof x === 'number') return (Number.isFinite(x) ? x : null) as T;
  if (Array.isArray(x)) return x.map(jsonSafe) as T;
  if (ArrayBuffer.isView(x)) return x;
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = jsonSafe(v);
    return out as T;
  }
  return x;
}

const KINDS = ['rescaling', 'scaling', 'linear', 'translation'];

function isSymmetryReport(x: unknown): x is SymmetryReport {
  if (!isObj(x)) return false;
  if (!isStr(x.kind) || !KINDS.includes(x.kind)) return false;
  if (x.status !== 'proved' && x.status !== 'numerical') return false;
  if (x.proof !== undefined && !isStr(x.proof)) return false;
  if (x.proofNote !== undefined && !isStr(x.proofNote)) return false;
  if (!isObj(x.charge) || !isStr(x.charge.text) || !isStr(x.charge.tex)) return false;
  for (const key of ['laws', 'lawsTex'] as const) {
    const l = x[key];
    if (!isObj(l) || !isStr(l.gradientFlow) || !isStr(l.sgdStep) || !isStr(l.sgdContinuous)) return false;
  }
  if (x.matrix !== undefined && !(Array.isArray(x.matrix) && x.matrix.every(isNumArray))) return false;
  if (x.direction !== undefined && !isNumArray(x.direction)) return false;
  if (x.equilibrium !== null && x.equilibrium !== undefined) {
    const e = x.equilibrium;
    if (!isObj(e) || !isNum(e.lambda) || !isNumRecord(e.point) || !isNum(e.chargeInitial) || !isNum(e.chargeEquilibrium)) return false;
    if (e.lambdaStdErr !== undefined && !isNum(e.lambdaStdErr)) return false;
  }
  if (x.equilibriumNote !== undefined && !isStr(x.equilibriumNote)) return false;
  if (!isStrArray(x.involves)) return false;
  return true;
}

export function isAnalysisResult(x: unknown): x is AnalysisResult {
  if (!isObj(x)) return false;
  if (!isStr(x.file) || !isStrArray(x.components) || !isNumRecord(x.initial)) return false;
  if (!Array.isArray(x.parameters) || !x.parameters.every((p) => isObj(p) && isStr(p.name) && isNumArray(p.shape))) return false;
  if (!Array.isArray(x.symmetries) || !x.symmetries.every(isSymmetryReport)) return false;
  if (!Array.isArray(x.diagnostics) || !x.diagnostics.every((d) => isObj(d) && isStr(d.message) && isNum(d.line))) return false;
  if (x.noise !== undefined && !(isObj(x.noise) && isStr(x.noise.method) && isNum(x.noise.lr) && isNum(x.noise.batch))) return false;
  return true;
}

function isHistogram(x: unknown): boolean {
  return isObj(x) && isNumArray(x.edges) && isNumArray(x.counts) && x.edges.length === x.counts.length + 1;
}

export function isRunResult(x: unknown): x is RunResult {
  if (!isObj(x)) return false;
  if (!isInt(x.run) || !isStr(x.optimizer) || !isNum(x.lr) || !isNum(x.batch) || !isNum(x.steps) || !isNum(x.chains)) return false;
  if (!Array.isArray(x.diverged) || !x.diverged.every((d) => isObj(d) && isNum(d.chain) && isNum(d.step) && isStr(d.message))) return false;
  const s = x.series;
  if (!isObj(s)) return false;
  if (!isNumArray(s.steps) || !isNumArray(s.lossMean) || !isNumArray(s.lossStd)) return false;
  const n = s.steps.length;
  if (s.lossMean.length !== n || s.lossStd.length !== n) return false;
  if (!Array.isArray(s.charges) || !s.charges.every((c) => isObj(c) && isNumArray(c.mean) && isNumArray(c.std) && isNumOrNullArray(c.predicted) && c.mean.length === n)) return false;
  if (!Array.isArray(s.drift) || !s.drift.every((d) => isObj(d) && isNumArray(d.measured) && isNumArray(d.predicted))) return false;
  if (!isNumArray(s.traceH) || !isNumArray(s.lambdaMaxH)) return false;
  const st = x.stationary;
  if (st !== undefined) {
    if (!isObj(st) || !isNumRecord(st.mean) || !isNumRecord(st.var)) return false;
    if (st.histograms !== undefined && !(isObj(st.histograms) && Object.values(st.histograms).every(isHistogram))) return false;
  }
  if (!Array.isArray(x.charges) || !x.charges.every((c) => isObj(c) && isInt(c.symmetry) && isStr(c.text) && isNum(c.finalMean))) return false;
  if (x.firstPassage !== undefined && !(Array.isArray(x.firstPassage) && x.firstPassage.every((v) => v === null || isNum(v)))) return false;
  return true;
}

export function isSimulationResult(x: unknown): x is SimulationResult {
  return isObj(x) && isStr(x.file) && isStrArray(x.components) && Array.isArray(x.runs) && x.runs.every(isRunResult);
}

export function isSimulationProgress(x: unknown): x is SimulationProgress {
  return (
    isObj(x) && isInt(x.run) && isFiniteNum(x.fraction) && x.fraction >= 0 && x.fraction <= 1 &&
    (x.partial === undefined || isRunResult(x.partial))
  );
}

function hasEnvelope(x: unknown): x is Obj & Envelope & { type: unknown } {
  return isObj(x) && isInt(x.id) && (x.replyTo === undefined || isInt(x.replyTo)) && isStr(x.type);
}

/** Type guard for what a webview receives. */
export function isToWebviewMessage(x: unknown): x is ToWebviewMessage {
  if (!hasEnvelope(x)) return false;
  switch (x.type) {
    case ToWebviewType.Analysis:
      return isStr(x.uri) && isStr(x.fileName) && isAnalysisResult(x.analysis);
    case ToWebviewType.SimulationProgress:
      return isSimulationProgress(x.progress);
    case ToWebviewType.SimulationResult:
      return isSimulationResult(x.result);
    case ToWebviewType.FocusSymmetry:
      return isInt(x.index) && x.index >= 0;
    case ToWebviewType.Theme:
      return x.kind === 'light' || x.kind === 'dark' || x.kind === 'high-contrast' || x.kind === 'high-contrast-light';
    case ToWebviewType.Summary:
      return (
        (x.uri === null || isStr(x.uri)) && (x.fileName === null || isStr(x.fileName)) &&
        (x.analysis === undefined || isAnalysisResult(x.analysis)) &&
        (x.simulation === undefined || isSimulationResult(x.simulation))
      );
    case ToWebviewType.Reply:
      return isInt(x.replyTo) && typeof x.ok === 'boolean' && (x.detail === undefined || isStr(x.detail));
    default:
      return false;
  }
}

const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

/** Type guard for what the host receives. */
export function isFromWebviewMessage(x: unknown): x is FromWebviewMessage {
  if (!hasEnvelope(x)) return false;
  switch (x.type) {
    case FromWebviewType.Ready:
      return x.view === 'panel' || x.view === 'sidebar';
    case FromWebviewType.Command:
      return isStr(x.command) && (WEBVIEW_COMMANDS as readonly string[]).includes(x.command);
    case FromWebviewType.ExportData:
      if (!isStr(x.data) || x.data.length > MAX_EXPORT_CHARS || !isStr(x.suggestedName)) return false;
      if (x.format === 'png') return x.data.startsWith('data:image/png;base64,');
      return x.format === 'svg' || x.format === 'csv';
    case FromWebviewType.ShowInEditor:
      return isStr(x.component) && x.component.length > 0 && x.component.length < 256;
    default:
      return false;
  }
}

/** A file name safe to suggest in a save dialog: no path separators, no control characters. */
export function safeFileName(name: string, fallback = 'export'): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f<>:"/\\|?*]+/g, '_').replace(/^\.+/, '').slice(0, 120).trim();
  return cleaned || fallback;
}

/** A counter for envelope ids. */
export function idCounter(): () => number {
  let next = 1;
  return () => next++;
}
