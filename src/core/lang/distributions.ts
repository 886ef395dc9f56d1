// The distributions of the language, per scalar component: sampling and exact raw moments
// (used to take exact expectations of polynomial losses).
import { Rng } from '../util/rng';
import { nameTable } from './names';

export type ComponentDist =
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'bernoulli'; p: number }
  | { kind: 'rademacher' }
  | { kind: 'const'; value: number };

export const DISTRIBUTIONS = nameTable<{ params: string[]; doc: string }>({
  normal: { params: ['mean', 'std'], doc: 'Gaussian with this mean and standard deviation (std may be a list, one per entry)' },
  uniform: { params: ['lo', 'hi'], doc: 'uniform on [lo, hi]' },
  bernoulli: { params: ['p'], doc: '1 with probability p, else 0' },
  rademacher: { params: [], doc: '+1 or −1 with probability 1/2 each' },
  const: { params: ['value'], doc: 'always this value' },
});

export function sample(d: ComponentDist, rng: Rng): number {
  switch (d.kind) {
    case 'normal':
      return d.mean + d.std * rng.normal();
    case 'uniform':
      return d.lo + (d.hi - d.lo) * rng.uniform();
    case 'bernoulli':
      return rng.uniform() < d.p ? 1 : 0;
    case 'rademacher':
      return rng.uniform() < 0.5 ? -1 : 1;
    case 'const':
      return d.value;
  }
}

/** E[X^k] for k = 0..maxK. */
export function rawMoments(d: ComponentDist, maxK: number): number[] {
  const m = new Array<number>(maxK + 1).fill(0);
  m[0] = 1;
  switch (d.kind) {
    case 'normal':
      // m_k = mu m_{k-1} + (k-1) s^2 m_{k-2}
      for (let k = 1; k <= maxK; k++) m[k] = d.mean * m[k - 1] + (k >= 2 ? (k - 1) * d.std * d.std * m[k - 2] : 0);
      return m;
    case 'uniform':
      for (let k = 1; k <= maxK; k++) {
        m[k] = d.hi === d.lo ? Math.pow(d.lo, k) : (Math.pow(d.hi, k + 1) - Math.pow(d.lo, k + 1)) / ((k + 1) * (d.hi - d.lo));
      }
      return m;
    case 'bernoulli':
      for (let k = 1; k <= maxK; k++) m[k] = d.p;
      return m;
    case 'rademacher':
      for (let k = 1; k <= maxK; k++) m[k] = k % 2 === 0 ? 1 : 0;
      return m;
    case 'const':
      for (let k = 1; k <= maxK; k++) m[k] = Math.pow(d.value, k);
      return m;
  }
}
