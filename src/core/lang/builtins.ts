// The language's built-in names, each with its documentation (hovers, completions): functions,
// optimizers and the keys of a `train` line. Tables only; the checker and the editor features read them.
import { FnName } from '../expr/graph';
import { OptimizerName } from './model';
import { nameTable } from './names';

export const ELEMENTWISE = nameTable<FnName>({
  exp: 'exp',
  log: 'log',
  sqrt: 'sqrt',
  abs: 'abs',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  softplus: 'softplus',
  sin: 'sin',
  cos: 'cos',
});
export const REDUCTIONS = ['sum', 'mean', 'norm2'];
export const FUNCTIONS = nameTable<string>({
  exp: 'eˣ, elementwise',
  log: 'natural logarithm, elementwise',
  sqrt: 'square root, elementwise',
  abs: '|x|, elementwise',
  tanh: 'hyperbolic tangent, elementwise',
  sigmoid: '1/(1+e⁻ˣ), elementwise',
  relu: 'max(x, 0), elementwise',
  softplus: 'log(1+eˣ), elementwise',
  sin: 'sine, elementwise',
  cos: 'cosine, elementwise',
  sum: 'sum of all entries',
  mean: 'mean of all entries',
  dot: 'inner product of two tensors of one shape',
  norm2: 'sum of squares of all entries',
  transpose: 'matrix transpose',
  max: 'elementwise maximum of two values',
  min: 'elementwise minimum of two values',
  onehot:
    '`onehot(label, K)`: the vector of K entries with 1 at the integer class `label` (0 … K−1) and 0 elsewhere (all 0 for a label outside 0 … K−1); no gradient flows through the label',
  logsumexp: '`logsumexp(z)` = log Σ exp(zₖ) over all entries, computed stably as m + log Σ exp(zₖ − m) with m = max zₖ; its gradient is softmax(z)',
  softmax: '`softmax(z)` = exp(z − logsumexp(z)): probabilities, one per entry of z; shifting every logit by one amount leaves it unchanged',
  cross_entropy:
    "`cross_entropy(logits, target)` = logsumexp(logits) − logits[target] for an integer class `target`, or −Σ targetₖ·log softmax(logits)ₖ for a vector `target` of the logits' shape (one-hot or probabilities)",
});

export const OPTIMIZERS = nameTable<string>({
  sgd: 'minibatch stochastic gradient descent',
  gd: 'full-batch gradient descent (the expected gradient)',
  momentum: 'heavy-ball momentum as in PyTorch: m ← β·m + ĝ, θ ← θ − lr·m',
  adam: 'Adam as in PyTorch',
} satisfies Record<OptimizerName, string>);

export interface KeySpec {
  doc: string;
  optimizers?: OptimizerName[];
  kind: 'number' | 'int' | 'sampling';
  check?: (v: number) => string | undefined;
}

export const TRAIN_KEYS = nameTable<KeySpec>({
  lr: { doc: 'learning rate η (required)', kind: 'number', check: (v) => (v > 0 && isFinite(v) ? undefined : 'must be > 0') },
  batch: { doc: 'minibatch size B (default 1)', kind: 'int', check: (v) => (v >= 1 && v <= 1e6 ? undefined : 'must be between 1 and 10⁶') },
  steps: { doc: 'number of steps (default 10000)', kind: 'int', check: (v) => (v >= 1 && v <= 1e9 ? undefined : 'must be between 1 and 10⁹') },
  chains: { doc: 'independent runs (default 1)', kind: 'int', check: (v) => (v >= 1 && v <= 1e5 ? undefined : 'must be between 1 and 10⁵') },
  seed: { doc: 'random seed (default 0)', kind: 'int', check: (v) => (v >= 0 && v < 2 ** 53 ? undefined : 'must be ≥ 0') },
  weight_decay: { doc: 'weight decay γ (default 0)', kind: 'number', check: (v) => (v >= 0 && isFinite(v) ? undefined : 'must be ≥ 0') },
  sampling: { doc: '`with_replacement` (default) or `without_replacement` (epochs of shuffled batches of a finite data set)', kind: 'sampling' },
  record_every: {
    doc: 'record statistics every this many steps (default: at most 2000 points per series)',
    kind: 'int',
    check: (v) => (v >= 1 ? undefined : 'must be ≥ 1'),
  },
  warmup: { doc: 'linear learning-rate warmup over this many steps (default 0)', kind: 'int', check: (v) => (v >= 0 ? undefined : 'must be ≥ 0') },
  beta: { doc: 'momentum β (default 0.9)', optimizers: ['momentum'], kind: 'number', check: (v) => (v >= 0 && v < 1 ? undefined : 'must be in [0, 1)') },
  beta1: { doc: 'Adam β₁ (default 0.9)', optimizers: ['adam'], kind: 'number', check: (v) => (v >= 0 && v < 1 ? undefined : 'must be in [0, 1)') },
  beta2: { doc: 'Adam β₂ (default 0.999)', optimizers: ['adam'], kind: 'number', check: (v) => (v >= 0 && v < 1 ? undefined : 'must be in [0, 1)') },
  eps: { doc: 'Adam ε (default 1e-8)', optimizers: ['adam'], kind: 'number', check: (v) => (v > 0 ? undefined : 'must be > 0') },
});

/** The train keys an optimizer accepts (the shared ones and its own), in the table's order. */
export function trainKeysFor(optimizer: string): string[] {
  return Object.keys(TRAIN_KEYS).filter((k) => !TRAIN_KEYS[k].optimizers || (TRAIN_KEYS[k].optimizers as string[]).includes(optimizer));
}

/** The values of the `sampling` key. */
export const SAMPLING_VALUES = ['with_replacement', 'without_replacement'] as const;

/** Largest K of `onehot(label, K)` (the class count). */
export const MAX_CLASSES = 100_000;
