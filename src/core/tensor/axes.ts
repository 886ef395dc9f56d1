// Axis classes of the tensor graph: which axes of the parameter tensors are "the same index". Axes
// are linked through the operations that carry an index from operands to result (elementwise maps
// keep it, a transpose swaps, a matrix product keeps the outer indices and contracts the inner one,
// a row of a matrix keeps the column index). A contraction links the two contracted axes with
// opposite orientation (a covector against a vector: W ↦ W e^{−M} against h ↦ e^{M} h); every other
// link keeps the orientation. A class that reaches a data or constant axis is pinned (data cannot
// be transformed), and one whose links disagree on orientation has no linear group acting on it.
import { operands, TGraph } from './graph';

export interface AxisSlot {
  node: number;
  axis: number;
}

export interface AxisMember {
  /** Index of the parameter tensor (declaration order) and the axis of it in the class. */
  param: number;
  axis: number;
  /** +1: transforms like the class's vectors (T ↦ M T); −1: like covectors (T ↦ −Mᵀ T along the axis). */
  sign: 1 | -1;
}

export interface AxisClass {
  size: number;
  members: AxisMember[];
  /** Reaches a data axis: data cannot be transformed, so no generator acts on the class. */
  pinned: boolean;
  /** Reaches a constant's axis: a general linear action cannot leave it alone (a diagonal one may). */
  touchesConstant: boolean;
  /** Links disagree on orientation. */
  conflict: boolean;
}

class UnionFind {
  private parent: number[] = [];
  /** Orientation relative to the parent (0 same, 1 opposite). */
  private parity: number[] = [];
  conflict = new Set<number>();

  add(): number {
    this.parent.push(this.parent.length);
    this.parity.push(0);
    return this.parent.length - 1;
  }

  find(x: number): [number, number] {
    let p = 0;
    let r = x;
    while (this.parent[r] !== r) {
      p ^= this.parity[r];
      r = this.parent[r];
    }
    // Path compression with parities.
    let y = x;
    let py = p;
    while (this.parent[y] !== y) {
      const next = this.parent[y];
      const pn = py ^ this.parity[y];
      this.parent[y] = r;
      this.parity[y] = py;
      y = next;
      py = pn;
    }
    return [r, p];
  }

  union(a: number, b: number, opposite: boolean): void {
    const [ra, pa] = this.find(a);
    const [rb, pb] = this.find(b);
    const want = opposite ? 1 : 0;
    if (ra === rb) {
      if ((pa ^ pb) !== want) this.conflict.add(ra);
      return;
    }
    this.parent[rb] = ra;
    this.parity[rb] = pa ^ pb ^ want;
    if (this.conflict.has(rb)) this.conflict.add(ra);
  }
}

/** The axis classes of the nodes `roots` depend on, with their parameter members. */
export function axisClasses(g: TGraph, roots: number[]): AxisClass[] {
  const uf = new UnionFind();
  const slot = new Map<string, number>();
  const s = (node: number, axis: number) => {
    const key = `${node}:${axis}`;
    let id = slot.get(key);
    if (id === undefined) {
      id = uf.add();
      slot.set(key, id);
    }
    return id;
  };
  const order = g.reachable(roots);
  const contractions = summedProducts(g, order);
  for (const id of order) {
    const n = g.nodes[id];
    const rank = n.shape.length;
    switch (n.op) {
      case 'unary':
        for (let a = 0; a < rank; a++) uf.union(s(id, a), s(n.a, a), false);
        break;
      case 'binary':
        if (contractions.has(id)) {
          // sum(a ⊙ b) is the contraction of a with b over every axis (dot, a trace).
          for (let a = 0; a < rank; a++) uf.union(s(n.a, a), s(n.b, a), true);
          break;
        }
        for (const o of [n.a, n.b]) if (g.shape(o).length === rank) for (let a = 0; a < rank; a++) uf.union(s(id, a), s(o, a), false);
        break;
      case 'matmul': {
        const ra = g.shape(n.a).length;
        const rb = g.shape(n.b).length;
        uf.union(s(n.a, ra - 1), s(n.b, 0), true);
        if (ra === 2) uf.union(s(id, 0), s(n.a, 0), false);
        if (rb === 2) uf.union(s(id, rank - 1), s(n.b, 1), false);
        break;
      }
      case 'outer':
        uf.union(s(id, 0), s(n.a, 0), false);
        uf.union(s(id, 1), s(n.b, 0), false);
        break;
      case 'transpose':
        uf.union(s(id, 0), s(n.a, 1), false);
        uf.union(s(id, 1), s(n.a, 0), false);
        break;
      case 'index':
        // A row of a matrix keeps the column index.
        if (g.shape(n.a).length === 2 && n.at.length === 1) uf.union(s(id, 0), s(n.a, 1), false);
        break;
      case 'stack':
        for (const item of n.items) for (let a = 0; a < g.shape(item).length; a++) uf.union(s(id, a + 1), s(item, a), false);
        break;
      default:
        break;
    }
  }
  const classes = new Map<number, AxisClass>();
  for (const id of order) {
    const n = g.nodes[id];
    n.shape.forEach((d, a) => {
      const [root, parity] = uf.find(s(id, a));
      let c = classes.get(root);
      if (!c) {
        c = { size: d, members: [], pinned: false, touchesConstant: false, conflict: false };
        classes.set(root, c);
      }
      if (n.op === 'data') c.pinned = true;
      if (n.op === 'const') c.touchesConstant = true;
      if (n.op === 'param') c.members.push({ param: n.index, axis: a, sign: parity === 0 ? 1 : -1 });
    });
  }
  for (const [root, c] of classes) {
    c.conflict = uf.conflict.has(root);
    // Orientation is relative: make the first member (declaration order) a vector.
    c.members.sort((x, y) => x.param - y.param || x.axis - y.axis);
    if (c.members.length > 0 && c.members[0].sign < 0) for (const m of c.members) m.sign = m.sign === 1 ? -1 : 1;
  }
  return [...classes.values()].filter((c) => c.members.length > 0);
}

/**
 * Elementwise products of two tensors of one shape whose only use is a full sum: sum(a ⊙ b) (how
 * `dot` and `norm2` lower) contracts a with b, like a matrix product does.
 */
export function summedProducts(g: TGraph, order: number[]): Set<number> {
  const uses = new Map<number, number[]>();
  for (const id of order) {
    const n = g.nodes[id];
    for (const o of operands(n)) {
      const list = uses.get(o);
      if (list) list.push(id);
      else uses.set(o, [id]);
    }
  }
  const out = new Set<number>();
  for (const id of order) {
    const n = g.nodes[id];
    if (n.op !== 'binary' || n.fn !== 'mul' || n.shape.length === 0) continue;
    if (g.shape(n.a).length !== n.shape.length || g.shape(n.b).length !== n.shape.length) continue;
    const u = uses.get(id) ?? [];
    if (u.length > 0 && u.every((c) => g.nodes[c].op === 'sum')) out.add(id);
  }
  return out;
}
