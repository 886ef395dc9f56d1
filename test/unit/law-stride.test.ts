// Law (D) in the tensor kernel when its check would cost several steps: each step checks a rotating
// share of the charges (kernel.lawStride). GL(10) on a 20×10 / 10×20 linear net (55 charges of 40
// terms at batch 1). The residual stays at rounding for the true charges, a form that is no
// charge is caught whichever share it falls in, and the trajectory does not depend on the check.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkSource } from '../../src/core/lang/check';
import { Model } from '../../src/core/lang/model';
import { kernelSymmetry } from '../../src/core/analysis/forms';
import { CTL, generateKernel, KernelSymmetry } from '../../src/core/numeric/kernel';
import { newChainState } from '../../src/core/numeric/chains';

const H = 10;
const D = 20;
const SOURCE =
  `param U[${H}, ${D}] ~ normal(0, 0.3)\nparam W[${D}, ${H}] ~ normal(0, 0.3)\ndata x[${D}] ~ normal(0, 1)\ndata eps[${D}] ~ normal(0, 1)\n` +
  `loss = norm2(W @ (U @ x) - (x + 0.1*eps)) / 2\ntrain sgd(lr = 0.005, batch = 1, steps = 300, chains = 2, seed = 1)\n`;

/** Q[a,b] = Σ_j U[a,j]U[b,j] − Σ_i W[i,a]W[i,b] for a ≤ b, as sparse forms (U first, then W, row-major). */
function glCharges(model: Model): KernelSymmetry[] {
  const out: KernelSymmetry[] = [];
  for (let a = 0; a < H; a++)
    for (let b = a; b < H; b++) {
      const i: number[] = [];
      const j: number[] = [];
      const c: number[] = [];
      const coef = a === b ? 1 : 2;
      for (let t = 0; t < D; t++) {
        i.push(a * D + t);
        j.push(b * D + t);
        c.push(coef);
      }
      for (let t = 0; t < D; t++) {
        i.push(H * D + t * H + a);
        j.push(H * D + t * H + b);
        c.push(-coef);
      }
      out.push(kernelSymmetry(model, { form: { i, j, c } }));
    }
  return out;
}

function run(model: Model, symmetries: KernelSymmetry[], steps: number) {
  const spec = model.trains[0];
  const kernel = generateKernel({ model, spec, symmetries });
  const states = [0, 1].map((c) => newChainState(model, c, spec.seed));
  kernel.runBlock(states, 0, steps);
  return { kernel, states, residual: Math.max(...states.map((s) => s.ctl[CTL.lawResidual])) };
}

test('GL(10) on 400 components at batch 1: law (D) is checked in rotation, at rounding level', () => {
  const model = checkSource(SOURCE).model as Model;
  const charges = glCharges(model);
  assert.equal(charges.length, 55);
  const { kernel, states, residual } = run(model, charges, 300);
  assert.ok(kernel.lawStride > 1, `stride ${kernel.lawStride}`);
  assert.ok(kernel.lawStride <= 8, `stride ${kernel.lawStride}: every charge is checked often`);
  for (const st of states) assert.equal(st.ctl[CTL.callDone], 300);
  assert.ok(residual > 0 && residual < 1e-12, `law (D) residual ${residual}`);
  // The check reads θ and never writes it: the same chains without it end at the same point.
  const plain = run(model, [], 300);
  states.forEach((st, c) => assert.deepEqual(Array.from(st.theta), Array.from(plain.states[c].theta)));
});

test('a form that is not a charge is caught in whichever share of the rotation it falls', () => {
  const model = checkSource(SOURCE).model as Model;
  const charges = glCharges(model);
  const stride = run(model, charges, 1).kernel.lawStride;
  // ‖U‖² alone is no charge of the linear net (only UUᵀ − WᵀW is): its law (D) fails at every step.
  const bogusForm = { i: Array.from({ length: H * D }, (_, k) => k), j: Array.from({ length: H * D }, (_, k) => k), c: new Array<number>(H * D).fill(1) };
  for (let slot = 0; slot < stride; slot++) {
    const syms = [...charges];
    syms.splice(slot, 0, kernelSymmetry(model, { form: bogusForm }));
    const { kernel, residual } = run(model, syms, 20);
    assert.equal(kernel.lawStride, stride);
    assert.ok(residual > 1e-6, `bogus charge at position ${slot}: residual ${residual}`);
  }
});

test('plain SGD at batch 1 updates θ straight from the gradient, also when a gradient is another parameter', () => {
  // ∂/∂a (a·b) = b and ∂/∂b = a: both gradients are parameters, so the update must use the old values.
  const model = checkSource(
    'param a[40] ~ normal(0, 1)\nparam b[40] ~ normal(0, 1)\ndata x ~ normal(0, 1)\nloss = a @ b + 0.1 * x^2\ntrain sgd(lr = 0.01, batch = 1, steps = 3, chains = 1, seed = 2)\n',
  ).model as Model;
  const spec = model.trains[0];
  const kernel = generateKernel({ model, spec, symmetries: [] });
  const st = newChainState(model, 0, spec.seed);
  const th = Array.from(st.theta);
  kernel.runBlock([st], 0, 3);
  for (let s = 0; s < 3; s++) {
    const a = th.slice(0, 40);
    const b = th.slice(40);
    for (let i = 0; i < 40; i++) {
      th[i] = a[i] - 0.01 * b[i];
      th[40 + i] = b[i] - 0.01 * a[i];
    }
  }
  assert.deepEqual(Array.from(st.theta), th);
});
