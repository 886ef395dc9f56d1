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
import type { AnalysisResult, GroupReport, SymmetryReport } from '../core/analysis/analyze';
import type { RunResult, SimulationProgress, SimulationResult } from '../core/numeric/types';
import type { ReportDoc } from './reportDoc';

/** The result types the messages carry: the webviews take them from here, never from src/core. */
export type { AnalysisResult, GroupReport, SymmetryReport, RunResult, SimulationProgress, SimulationResult };
export type { Prediction } from '../core/analysis/predictions';
export type { ChainTrace, VerdictFields } from '../core/numeric/types';
export type { Figure } from '../core/experiments/types';

/** Messages the host sends to a webview. */
export enum ToWebviewType {
  /** A fresh analysis of the panel's file. */
  Analysis = 'analysis',
  /** Streaming progress of a simulation, with the partial run for live plots. */
  SimulationProgress = 'simulationProgress',
  /** A finished simulation (all runs). */
  SimulationResult = 'simulationResult',
  /** Scroll to and highlight one symmetry generator (inside its group's card). */
  FocusSymmetry = 'focusSymmetry',
  /** Scroll to and highlight one symmetry group's card. */
  FocusGroup = 'focusGroup',
  /** Scroll to and highlight the "Where SGD ends" card of one train line. */
  FocusPrediction = 'focusPrediction',
  /** Show one run in the Dynamics tab (e.g. after it diverged). */
  FocusRun = 'focusRun',
  /** The colour theme changed (the webview also watches its body class). */
  Theme = 'theme',
  /** Side view: the active file's summary (or an empty state). */
  Summary = 'summary',
  /** The answer to a request from the webview. */
  Reply = 'reply',
  /** Report view: the document to show (an experiment's report, a sweep). */
  Report = 'report',
  /** Side view: the run history of the active file (newest first). */
  History = 'history',
  /** Panel: earlier runs drawn over the current plots (none: the overlay is cleared). */
  Overlay = 'overlay',
}

/** Messages a webview sends to the host. */
export enum FromWebviewType {
  /** The webview has loaded and listens; the host (re)sends its current state. */
  Ready = 'ready',
  /** A button: run / compare / stop / export / findEquilibrium; refresh: analyse the panel's file again. */
  Command = 'command',
  /** Save a plot or table (PNG data URL, SVG text, CSV text); the host answers with a Reply. */
  ExportData = 'exportData',
  /** Reveal a component (parameter) in the `.loss` editor. */
  ShowInEditor = 'showInEditor',
  /** A button on a run of the history (overlay, export, delete) or on the whole history (clear). */
  HistoryAction = 'historyAction',
}

export const WEBVIEW_COMMANDS = ['run', 'compare', 'stop', 'export', 'findEquilibrium', 'refresh'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

export const HISTORY_ACTIONS = ['overlay', 'clearOverlay', 'exportJson', 'exportNpz', 'delete', 'clear'] as const;
export type HistoryActionName = (typeof HISTORY_ACTIONS)[number];

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
export type ExportFormat = 'png' | 'svg' | 'pdf' | 'csv';

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

export interface FocusGroupMessage extends Envelope {
  type: ToWebviewType.FocusGroup;
  /** Index into the analysis' `groups`. */
  group: number;
}

export interface FocusPredictionMessage extends Envelope {
  type: ToWebviewType.FocusPrediction;
  /** Index of the `train` line. */
  run: number;
}

export interface FocusRunMessage extends Envelope {
  type: ToWebviewType.FocusRun;
  /** Index of the `train` line. */
  run: number;
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

export interface ReportMessage extends Envelope {
  type: ToWebviewType.Report;
  doc: ReportDoc;
}

/** One run of the history as the side view lists it. */
export interface HistoryItem {
  id: string;
  /** When it finished (ms since 1970). */
  time: number;
  /** What was run: `running sgd`, `comparing SGD and GD`, … */
  title: string;
  status: RunResult['status'];
  /** Each train line of the run: its label (`sgd η=0.05 B=4`), index and status. */
  runs: { label: string; train: number; status: RunResult['status'] }[];
}

export interface HistoryMessage extends Envelope {
  type: ToWebviewType.History;
  /** The file the history is of (null: no `.loss` file is active). */
  uri: string | null;
  entries: HistoryItem[];
  /** The entry overlaid on the file's panel, if any. */
  overlaid?: string;
}

export interface OverlayMessage extends Envelope {
  type: ToWebviewType.Overlay;
  /** The history entry drawn (null: none, the overlay is cleared). */
  entry: string | null;
  /** What the legend calls it, e.g. `earlier run 14:02`. */
  label: string;
  runs: RunResult[];
}

export type ToWebviewMessage =
  | AnalysisMessage
  | SimulationProgressMessage
  | SimulationResultMessage
  | FocusSymmetryMessage
  | FocusGroupMessage
  | FocusPredictionMessage
  | FocusRunMessage
  | ThemeMessage
  | SummaryMessage
  | ReplyMessage
  | ReportMessage
  | HistoryMessage
  | OverlayMessage;

// ---- webview → host ----

export interface ReadyMessage extends Envelope {
  type: FromWebviewType.Ready;
  /** Which front end: the panel, the side view or a report. */
  view: 'panel' | 'sidebar' | 'report';
}

export interface CommandMessage extends Envelope {
  type: FromWebviewType.Command;
  command: WebviewCommand;
  args?: unknown;
}

export interface ExportDataMessage extends Envelope {
  type: FromWebviewType.ExportData;
  format: ExportFormat;
  /** PNG: a `data:image/png;base64,…` URL; PDF: a `data:application/pdf;base64,…` URL; SVG and CSV: the text. */
  data: string;
  suggestedName: string;
}

export interface ShowInEditorMessage extends Envelope {
  type: FromWebviewType.ShowInEditor;
  component: string;
}

export interface HistoryActionMessage extends Envelope {
  type: FromWebviewType.HistoryAction;
  action: HistoryActionName;
  /** The history entry (not for `clear` and `clearOverlay`); `latest` is the file's latest run. */
  entry?: string;
}

export type FromWebviewMessage = ReadyMessage | CommandMessage | ExportDataMessage | ShowInEditorMessage | HistoryActionMessage;

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
const isNumOrNullArray = (x: unknown): x is (number | null)[] => isNumArray(x) || (Array.isArray(x) && x.every((v) => v === null || isNum(v)));
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
  if (!isOptional((x.laws as Obj).sgdClosedForm, (c) => c === null || isClosedFormLaw(c)) || !isOptional((x.laws as Obj).sgdClosedFormNote, isStr))
    return false;
  if (x.matrix !== undefined && !(Array.isArray(x.matrix) && x.matrix.every(isNumArray))) return false;
  if (x.direction !== undefined && !isNumArray(x.direction)) return false;
  if (x.equilibrium !== null && x.equilibrium !== undefined) {
    const e = x.equilibrium;
    if (!isObj(e) || !isNumRecord(e.point) || !isNum(e.chargeInitial) || !isNum(e.chargeEquilibrium)) return false;
  }
  if (x.equilibriumNote !== undefined && !isStr(x.equilibriumNote)) return false;
  if (!isStrArray(x.involves)) return false;
  if (!isInt(x.group)) return false;
  if (x.label !== undefined && !isStr(x.label)) return false;
  if (x.action !== undefined && !isObj(x.action)) return false;
  if (x.form !== undefined && !(isObj(x.form) && isNumArray(x.form.i) && isNumArray(x.form.j) && isNumArray(x.form.c))) return false;
  return true;
}

/** Law (C) in closed form: the law and its equilibrium condition as text and TeX, `expr` in `.loss` syntax. */
function isClosedFormLaw(x: unknown): boolean {
  return (
    isObj(x) &&
    isStr(x.text) &&
    isStr(x.tex) &&
    isStr(x.expr) &&
    isBool(x.factorised) &&
    isObj(x.equilibrium) &&
    isStr(x.equilibrium.text) &&
    isStr(x.equilibrium.tex) &&
    isOneOf(x.method, ['exact-moments', 'dataset'])
  );
}

const STRUCTURES = ['gl', 'diagonal', 'tensors', 'shift', 'components'];

function isGroupReport(x: unknown): x is GroupReport {
  if (!isObj(x)) return false;
  if (!isStr(x.name) || !isOneOf(x.kind, KINDS) || !isInt(x.dimension) || !isStrArray(x.tensors)) return false;
  if (x.status !== 'proved' && x.status !== 'numerical') return false;
  if (x.proof !== undefined && !isStr(x.proof)) return false;
  if (x.proofNote !== undefined && !isStr(x.proofNote)) return false;
  if (!isObj(x.charge) || !isStr(x.charge.text) || !isStr(x.charge.tex)) return false;
  for (const key of ['laws', 'lawsTex'] as const) {
    const l = x[key];
    if (!isObj(l) || !isStr(l.gradientFlow) || !isStr(l.sgdStep) || !isStr(l.sgdContinuous)) return false;
  }
  if (!isArrayOf(x.symmetries, isInt) || !isInt(x.unlisted)) return false;
  if (!isObj(x.structure) || !isOneOf(x.structure.type, STRUCTURES)) return false;
  if (!isOptional(x.sgdClosedForm, (c) => c === null || isGroupClosedForm(c)) || !isOptional(x.sgdClosedFormNote, isStr)) return false;
  return isNumOrNull(x.residual);
}

/** A GL(k) group's law (C) in matrix form: text, TeX, the entries' `expr`s and the equilibrium condition. */
function isGroupClosedForm(x: unknown): boolean {
  return (
    isObj(x) &&
    isStr(x.text) &&
    isStr(x.tex) &&
    isArrayOf(x.entries, (e) => isObj(e) && isInt(e.i) && isInt(e.j) && isStr(e.expr)) &&
    isObj(x.equilibrium) &&
    isStr(x.equilibrium.text) &&
    isStr(x.equilibrium.tex) &&
    isOneOf(x.method, ['exact-moments', 'dataset'])
  );
}

export function isAnalysisResult(x: unknown): x is AnalysisResult {
  if (!isObj(x)) return false;
  if (!isStr(x.file) || !isStrArray(x.components) || !isNumRecord(x.initial)) return false;
  if (!Array.isArray(x.parameters) || !x.parameters.every((p) => isObj(p) && isStr(p.name) && isNumArray(p.shape))) return false;
  if (!Array.isArray(x.symmetries) || !x.symmetries.every(isSymmetryReport)) return false;
  if (!Array.isArray(x.groups) || !x.groups.every(isGroupReport)) return false;
  if (!x.symmetries.every((s) => s.group < (x.groups as unknown[]).length)) return false;
  if (!Array.isArray(x.diagnostics) || !x.diagnostics.every((d) => isObj(d) && isStr(d.message) && isNum(d.line))) return false;
  if (x.noise !== undefined && !(isObj(x.noise) && isStr(x.noise.method) && isNum(x.noise.lr) && isNum(x.noise.batch))) return false;
  if (x.predictions !== undefined && !(Array.isArray(x.predictions) && x.predictions.every(isPrediction))) return false;
  if (x.stability !== undefined && !(Array.isArray(x.stability) && x.stability.every(isStabilityInfo))) return false;
  if (x.startOrbit !== undefined && !(isObj(x.startOrbit) && isOneOf(x.startOrbit.status, STATUSES) && isStr(x.startOrbit.reason))) return false;
  return isOptional(x.conservationLaws, isConservationLaws);
}

/** The count of all conservation laws of gradient flow, or why it was not computed. */
function isConservationLaws(c: unknown): boolean {
  if (!isObj(c)) return false;
  if (c.count === undefined) return isStr(c.note);
  return (
    isInt(c.count) &&
    isInt(c.fromSymmetries) &&
    isInt(c.rank) &&
    isInt(c.levels) &&
    isNum(c.smallestAccepted) &&
    isNum(c.largestRejected) &&
    isInt(c.vanished) &&
    isBool(c.clearGap) &&
    isNum(c.tolerance) &&
    isStr(c.summary)
  );
}

/** A number, or null where the sender had a non-finite one (jsonSafe). */
const isNumOrNull = (x: unknown): x is number | null => x === null || isNum(x);
const isOptional = (x: unknown, test: (v: unknown) => boolean): boolean => x === undefined || test(x);
const isOneOf = (x: unknown, values: readonly string[]): x is string => isStr(x) && values.includes(x);
const isArrayOf = (x: unknown, test: (v: unknown) => boolean): x is unknown[] => Array.isArray(x) && x.every(test);
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
const STATUSES = ['equilibrium', 'grows', 'none'] as const;
const RUN_STATUSES = ['completed', 'diverged', 'cancelled'] as const;
const VERDICTS = ['agrees', 'relaxing', 'disagrees', 'no prediction'] as const;

function isStabilityInfo(x: unknown): boolean {
  return isObj(x) && isInt(x.run) && isStr(x.optimizer) && isNum(x.lr) && isNumOrNull(x.lambdaMaxStart) && isNumOrNull(x.lambdaMaxEnd) && isNumOrNull(x.bound);
}

function isPredictedInvariant(x: unknown): boolean {
  return (
    isObj(x) &&
    isOneOf(x.kind, ['linear', 'quadratic']) &&
    isStr(x.text) &&
    isNumOrNull(x.predicted) &&
    isNumOrNull(x.etaTerm) &&
    isOptional(x.coefficients, isNumArray) &&
    isOptional(x.metric, (m) => isArrayOf(m, isNumArray))
  );
}

function isPrediction(x: unknown): boolean {
  if (!isObj(x) || !isInt(x.run) || !isStr(x.optimizer) || !isNum(x.lr) || !isNum(x.batch) || !isNum(x.weightDecay)) return false;
  if (!isOneOf(x.status, STATUSES) || !isStr(x.reason) || !isStr(x.order)) return false;
  if (x.endPoint !== null && !isNumRecord(x.endPoint)) return false;
  if (!isArrayOf(x.charges, isNumOrNull) || !isNumOrNull(x.relaxationSteps) || !isNumOrNull(x.residual)) return false;
  const m = x.minimum;
  if (!isObj(m) || !isNumRecord(m.point) || !isNumOrNull(m.loss) || !isBool(m.converged) || !isNumOrNull(m.flowTime) || !isOptional(m.note, isStr))
    return false;
  if (!isObj(x.noise) || !isStr(x.noise.method) || !isStr(x.noise.flow) || !isOptional(x.noise.samples, isNum)) return false;
  if (!isArrayOf(x.growth, (g) => isObj(g) && isInt(g.symmetry) && isNumOrNull(g.rate) && isNumOrNull(g.invariant) && isStr(g.law))) return false;
  if (!isOptional(x.etaTerms, (e) => isArrayOf(e, isNumOrNull))) return false;
  if (!isOptional(x.orientationDependent, (o) => isArrayOf(o, isBool))) return false;
  if (!isOptional(x.balance, (b) => isObj(b) && isNumRecord(b.point) && isArrayOf(b.charges, isNumOrNull))) return false;
  if (!isOptional(x.rotation, (r) => isArrayOf(r, isNumOrNull))) return false;
  if (!isOptional(x.stationary, (st) => isObj(st) && isNumRecord(st.mean) && isArrayOf(st.cov, isNumArray))) return false;
  return isOptional(x.invariants, (v) => isArrayOf(v, isPredictedInvariant));
}

function isHistogram(x: unknown): boolean {
  return isObj(x) && isNumArray(x.edges) && isNumArray(x.counts) && x.edges.length === x.counts.length + 1;
}

/** The verdict fields of a charge or an invariant (prediction beside measurement). */
function hasVerdict(x: Obj): boolean {
  return (
    isNumOrNull(x.measured) &&
    isNumOrNull(x.measuredStdErr) &&
    isNumOrNull(x.z) &&
    isNumOrNull(x.etaTerm) &&
    isNumOrNull(x.zDiscrete) &&
    isOneOf(x.verdict, VERDICTS) &&
    isStr(x.verdictNote) &&
    isOptional(x.stepsNeeded, isNum)
  );
}

function isChargeSummary(x: unknown): boolean {
  return (
    isObj(x) &&
    isInt(x.symmetry) &&
    isStr(x.kind) &&
    isStr(x.text) &&
    isNumOrNull(x.initial) &&
    isNumOrNull(x.finalMean) &&
    isNumOrNull(x.finalStd) &&
    isNumOrNull(x.predictedEquilibrium) &&
    hasVerdict(x)
  );
}

function isInvariantSummary(x: unknown): boolean {
  return isObj(x) && isOneOf(x.kind, ['linear', 'quadratic']) && isStr(x.text) && isNumOrNull(x.predicted) && hasVerdict(x);
}

function isDivergenceSummary(x: unknown): boolean {
  return (
    isObj(x) &&
    isInt(x.chains) &&
    isInt(x.of) &&
    isInt(x.firstStep) &&
    isInt(x.firstChain) &&
    isNumOrNull(x.lambdaMax) &&
    isNumOrNull(x.bound) &&
    isNum(x.lr) &&
    isStr(x.message)
  );
}

function isStationary(x: unknown): boolean {
  if (!isObj(x) || !isNumRecord(x.mean) || !isNumRecord(x.var)) return false;
  if (!isInt(x.burnin) || !isStr(x.burninMethod) || !isBool(x.reached) || !isInt(x.samples)) return false;
  if (!isOptional(x.meanStdErr, isNumRecord) || !isOptional(x.varStdErr, isNumRecord) || !isOptional(x.cov, (c) => isArrayOf(c, isNumArray))) return false;
  if (!isOptional(x.histograms, (hs) => isObj(hs) && Object.values(hs).every(isHistogram))) return false;
  if (!isOptional(x.product, isProductStatistics)) return false;
  const t = x.theory;
  return t === undefined || (isObj(t) && isStr(t.source) && isNumRecord(t.mean) && isNumRecord(t.var) && isArrayOf(t.cov, isNumArray) && isProductTheory(t));
}

/** A deep chain's law of the product (all optional: a Gaussian theory has none of them). */
function isProductTheory(t: Record<string, unknown>): boolean {
  return (
    isOptional(t.variable, isStr) &&
    isOptional(t.density, (d) => isObj(d) && isNumArray(d.x) && isNumArray(d.p) && d.x.length === d.p.length) &&
    isOptional(t.quantiles, isNumArray) &&
    isOptional(t.mode, isNumOrNull) &&
    isOptional(t.tc, isNumOrNull) &&
    isOptional(t.collapsed, isBool) &&
    isOptional(t.temperature, isNum) &&
    isOptional(t.depth, isInt)
  );
}

function isProductStatistics(x: unknown): boolean {
  return isObj(x) && isStr(x.variable) && isNumArray(x.quantiles) && isNumArray(x.quantileStdErr) && isInt(x.samples) && isOptional(x.histogram, isHistogram);
}

export function isRunResult(x: unknown): x is RunResult {
  if (!isObj(x)) return false;
  if (!isInt(x.run) || !isStr(x.optimizer) || !isNum(x.lr) || !isNum(x.batch) || !isNum(x.steps) || !isNum(x.chains)) return false;
  if (!isOneOf(x.status, RUN_STATUSES) || !isInt(x.recordEvery)) return false;
  if (!isArrayOf(x.diverged, (d) => isObj(d) && isNum(d.chain) && isNum(d.step) && isStr(d.message))) return false;
  if (!isOptional(x.divergence, isDivergenceSummary)) return false;
  const s = x.series;
  if (!isObj(s)) return false;
  if (!isNumArray(s.steps) || !isNumArray(s.survivors) || !isNumArray(s.lossMean) || !isNumArray(s.lossStd)) return false;
  const n = s.steps.length;
  const ofLength = (a: unknown): boolean => isNumArray(a) && a.length === n;
  if (!ofLength(s.survivors) || !ofLength(s.lossMean) || !ofLength(s.lossStd)) return false;
  const isSeriesCharge = (c: unknown): boolean =>
    isObj(c) &&
    ofLength(c.mean) &&
    ofLength(c.std) &&
    isNumOrNullArray(c.predicted) &&
    c.predicted.length === n &&
    isOptional(c.lawResidual, (r) => isObj(r) && ofLength(r.mean) && ofLength(r.se) && ofLength(r.quadrature));
  if (!isArrayOf(s.charges, isSeriesCharge) || !isOptional(s.lawC, isStr)) return false;
  if (!isArrayOf(s.drift, (d) => isObj(d) && isNumArray(d.measured) && isNumArray(d.predicted))) return false;
  // tr H and λ_max come from chain 0's worker: null (NaN) at the records it did not probe, and while
  // a run streams they may lag behind the other workers' records (never run ahead of them).
  if (!isNumArray(s.traceH) || !isNumArray(s.lambdaMaxH) || s.traceH.length > n || s.lambdaMaxH.length > n) return false;
  // A few chains' own paths (bounded by the runner: at most 4 chains, 64 charges, 32 components).
  const isTrace = (t: unknown): boolean =>
    isObj(t) &&
    isInt(t.chain) &&
    ofLength(t.loss) &&
    isArrayOf(t.charges, ofLength) &&
    t.charges.length <= 64 &&
    isOptional(t.theta, (th) => isArrayOf(th, ofLength) && th.length <= 32);
  if (!isOptional(s.chains, (c) => isArrayOf(c, isTrace) && c.length <= 4)) return false;
  if (!isStationary(x.stationary)) return false;
  if (!isArrayOf(x.charges, isChargeSummary) || !isOptional(x.invariants, (v) => isArrayOf(v, isInvariantSummary))) return false;
  if (!isOptional(x.prediction, isPrediction)) return false;
  if (!isNumOrNull(x.lawResidual) || !isOptional(x.lawStride, (r) => isInt(r) && r >= 1)) return false;
  return isOptional(x.firstPassage, (f) => isArrayOf(f, isNumOrNull));
}

export function isSimulationResult(x: unknown): x is SimulationResult {
  return isObj(x) && isStr(x.file) && isStrArray(x.components) && Array.isArray(x.runs) && x.runs.every(isRunResult);
}

export function isSimulationProgress(x: unknown): x is SimulationProgress {
  return isObj(x) && isInt(x.run) && isFiniteNum(x.fraction) && x.fraction >= 0 && x.fraction <= 1 && (x.partial === undefined || isRunResult(x.partial));
}

function isFigure(x: unknown): boolean {
  return (
    isObj(x) &&
    isStr(x.id) &&
    isStr(x.title) &&
    isStr(x.xLabel) &&
    isStr(x.yLabel) &&
    isOptional(x.xLog, isBool) &&
    isOptional(x.yLog, isBool) &&
    isArrayOf(
      x.series,
      (s) =>
        isObj(s) &&
        isStr(s.name) &&
        isNumArray(s.x) &&
        isNumArray(s.y) &&
        s.x.length === s.y.length &&
        isOptional(s.yErr, (e) => isNumArray(e) && e.length === (s.y as unknown[]).length) &&
        isOptional(s.style, (st) => isOneOf(st, ['line', 'points', 'dashed', 'bars'])),
    )
  );
}

const isPassFail = (x: unknown) => isOneOf(x, ['pass', 'fail']);

function isReportTable(x: unknown): boolean {
  return isObj(x) && isStrArray(x.columns) && isArrayOf(x.rows, isStrArray) && isOptional(x.rowStatus, (r) => isArrayOf(r, (v) => v === '' || isPassFail(v)));
}

/** A report document: text, figures and tables only (nothing in it is HTML). */
export function isReportDoc(x: unknown): x is ReportDoc {
  return (
    isObj(x) &&
    isOneOf(x.kind, ['experiment', 'sweep']) &&
    isStr(x.title) &&
    isOptional(x.status, isPassFail) &&
    isStrArray(x.intro) &&
    isOptional(x.files, isStrArray) &&
    isArrayOf(
      x.sections,
      (s) =>
        isObj(s) &&
        isStr(s.id) &&
        isStr(s.title) &&
        isOptional(s.status, isPassFail) &&
        isOptional(s.meta, isStr) &&
        isStrArray(s.paragraphs) &&
        isArrayOf(s.figures, isFigure) &&
        isArrayOf(s.tables, isReportTable),
    )
  );
}

function isHistoryItem(x: unknown): boolean {
  return (
    isObj(x) &&
    isStr(x.id) &&
    isFiniteNum(x.time) &&
    isStr(x.title) &&
    isOneOf(x.status, RUN_STATUSES) &&
    isArrayOf(x.runs, (r) => isObj(r) && isStr(r.label) && isInt(r.train) && isOneOf(r.status, RUN_STATUSES))
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
    case ToWebviewType.FocusGroup:
      return isInt(x.group) && x.group >= 0;
    case ToWebviewType.FocusPrediction:
    case ToWebviewType.FocusRun:
      return isInt(x.run) && x.run >= 0;
    case ToWebviewType.Theme:
      return x.kind === 'light' || x.kind === 'dark' || x.kind === 'high-contrast' || x.kind === 'high-contrast-light';
    case ToWebviewType.Summary:
      return (
        (x.uri === null || isStr(x.uri)) &&
        (x.fileName === null || isStr(x.fileName)) &&
        (x.analysis === undefined || isAnalysisResult(x.analysis)) &&
        (x.simulation === undefined || isSimulationResult(x.simulation))
      );
    case ToWebviewType.Reply:
      return isInt(x.replyTo) && typeof x.ok === 'boolean' && (x.detail === undefined || isStr(x.detail));
    case ToWebviewType.Report:
      return isReportDoc(x.doc);
    case ToWebviewType.History:
      return (x.uri === null || isStr(x.uri)) && isArrayOf(x.entries, isHistoryItem) && isOptional(x.overlaid, isStr);
    case ToWebviewType.Overlay:
      return (x.entry === null || isStr(x.entry)) && isStr(x.label) && isArrayOf(x.runs, isRunResult);
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
      return x.view === 'panel' || x.view === 'sidebar' || x.view === 'report';
    case FromWebviewType.Command:
      return isStr(x.command) && (WEBVIEW_COMMANDS as readonly string[]).includes(x.command);
    case FromWebviewType.ExportData:
      if (!isStr(x.data) || x.data.length > MAX_EXPORT_CHARS || !isStr(x.suggestedName)) return false;
      if (x.format === 'png') return x.data.startsWith('data:image/png;base64,');
      if (x.format === 'pdf') return x.data.startsWith('data:application/pdf;base64,');
      return x.format === 'svg' || x.format === 'csv';
    case FromWebviewType.ShowInEditor:
      return isStr(x.component) && x.component.length > 0 && x.component.length < 256;
    case FromWebviewType.HistoryAction:
      return isOneOf(x.action, HISTORY_ACTIONS) && isOptional(x.entry, (e) => isStr(e) && e.length > 0 && e.length < 100);
    default:
      return false;
  }
}

/** A file name safe to suggest in a save dialog: no path separators, no control characters. */
export function safeFileName(name: string, fallback = 'export'): string {
  const cleaned = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f<>:"/\\|?*]+/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 120)
    .trim();
  return cleaned || fallback;
}

/** A counter for envelope ids. */
export function idCounter(): () => number {
  let next = 1;
  return () => next++;
}
