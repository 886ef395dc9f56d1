// Law (C) in closed form for a whole GL(k) group, in matrix form (THEORY.md §3–§4).
//
// The group acts on a hidden index shared by "left" members (T ↦ g T along the index: U, a bias b)
// and "right" members (T ↦ T g⁻¹: W). Stack the left members' slices as the rows of L (k × d_L) and
// the right members' as the rows of R (k × d_R); then Q = L Lᵀ − R Rᵀ and each entry Q[i,j] is a
// quadratic charge θᵀA_{ij}θ, whose law (C) closedForm.ts derives exactly: `entries`.
//
// The papers' form holds on the minimum manifold of L (∇L = 0): the loss depends on the left and right
// members through their product, so the per-example gradients are ∇_L ℓ = Rᵀ-side and ∇_R ℓ = L-side
// contractions of one gradient G, and the noise term reads
//     dQ/dt = −2γQ + ηκ·(R M Rᵀ − L N Lᵀ)
// with M (d_R × d_R) and N (d_L × d_L) covariances of G that are constant along the manifold's group
// orbit (for ‖W U x − y‖²/2 with independent noise: M = tr(Σx)·Σε, N = tr(Σε)·Σx, paper (a)).
// We do not assume it: M and N are fitted by least squares to the exact drift at several points of
// the orbit g·θ* of the minimum the analysis reached, and the form is reported only when it
// reproduces the drift to rounding; then M = m·I, N = n·I read as m·WᵀW − n·UUᵀ, and m = n as the
// factorised law dQ/dt = −(2γ + ηκm)·Q.
import { Matrix, inverse, SingularValueDecomposition } from 'ml-matrix';
import { ParamInfo, ScalarModel } from '../lang/model';
import { AxisMember } from '../tensor/axes';
import { Rng } from '../util/rng';
import { closedFormDrifts, ClosedFormLaw, lawConstants } from './closedForm';
import { Group } from './groups';
import { num, texName, TrainingConstants } from './laws';
import { Symmetry } from './symmetries';
import * as P from './mpoly';

export interface GroupClosedForm {
  /** dQ/dt = … as text and TeX: the matrix form on the minimum manifold where it holds, else the entries' sizes. */
  text: string;
  tex: string;
  /** Law (C) for each entry Q[i,j], i ≤ j, in `.loss` syntax (the whole right-hand side). */
  entries: { i: number; j: number; expr: string }[];
  /** What must balance at the noise equilibrium, in the same form. */
  equilibrium: { text: string; tex: string };
  /** The fitted noise matrices on the minimum manifold and how well they reproduce the drift. */
  onMinimum?: { M: number[][]; N: number[][]; residual: number; points: number; factor?: number };
  method: ClosedFormLaw['method'];
}

export type GroupClosedFormResult = { law: GroupClosedForm } | { note: string };

/** Points of the minimum's orbit at which the matrix form is fitted. */
const ORBIT_POINTS = 8;
/** The form is reported when it reproduces the drift to this relative residual (rounding, not fit). */
const FORM_TOLERANCE = 1e-8;

/** Component indices of a member's slice at hidden index i (the other axes in row-major order). */
function sliceOf(p: ParamInfo, m: AxisMember, i: number): number[] {
  const shape = p.shape;
  const out: number[] = [];
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const total = p.size / shape[m.axis];
  for (let r = 0; r < total; r++) {
    // Decode r over the axes other than m.axis.
    let rest = r;
    let flat = i * strides[m.axis];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (a === m.axis) continue;
      flat += (rest % shape[a]) * strides[a];
      rest = Math.floor(rest / shape[a]);
    }
    out.push(p.offset + flat);
  }
  return out;
}

/** One side's rows: the concatenated slices of its members at each hidden index. */
function sideRows(params: ParamInfo[], members: AxisMember[], k: number): number[][] {
  return Array.from({ length: k }, (_, i) => members.flatMap((m) => sliceOf(params[m.param], m, i)));
}

function sideName(params: ParamInfo[], members: AxisMember[], tex: boolean): { x: string; xt: string } {
  const name = (m: AxisMember) => (tex ? texName(params[m.param].name) : params[m.param].name);
  const T = tex ? '^{\\top}' : 'ᵀ';
  if (members.length === 1) {
    const m = members[0];
    const x = name(m);
    // The rows of the side matrix are the slices: X itself along axis 0, Xᵀ along axis 1.
    return params[m.param].shape.length === 2 && m.axis === 1 ? { x: `${x}${T}`, xt: x } : { x, xt: `${x}${T}` };
  }
  const cat = `[${members.map(name).join(', ')}]`;
  return { x: cat, xt: `${cat}${T}` };
}

/** The scalar m when X = m·I to `rel`, else undefined. */
function scalarOf(X: number[][], rel = 1e-9): number | undefined {
  const d = X.length;
  const m = X.reduce((a, r, i) => a + r[i], 0) / d;
  const scale = Math.max(1e-300, ...X.map((r) => Math.max(...r.map(Math.abs))));
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (Math.abs(X[i][j] - (i === j ? m : 0)) > rel * scale) return undefined;
  return m;
}

function matrixText(X: number[][], tex: boolean): string {
  if (X.length === 1) return num(X[0][0]);
  const m = scalarOf(X);
  if (m !== undefined)
    return m === 0 ? '0' : tex ? `${num(m)}\\,I_{${X.length}}` : `${num(m)}·I${X.length === 1 ? '' : String(X.length).replace(/\d/g, (c) => '₀₁₂₃₄₅₆₇₈₉'[+c])}`;
  if (tex) return `\\begin{pmatrix}${X.map((r) => r.map((v) => num(v)).join(' & ')).join(' \\\\ ')}\\end{pmatrix}`;
  return `[${X.map((r) => `[${r.map((v) => num(v)).join(', ')}]`).join(', ')}]`;
}

/**
 * Law (C) of a GL(k) group in matrix form. `minimum` is a point where ∇L = 0 (the analysis'
 * gradient-flow minimum), or undefined when there is none.
 */
export function groupClosedForm(model: ScalarModel, group: Group, k: TrainingConstants, minimum: Float64Array | undefined): GroupClosedFormResult {
  const st = group.structure;
  if (st.type !== 'gl') return { note: 'only GL(k) groups have a matrix law beyond their generators' };
  const params = model.params;
  const n = model.components.length;
  const size = st.size;
  const left = st.members.filter((m) => m.sign > 0);
  const right = st.members.filter((m) => m.sign < 0);
  const Lrows = sideRows(params, left, size);
  const Rrows = sideRows(params, right, size);
  // Q[i,j] = θᵀA θ: A's entries from the two sides' slices.
  const pairs: [number, number][] = [];
  for (let i = 0; i < size; i++) for (let j = i; j < size; j++) pairs.push([i, j]);
  const forms: Symmetry[] = pairs.map(([i, j]) => {
    const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const put = (a: number[], b: number[], sign: number) => {
      for (let t = 0; t < a.length; t++) {
        A[a[t]][b[t]] += sign / 2;
        A[b[t]][a[t]] += sign / 2;
      }
    };
    put(Lrows[i], Lrows[j], 1);
    put(Rrows[i], Rrows[j], -1);
    return { kind: 'linear', status: group.status, matrix: A, residual: 0 };
  });
  const drifts = closedFormDrifts(model, forms, k);
  const first = drifts[0].result;
  if (!('law' in first)) return { note: first.note };
  const entries = drifts.map((d, e) => ({ i: pairs[e][0], j: pairs[e][1], expr: 'law' in d.result ? d.result.law.expr : '' }));
  if (entries.some((e) => e.expr === '')) return { note: 'some entries of Q have no closed form' };
  const polys = drifts.map((d) => d.drift);
  const Ln = sideName(params, left, false);
  const Rn = sideName(params, right, false);
  const Lt = sideName(params, left, true);
  const Rt = sideName(params, right, true);
  const { consts, kappaT, kappaX } = lawConstants(k);
  const decayT = k.weightDecay > 0 ? '−2γ·Q + ' : '';
  const decayX = k.weightDecay > 0 ? '-2\\gamma Q + ' : '';
  // The noise term and the balance condition of the form, as text and TeX.
  const noiseT = `${Rn.x} M ${Rn.xt} − ${Ln.x} N ${Ln.xt}`;
  const noiseX = `${Rt.x} M ${Rt.xt} - ${Lt.x} N ${Lt.xt}`;
  const balance = {
    text: k.weightDecay > 0 ? `2γ·Q = η·${kappaT}·(${noiseT})` : `${Rn.x} M ${Rn.xt} = ${Ln.x} N ${Ln.xt}`,
    tex: k.weightDecay > 0 ? `2\\gamma Q = \\eta\\,${kappaX}\\left(${noiseX}\\right)` : `${Rt.x} M ${Rt.xt} = ${Lt.x} N ${Lt.xt}`,
  };
  const generic = (why: string): GroupClosedFormResult => ({
    law: {
      text: `dQ/dt by law (C), entry by entry: the ${entries.length} entries of law (C) for Q are polynomials in the parameters (in entries) ${consts}; ${why}`,
      tex: `\\frac{dQ_{ij}}{dt} = \\text{law (C) of } Q_{ij}\\ \\text{(${entries.length} polynomials)}`,
      entries,
      equilibrium: { text: 'every entry of dQ/dt vanishes together', tex: '\\dot Q = 0' },
      method: first.law.method,
    },
  });
  if (!minimum) return generic('no minimum of L was reached, so the matrix form on the minimum manifold is not fitted');
  if (polys.some((p) => !p)) return generic('the drift is not polynomial in the parameters, so the matrix form is not fitted');
  // Points of the orbit g·θ* (any invertible g keeps the product, hence the loss and ∇L = 0).
  const rng = new Rng(4242, 0, 7);
  const dL = Lrows[0].length;
  const dR = Rrows[0].length;
  const symIdx = (d: number) => {
    const out: [number, number][] = [];
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) out.push([a, b]);
    return out;
  };
  const mIdx = symIdx(dR);
  const nIdx = symIdx(dL);
  const rows: number[][] = [];
  const rhs: number[] = [];
  let scale = 0;
  // The size of the terms R M Rᵀ, L N Lᵀ would have with M, N of order one: against it, a drift at
  // rounding level means the noise vanishes on the manifold (an interpolating minimum, L = 0).
  let qScale = 0;
  for (let s = 0; s < ORBIT_POINTS; s++) {
    const theta = Float64Array.from(minimum);
    if (s > 0) {
      const g = Matrix.eye(size).add(
        Matrix.from1DArray(
          size,
          size,
          Array.from({ length: size * size }, () => 0.3 * rng.normal()),
        ),
      );
      const gi = inverse(g).transpose();
      for (const [rowsOf, G] of [
        [Lrows, g],
        [Rrows, gi],
      ] as [number[][], Matrix][]) {
        const old = rowsOf.map((r) => r.map((c) => minimum[c]));
        for (let i = 0; i < size; i++)
          for (let t = 0; t < rowsOf[i].length; t++) {
            let v = 0;
            for (let l = 0; l < size; l++) v += G.get(i, l) * old[l][t];
            theta[rowsOf[i][t]] = v;
          }
      }
    }
    const Lm = Lrows.map((r) => r.map((c) => theta[c]));
    const Rm = Rrows.map((r) => r.map((c) => theta[c]));
    pairs.forEach(([i, j], e) => {
      // Q̇ + 2γQ = ηκ (R M Rᵀ − L N Lᵀ)[i,j]: linear in the entries of M and N.
      const q = Lm[i].reduce((a, v, t) => a + v * Lm[j][t], 0) - Rm[i].reduce((a, v, t) => a + v * Rm[j][t], 0);
      const y = (P.evaluate(polys[e] as P.MPoly, theta) + 2 * k.weightDecay * q) / (k.lr * k.kappa);
      const row = [
        ...mIdx.map(([a, b]) => (a === b ? Rm[i][a] * Rm[j][a] : Rm[i][a] * Rm[j][b] + Rm[i][b] * Rm[j][a])),
        ...nIdx.map(([a, b]) => -(a === b ? Lm[i][a] * Lm[j][a] : Lm[i][a] * Lm[j][b] + Lm[i][b] * Lm[j][a])),
      ];
      rows.push(row);
      rhs.push(y);
      scale = Math.max(scale, Math.abs(y));
      qScale = Math.max(qScale, ...row.map(Math.abs));
    });
  }
  const X = new Matrix(rows);
  const lsq = (A: Matrix) => {
    const svd = new SingularValueDecomposition(A, { autoTranspose: true });
    const sol = svd.solve(Matrix.columnVector(rhs)).getColumn(0);
    const fitted = A.mmul(Matrix.columnVector(sol)).getColumn(0);
    const res = Math.sqrt(fitted.reduce((a, v, r) => a + (v - rhs[r]) ** 2, 0)) / Math.max(1e-300, Math.sqrt(rhs.reduce((a, v) => a + v * v, 0)));
    const sv = svd.diagonal;
    const rank = sv.filter((v) => v > 1e-9 * sv[0]).length;
    return { sol, res, rank };
  };
  if (scale <= 1e-12 * qScale) {
    const rate = 2 * k.weightDecay;
    return {
      law: {
        text: `on the minimum manifold (∇L = 0) the minibatch noise vanishes (L = 0 there: every example is fitted), so dQ/dt = ${k.weightDecay > 0 ? '−2γ·Q: weight decay alone drives Q to 0' : '0: Q stays where gradient flow left it'} ${consts} (the exact drift at ${ORBIT_POINTS} points of the minimum's orbit is at rounding level; the drift anywhere, entry by entry, is in entries)`,
        tex: `\\frac{dQ}{dt} = ${k.weightDecay > 0 ? '-2\\gamma Q' : '0'}\\quad\\text{(no noise on the minimum manifold)}`,
        entries,
        equilibrium: {
          text: k.weightDecay > 0 ? 'Q = 0' : 'every Q is stationary on the minimum manifold: the noise vanishes there',
          tex: k.weightDecay > 0 ? 'Q = 0' : '\\dot Q = 0',
        },
        onMinimum: {
          M: Array.from({ length: dR }, () => new Array<number>(dR).fill(0)),
          N: Array.from({ length: dL }, () => new Array<number>(dL).fill(0)),
          residual: 0,
          points: ORBIT_POINTS,
          ...(rate > 0 ? { factor: rate } : {}),
        },
        method: first.law.method,
      },
    };
  }
  const full = lsq(X);
  if (scale === 0 || !(full.res <= FORM_TOLERANCE)) {
    return generic(
      `on the minimum manifold the drift is not of the form R M Rᵀ − L N Lᵀ with constant M, N (relative residual ${full.res.toExponential(1)} at ${ORBIT_POINTS} points of the orbit)`,
    );
  }
  const unpack = (sol: number[], idx: [number, number][], off: number, d: number) => {
    const out = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    idx.forEach(([a, b], t) => {
      out[a][b] = out[b][a] = sol[off + t];
    });
    // Entries below rounding of the largest are zeros the solve did not hit exactly.
    const big = Math.max(1e-300, ...out.flat().map(Math.abs));
    return out.map((r) => r.map((v) => (Math.abs(v) <= 1e-10 * big ? 0 : v)));
  };
  // M and N where the law determines them; fewer hidden units than inputs or outputs leave only
  // their compressions onto the members' spans in the law, but multiples of the identity may still be.
  const fit = ((): { M: number[][]; N: number[][]; residual: number } | undefined => {
    if (full.rank === mIdx.length + nIdx.length) return { M: unpack(full.sol, mIdx, 0, dR), N: unpack(full.sol, nIdx, mIdx.length, dL), residual: full.res };
    const traceCol = (from: number, idx: [number, number][]) => rows.map((r) => idx.reduce((acc, [a, b2], t) => acc + (a === b2 ? r[from + t] : 0), 0));
    const mCol = traceCol(0, mIdx);
    const nCol = traceCol(mIdx.length, nIdx);
    const two = lsq(new Matrix(rows.map((_, r) => [mCol[r], nCol[r]])));
    if (two.rank !== 2 || !(two.res <= FORM_TOLERANCE)) return undefined;
    const diag = (idx: [number, number][], v: number) => idx.map(([a, b2]) => (a === b2 ? v : 0));
    return { M: unpack(diag(mIdx, two.sol[0]), mIdx, 0, dR), N: unpack(diag(nIdx, two.sol[1]), nIdx, 0, dL), residual: two.res };
  })();
  if (!fit) {
    return {
      law: {
        text: `on the minimum manifold (∇L = 0): dQ/dt = ${decayT}η·${kappaT}·(${noiseT}) with constant matrices M, N ${consts}; the law determines only their compressions onto the members' spans (fewer hidden units than inputs or outputs), so they are not listed (relative residual of the form ${full.res.toExponential(1)} at ${ORBIT_POINTS} points of the minimum's orbit; the drift anywhere, entry by entry, is in entries)`,
        tex: `\\frac{dQ}{dt} = ${decayX}\\eta\\,${kappaX}\\left(${noiseX}\\right)`,
        entries,
        equilibrium: balance,
        method: first.law.method,
      },
    };
  }
  const { M, N, residual } = fit;
  const m = scalarOf(M);
  const nn = scalarOf(N);
  let lead = `dQ/dt = ${decayT}η·${kappaT}·(${noiseT})`;
  let leadX = `\\frac{dQ}{dt} = ${decayX}\\eta\\,${kappaX}\\left(${noiseX}\\right)`;
  let factor: number | undefined;
  if (m !== undefined && nn !== undefined) {
    if (Math.abs(m - nn) <= 1e-9 * Math.max(Math.abs(m), Math.abs(nn))) {
      // m·R Rᵀ − m·L Lᵀ = −m·Q: the papers' factorised law.
      factor = k.weightDecay * 2 + k.lr * k.kappa * m;
      lead += ` = −${k.weightDecay > 0 ? '(2γ + ' : ''}η·${kappaT}·${num(m)}${k.weightDecay > 0 ? ')' : ''}·Q`;
      leadX += ` = -${k.weightDecay > 0 ? '\\left(2\\gamma + ' : ''}\\eta\\,${kappaX}\\,${num(m)}${k.weightDecay > 0 ? '\\right)' : ''}\\,Q`;
    } else {
      lead += ` = ${decayT}η·${kappaT}·(${num(m)}·${Rn.x} ${Rn.xt} − ${num(nn)}·${Ln.x} ${Ln.xt})`;
      leadX += ` = ${decayX}\\eta\\,${kappaX}\\left(${num(m)}\\,${Rt.x} ${Rt.xt} - ${num(nn)}\\,${Lt.x} ${Lt.xt}\\right)`;
    }
  }
  lead += `, M = ${matrixText(M, false)}, N = ${matrixText(N, false)}`;
  leadX += `,\\quad M = ${matrixText(M, true)},\\ N = ${matrixText(N, true)}`;
  const where =
    factor !== undefined && factor > 0
      ? `: SGD's noise drives Q to 0 at rate ${num(factor)} per unit time t = η·steps (≈${Math.round(1 / (factor * k.lr))} steps)`
      : '';
  return {
    law: {
      text: `on the minimum manifold (∇L = 0): ${lead} ${consts}${where} (M, N fitted to the exact drift at ${ORBIT_POINTS} points of the minimum's orbit, relative residual ${residual.toExponential(1)}; the drift anywhere, entry by entry, is in entries)`,
      tex: leadX,
      entries,
      equilibrium: balance,
      onMinimum: { M, N, residual, points: ORBIT_POINTS, ...(factor !== undefined ? { factor } : {}) },
      method: first.law.method,
    },
  };
}
