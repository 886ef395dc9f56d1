// Experiments 11 and 12 at small size: relu-balance (paper (a) Fig. 2) and fashion-mlp (a real
// network on Fashion-MNIST, skipped with a message where Debian's dataset-fashion-mnist is absent;
// `npm test`'s pre-script installs it).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findExperiment } from '../../src/core/experiments/registry';
import { FASHION_MNIST_DEFAULT, FashionResult } from '../../src/core/experiments/fashionMlp';
import { ExperimentContext } from '../../src/core/experiments/types';
import { ROOT } from './helpers';

const ctx: ExperimentContext = { size: 'small', readLoss: (f) => fs.readFileSync(path.join(ROOT, 'experiments', f), 'utf8') };

test('relu-balance (small): every check passes, the noise terms balance under SGD and not under GD', async () => {
  const r = await (findExperiment('relu-balance') as NonNullable<ReturnType<typeof findExperiment>>).run(ctx);
  const failed = r.checks.filter((c) => !c.pass);
  assert.equal(failed.length, 0, failed.map((c) => `${c.name}: ${c.measured} vs ${c.predicted} ± ${c.tolerance}`).join('\n'));
  assert.ok(r.checks.length >= 8);
  assert.ok(r.checks.some((c) => c.name.startsWith('SGD end: Σ_j (uᵀC₁u − wᵀC₂w)')));
});

test(
  'fashion-mlp (small): test accuracy ≥ 0.75, every check passes, law (D) at rounding, the JSON fields',
  {
    skip: fs.existsSync(path.join(FASHION_MNIST_DEFAULT, 'train-images-idx3-ubyte.gz'))
      ? false
      : `no Fashion-MNIST in ${FASHION_MNIST_DEFAULT} (apt-get install dataset-fashion-mnist)`,
  },
  async () => {
    const r = (await (findExperiment('fashion-mlp') as NonNullable<ReturnType<typeof findExperiment>>).run(ctx)) as FashionResult;
    const failed = r.checks.filter((c) => !c.pass);
    assert.equal(failed.length, 0, failed.map((c) => `${c.name}: ${c.measured} vs ${c.predicted} ± ${c.tolerance}`).join('\n'));
    assert.ok(r.accuracy >= 0.75, `accuracy ${r.accuracy}`);
    assert.ok(r.lawResidual < 1e-12, `law (D) residual ${r.lawResidual}`);
    assert.ok(r.secondsPerEpoch.noether > 0);
    const json = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
    for (const k of ['name', 'checks', 'accuracy', 'lawResidual', 'secondsPerEpoch']) assert.ok(k in json, k);
  },
);

test('fashion-mlp without the data: a clear error naming the package and the flag', async () => {
  const e = findExperiment('fashion-mlp') as NonNullable<ReturnType<typeof findExperiment>>;
  await assert.rejects(
    e.run({ ...ctx, fashionMnistPath: path.join(ROOT, 'no-such-folder') }),
    /no Fashion-MNIST in .*no-such-folder: install Debian's dataset-fashion-mnist .* or pass --fashion-mnist DIR/,
  );
});
