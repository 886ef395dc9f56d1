// Charges and laws of a symmetry group in matrix form (THEORY.md §2–§3), the way a theorist writes
// them: Q = U Uᵀ − Wᵀ W for GL(k) on the hidden index of W U, Q_j = ‖W1[j,:]‖² + b1[j]² − ‖W2[:,j]‖²
// for the rescaling of each hidden neuron, ‖u‖² − ‖w‖² for a rescaling of whole tensors. Law (D)
// holds for every generator, so it holds as a matrix identity; law (C) likewise.
import { ParamInfo } from '../lang/model';
import { AxisMember } from '../tensor/axes';
import { Group } from './groups';
import { num, texName, TrainingConstants } from './laws';

export interface GroupTexts {
  charge: { text: string; tex: string };
  laws: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
  lawsTex: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
}

/** How a tensor appears in a law: its value, the minibatch gradient, the per-example noise, the full gradient. */
type Slot = 'value' | 'grad' | 'noise' | 'full';

function sym(name: string, slot: Slot, tex: boolean): string {
  const t = tex ? texName(name) : name;
  switch (slot) {
    case 'value':
      return t;
    case 'grad':
      return tex ? `\\hat g_{${t}}` : `ĝ_${name}`;
    case 'noise':
      return tex ? `\\delta_{${t}}` : `δ_${name}`;
    case 'full':
      return tex ? `\\nabla_{${t}} L` : `∇_${name}L`;
  }
}

/** X Xᵀ along the member's axis (the k×k block it contributes to Q). */
function outerTerm(p: ParamInfo, m: AxisMember, slot: Slot, tex: boolean): string {
  const x = sym(p.name, slot, tex);
  const T = tex ? '^{\\top}' : 'ᵀ';
  if (p.shape.length === 2 && m.axis === 1) return tex ? `${x}${T} ${x}` : `${x}${T} ${x}`;
  return `${x} ${x}${T}`;
}

/** The squared norm of the member's slice at index j. */
function sliceTerm(p: ParamInfo, m: AxisMember, slot: Slot, tex: boolean, j = 'j'): string {
  const x = sym(p.name, slot, tex);
  if (p.shape.length === 2) {
    const at = m.axis === 0 ? `[${j},:]` : `[:,${j}]`;
    return tex ? `\\lVert ${x}_{${at.slice(1, -1)}}\\rVert^2` : `‖${x}${at}‖²`;
  }
  return tex ? `${x}_{${j}}^2` : `${x}[${j}]²`;
}

function normTerm(p: ParamInfo, slot: Slot, tex: boolean): string {
  const x = sym(p.name, slot, tex);
  if (p.shape.length === 0) return tex ? `${x}^2` : `${x}²`;
  return tex ? `\\lVert ${x}\\rVert^2` : `‖${x}‖²`;
}

/** Σ ± c·term, with signs and rational coefficients written out. */
function signed(parts: { coef: number; term: string }[], tex: boolean): string {
  let s = '';
  parts.forEach(({ coef, term }, k) => {
    if (coef === 0) return;
    const mag = Math.abs(coef);
    const sign = coef < 0 ? (s === '' ? (tex ? '-' : '−') : tex ? ' - ' : ' − ') : s === '' ? '' : ' + ';
    const c = mag === 1 ? '' : tex ? `${num(mag)}\\,` : `${num(mag)}·`;
    s += sign + c + term;
    void k;
  });
  return s === '' ? '0' : s;
}

/** The group's quadratic expression with each tensor in `slot` (Q itself, or its law's terms). */
function expression(group: Group, params: ParamInfo[], slot: Slot, tex: boolean): string[] {
  const st = group.structure;
  switch (st.type) {
    case 'gl':
      return [
        signed(
          st.members.map((m) => ({ coef: m.sign, term: outerTerm(params[m.param], m, slot, tex) })),
          tex,
        ),
      ];
    case 'diagonal':
      return [
        signed(
          st.members.map((m) => ({ coef: m.sign, term: sliceTerm(params[m.param], m, slot, tex) })),
          tex,
        ),
      ];
    case 'tensors':
      return st.vectors.map((v) =>
        signed(
          v.map((c, p) => ({ coef: c, term: normTerm(params[p], slot, tex) })),
          tex,
        ),
      );
    default:
      return [];
  }
}

/** Is the diagonal group the rescaling of every index value (Q_j for each j)? */
function eachIndex(group: Group): boolean {
  const st = group.structure;
  return st.type === 'diagonal' && st.vectors.every((v) => v.filter((x) => x !== 0).length === 1 && v.some((x) => x === 1));
}

function shiftCharge(group: Group, params: ParamInfo[], tex: boolean): string {
  const st = group.structure;
  if (st.type !== 'shift') return '';
  const one = tex ? '\\mathbf{1}' : '1';
  const T = tex ? '^{\\top}' : 'ᵀ';
  const parts = st.families.map((f) => {
    const p = params[f.param];
    const x = tex ? texName(p.name) : p.name;
    if (f.axis === null || p.shape.length === 0) return x;
    if (p.shape.length === 1) return `${one}${T}${x}`;
    return f.axis === 0 ? `${one}${T}${x}` : `${x}${one}`;
  });
  for (const v of st.combos)
    parts.push(
      signed(
        v.map((c, p) => ({
          coef: c,
          term: params[p].shape.length === 0 ? (tex ? texName(params[p].name) : params[p].name) : `${one}${T}${tex ? texName(params[p].name) : params[p].name}`,
        })),
        tex,
      ),
    );
  return parts.join(', ');
}

export function describeGroup(group: Group, params: ParamInfo[], k: TrainingConstants): GroupTexts {
  const decay = k.weightDecay > 0;
  const exact =
    group.status === 'proved'
      ? 'exact for every batch'
      : 'held to rounding at every re-check point (not proved, so exactness for every batch is not guaranteed)';
  const consts = `[η = ${num(k.lr)}, B = ${k.batch}${decay ? `, γ = ${num(k.weightDecay)}` : ''}]`;
  if (group.kind === 'translation') {
    const text = shiftCharge(group, params, false);
    const tex = shiftCharge(group, params, true);
    return {
      charge: { text: `C = ${text}`, tex: `C = ${tex}` },
      laws: {
        gradientFlow: `dC/dt = ${decay ? '−γ·C' : '0'}   (conserved by gradient flow${decay ? ' without weight decay' : ''})`,
        sgdStep: decay
          ? `C(θₜ₊₁) = (1 − ηγ)·C(θₜ) ${consts}: ${exact}`
          : `C(θₜ₊₁) = C(θₜ): ${group.status === 'proved' ? 'conserved exactly by every SGD step, whatever the batch' : exact}`,
        sgdContinuous: decay ? `dC/dt = −γ·C: noise does not move it` : 'dC/dt = 0: noise does not move it',
      },
      lawsTex: {
        gradientFlow: `\\frac{dC}{dt} = ${decay ? '-\\gamma C' : '0'}`,
        sgdStep: decay ? `C_{t+1} = (1-\\eta\\gamma)\\,C_t` : `C_{t+1} = C_t`,
        sgdContinuous: decay ? `\\frac{dC}{dt} = -\\gamma C` : `\\frac{dC}{dt} = 0`,
      },
    };
  }
  const kappaTex = k.kappa === 1 / k.batch ? '\\tfrac{1}{B}' : '\\kappa';
  const st = group.structure;
  const value = expression(group, params, 'value', false);
  const valueTex = expression(group, params, 'value', true);
  const grad = expression(group, params, 'grad', false);
  const gradTex = expression(group, params, 'grad', true);
  const noise = expression(group, params, 'noise', false);
  const noiseTex = expression(group, params, 'noise', true);
  const full = expression(group, params, 'full', false);
  const fullTex = expression(group, params, 'full', true);
  const stepFactor = decay ? '(1 − ηγ)²·' : '';
  const stepFactorTex = decay ? '(1-\\eta\\gamma)^2' : '';
  const delta = 'δ = ∇ℓ(θ; z) − ∇L(θ) the per-example gradient noise';
  if (st.type === 'gl' || st.type === 'diagonal') {
    const Q = st.type === 'gl' ? 'Q' : 'Q_j';
    const forEach = st.type === 'diagonal' ? (eachIndex(group) ? ' for each j' : ` for j along ${st.index}`) : '';
    const qTex = st.type === 'gl' ? 'Q' : 'Q_j';
    const chargeText = `${Q} = ${value[0]}${forEach}`;
    return {
      charge: { text: chargeText, tex: `${qTex} = ${valueTex[0]}` },
      laws: {
        gradientFlow: `d${Q}/dt = 0   (conserved by gradient flow${forEach})`,
        sgdStep: `${Q}(θₜ₊₁) = ${stepFactor}${Q}(θₜ) + η²·(${grad[0]}),  ĝ the minibatch gradient ${consts}: ${exact}`,
        sgdContinuous:
          `d${Q}/dt = ${decay ? `−2γ·${Q} + ` : ''}η·${k.kappaText}·E_z[${noise[0]}] + η·(${full[0]}) ${consts}, ${delta}` +
          `: SGD's noise drives ${Q} (the last term, O(η), is the discretisation GD shares)`,
      },
      lawsTex: {
        gradientFlow: `\\frac{d${qTex}}{dt} = 0`,
        sgdStep: `${qTex}(\\theta_{t+1}) = ${stepFactorTex}${qTex}(\\theta_t) + \\eta^2\\left(${gradTex[0]}\\right)`,
        sgdContinuous: `\\frac{d${qTex}}{dt} = ${decay ? `-2\\gamma ${qTex} + ` : ''}\\eta\\,${kappaTex}\\,\\mathbb{E}_z\\!\\left[${noiseTex[0]}\\right] + \\eta\\left(${fullTex[0]}\\right)`,
      },
    };
  }
  // Whole-tensor scalings: one charge per generator.
  const list = (xs: string[]) => xs.join(';  ');
  return {
    charge: { text: value.join(', '), tex: valueTex.join(',\\quad ') },
    laws: {
      gradientFlow: `d/dt (${value.join(', ')}) = 0   (conserved by gradient flow)`,
      sgdStep: list(value.map((c, i) => `C = ${c}: C(θₜ₊₁) = ${stepFactor}C(θₜ) + η²·(${grad[i]})`)) + ` ${consts}: ${exact}`,
      sgdContinuous:
        list(value.map((c, i) => `C = ${c}: dC/dt = ${decay ? '−2γ·C + ' : ''}η·${k.kappaText}·E_z[${noise[i]}] + η·(${full[i]})`)) + ` ${consts}, ${delta}`,
    },
    lawsTex: {
      gradientFlow: valueTex.map((c) => `\\frac{d}{dt}\\left(${c}\\right) = 0`).join(',\\quad '),
      sgdStep: valueTex.map((c, i) => `C = ${c}:\\ C_{t+1} = ${stepFactorTex}C_t + \\eta^2\\left(${gradTex[i]}\\right)`).join(',\\quad '),
      sgdContinuous: valueTex
        .map(
          (c, i) =>
            `\\frac{dC}{dt} = ${decay ? '-2\\gamma C + ' : ''}\\eta\\,${kappaTex}\\,\\mathbb{E}_z\\!\\left[${noiseTex[i]}\\right] + \\eta\\left(${fullTex[i]}\\right)`,
        )
        .join(',\\quad '),
    },
  };
}

/** The charge of one generator of a group, as text (for the flat list of large models). */
export function generatorChargeText(group: Group, params: ParamInfo[], label: string, tex: boolean): string | undefined {
  const st = group.structure;
  if (st.type === 'gl') {
    const m = /^Q\[(\d+),(\d+)\]$/.exec(label);
    if (!m) return undefined;
    const [i, j] = [m[1], m[2]];
    const terms = st.members.map((mem) => {
      const p = params[mem.param];
      const x = tex ? texName(p.name) : p.name;
      if (p.shape.length === 1)
        return { coef: mem.sign, term: i === j ? (tex ? `${x}_{${i}}^2` : `${x}[${i}]²`) : tex ? `${x}_{${i}} ${x}_{${j}}` : `${x}[${i}]·${x}[${j}]` };
      const sl = (a: string) => (mem.axis === 0 ? (tex ? `${x}_{${a},:}` : `${x}[${a},:]`) : tex ? `${x}_{:,${a}}` : `${x}[:,${a}]`);
      return { coef: mem.sign, term: i === j ? (tex ? `\\lVert ${sl(i)}\\rVert^2` : `‖${sl(i)}‖²`) : tex ? `${sl(i)}\\cdot ${sl(j)}` : `${sl(i)}·${sl(j)}` };
    });
    return `${tex ? `Q_{${i}${j}}` : label} = ${signed(terms, tex)}`;
  }
  if (st.type === 'diagonal') {
    const m = /^Q\[(\d+)\]$/.exec(label);
    if (!m) return undefined;
    return `${tex ? `Q_{${m[1]}}` : label} = ${signed(
      st.members.map((mem) => ({ coef: mem.sign, term: sliceTerm(params[mem.param], mem, 'value', tex, m[1]) })),
      tex,
    )}`;
  }
  return undefined;
}
