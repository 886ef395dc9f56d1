// Charges and laws as readable text (Unicode) and TeX (THEORY.md §2–§3).
//   gradient flow:   dC/dt = 0
//   SGD, per step:   C_{t+1} = (1 − ηγ)² C_t + η² ĝᵀAĝ                       (D)
//   SGD, continuous: dC/dt = −2γC + η tr(AΣ_B) + η ∇LᵀA∇L                     (C)
// Translation: vᵀθ_{t+1} = (1 − ηγ) vᵀθ_t.
import { Symmetry } from './symmetries';

export interface LawTexts {
  charge: { text: string; tex: string };
  laws: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
  lawsTex: { gradientFlow: string; sgdStep: string; sgdContinuous: string };
}

export interface TrainingConstants {
  lr: number;
  batch: number;
  weightDecay: number;
  /** Noise factor κ: Σ_B = κ Σ (1/B, or (N−B)/(B(N−1)) without replacement). */
  kappa: number;
  kappaText: string;
}

export function texName(component: string): string {
  const m = /^(.+)\[(.+)\]$/.exec(component);
  const base = m ? m[1] : component;
  const b = base.length > 1 && !/^\p{L}$/u.test(base) ? `\\mathrm{${base.replace(/_/g, '\\_')}}` : base;
  return m ? `${b}_{${m[2]}}` : b;
}

export function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  for (let q = 2; q <= 12; q++) {
    const p = Math.round(x * q);
    if (Math.abs(p / q - x) < 1e-12) return `${p}/${q}`;
  }
  return x.toPrecision(4).replace(/\.?0+$/, '');
}

/** Terms of a quadratic form θᵀAθ (or a linear form vᵀθ), grouped by coefficient. */
interface Term {
  coef: number;
  vars: string[]; // one (linear or square) or two (cross term) component names
  square: boolean;
}

function quadraticTerms(A: number[][], names: string[]): Term[] {
  const out: Term[] = [];
  const n = A.length;
  for (let i = 0; i < n; i++) {
    if (A[i][i] !== 0) out.push({ coef: A[i][i], vars: [names[i]], square: true });
    for (let j = i + 1; j < n; j++) if (A[i][j] !== 0) out.push({ coef: 2 * A[i][j], vars: [names[i], names[j]], square: false });
  }
  return out;
}

function linearTerms(v: number[], names: string[]): Term[] {
  return v.flatMap((c, i) => (c !== 0 ? [{ coef: c, vars: [names[i]], square: false }] : []));
}

function render(terms: Term[], tex: boolean, wrap: (s: string) => string = (s) => s): string {
  if (terms.length === 0) return '0';
  const mono = (t: Term) => {
    // In TeX, `wrap` receives the typeset component name (e.g. U_{0,1}).
    const names = t.vars.map((v) => (tex ? wrap(texName(v)) : wrap(v)));
    if (t.square) return tex ? `${names[0]}^2` : `${names[0]}²`;
    return names.join(tex ? ' ' : '·');
  };
  let s = '';
  terms.forEach((t, k) => {
    const mag = Math.abs(t.coef);
    const sign = t.coef < 0 ? (k === 0 ? (tex ? '-' : '−') : tex ? ' - ' : ' − ') : k === 0 ? '' : ' + ';
    const c = mag === 1 ? '' : tex ? `${num(mag).replace(/^(\d+)\/(\d+)$/, '\\tfrac{$1}{$2}')}\\,` : `${num(mag)}·`;
    s += sign + c + mono(t);
  });
  return s;
}

function gradName(component: string): string {
  return `ĝ_${component}`;
}

export function describeLaws(sym: Symmetry, names: string[], k: TrainingConstants): LawTexts {
  const decay = k.weightDecay > 0;
  // Exactness for every batch follows from the symmetry; an unproved one only held numerically.
  const exact = sym.status === 'proved';
  const everyBatch = exact
    ? 'exact for every batch'
    : 'held to rounding at every re-check point, but the symmetry is not proved, so exactness for every batch is not guaranteed';
  const eta = num(k.lr);
  if (sym.kind === 'translation') {
    const v = sym.direction;
    const terms = linearTerms(v, names);
    const text = render(terms, false);
    const tex = render(terms, true);
    const factor = decay ? `(1 − ηγ)` : '';
    return {
      charge: { text, tex },
      laws: {
        gradientFlow: `d/dt (${text}) = ${decay ? '−γ·(' + text + ')' : '0'}   (conserved by gradient flow${decay ? ' without weight decay' : ''})`,
        sgdStep: decay
          ? `C(θₜ₊₁) = ${factor}·C(θₜ), C = ${text}   [η = ${eta}, γ = ${num(k.weightDecay)}]: ${everyBatch}`
          : exact
            ? `C(θₜ₊₁) = C(θₜ), C = ${text}: conserved exactly by every SGD step, whatever the batch`
            : `C(θₜ₊₁) = C(θₜ), C = ${text}: ${everyBatch}`,
        sgdContinuous: decay ? `dC/dt = −γ·C   [γ = ${num(k.weightDecay)}]: noise does not move it` : 'dC/dt = 0: noise does not move it',
      },
      lawsTex: {
        gradientFlow: `\\frac{d}{dt}\\left(${tex}\\right) = ${decay ? '-\\gamma C' : '0'}`,
        sgdStep: decay ? `C_{t+1} = (1-\\eta\\gamma)\\,C_t` : `C_{t+1} = C_t`,
        sgdContinuous: decay ? `\\frac{dC}{dt} = -\\gamma C` : `\\frac{dC}{dt} = 0`,
      },
    };
  }
  const A = sym.matrix;
  const terms = quadraticTerms(A, names);
  const text = render(terms, false);
  const tex = render(terms, true);
  // ĝᵀAĝ and tr(AΣ) share the quadratic form's terms, with ĝ or Σ entries in place of θ.
  const gTerms = render(terms, false, gradName);
  const gTex = render(terms, true, (c) => `\\hat g_{${c}}`);
  const sigmaText = terms
    .map((t, i) => {
      const mag = Math.abs(t.coef);
      const sign = t.coef < 0 ? (i === 0 ? '−' : ' − ') : i === 0 ? '' : ' + ';
      const c = mag === 1 ? '' : `${num(mag)}·`;
      const entry = t.square ? `Var(∂ℓ/∂${t.vars[0]})` : `Cov(∂ℓ/∂${t.vars[0]}, ∂ℓ/∂${t.vars[1]})`;
      return sign + c + entry;
    })
    .join('');
  const sigmaTex = terms
    .map((t, i) => {
      const mag = Math.abs(t.coef);
      const sign = t.coef < 0 ? (i === 0 ? '-' : ' - ') : i === 0 ? '' : ' + ';
      const c = mag === 1 ? '' : `${num(mag)}\\,`;
      const entry = t.square ? `\\Sigma_{${texName(t.vars[0])}${texName(t.vars[0])}}` : `\\Sigma_{${texName(t.vars[0])}${texName(t.vars[1])}}`;
      return sign + c + entry;
    })
    .join('');
  const consts = `[η = ${eta}, B = ${k.batch}${decay ? `, γ = ${num(k.weightDecay)}` : ''}]`;
  const stepFactor = decay ? '(1 − ηγ)²·' : '';
  return {
    charge: { text, tex },
    laws: {
      gradientFlow: `d/dt (${text}) = 0   (conserved by gradient flow)`,
      sgdStep: `C(θₜ₊₁) = ${stepFactor}C(θₜ) + η²·(${gTerms}),  C = ${text},  ĝ the minibatch gradient ${consts}: ${everyBatch}`,
      sgdContinuous:
        `dC/dt = ${decay ? '−2γ·C + ' : ''}η·${k.kappaText}·(${sigmaText}) + η·∇LᵀA∇L ${consts}` +
        `: SGD's noise drives C (the last term, O(η), is the discretisation GD shares)`,
    },
    lawsTex: {
      gradientFlow: `\\frac{d}{dt}\\left(${tex}\\right) = 0`,
      sgdStep: `C_{t+1} = ${decay ? '(1-\\eta\\gamma)^2' : ''}C_t + \\eta^2\\left(${gTex}\\right)`,
      sgdContinuous: `\\frac{dC}{dt} = ${decay ? '-2\\gamma C + ' : ''}\\eta\\,${k.kappa === 1 / k.batch ? '\\tfrac{1}{B}' : '\\kappa'}\\left(${sigmaTex}\\right) + \\eta\\,\\nabla L^{\\top} A \\nabla L`,
    },
  };
}
