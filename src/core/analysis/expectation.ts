// Exact expectations over fresh data as functions of θ: E_z[node(θ, z)] as a graph node, when the
// node is polynomial in data with known moments. Used for full-batch GD's exact gradient, the
// expected loss L(θ) and its Hessian, and law (C)'s predicted drift along a run.
import { ScalarModel } from '../lang/model';
import { expandInData, expectation, maxDegree, momentTable, NotPolynomial, nodeRing } from './polynomial';

/** E_z of each root as graph nodes over θ, or undefined when no closed form exists. */
export function expectedNodes(model: ScalarModel, roots: number[]): number[] | undefined {
  if (model.dataset || model.data.some((d) => !d.dists)) return undefined;
  const ring = nodeRing(model.graph, model.paramNodes);
  try {
    // Symbolic coefficients cost far more than numbers: a smaller budget before Monte Carlo.
    const polys = expandInData(model.graph, roots, ring, 60_000);
    const moments = momentTable(
      model.data.flatMap((d) => d.dists ?? []),
      maxDegree(polys) + 1,
    );
    return polys.map((p) => expectation(ring, p, moments));
  } catch (e) {
    if (e instanceof NotPolynomial) return undefined;
    throw e;
  }
}
