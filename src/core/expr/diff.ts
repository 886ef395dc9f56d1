// Symbolic differentiation on the scalar graph. The derivative is itself a set of graph nodes,
// so gradients share subexpressions with the loss and with each other, and a Hessian is the
// derivative of the gradient.
import { Graph } from './graph';

/**
 * The local partial derivatives of node `id` with respect to each of its operands, as
 * [operand, ∂node/∂operand] pairs (one rule table for reverse and forward mode).
 */
export function localPartials(g: Graph, id: number): [number, number][] {
  const n = g.nodes[id];
  const one = g.constant(1);
  switch (n.op) {
    case 'const':
    case 'param':
    case 'data':
      return [];
    case 'add':
      return [
        [n.a, one],
        [n.b, one],
      ];
    case 'mul':
      return [
        [n.a, n.b],
        [n.b, n.a],
      ];
    case 'div':
      return [
        [n.a, g.div(one, n.b)],
        [n.b, g.neg(g.div(id, n.b))],
      ];
    case 'neg':
      return [[n.a, g.constant(-1)]];
    case 'pow': {
      const c = g.constValue(n.b);
      if (c !== undefined) return [[n.a, g.mul(g.constant(c), g.pow(n.a, g.constant(c - 1)))]];
      return [
        [n.a, g.mul(n.b, g.pow(n.a, g.sub(n.b, one)))],
        [n.b, g.mul(id, g.fn('log', n.a))],
      ];
    }
    case 'fn': {
      const a = n.a;
      switch (n.fn) {
        case 'exp':
          return [[a, id]];
        case 'log':
          return [[a, g.div(one, a)]];
        case 'sqrt':
          return [[a, g.div(one, g.mul(g.constant(2), id))]];
        case 'abs':
          return [[a, g.fn('sign', a)]];
        case 'tanh':
          return [[a, g.sub(one, g.pow(id, g.constant(2)))]];
        case 'sigmoid':
          return [[a, g.mul(id, g.sub(one, id))]];
        case 'relu':
          return [[a, g.fn('step', a)]];
        case 'softplus':
          return [[a, g.fn('sigmoid', a)]];
        case 'sin':
          return [[a, g.fn('cos', a)]];
        case 'cos':
          return [[a, g.neg(g.fn('sin', a))]];
        case 'max':
        case 'min': {
          const b = n.b as number;
          const s = n.fn === 'max' ? g.fn('step', g.sub(a, b)) : g.fn('step', g.sub(b, a));
          return [
            [a, s],
            [b, g.sub(one, s)],
          ];
        }
        case 'step':
        case 'sign':
          return []; // zero almost everywhere
      }
    }
  }
}

/** d root / d x for every node id in `wrt` (parameter or data nodes), by reverse mode. */
export function gradient(g: Graph, root: number, wrt: number[]): number[] {
  const adj = new Map<number, number>();
  adj.set(root, g.constant(1));
  const order = g.reachable([root]);
  for (let k = order.length - 1; k >= 0; k--) {
    const id = order[k];
    const gr = adj.get(id);
    if (gr === undefined) continue;
    for (const [operand, partial] of localPartials(g, id)) {
      const contrib = g.mul(gr, partial);
      const cur = adj.get(operand);
      adj.set(operand, cur === undefined ? contrib : g.add(cur, contrib));
    }
  }
  return wrt.map((id) => adj.get(id) ?? g.constant(0));
}

/** Directional derivative of `root` along the vector field `dir` (dir[i] = d x_i / d lambda). */
export function directional(g: Graph, root: number, vars: number[], dir: number[]): number {
  const grads = gradient(g, root, vars);
  let out = g.constant(0);
  for (let i = 0; i < vars.length; i++) out = g.add(out, g.mul(dir[i], grads[i]));
  return out;
}

/**
 * Forward mode: the directional derivatives of every root along the field `dir` in one sweep
 * (tangent(node) = Σ ∂node/∂operand · tangent(operand), seeded with dir at `vars`), the
 * Jacobian-vector product J·dir of a vector of roots.
 */
export function jvp(g: Graph, roots: number[], vars: number[], dir: number[]): number[] {
  const tan = new Map<number, number>();
  vars.forEach((v, i) => tan.set(v, dir[i]));
  const zero = g.constant(0);
  for (const id of g.reachable(roots)) {
    if (tan.has(id)) continue;
    let t: number | undefined;
    for (const [operand, partial] of localPartials(g, id)) {
      const to = tan.get(operand);
      if (to === undefined || to === zero) continue;
      const c = g.mul(partial, to);
      t = t === undefined ? c : g.add(t, c);
    }
    if (t !== undefined) tan.set(id, t);
  }
  return roots.map((r) => tan.get(r) ?? zero);
}
