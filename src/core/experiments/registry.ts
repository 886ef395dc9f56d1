// Every experiment of `noether experiment` and "Noether Lab: Run Experiment…", by name.
import { Experiment } from './types';
import { balance } from './balance';
import { equilibrium } from './equilibrium';
import { scaleInvariance } from './scaleInvariance';
import { fluctuations } from './fluctuations';
import { deepDiagonal } from './deepDiagonal';
import { escape } from './escape';
import { noiseCurvature } from './noiseCurvature';
import { sharpness } from './sharpness';
import { discreteEquilibrium } from './discreteEquilibrium';
import { escapeContrast } from './escapeContrast';
import { escapeDimension } from './escapeDimension';
import { reluBalance } from './reluBalance';
import { fashionMlp } from './fashionMlp';

export const EXPERIMENTS: Experiment[] = [balance, equilibrium, scaleInvariance, fluctuations, deepDiagonal, escape, noiseCurvature, sharpness, discreteEquilibrium, escapeContrast, reluBalance, fashionMlp, escapeDimension];

export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}
