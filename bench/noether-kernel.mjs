// The one place `npm run bench` touches Noether's SGD kernel directly ("the kernel alone"). When
// the kernel's API changes (a tensor engine with a `generateKernel`-like entry), adapt this file
// only: bench/run.mjs calls `prepareKernel` and the `run` it returns, nothing else.
//
// Today's API (src/core/numeric/kernel.ts, chains.ts, exported from dist/cli.js):
//   generateKernel({ model, spec, symmetries }) -> { run(state, t0, steps) -> steps done }
//   newChainState(model, chain, seed) -> state (theta, ctl[0] = the running loss sum, …)
// A kernel runs one chain; chains run one after the other.

/** Steps per kernel call, as the simulation's record interval would cut them. */
const CHUNK = 10_000;
/** ctl[CTL.lossSum] and ctl[CTL.divergedAt] (CTL in kernel.ts is not exported from dist/cli.js). */
const CTL_LOSS_SUM = 0;
const CTL_DIVERGED_AT = 1;

/**
 * Builds the kernel for the first `train` line of `source` with the given batch and symmetries
 * (each `{ matrix }` or `{ direction }`: the kernel then checks law (D) for it on every step).
 * Returns `buildMs` and `run(chains, steps)`, which runs chains 0…chains−1 from their initial
 * points for `steps` steps each and returns the checksum the C program prints: the mean over
 * chains of the mean loss per step, the mean ‖θ‖², and the number of diverged chains.
 */
export function prepareKernel(cli, source, { batch, symmetries = [] }) {
  const checked = cli.checkSource(source);
  if (!checked.model) throw new Error(`bench source does not check: ${checked.diagnostics.map((d) => d.message).join('; ')}`);
  const model = checked.model;
  const spec = { ...model.trains[0], batch };
  const t0 = performance.now();
  const kernel = cli.generateKernel({ model, spec, symmetries });
  const buildMs = performance.now() - t0;
  return {
    buildMs,
    run(chains, steps) {
      let loss = 0;
      let norm2 = 0;
      let diverged = 0;
      for (let c = 0; c < chains; c++) {
        const st = cli.newChainState(model, c, spec.seed);
        let t = 0;
        while (t < steps) {
          const n = Math.min(CHUNK, steps - t);
          const done = kernel.run(st, t, n);
          t += done;
          if (done < n || st.ctl[CTL_DIVERGED_AT] >= 0) break;
        }
        if (t < steps) {
          diverged++;
          continue;
        }
        loss += st.ctl[CTL_LOSS_SUM] / steps;
        for (const v of st.theta) norm2 += v * v;
      }
      const ok = chains - diverged;
      return { loss: ok ? loss / ok : NaN, norm2: ok ? norm2 / ok : NaN, diverged };
    },
  };
}
