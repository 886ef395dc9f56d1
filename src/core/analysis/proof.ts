// Symbolic proofs that a candidate symmetry holds: D ℓ = 0, where D is the derivative along the
// symmetry's vector field (Aθ for exponential symmetries, v for translations).
//
// Two provers, tried in order:
// 1. Homogeneity calculus (diagonal A only): D θ_i = a_i θ_i, so every node is an eigenfunction of
//    D with a degree (products add degrees, relu/abs keep theirs, sqrt halves it, a function of
//    a degree-0 argument has degree 0). If the loss has degree 0, D ℓ = 0: a proof by structural
//    induction that also covers normalisation layers and ReLU networks.
// 2. nerdamer-prime: D ℓ is built with our own symbolic differentiation, every transcendental or
//    non-smooth function application is replaced by an opaque atom (so the simplifier only has to
//    decide a rational identity, which it does exactly, with bigint rationals), and the result
//    must expand or simplify to 0. An identity that holds for every value of the atoms holds in
//    particular for their true values, so the atomisation is sound. nerdamer runs in the proof
//    worker (src/core/symbolic/), which is stopped at a hard deadline per expression and within a
//    time budget per analysis: past them the symmetry stays `numerical`, with a note saying why.
// A zero from either prover is also confirmed numerically by the caller: a simplifier can be wrong.
import { Graph } from '../expr/graph';
import { localPartials } from '../expr/diff';
import { compileEvaluator } from '../expr/codegen';
import { proveZeroSymbolically } from '../symbolic/prover';

/** nerdamer's own timeout per method (expand, simplify); expand and simplify do not always honour it. */
export const SYMBOLIC_TIMEOUT_MS = 1500;
/** Hard limit on one expression's symbolic proof: the proof worker is stopped past it. */
export const SYMBOLIC_DEADLINE_MS = 3000;
/** Hard limit on all symbolic proofs of one analysis (one model graph). */
export const SYMBOLIC_BUDGET_MS = 10_000;

/** Symbolic time spent per analysis (keyed by its model's graph), and why a proof stopped. */
const budgets = new WeakMap<Graph, { spentMs: number; note?: string }>();

/** Why the symbolic proofs on this graph stopped short since the last call, if they did. */
export function takeProofNote(g: Graph): string | undefined {
  const b = budgets.get(g);
  const note = b?.note;
  if (b) b.note = undefined;
  return note;
}
/** Longest string handed to nerdamer: past this its expansion is hopeless within the timeout. */
const MAX_SYMBOLIC_CHARS = 60_000;

/** Proof of invariance under θ → e^{λA}θ for a diagonal A (entries `diag`). */
export function proveByHomogeneity(g: Graph, loss: number, paramNodes: number[], diag: number[]): boolean {
  const degreeOfParam = new Map<number, number>();
  paramNodes.forEach((id, i) => degreeOfParam.set(id, diag[i]));
  const deg = new Map<number, number>(); // NaN: not homogeneous
  const eq = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
  for (const id of g.reachable([loss])) {
    const n = g.nodes[id];
    let d = NaN;
    switch (n.op) {
      case 'const':
      case 'data':
        d = 0;
        break;
      case 'param':
        d = degreeOfParam.get(id) ?? 0;
        break;
      case 'add': {
        const x = deg.get(n.a) as number;
        const y = deg.get(n.b) as number;
        d = eq(x, y) ? x : NaN;
        break;
      }
      case 'mul':
        d = (deg.get(n.a) as number) + (deg.get(n.b) as number);
        break;
      case 'div':
        d = (deg.get(n.a) as number) - (deg.get(n.b) as number);
        break;
      case 'neg':
        d = deg.get(n.a) as number;
        break;
      case 'pow': {
        const c = g.constValue(n.b);
        const x = deg.get(n.a) as number;
        if (c !== undefined) d = c * x;
        else d = eq(x, 0) && eq(deg.get(n.b) as number, 0) ? 0 : NaN;
        break;
      }
      case 'fn': {
        const x = deg.get(n.a) as number;
        const y = n.b !== undefined ? (deg.get(n.b) as number) : 0;
        if (n.fn === 'step' || n.fn === 'sign') d = eq(x, 0) || !Number.isNaN(x) ? 0 : NaN;
        else if (eq(x, 0) && eq(y, 0)) d = 0;
        else if (n.fn === 'relu' || n.fn === 'abs')
          d = x; // positively homogeneous of degree 1
        else if (n.fn === 'sqrt') d = x / 2;
        else if ((n.fn === 'max' || n.fn === 'min') && eq(x, y)) d = x;
        else d = NaN;
        break;
      }
    }
    deg.set(id, d);
  }
  const top = deg.get(loss) as number;
  return !Number.isNaN(top) && eq(top, 0);
}

/**
 * Forward-mode proof: propagate the tangent T(n) = D n node by node; wherever a tangent vanishes
 * numerically, ask nerdamer to prove it is 0 and replace it by the constant 0 before going on.
 * Cancellations then happen in small subexpressions (e.g. one hidden-unit sum of W U x for a
 * GL symmetry) instead of in the expanded loss, which keeps the symbolic work small.
 */
export function proveByTangents(
  g: Graph,
  loss: number,
  paramNodes: number[],
  field: number[],
  samplePoints: { theta: ArrayLike<number>; z: ArrayLike<number> }[],
): boolean {
  const fieldOf = new Map<number, number>();
  paramNodes.forEach((id, i) => fieldOf.set(id, field[i]));
  const order = g.reachable([loss]);
  const tangents = (zeroed: Set<number>): Map<number, number> => {
    const T = new Map<number, number>();
    const zero = g.constant(0);
    for (const id of order) {
      const n = g.nodes[id];
      const t = (x: number) => T.get(x) as number;
      let v: number;
      switch (n.op) {
        case 'const':
        case 'data':
          v = zero;
          break;
        case 'param':
          v = fieldOf.get(id) ?? zero;
          break;
        case 'add':
          v = g.add(t(n.a), t(n.b));
          break;
        default: {
          // Chain rule with the same local partials as reverse mode.
          v = zero;
          for (const [operand, partial] of localPartials(g, id)) v = g.add(v, g.mul(partial, t(operand)));
        }
      }
      T.set(id, zeroed.has(id) ? zero : v);
    }
    return T;
  };
  // Pass 1: which tangents vanish numerically?
  const T1 = tangents(new Set());
  const candidates = order.filter((id) => g.constValue(T1.get(id) as number) === undefined);
  if (candidates.length === 0) return g.constValue(T1.get(loss) as number) === 0;
  if (candidates.length > 20000) return false;
  const evaluate = compileEvaluator(
    g,
    candidates.map((id) => T1.get(id) as number),
  );
  const values = new Float64Array(candidates.length);
  const vanishes = new Array<boolean>(candidates.length).fill(true);
  for (const pt of samplePoints) {
    evaluate(pt.theta, pt.z, values);
    for (let k = 0; k < candidates.length; k++) if (!(Math.abs(values[k]) <= 1e-9)) vanishes[k] = false;
  }
  // Pass 2: prove each vanishing tangent, innermost first, with what was proved before it.
  const zeroed = new Set<number>();
  let attempts = 0;
  for (let k = 0; k < candidates.length; k++) {
    if (!vanishes[k]) continue;
    const T = tangents(zeroed);
    const t = T.get(candidates[k]) as number;
    if (g.constValue(t) === 0) continue;
    if (++attempts > 200) return false;
    if (proveZeroWithNerdamer(g, t)) zeroed.add(candidates[k]);
    if (zeroed.has(loss)) return true;
  }
  return g.constValue(tangents(zeroed).get(loss) as number) === 0;
}

/** nerdamer's verdict on "node == 0": true (proved), false (could not prove; not a disproof). */
export function proveZeroWithNerdamer(g: Graph, node: number): boolean {
  if (g.constValue(node) === 0) return true;
  let text: string;
  try {
    text = toNerdamer(g, node);
  } catch {
    return false;
  }
  if (text.length > MAX_SYMBOLIC_CHARS) return false;
  let budget = budgets.get(g);
  if (!budget) budgets.set(g, (budget = { spentMs: 0 }));
  const left = SYMBOLIC_BUDGET_MS - budget.spentMs;
  if (left <= 0) {
    budget.note = `not proved symbolically: the analysis' symbolic time budget (${SYMBOLIC_BUDGET_MS / 1000} s) was spent on earlier proofs`;
    return false;
  }
  const deadline = Math.min(SYMBOLIC_DEADLINE_MS, left);
  const v = proveZeroSymbolically(text, SYMBOLIC_TIMEOUT_MS, deadline);
  budget.spentMs += v.ms;
  if (v.kind === 'timeout') {
    budget.note =
      deadline < SYMBOLIC_DEADLINE_MS
        ? `not proved symbolically: the analysis' symbolic time budget (${SYMBOLIC_BUDGET_MS / 1000} s) ran out during the proof`
        : `not proved symbolically: the simplifier was stopped at its ${SYMBOLIC_DEADLINE_MS / 1000} s deadline`;
  } else if (v.kind === 'unavailable') budget.note = `not proved symbolically: the proof worker is unavailable (${v.reason})`;
  return v.kind === 'zero';
}

/**
 * Exact rational text of a constant: the simplest fraction p/q (q ≤ 10¹²) that rounds to exactly
 * this double (0.1 → 1/10, and 1/3 for the 0.333… that `mean` of three entries folds to), else the
 * shortest decimal that does (1e-17 → 1/10^17). Never an approximation by another double, so a
 * tiny term cannot vanish in a proof (nerdamer reads integers of any length exactly).
 */
export function rationalText(v: number): string {
  if (!Number.isFinite(v)) throw new Error('non-finite constant');
  const sign = v < 0 ? '-' : '';
  const x0 = Math.abs(v);
  if (Number.isInteger(x0) && x0 < 1e15) return `${sign}${x0}`;
  // Convergents of the continued fraction, accepted only when they round to the double itself.
  let x = x0;
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  for (let i = 0; i < 60; i++) {
    const a = Math.floor(x);
    [h0, h1] = [h1, a * h1 + h0];
    [k0, k1] = [k1, a * k1 + k0];
    if (k1 > 1e12 || h1 > 1e15) break;
    if (h1 / k1 === x0) return `${sign}(${h1}/${k1})`;
    const frac = x - a;
    if (frac === 0) break;
    x = 1 / frac;
  }
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x0));
  if (!m) throw new Error(`cannot read the constant ${v}`);
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? '0') - frac.length;
  const digits = (m[1] + frac).replace(/^0+(?=\d)/, '');
  if (exp >= 0) return `${sign}${digits}${'0'.repeat(exp)}`;
  return `${sign}(${digits}/1${'0'.repeat(-exp)})`;
}

/** nerdamer text of a node, with opaque atoms for functions (see the header). */
export function toNerdamer(g: Graph, root: number): string {
  const memo = new Map<number, string>();
  const atom = (id: number) => `q${id}`;
  const order = g.reachable([root]);
  for (const id of order) {
    const n = g.nodes[id];
    const r = (x: number) => memo.get(x) as string;
    let s: string;
    switch (n.op) {
      case 'const':
        s = rationalText(n.value);
        break;
      case 'param':
        s = `p${n.index}`;
        break;
      case 'data':
        s = `d${n.index}`;
        break;
      case 'add':
        s = `(${r(n.a)}+${r(n.b)})`;
        break;
      case 'mul':
        s = `(${r(n.a)}*${r(n.b)})`;
        break;
      case 'div':
        s = `(${r(n.a)}/${r(n.b)})`;
        break;
      case 'neg':
        s = `(-${r(n.a)})`;
        break;
      case 'pow': {
        const c = g.constValue(n.b);
        s = c !== undefined && Number.isInteger(c) ? `(${r(n.a)}^(${c}))` : atom(id);
        break;
      }
      case 'fn':
        if (n.fn === 'relu') s = `(${r(n.a)}*${atom(g.fn('step', n.a))})`;
        else if (n.fn === 'abs') s = `(${r(n.a)}*${atom(g.fn('sign', n.a))})`;
        else if (n.fn === 'max' || n.fn === 'min') {
          const b = n.b as number;
          const st = n.fn === 'max' ? g.fn('step', g.sub(n.a, b)) : g.fn('step', g.sub(b, n.a));
          s = `(${r(n.a)}*${atom(st)}+${r(b)}*(1-${atom(st)}))`;
        } else s = atom(id);
        break;
    }
    memo.set(id, s);
  }
  return memo.get(root) as string;
}
