// Law (C) in closed form for the user's own loss (THEORY.md §3): for a symmetric generator A with
// charge C = θᵀAθ,
//     dC/dt = −2γC + ηκ·tr(AΣ(θ)) + η·∇LᵀA∇L,   tr(AΣ) = E_z[∇ℓᵀA∇ℓ] − ∇LᵀA∇L,
// with the data expectation done exactly: over the data laws where the loss is polynomial in the
// data (their moments), or over a finite data set. When the result is a polynomial in θ it is
// simplified and, where C divides it, factorised as (rate)·C — the papers' form, e.g.
// d(u² − w²)/dt = −η[(1/B)·Var(∂ℓ/∂(uw)) + (uw − 2)²](u² − w²). `expr` is the whole right-hand side
// in the `.loss` expression syntax with the file's η, κ and γ, for any tool to evaluate.
import { Graph } from '../expr/graph';
import { gradient } from '../expr/diff';
import { ScalarModel } from '../lang/model';
import { expectedNodes } from './expectation';
import { expandInData, NotPolynomial, nodeRing, parseKey } from './polynomial';
import { datasetRows } from './points';
import { Symmetry } from './symmetries';
import { texName, TrainingConstants } from './laws';
import * as P from './mpoly';

export interface ClosedFormLaw {
  /** dC/dt = … as text and TeX (coefficients to 6 significant digits). */
  text: string;
  tex: string;
  /** The right-hand side of law (C) in `.loss` syntax, exact coefficients, the file's η, κ, γ. */
  expr: string;
  /** The drift is (rate)·C: SGD drives the charge exponentially at that rate. */
  factorised: boolean;
  /** What must balance at the noise equilibrium, in the same form. */
  equilibrium: { text: string; tex: string };
  /** How the data expectation was done. */
  method: 'exact-moments' | 'dataset';
}

export type ClosedFormResult = { law: ClosedFormLaw } | { note: string };

/** Rows of a finite data set averaged exactly up to this size (beyond, the numeric law stays). */
const DATASET_MAX_ROWS = 4096;
/** An `expr` longer than this is not a readable closed form (the numeric law stays). */
const MAX_EXPR_CHARS = 200_000;
/** Text and TeX longer than this are summarised (the expansion stays whole in `expr`). */
const MAX_TEXT_CHARS = 1500;

/** E_z of each root over the file's data: exact moments, or the average over its finite data set. */
function expectations(model: ScalarModel, roots: number[]): { nodes: number[]; method: ClosedFormLaw['method'] } | { note: string } {
  if (!model.dataset) {
    if (model.data.some((d) => !d.dists)) return { note: 'the data come from a file with no declared law' };
    const nodes = expectedNodes(model, roots);
    return nodes
      ? { nodes, method: 'exact-moments' }
      : { note: 'the loss is not polynomial in the data (or its expansion is too large), so the data expectation has no closed form here' };
  }
  const rows = datasetRows(model);
  const dim = model.dataComponents.length;
  if (!rows || rows.length / Math.max(1, dim) > DATASET_MAX_ROWS) return { note: `the finite data set has more than ${DATASET_MAX_ROWS} rows` };
  const N = rows.length / Math.max(1, dim);
  const g = model.graph;
  try {
    const polys = expandInData(g, roots, nodeRing(g, model.paramNodes), 60_000);
    // E over the set: each monomial's empirical mean (the components of a row are not independent).
    const meanOf = new Map<string, number>();
    const mean = (key: string) => {
      let m = meanOf.get(key);
      if (m !== undefined) return m;
      const mono = parseKey(key);
      m = 0;
      for (let r = 0; r < N; r++) {
        let t = 1;
        for (const [v, e] of mono) t *= Math.pow(rows[r * dim + v], e);
        m += t;
      }
      m /= N;
      meanOf.set(key, m);
      return m;
    };
    const nodes = polys.map((p) => {
      let s = g.constant(0);
      for (const [key, c] of p) s = g.add(s, g.mul(g.constant(mean(key)), c));
      return s;
    });
    return { nodes, method: 'dataset' };
  } catch (e) {
    if (e instanceof NotPolynomial)
      return { note: 'the loss is not polynomial in the data (or its expansion is too large), so the average over the data set has no closed form here' };
    throw e;
  }
}

/** θᵀAθ (or vᵀθ) as a polynomial. */
function chargePoly(s: Symmetry): P.MPoly {
  let out: P.MPoly = new Map();
  if (s.direction) {
    s.direction.forEach((c, i) => {
      if (c !== 0) out = P.add(out, P.scale(P.variable(i), c));
    });
    return out;
  }
  const A = s.matrix;
  for (let i = 0; i < A.length; i++) {
    for (let j = i; j < A.length; j++) {
      const c = i === j ? A[i][i] : 2 * A[i][j];
      if (c !== 0) out = P.add(out, P.scale(P.mul(P.variable(i), P.variable(j)), c));
    }
  }
  return out;
}

/** gᵀAg for polynomial (or graph) vectors g. */
function quadraticPoly(A: number[][], g: P.MPoly[]): P.MPoly {
  let out: P.MPoly = new Map();
  for (let i = 0; i < A.length; i++) {
    for (let j = i; j < A.length; j++) {
      const c = i === j ? A[i][i] : 2 * A[i][j];
      if (c !== 0) out = P.add(out, P.scale(P.mul(g[i], g[j]), c));
    }
  }
  return out;
}

function quadraticNode(g: Graph, A: number[][], v: number[]): number {
  let acc = g.constant(0);
  for (let i = 0; i < A.length; i++) {
    for (let j = i; j < A.length; j++) {
      const c = i === j ? A[i][i] : 2 * A[i][j];
      if (c !== 0) acc = g.add(acc, g.mul(g.constant(c), g.mul(v[i], v[j])));
    }
  }
  return acc;
}

/**
 * A graph node as a `.loss` expression (fully parenthesised), or undefined when it is longer than
 * `max` characters or uses a function the language does not have (the step and sign of derivatives).
 */
function toLossSyntax(g: Graph, root: number, names: string[], max = MAX_EXPR_CHARS): string | undefined {
  const memo = new Map<number, string>();
  const LANGUAGE_FUNCTIONS = new Set(['exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'softplus', 'sin', 'cos', 'max', 'min']);
  for (const id of g.reachable([root])) {
    const nd = g.nodes[id];
    const a = (x: number) => memo.get(x) as string;
    let out: string;
    switch (nd.op) {
      case 'const':
        out = nd.value < 0 ? `(${nd.value})` : String(nd.value);
        break;
      case 'param':
        out = names[nd.index];
        break;
      case 'data':
        return undefined;
      case 'add':
        out = `(${a(nd.a)} + ${a(nd.b)})`;
        break;
      case 'neg':
        out = `(-${a(nd.a)})`;
        break;
      case 'mul':
        out = `(${a(nd.a)}*${a(nd.b)})`;
        break;
      case 'div':
        out = `(${a(nd.a)}/${a(nd.b)})`;
        break;
      case 'pow':
        out = `(${a(nd.a)}^${a(nd.b)})`;
        break;
      case 'fn':
        if (!LANGUAGE_FUNCTIONS.has(nd.fn)) return undefined;
        out = nd.b !== undefined ? `${nd.fn}(${a(nd.a)}, ${a(nd.b)})` : `${nd.fn}(${a(nd.a)})`;
        break;
    }
    if (out.length > max) return undefined;
    memo.set(id, out);
  }
  return memo.get(root);
}

/** A number for text: up to 6 significant digits. */
function short(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/** The file's constants as a law states them (`[η = 0.01, B = 4]`), and κ as text and TeX. */
export function lawConstants(k: TrainingConstants): { consts: string; kappaT: string; kappaX: string } {
  const perBatch = k.kappaText === '(1/B)';
  return {
    consts: `[η = ${short(k.lr)}, ${perBatch ? `B = ${k.batch}` : `κ = ${short(k.kappa)}`}${k.weightDecay > 0 ? `, γ = ${short(k.weightDecay)}` : ''}]`,
    kappaT: perBatch ? '(1/B)' : 'κ',
    kappaX: perBatch ? '\\tfrac{1}{B}' : '\\kappa',
  };
}

const paren = (s: string) => (/[ +−-]/.test(s.trim().replace(/^−|^-/, '')) ? `(${s})` : s);

export function closedFormLaws(model: ScalarModel, syms: Symmetry[], k: TrainingConstants): ClosedFormResult[] {
  return closedFormDrifts(model, syms, k).map((d) => d.result);
}

/**
 * Law (C) in closed form for each generator, with the whole right-hand side as a polynomial in θ
 * where it is one (`drift`, for numeric use: the group-level matrix form evaluates it on the
 * minimum manifold).
 */
export function closedFormDrifts(model: ScalarModel, syms: Symmetry[], k: TrainingConstants): { result: ClosedFormResult; drift?: P.MPoly }[] {
  const names = model.components;
  const texNames = names.map(texName);
  const n = names.length;
  const g = model.graph;
  const gamma = k.weightDecay;
  const eta = k.lr;
  const kappa = k.kappa;
  const { consts, kappaT, kappaX } = lawConstants(k);
  const exp = syms.map((s, i) => (s.matrix ? i : -1)).filter((i) => i >= 0);
  let moments: { nodes: number[]; method: ClosedFormLaw['method'] } | { note: string } | undefined;
  const grads = exp.length > 0 ? gradient(g, model.loss, model.paramNodes) : [];
  if (exp.length > 0) {
    const q = exp.map((i) => quadraticNode(g, syms[i].matrix as number[][], grads));
    moments = expectations(model, [...grads, ...q]);
  }
  // Expectation nodes share subexpressions: one memo for all their polynomial forms.
  const polyMemo = new Map<number, P.MPoly>();
  const drifts: (P.MPoly | undefined)[] = [];
  const results = syms.map((s, si): ClosedFormResult => {
    const C = chargePoly(s);
    const c = P.print(C, names, texNames);
    if (!s.matrix) {
      // vᵀθ_{t+1} = (1 − ηγ) vᵀθ_t: in t = η·steps, dC/dt = −γC.
      const expr = gamma === 0 ? '0' : `-${gamma}*(${c.expr})`;
      drifts[si] = P.scale(C, -gamma);
      return {
        law: {
          text: gamma === 0 ? `d(${c.text})/dt = 0` : `d(${c.text})/dt = −γ·(${c.text}) ${consts}`,
          tex: gamma === 0 ? `\\frac{d}{dt}\\left(${c.tex}\\right) = 0` : `\\frac{d}{dt}\\left(${c.tex}\\right) = -\\gamma\\left(${c.tex}\\right)`,
          expr,
          factorised: true,
          equilibrium:
            gamma === 0
              ? { text: 'every value is stationary: noise does not move a translation charge', tex: '\\dot C = 0' }
              : { text: `${c.text} = 0`, tex: `${c.tex} = 0` },
          method: 'exact-moments',
        },
      };
    }
    if (!moments || 'note' in moments) return { note: moments && 'note' in moments ? moments.note : 'no expectation' };
    const A = s.matrix;
    const m = moments.nodes;
    const qNode = m[n + exp.indexOf(si)];
    try {
      const gbar = m.slice(0, n).map((id) => P.clean(P.fromGraph(g, id, polyMemo)));
      const EQ = P.clean(P.fromGraph(g, qNode, polyMemo));
      const T2 = P.clean(quadraticPoly(A, gbar)); // ∇LᵀA∇L
      const T1 = P.clean(P.add(EQ, T2, -1)); // tr(AΣ)
      const D = P.clean(P.add(P.add(P.scale(C, -2 * gamma), P.scale(T1, eta * kappa)), P.scale(T2, eta)));
      drifts[si] = D;
      const Q1 = P.divide(T1, C);
      const Q2 = P.divide(T2, C);
      const Ctext = paren(c.text);
      const Ctex = `\\left(${c.tex}\\right)`;
      const decayT = gamma > 0 ? `−2γ·${Ctext}` : '';
      const decayX = gamma > 0 ? `-2\\gamma ${Ctex}` : '';
      const method = moments.method;
      if (Q1 && Q2) {
        // Rate r = −2γ + ηκ Q1 + η Q2: dC/dt = r·C.
        const rate = P.clean(P.add(P.add(P.constant(-2 * gamma), P.scale(Q1, eta * kappa)), P.scale(Q2, eta)));
        // A rate that is negative where it leads reads best with the sign outside: −η[…]·C.
        const flip = (P.leadingSign(Q1) || P.leadingSign(Q2)) < 0 ? -1 : 1;
        const q1 = P.print(P.scale(Q1, flip), names, texNames);
        const q2 = P.print(P.scale(Q2, flip), names, texNames);
        const r = P.print(rate, names, texNames);
        // After the decay term the sign joins it as a binary operator: "−2γ·C − η·[…]·C".
        const sgnT = gamma > 0 ? (flip < 0 ? ' − ' : ' + ') : flip < 0 ? '−' : '';
        const sgnX = gamma > 0 ? (flip < 0 ? ' - ' : ' + ') : flip < 0 ? '-' : '';
        const expr = `(${r.expr})*(${c.expr})`;
        if (expr.length > MAX_EXPR_CHARS) return { note: 'the closed form is too long to be useful' };
        return {
          law: {
            text: `d${Ctext}/dt = ${decayT}${sgnT}η·[${kappaT}·(${q1.text}) + (${q2.text})]·${Ctext} = (${r.text})·${Ctext} ${consts}`,
            tex: `\\frac{d}{dt}${Ctex} = ${decayX}${sgnX}\\eta\\left[${kappaX}\\left(${q1.tex}\\right) + \\left(${q2.tex}\\right)\\right]${Ctex}`,
            expr,
            factorised: true,
            equilibrium: {
              text: `${c.text} = 0, or where the rate vanishes: ${r.text} = 0`,
              tex: `${c.tex} = 0 \\quad\\text{or}\\quad ${r.tex} = 0`,
            },
            method,
          },
        };
      }
      const t1 = P.print(T1, names, texNames);
      const t2 = P.print(T2, names, texNames);
      const d = P.print(D, names, texNames);
      if (d.expr.length > MAX_EXPR_CHARS) return { note: 'the closed form is too long to be useful' };
      // A long expansion is not read but evaluated: the text says its size, `expr` holds it whole.
      const long = t1.text.length + t2.text.length > MAX_TEXT_CHARS;
      const terms = (p: P.MPoly) => `a polynomial of ${p.size} terms`;
      return {
        law: {
          text: long
            ? `d${Ctext}/dt = ${decayT ? `${decayT} + ` : ''}η·${kappaT}·(${terms(T1)}) + η·(${terms(T2)}) ${consts}; the whole right-hand side is in expr`
            : `d${Ctext}/dt = ${decayT ? `${decayT} + ` : ''}η·${kappaT}·(${t1.text}) + η·(${t2.text}) ${consts}`,
          tex: long
            ? `\\frac{d}{dt}${Ctex} = ${decayX ? `${decayX} + ` : ''}\\eta\\,${kappaX}\\,\\mathrm{tr}(A\\Sigma) + \\eta\\,\\nabla L^{\\top}A\\nabla L \\quad\\text{(polynomials of ${T1.size} and ${T2.size} terms)}`
            : `\\frac{d}{dt}${Ctex} = ${decayX ? `${decayX} + ` : ''}\\eta\\,${kappaX}\\left(${t1.tex}\\right) + \\eta\\left(${t2.tex}\\right)`,
          expr: d.expr,
          factorised: false,
          equilibrium: long
            ? {
                text: `${gamma > 0 ? `2γ·${Ctext}` : '0'} = η·${kappaT}·tr(AΣ) + η·∇LᵀA∇L, jointly for every charge`,
                tex: `${gamma > 0 ? `2\\gamma ${Ctex}` : '0'} = \\eta\\,${kappaX}\\,\\mathrm{tr}(A\\Sigma) + \\eta\\,\\nabla L^{\\top}A\\nabla L`,
              }
            : {
                text: `${gamma > 0 ? `2γ·${Ctext} = ` : '0 = '}η·${kappaT}·(${t1.text}) + η·(${t2.text}), jointly for every charge`,
                tex: `${gamma > 0 ? `2\\gamma ${Ctex} = ` : '0 = '}\\eta\\,${kappaX}\\left(${t1.tex}\\right) + \\eta\\left(${t2.tex}\\right)`,
              },
          method,
        },
      };
    } catch (e) {
      if (!(e instanceof P.NotParamPolynomial)) throw e;
      // Not a polynomial in θ (the loss involves functions of the parameters): the exact
      // expectation as an expression, unsimplified.
      const gq = quadraticNode(g, A, m.slice(0, n));
      const charge = quadraticNode(g, A, model.paramNodes);
      const drift = g.add(g.add(g.mul(g.constant(-2 * gamma), charge), g.mul(g.constant(eta * kappa), g.sub(qNode, gq))), g.mul(g.constant(eta), gq));
      const expr = toLossSyntax(g, drift, names);
      if (!expr) return { note: 'the exact drift is too long to print (or needs functions the language lacks), so it is left numeric' };
      const Ctext = paren(c.text);
      return {
        law: {
          text:
            expr.length <= 600
              ? `d${Ctext}/dt = ${expr} ${consts}`
              : `d${Ctext}/dt = an exact expression of ${expr.length} characters in the parameters (see expr) ${consts}`,
          tex: `\\frac{d}{dt}\\left(${c.tex}\\right) = -2\\gamma C + \\eta\\,${kappaX}\\,\\mathrm{tr}(A\\Sigma) + \\eta\\,\\nabla L^{\\top}A\\nabla L \\quad\\text{(exact in the parameters; see expr)}`,
          expr,
          factorised: false,
          equilibrium: { text: `the drifts of all charges vanish together`, tex: `\\dot C_k = 0 \\ \\forall k` },
          method: moments.method,
        },
      };
    }
  });
  return results.map((result, i) => ({ result, drift: 'law' in result ? drifts[i] : undefined }));
}
