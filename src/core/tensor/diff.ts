// Reverse-mode differentiation on the tensor graph: one vector-Jacobian rule per operation. The
// gradient is itself a set of tensor nodes (sharing subexpressions with the loss), so it is compiled
// like the loss, and differentiating it again gives Hessian-vector products.
import { Shape, sizeOf, TGraph } from './graph';

/** Reduces a contribution to an operand's shape: a scalar operand broadcast over a tensor sums it. */
function toShape(g: TGraph, contrib: number, shape: Shape): number {
  return shape.length === 0 && g.shape(contrib).length > 0 ? g.sum(contrib) : contrib;
}

/** d root / d x for every node in `wrt` (parameter or data tensors), by reverse mode. */
export function tensorGradient(g: TGraph, root: number, wrt: number[]): number[] {
  const adj = new Map<number, number>();
  adj.set(root, g.constant(new Float64Array(sizeOf(g.shape(root))).fill(1), g.shape(root)));
  const order = g.reachable([root]);
  const give = (id: number, contrib: number) => {
    const c = toShape(g, contrib, g.shape(id));
    const cur = adj.get(id);
    adj.set(id, cur === undefined ? c : g.add(cur, c));
  };
  for (let k = order.length - 1; k >= 0; k--) {
    const id = order[k];
    const d = adj.get(id);
    if (d === undefined) continue;
    const n = g.nodes[id];
    switch (n.op) {
      case 'param':
      case 'data':
      case 'const':
        break;
      case 'unary': {
        const a = n.a;
        const one = g.scalar(1);
        switch (n.fn) {
          case 'neg':
            give(a, g.neg(d));
            break;
          case 'exp':
            give(a, g.mul(d, id));
            break;
          case 'log':
            give(a, g.div(d, a));
            break;
          case 'sqrt':
            give(a, g.div(d, g.mul(g.scalar(2), id)));
            break;
          case 'abs':
            give(a, g.mul(d, g.unary('sign', a)));
            break;
          case 'tanh':
            give(a, g.mul(d, g.sub(one, g.mul(id, id))));
            break;
          case 'sigmoid':
            give(a, g.mul(d, g.mul(id, g.sub(one, id))));
            break;
          case 'relu':
            give(a, g.mul(d, g.unary('step', a)));
            break;
          case 'softplus':
            give(a, g.mul(d, g.unary('sigmoid', a)));
            break;
          case 'sin':
            give(a, g.mul(d, g.unary('cos', a)));
            break;
          case 'cos':
            give(a, g.neg(g.mul(d, g.unary('sin', a))));
            break;
          case 'step':
          case 'sign':
            break; // zero almost everywhere
        }
        break;
      }
      case 'binary': {
        const { a, b } = n;
        switch (n.fn) {
          case 'add':
            give(a, d);
            give(b, d);
            break;
          case 'sub':
            give(a, d);
            give(b, g.neg(d));
            break;
          case 'mul':
            give(a, g.mul(d, b));
            give(b, g.mul(d, a));
            break;
          case 'div':
            give(a, g.div(d, b));
            give(b, g.neg(g.div(g.mul(d, id), b)));
            break;
          case 'pow': {
            const c = g.scalarConst(b);
            if (c !== undefined) give(a, g.mul(d, g.mul(g.scalar(c), g.binary('pow', a, g.scalar(c - 1)))));
            else {
              give(a, g.mul(d, g.mul(b, g.binary('pow', a, g.sub(b, g.scalar(1))))));
              give(b, g.mul(d, g.mul(id, g.unary('log', a))));
            }
            break;
          }
          case 'max':
          case 'min': {
            const s = n.fn === 'max' ? g.unary('step', g.sub(a, b)) : g.unary('step', g.sub(b, a));
            give(a, g.mul(d, s));
            give(b, g.mul(d, g.sub(g.scalar(1), s)));
            break;
          }
        }
        break;
      }
      case 'matmul': {
        const { a, b } = n;
        const sa = g.shape(a);
        const sb = g.shape(b);
        if (sa.length === 2 && sb.length === 2) {
          give(a, g.matmul(d, g.transpose(b)));
          give(b, g.matmul(g.transpose(a), d));
        } else if (sa.length === 2) {
          give(a, g.outer(d, b));
          give(b, g.matmul(d, a));
        } else if (sb.length === 2) {
          give(a, g.matmul(b, d));
          give(b, g.outer(a, d));
        } else {
          give(a, g.mul(d, b));
          give(b, g.mul(d, a));
        }
        break;
      }
      case 'outer':
        give(n.a, g.matmul(d, n.b));
        give(n.b, g.matmul(n.a, d));
        break;
      case 'transpose':
        give(n.a, g.transpose(d));
        break;
      case 'sum':
        give(n.a, g.fill(d, g.shape(n.a)));
        break;
      case 'fill':
        give(n.a, g.sum(d));
        break;
      case 'index':
        give(n.a, g.scatter(d, n.at, g.shape(n.a)));
        break;
      case 'scatter':
        give(n.a, g.index(d, n.at));
        break;
      case 'stack':
        n.items.forEach((item, i) => give(item, g.index(d, [i])));
        break;
    }
  }
  return wrt.map((id) => adj.get(id) ?? g.zeros(g.shape(id)));
}
