// Experiment 12: a real network on real data. A 784-64-10 ReLU MLP with softmax cross-entropy on
// Fashion-MNIST (Debian's dataset-fashion-mnist; the folder is ctx.fashionMnistPath), trained by
// SGD (batch 32) on a seeded subset of the training images and by GD (full batch) on a fixed small
// subset. Reported: test accuracy on the first test images, the 64 per-neuron rescaling charges
// C_j = ‖W1[j,:]‖² + b1_j² − ‖W2[:,j]‖² with each neuron's own noise equilibrium (the point of its
// rescaling orbit where the two noise terms balance, from per-example gradients), law (D)'s
// residual over every step, law (C) against the measured change per neuron (exact for GD, whose
// data set the predictor averages whole), and seconds per epoch beside a PyTorch script of the same
// training (bench/fashion_mlp.py, run where /usr/bin/python3 has torch).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readRegularFileBytes, makeReadFile, MAX_DATA_FILE_BYTES } from '../io/files';
import { parseArrayFile } from '../lang/arrays';
import { initialPoint } from '../analysis/points';
import { checkSource } from '../lang/check';
import { Model } from '../lang/model';
import { lawDCheck, result, simulate, stages } from './common';
import { fmt } from './escape';
import { neuronLayout, neuronNoise } from './neurons';
import { check, meanSe } from './stats';
import { Check, Experiment, ExperimentContext, ExperimentResult, Figure } from './types';

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DEFAULT = '/usr/share/datasets/fashion-mnist';
const ACCURACY_TARGET = 0.75;

export function fashionSource(dir: string, size: number, seed: number): string {
  const q = (f: string) => JSON.stringify(path.join(dir, f));
  return [
    '# 784-64-10 ReLU MLP, softmax cross-entropy, Fashion-MNIST (noether experiment fashion-mlp).',
    'param W1[64, 784] ~ normal(0, 0.05)',
    'param b1[64] = 0',
    'param W2[10, 64] ~ normal(0, 0.12)',
    'param b2[10] = 0',
    `data pixels[784] from ${q('train-images-idx3-ubyte.gz')}`,
    `data label from ${q('train-labels-idx1-ubyte.gz')}`,
    `dataset size = ${size}, seed = ${seed}`,
    'let x = pixels / 255',
    'let h = relu(W1 @ x + b1)',
    'loss = cross_entropy(W2 @ h + b2, label)',
    '',
  ].join('\n');
}

/** Test accuracy of parameters θ (the model's component order) on the first `count` test images. */
export function testAccuracy(model: Model, theta: ArrayLike<number>, dir: string, count: number): number {
  const images = parseArrayFile(readRegularFileBytes(path.join(dir, 't10k-images-idx3-ubyte.gz'), MAX_DATA_FILE_BYTES, 'data files'));
  const labels = parseArrayFile(readRegularFileBytes(path.join(dir, 't10k-labels-idx1-ubyte.gz'), MAX_DATA_FILE_BYTES, 'data files'));
  const off = (name: string) => (model.params.find((p) => p.name === name) as { offset: number }).offset;
  const [w1, b1, w2, b2] = ['W1', 'b1', 'W2', 'b2'].map(off);
  const x = new Float64Array(784);
  const y = new Float64Array(1);
  const h = new Float64Array(64);
  let right = 0;
  const n = Math.min(count, images.rows);
  for (let e = 0; e < n; e++) {
    images.readRow(e, x, 0);
    labels.readRow(e, y, 0);
    for (let j = 0; j < 64; j++) {
      let s = theta[b1 + j];
      for (let i = 0; i < 784; i++) s += theta[w1 + j * 784 + i] * (x[i] / 255);
      h[j] = s > 0 ? s : 0;
    }
    let best = -Infinity;
    let arg = -1;
    for (let k = 0; k < 10; k++) {
      let s = theta[b2 + k];
      for (let j = 0; j < 64; j++) s += theta[w2 + k * 64 + j] * h[j];
      if (s > best) {
        best = s;
        arg = k;
      }
    }
    if (arg === y[0]) right++;
  }
  return right / n;
}

/** The PyTorch script's timing, or why it did not run. */
function torchBaseline(dir: string, size: number, epochs: number, lr: number, testN: number): { secondsPerEpoch?: number; accuracy?: number; note: string } {
  const script = [path.resolve(__dirname, '..', 'bench', 'fashion_mlp.py'), path.resolve(__dirname, '..', '..', '..', '..', 'bench', 'fashion_mlp.py'), path.resolve('bench', 'fashion_mlp.py')].find((p) => fs.existsSync(p));
  if (!script) return { note: 'PyTorch comparison skipped: bench/fashion_mlp.py not found next to this build' };
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) return { note: 'PyTorch comparison skipped: /usr/bin/python3 has no torch (Debian: apt-get install python3-torch)' };
  const r = spawnSync('/usr/bin/python3', [script, dir, String(size), String(epochs), String(lr), String(testN)], { encoding: 'utf8', timeout: 600_000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as { secondsPerEpoch: number; accuracy: number; torch: string };
    return { secondsPerEpoch: j.secondsPerEpoch, accuracy: j.accuracy, note: `PyTorch ${j.torch} (one thread, float64, CPU time): ${fmt(j.secondsPerEpoch, 3)} s per epoch, test accuracy ${fmt(j.accuracy, 3)}` };
  } catch {
    return { note: `PyTorch comparison failed: ${(r.stderr ?? '').trim().split('\n').pop()?.slice(0, 200) ?? 'no output'}` };
  }
}

export interface FashionResult extends ExperimentResult {
  accuracy: number;
  lawResidual: number;
  secondsPerEpoch: { noether: number; pytorch: number | null };
}

export const fashionMlp: Experiment = {
  name: 'fashion-mlp',
  title: 'A 784-64-10 ReLU MLP on Fashion-MNIST: accuracy, the 64 neuron charges under SGD and GD, laws (C) and (D)',
  description:
    'SGD (batch 32) on a seeded subset of the Fashion-MNIST training images and GD on a fixed subset of 256; test accuracy, per-neuron rescaling charges against each neuron\'s noise equilibrium, ' +
    'law (D) at every step, law (C) per neuron, and seconds per epoch beside PyTorch. Needs Debian\'s dataset-fashion-mnist (or --fashion-mnist DIR).',
  lossFiles: [],
  async run(ctx: ExperimentContext): Promise<FashionResult> {
    const started = Date.now();
    const dir = ctx.fashionMnistPath ?? FASHION_MNIST_DEFAULT;
    if (!fs.existsSync(path.join(dir, 'train-images-idx3-ubyte.gz'))) {
      throw new Error(`no Fashion-MNIST in ${dir}: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --fashion-mnist DIR (setting noetherLab.fashionMnistPath)`);
    }
    const full = ctx.size === 'full';
    const size = full ? 20000 : 6000;
    const epochs = full ? 5 : 2;
    const chains = full ? 4 : 2;
    const testN = full ? 10000 : 2000;
    const lr = 0.1;
    const batch = 32;
    const steps = Math.round((epochs * size) / batch);
    const gdSteps = full ? 300 : 60;
    const progress = stages(ctx, 4);
    const readFile = makeReadFile(dir, null);
    const source = fashionSource(dir, size, 0);
    const gdSource = fashionSource(dir, 256, 1);
    const model = checkSource(source, { readFile }).model;
    if (!model) throw new Error('the Fashion-MNIST model has errors');
    const sgdStart = process.cpuUsage();
    const sgdSim = await simulate(ctx, source, 'fashion-mlp.loss', { readFile, trains: [{ optimizer: 'sgd', lr, batch, steps, chains, seed: 3, recordEvery: Math.max(1, Math.floor(steps / 40)) }] }, progress.sub(`SGD: ${steps} steps of ${batch} × ${chains} chains`));
    const cpu = process.cpuUsage(sgdStart);
    const sgd = sgdSim.runs[0];
    const gdSim = await simulate(ctx, gdSource, 'fashion-mlp-gd.loss', { readFile, trains: [{ optimizer: 'gd', lr, steps: gdSteps, chains: 1, seed: 3, recordEvery: Math.max(1, Math.floor(gdSteps / 30)) }] }, progress.sub(`GD: ${gdSteps} full-batch steps on 256 images`));
    const gd = gdSim.runs[0];
    progress.sub(`test accuracy on ${testN} test images`);
    const finals = (sgd.finalPerChain ?? []).map((t) => Float64Array.from(t));
    const accs = finals.map((t) => testAccuracy(model, t, dir, testN));
    const acc = meanSe(accs);
    const checks: Check[] = [];
    const accSe = Math.sqrt((acc.mean * (1 - acc.mean)) / (testN * Math.max(1, accs.length)));
    checks.push({ name: `test accuracy after ${epochs} epochs of SGD on ${size} images ≥ ${ACCURACY_TARGET}`, predicted: ACCURACY_TARGET, measured: acc.mean, stdErr: accSe, tolerance: 0, pass: acc.mean >= ACCURACY_TARGET, note: `mean over ${accs.length} chains on the first ${testN} test images: ${accs.map((a) => fmt(a, 4)).join(', ')}` });
    checks.push(lawDCheck(sgd, 'SGD: law (D) residual over every step (64 rescalings and the logit translations)'));
    checks.push(lawDCheck(gd, 'GD: law (D) residual over every step'));

    // Per neuron: law (C) for GD is exact (the predictor averages the whole 256-image set), so its
    // summed increments equal the measured change up to the quadrature between grid points.
    const layout = neuronLayout(model, 'W1', 'b1', 'W2');
    const neuronIdx = gd.charges.map((c, k) => ({ c, k })).filter(({ c }) => /^Q\[\d+\]/.test(c.text)).map(({ k }) => k);
    let worst = 0;
    let worstTol = 0;
    let worstName = '';
    for (const k of neuronIdx) {
      const r = gd.series.charges[k].lawResidual;
      if (!r) continue;
      const last = r.mean.length - 1;
      const scale = Math.abs(gd.charges[k].initial) + 1e-300;
      const tol = r.quadrature[last] + 1e-10 * scale;
      if (Math.abs(r.mean[last]) / tol > worst / Math.max(worstTol, 1e-300) || worstName === '') {
        worst = Math.abs(r.mean[last]);
        worstTol = tol;
        worstName = gd.charges[k].text.split(' =')[0];
      }
    }
    checks.push(check(`GD: law (C) against the measured change of each of the ${neuronIdx.length} neuron charges (worst: ${worstName})`, 0, worst, 0, undefined, worstTol,
      'law (C) with the exact average over GD\'s 256 images, summed along the run; tolerance: the quadrature error between grid points plus 1e-10 relative'));
    const gdMoves = neuronIdx.map((k) => Math.abs(gd.charges[k].finalMean - gd.charges[k].initial) / Math.max(1e-300, Math.abs(gd.charges[k].initial)));
    // SGD's law (C) per neuron: residuals over chains, reported (the predictor's average is over 32 fixed images, a Monte Carlo estimate).
    const z = neuronIdx.map((k) => {
      const r = sgd.series.charges[k].lawResidual;
      const last = r ? r.mean.length - 1 : -1;
      return r && r.se[last] > 0 ? r.mean[last] / r.se[last] : NaN;
    }).filter(Number.isFinite);

    // Each neuron's noise equilibrium at SGD's end (chain 0): along its orbit the noise terms scale
    // as e^{−2λ}N_in and e^{2λ}N_out, balanced at e^{4λ} = N_in/N_out; there C* = e^{2λ}‖in‖² − e^{−2λ}‖out‖².
    progress.sub('per-neuron noise terms');
    const rows = model.dataset?.rows as Float64Array;
    const sample = full ? 2000 : 500;
    const noiseEnd = neuronNoise(model, layout, finals[0], rows, sample);
    const theta0 = initialPoint(model, 0, sgd.seed);
    const noiseStart = neuronNoise(model, layout, theta0, rows, sample);
    const equilibrium = (th: Float64Array, nIn: number[], nOut: number[]) =>
      layout.incoming.map((inc, j) => {
        const a = inc.reduce((s, i) => s + th[i] * th[i], 0);
        const b = layout.outgoing[j].reduce((s, i) => s + th[i] * th[i], 0);
        const r = nOut[j] > 0 && nIn[j] > 0 ? Math.sqrt(nIn[j] / nOut[j]) : NaN;
        return r * a - b / r;
      });
    const eqStart = equilibrium(theta0, noiseStart.noiseIn, noiseStart.noiseOut);
    const eqEnd = equilibrium(finals[0], noiseEnd.noiseIn, noiseEnd.noiseOut);
    const cStart = neuronIdx.map((k) => sgd.charges[k].initial);
    const cEnd = neuronIdx.map((k) => sgd.charges[k].finalMean);
    const toward = neuronIdx.map((_, j) => (Number.isFinite(eqStart[j]) ? Math.sign(eqStart[j] - cStart[j]) * Math.sign(cEnd[j] - cStart[j]) : 0)).filter((s) => s !== 0);
    const frac = toward.filter((s) => s > 0).length / Math.max(1, toward.length);
    checks.push({
      name: 'SGD: the neuron charges move towards their noise equilibria (fraction of neurons, against ½ by chance)',
      predicted: 0.5,
      measured: frac,
      stdErr: 0.5 / Math.sqrt(Math.max(1, toward.length)),
      tolerance: 4 * (0.5 / Math.sqrt(Math.max(1, toward.length))),
      pass: frac - 0.5 > 4 * (0.5 / Math.sqrt(Math.max(1, toward.length))),
      note: `${toward.length} neurons with both noise terms nonzero; passes when the fraction exceeds ½ by more than 4 binomial SE`,
    });

    const seconds = (cpu.user + cpu.system) / 1e6;
    const perEpoch = seconds / epochs;
    progress.sub('PyTorch baseline');
    const torch = torchBaseline(dir, size, epochs, lr, testN);
    const notes = [
      `Test accuracy ${fmt(acc.mean, 4)} (chains: ${accs.map((a) => fmt(a, 4)).join(', ')}) after ${epochs} epochs on ${size} of the 60000 training images (seeded subset), ${steps} SGD steps of batch ${batch} at η = ${lr}.`,
      `Seconds per epoch (CPU time of this process and its ${chains} chains' workers, whole runs: analysis, kernels, law (C), records): ${fmt(perEpoch, 3)} s for ${chains} chains, ${fmt(perEpoch / chains, 3)} s per chain. ${torch.note}.`,
      `Law (D): largest relative residual ${sgd.lawResidual.toExponential(2)} (SGD) and ${gd.lawResidual.toExponential(2)} (GD) over every step.`,
      `Charges: SGD moved the 64 neuron charges by ${fmt(meanSe(neuronIdx.map((k, j) => Math.abs(cEnd[j] - cStart[j]) / Math.max(1e-300, Math.abs(cStart[j])))).mean, 3)} of their size on average; GD (on 256 images, ${gdSteps} steps) by ${fmt(meanSe(gdMoves).mean, 3)}, all of it law (D)'s discrete term.`,
      `SGD's law (C) per neuron (Monte Carlo average over 32 fixed images): residual z over chains, mean z² ${fmt(z.reduce((a, b) => a + b * b, 0) / Math.max(1, z.length), 3)} over ${z.length} neurons (reported, not checked: ${chains} chains).`,
    ];
    const figures: Figure[] = [
      {
        id: 'fashion-mlp-charges',
        title: 'The 64 neuron charges: start, end of SGD (mean over chains), and each neuron\'s noise equilibrium at the end',
        xLabel: 'neuron j',
        yLabel: 'C_j',
        series: [
          { name: 'start', x: neuronIdx.map((_, j) => j), y: cStart, style: 'points' },
          { name: 'SGD end', x: neuronIdx.map((_, j) => j), y: cEnd, style: 'points' },
          { name: 'noise equilibrium (SGD end)', x: neuronIdx.map((_, j) => j), y: eqEnd, style: 'points' },
        ],
      },
      {
        id: 'fashion-mlp-loss',
        title: 'Training loss (minibatch, mean over chains)',
        xLabel: 'step',
        yLabel: 'cross-entropy',
        series: [{ name: 'SGD', x: sgd.series.steps, y: sgd.series.lossMean }],
      },
    ];
    const base = result('fashion-mlp', fashionMlp.title, ctx.size, started, checks, figures, notes);
    return { ...base, accuracy: acc.mean, lawResidual: Math.max(sgd.lawResidual, gd.lawResidual), secondsPerEpoch: { noether: perEpoch, pytorch: torch.secondsPerEpoch ?? null } };
  },
};

