// The flat list of symmetries (one generator each) and the groups they belong to. Small models keep
// the component-level search's list, as before, and gain the generators of tensor-level groups it
// missed (GL(k) beyond its size limit); each generator is then assigned to the group that spans it,
// and what no group explains becomes a group of its own. Large models list each group's generators
// in compact form, all of them or, for a huge group, a few named entries of its charge.
import { Model } from '../lang/model';
import { SparseForm, sparseForm } from './forms';
import { denseOf, formOf, GeneratorSpec, isTranslation } from './generators';
import { Group, GroupSearch } from './groups';
import { pseudoSolve } from './linalg';
import type { CompactGenerator, ExponentialKind, Generator, Symmetry, SymmetryFacts } from './symmetryTypes';

/** A listed generator in its group. */
type Listed<G> = G &
  SymmetryFacts & {
    /** Index of the group it belongs to. */
    group: number;
    /** The compact generator (large models, where no dense matrix is kept). */
    action?: GeneratorSpec;
    /** Its name within the group (Q[0,1], Q[3]), when it has one. */
    label?: string;
  };

/** Small models list every generator with its dense matrix or direction. */
export type DenseListedSymmetry = Listed<Generator>;
/** Large models list generators in compact form only. */
export type ListedSymmetry = DenseListedSymmetry | Listed<CompactGenerator>;

export interface SymmetryList<S extends ListedSymmetry = ListedSymmetry> {
  symmetries: S[];
  groups: Group[];
  /** Per group: how many of its generators the flat list leaves out (a huge group is summarised). */
  unlisted: number[];
}

/** Most generators kept in the flat list of a small model (each a dense n×n matrix). */
const MAX_FLAT = 64;
/** A large model lists every generator of a group up to this many, else a few of them. */
const MAX_LISTED_PER_GROUP = 256;

/** Sparse vectors keyed by (i, j): the coordinates of charge forms, to compare spans. */
class FormSpan {
  private readonly vecs: Map<number, number>[] = [];
  private readonly gram: number[][] = [];

  constructor(private readonly n: number) {}

  vector(f: SparseForm): Map<number, number> {
    const m = new Map<number, number>();
    for (let t = 0; t < f.c.length; t++) {
      const key = f.i[t] * (this.n + 1) + (f.j[t] + 1);
      m.set(key, (m.get(key) ?? 0) + f.c[t]);
    }
    return m;
  }

  private static dot(a: Map<number, number>, b: Map<number, number>): number {
    const [x, y] = a.size <= b.size ? [a, b] : [b, a];
    let s = 0;
    for (const [k, v] of x) {
      const w = y.get(k);
      if (w !== undefined) s += v * w;
    }
    return s;
  }

  contains(v: Map<number, number>, tol = 1e-6): boolean {
    const vv = FormSpan.dot(v, v);
    if (vv === 0) return true;
    if (this.vecs.length === 0) return false;
    const b = this.vecs.map((u) => FormSpan.dot(u, v));
    const c = pseudoSolve(this.gram, b);
    let bc = 0;
    for (let i = 0; i < b.length; i++) bc += b[i] * c[i];
    return vv - bc <= tol * tol * vv;
  }

  add(v: Map<number, number>): void {
    const b = this.vecs.map((u) => FormSpan.dot(u, v));
    this.gram.forEach((row, a) => row.push(b[a]));
    this.gram.push([...b, FormSpan.dot(v, v)]);
    this.vecs.push(v);
  }

  get size(): number {
    return this.vecs.length;
  }
}

/** One generator from its form: a translation, or its exponential kind with its dense matrix. */
function generatorOf(form: SparseForm, n: number): Generator {
  const dense = denseOf(form, n);
  return dense.direction ? { kind: 'translation', direction: dense.direction } : { kind: exponentialKindOf(form), matrix: dense.matrix };
}

/** The kind of one exponential generator from its form: diagonal with one sign, diagonal, or not. */
function exponentialKindOf(form: SparseForm): ExponentialKind {
  let pos = false;
  let neg = false;
  for (let t = 0; t < form.c.length; t++) {
    if (form.i[t] !== form.j[t]) return 'linear';
    if (form.c[t] > 0) pos = true;
    if (form.c[t] < 0) neg = true;
  }
  return pos && neg ? 'rescaling' : 'scaling';
}

function groupStatus(g: Group): Pick<Symmetry, 'status' | 'proof'> {
  return { status: g.status, proof: g.proof };
}

/** Small models: the component-level list, completed and grouped. */
export function reconcile(model: Model, search: GroupSearch, flat: Symmetry[]): SymmetryList<DenseListedSymmetry> {
  const n = model.components.length;
  const params = model.params;
  const groups = [...search.groups];
  const unlisted = groups.map(() => 0);
  const genForms = search.generators.map((gen) => formOf(params, gen.spec));
  const spanOf = (pick: (gen: GroupSearch['generators'][number]) => boolean) => {
    const sp = new FormSpan(n);
    search.generators.forEach((gen, k) => {
      if (pick(gen)) sp.add(sp.vector(genForms[k]));
    });
    return sp;
  };
  const spans = groups.map((_, gi) => spanOf((gen) => gen.group === gi));
  const joint = spanOf(() => true);
  const vec = (s: Symmetry) => joint.vector(sparseForm(s));
  const home = flat.map((s) => {
    const v = vec(s);
    const gi = spans.findIndex((sp) => sp.size > 0 && sp.contains(v));
    return gi >= 0 ? gi : joint.contains(v) ? 'mixed' : 'none';
  });
  // A numerically checked group is proved when proved component-level generators span it.
  groups.forEach((g, gi) => {
    if (g.status === 'proved') return;
    const proved = new FormSpan(n);
    flat.forEach((s) => {
      if (s.status === 'proved') proved.add(proved.vector(sparseForm(s)));
    });
    const all = search.generators.every((gen, k) => gen.group !== gi || proved.contains(proved.vector(genForms[k])));
    if (all && proved.size > 0) groups[gi] = { ...g, status: 'proved', proof: 'nerdamer', proofNote: undefined };
  });
  const fromGroup = (k: number): DenseListedSymmetry => {
    const gen = search.generators[k];
    const g = groups[gen.group];
    return { ...generatorOf(genForms[k], n), ...groupStatus(g), residual: g.residual, group: gen.group, action: gen.spec, label: gen.label || undefined };
  };
  const symmetries: DenseListedSymmetry[] = [];
  const listSpan = new FormSpan(n);
  if (home.includes('mixed')) {
    // The component search's basis mixes groups: list the groups' own generators instead.
    search.generators.forEach((gen, k) => {
      if (symmetries.length >= MAX_FLAT) unlisted[gen.group]++;
      else symmetries.push(fromGroup(k));
    });
    flat.forEach((s, i) => {
      if (home[i] === 'none') symmetries.push({ ...s, group: -1 });
    });
  } else {
    // The component list as before, each generator in its group, then what it missed.
    flat.forEach((s, i) => {
      symmetries.push({ ...s, group: typeof home[i] === 'number' ? home[i] : -1 });
      listSpan.add(vec(s));
    });
    search.generators.forEach((gen, k) => {
      const v = listSpan.vector(genForms[k]);
      if (listSpan.contains(v)) return;
      if (symmetries.length >= MAX_FLAT) {
        unlisted[gen.group]++;
        return;
      }
      listSpan.add(v);
      symmetries.push(fromGroup(k));
    });
  }
  // What no tensor-level group explains: a group of its own.
  symmetries.forEach((s, idx) => {
    if (s.group >= 0) return;
    const f = sparseForm(s);
    const touches = (p: (typeof params)[number]) => {
      for (let t = 0; t < f.c.length; t++) {
        if ((f.i[t] >= p.offset && f.i[t] < p.offset + p.size) || (f.j[t] >= p.offset && f.j[t] < p.offset + p.size)) return true;
      }
      return false;
    };
    const involved = params.filter(touches).map((p) => p.name);
    groups.push({
      name: `${s.kind === 'linear' ? 'linear symmetry' : s.kind} of ${involved.join(', ')} (found component by component)`,
      kind: s.kind,
      dimension: 1,
      tensors: involved,
      status: s.status,
      proof: s.proof,
      proofNote: s.status === 'proved' ? undefined : (s.proofNote ?? 'holds at every re-check point within rounding; not proved symbolically'),
      structure: { type: 'components', symmetries: [idx] },
      residual: s.residual,
    });
    unlisted.push(0);
    s.group = groups.length - 1;
  });
  // Generators listed from a group that the component search had proved share its proof.
  for (const s of symmetries)
    if (s.status !== 'proved' && groups[s.group].status === 'proved') Object.assign(s, groupStatus(groups[s.group]), { proofNote: undefined });
  return { symmetries, groups, unlisted };
}

/** Which generators of a huge group the flat list keeps: a few named entries of its charge. */
function sampleOf(labels: string[], type: Group['structure']['type']): number[] {
  if (type === 'gl') {
    const want = ['Q[0,0]', 'Q[1,1]', 'Q[0,1]'];
    return want.map((w) => labels.indexOf(w)).filter((i) => i >= 0);
  }
  return labels.slice(0, 16).map((_, i) => i);
}

/** Large models: every group's generators in compact form (a sample of a huge group). */
export function listGroups(model: Model, search: GroupSearch): SymmetryList {
  const symmetries: ListedSymmetry[] = [];
  const unlisted = search.groups.map(() => 0);
  search.groups.forEach((g, gi) => {
    const gens = search.generators.filter((gen) => gen.group === gi);
    const keep =
      gens.length <= MAX_LISTED_PER_GROUP && (g.structure.type !== 'gl' || gens.length <= MAX_FLAT)
        ? gens.map((_, i) => i)
        : sampleOf(
            gens.map((x) => x.label),
            g.structure.type,
          );
    unlisted[gi] = gens.length - keep.length;
    for (const i of keep) {
      const gen = gens[i];
      const form = formOf(model.params, gen.spec);
      symmetries.push({
        kind: isTranslation(gen.spec) ? 'translation' : exponentialKindOf(form),
        ...groupStatus(g),
        residual: g.residual,
        group: gi,
        action: gen.spec,
        label: gen.label || undefined,
      });
    }
  });
  return { symmetries, groups: search.groups, unlisted };
}
