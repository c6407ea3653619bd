import { AdamW, LARS, SGD, warmupCosine, type Optimizer } from '@selfsup/core';
import type { OptimizerConfig } from '../config/schema';

/** What {@link buildOptimizer} needs to know about the run. */
export interface RunShape {
  batchSize: number;
  totalSteps: number;
  /** Optimizer steps per epoch (undefined when only steps or minutes bound the run). */
  stepsPerEpoch?: number;
  /** Epochs of the paper's reference run: a shorter run keeps the paper's share of warm-up. */
  referenceEpochs: number;
}

/** An optimizer and its learning-rate schedule, with the numbers a run prints. */
export interface BuiltOptimizer {
  optimizer: Optimizer;
  schedule: (step: number) => number;
  peakLr: number;
  warmupSteps: number;
}

/**
 * Core's LARS, SGD or AdamW with a linear warm-up and half-cosine decay, as every method's
 * paper: the peak learning rate is `lr * batch / 256` (`lrScaling: linear`), `lr * sqrt(batch)`
 * (`sqrt`) or `lr` (`none`); the warm-up lasts `warmupEpochs`, but never more than the paper's
 * share of its own run (`warmupEpochs / referenceEpochs` of the steps), unless `warmupSteps` is given.
 *
 * @example
 * ```ts
 * const { optimizer, schedule } = buildOptimizer(config.optimizer, { batchSize: 256, totalSteps: 1000, referenceEpochs: 100 });
 * ```
 */
export function buildOptimizer(config: OptimizerConfig, run: RunShape): BuiltOptimizer {
  const { batchSize, totalSteps } = run;
  const peakLr =
    config.lrScaling === 'linear'
      ? (config.lr * batchSize) / 256
      : config.lrScaling === 'sqrt'
        ? config.lr * Math.sqrt(batchSize)
        : config.lr;
  const share = Math.round(
    (totalSteps * config.warmupEpochs) / Math.max(run.referenceEpochs, config.warmupEpochs, 1),
  );
  const byEpochs =
    run.stepsPerEpoch !== undefined ? Math.round(config.warmupEpochs * run.stepsPerEpoch) : share;
  const warmupSteps = Math.min(totalSteps, config.warmupSteps ?? Math.min(byEpochs, share));
  const schedule = warmupCosine({
    baseLr: peakLr,
    warmupSteps,
    totalSteps,
    finalLr: peakLr * config.finalLrFactor,
  });
  let optimizer: Optimizer;
  if (config.name === 'lars') {
    optimizer = new LARS({
      learningRate: peakLr,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
      trustCoefficient: config.trustCoefficient,
    });
  } else if (config.name === 'sgd') {
    optimizer = new SGD({
      learningRate: peakLr,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
    });
  } else {
    optimizer = new AdamW({
      learningRate: peakLr,
      weightDecay: config.weightDecay,
      beta2: config.beta2,
    });
  }
  return { optimizer, schedule, peakLr, warmupSteps };
}
