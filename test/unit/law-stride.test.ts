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
