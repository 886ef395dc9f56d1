// The one place `npm run bench` touches Noether's SGD kernel directly ("the kernel alone"). When
// the kernel's API changes, adapt this file only: bench/run.mjs calls `prepareKernel` and the
// `run` it returns, nothing else.
//
// Today's API (src/core/numeric/kernel.ts, kernelCommon.ts, chains.ts; exported from dist/cli.js):
//   generateKernel({ model, spec, symmetries }) -> { runBlock(states, t0, steps), … }
//     (the straight-line kernel of scalarKernel.ts up to 64 components, the tensor kernel of
//     tensorKernel.ts beyond: the choice `noether simulate` makes)
//   newChainState(model, chain, seed) -> state (theta, rng, ctl[CTL.lossSum], ctl[CTL.callDone], …)
//   kernelSymmetry(model, symmetry of the analysis' JSON) -> what the kernel checks law (D) for
// runChains (chains.ts) hands the kernel all of a worker's chains in one runBlock call, each for a
// chunk of steps bounded by MAX_WORK_PER_CALL; we do the same, without its record points.

/** chains.ts' MAX_WORK_PER_CALL (not exported): example-gradients × model size / 64 per call. */
const MAX_WORK_PER_CALL = 200_000;

/**
 * Builds the kernel for the first `train` line of `source` with the given batch, checking law (D)
 * on every step for each of `symmetries` (from `noether analyze --json`, as simulate passes them).
 * Returns `buildMs`, `kind` ('scalar' or 'tensor') and `run(chains, steps)`, which runs chains
 * 0…chains−1 from their initial points for `steps` steps each (one runBlock call per chunk, as
 * simulate does) and returns the checksum the C program prints: the mean over chains of the mean
 * loss per step, the mean ‖θ‖², and the number of diverged chains.
 */
export function prepareKernel(cli, source, { batch, symmetries = [] }) {
  const checked = cli.checkSource(source);
  if (!checked.model) throw new Error(`bench source does not check: ${checked.diagnostics.map((d) => d.message).join('; ')}`);
  const model = checked.model;
  const spec = { ...model.trains[0], batch };
  const CTL = cli.CTL;
  const t0 = performance.now();
  const kernel = cli.generateKernel({ model, spec, symmetries: symmetries.map((s) => cli.kernelSymmetry(model, s)) });
  const buildMs = performance.now() - t0;
  const workPerStep = batch * Math.max(1, (model.tgraph.entries + model.components.length) / 64);
  return {
    buildMs,
    kind: /^"use strict";\s*return function kernel\(st,/.test(kernel.source) ? 'scalar' : 'tensor',
    run(chains, steps) {
      const states = [];
      for (let c = 0; c < chains; c++) states.push(cli.newChainState(model, c, spec.seed));
      let live = states;
      let t = 0;
      while (t < steps && live.length) {
        const chunk = Math.max(1, Math.min(steps - t, Math.floor(MAX_WORK_PER_CALL / (workPerStep * live.length))));
        kernel.runBlock(live, t, chunk);
        live = live.filter((st) => st.ctl[CTL.callDone] === chunk);
        t += chunk;
      }
      let loss = 0;
      let norm2 = 0;
      let ok = 0;
      for (const st of live) {
        ok++;
        loss += st.ctl[CTL.lossSum] / steps;
        for (const v of st.theta) norm2 += v * v;
      }
      return { loss: ok ? loss / ok : NaN, norm2: ok ? norm2 / ok : NaN, diverged: chains - ok };
    },
  };
}
