// Points at which the analysis evaluates the loss: the file's initial parameters (chain 0 of the
// first run), random parameters for symmetry detection, and data examples drawn from the file's
// distributions or its finite data set.
import { Model } from '../lang/model';
import { sample } from '../lang/distributions';
import { Rng, STREAM_DATASET, STREAM_INIT } from '../util/rng';

/** The seed the file's runs start from (the first `train` line's, else 0). */
export function baseSeed(model: Model): number {
  return model.trains[0]?.seed ?? 0;
}

/** Initial parameters of one chain, drawn from the chain's own stream. */
export function initialPoint(model: Model, chain = 0, seed = baseSeed(model)): Float64Array {
  const theta = new Float64Array(model.components.length);
  const rng = new Rng(seed, chain, STREAM_INIT);
  for (const p of model.params) {
    for (let k = 0; k < p.size; k++) {
      theta[p.offset + k] = p.init.kind === 'value' ? p.init.values[k] : sample(p.init.dists[k], rng);
    }
  }
  return theta;
}

/** Drawn data sets by model data set and seed (the model itself is never written to). */
const drawnRows = new WeakMap<object, Map<number, Float64Array>>();
/** Seeds kept per data set (a file's train lines rarely use more). */
const DRAWN_SEEDS = 8;

/**
 * The finite training set as rows (N × dataDim): the data files' rows, or the set drawn from the
 * `~` distributions with `seed` (each seed its own set, drawn once and kept per model).
 */
export function datasetRows(model: Model, seed = baseSeed(model)): Float64Array | undefined {
  const ds = model.dataset;
  if (!ds) return undefined;
  if (ds.rows) return ds.rows;
  let bySeed = drawnRows.get(ds);
  if (!bySeed) drawnRows.set(ds, (bySeed = new Map<number, Float64Array>()));
  const hit = bySeed.get(seed);
  if (hit) return hit;
  const dim = model.dataComponents.length;
  const rows = new Float64Array(ds.size * dim);
  const rng = new Rng(seed, 0, STREAM_DATASET);
  for (let r = 0; r < ds.size; r++) drawFresh(model, rng, rows, r * dim);
  if (bySeed.size >= DRAWN_SEEDS) bySeed.delete(bySeed.keys().next().value as number);
  bySeed.set(seed, rows);
  return rows;
}

/** One example from the `~` distributions, written at `out[offset..]`. */
export function drawFresh(model: Model, rng: Rng, out: Float64Array, offset = 0): void {
  for (const d of model.data) {
    const dists = d.dists;
    if (!dists) continue;
    for (let k = 0; k < d.size; k++) out[offset + d.offset + k] = sample(dists[k], rng);
  }
}

/** One example: fresh, or a uniformly chosen row of the finite data set. */
export function drawExample(model: Model, rng: Rng, out: Float64Array, rows?: Float64Array): void {
  if (rows) {
    const dim = model.dataComponents.length;
    const n = rows.length / dim;
    const r = rng.int(n);
    for (let k = 0; k < dim; k++) out[k] = rows[r * dim + k];
  } else drawFresh(model, rng, out);
}
