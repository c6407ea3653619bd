import type { Rng } from '@selfsup/core';
import { subset } from '../internal/subset';
import type { FeatureSet, TopKAccuracy } from '../types';
import { fitSoftmaxRegression } from './fit-softmax-regression';
import { fitStandardizer } from './fit-standardizer';
import { LinearClassifier } from './linear-classifier';
import type { LbfgsOptions, LbfgsStopReason } from './minimize-lbfgs';
import { standardize } from './standardize';
import { stratifiedSplit } from './stratified-split';

/**
 * The weight-decay grid {@link linearProbe} searches by default.
 *
 * @example
 * ```ts
 * await linearProbe(train, test, { weightDecays: [...DEFAULT_WEIGHT_DECAYS, 1] });
 * ```
 */
export const DEFAULT_WEIGHT_DECAYS: readonly number[] = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

/** Options of {@link linearProbe}. */
export interface LinearProbeOptions {
  /** Candidate weight decays (L2 coefficients). Default {@link DEFAULT_WEIGHT_DECAYS}. */
  weightDecays?: readonly number[];
  /** Fraction of the training split held out (stratified, seeded) to choose the weight decay. Default 0.2. */
  validationFraction?: number;
  /** Number of classes. Default: largest label in train or test, plus one. */
  numClasses?: number;
  /** L-BFGS settings (iteration cap, loss-change tolerance). */
  lbfgs?: LbfgsOptions;
}

/** How one fit of the probe ended. */
export interface ProbeOptimization {
  iterations: number;
  evaluations: number;
  /** Final training objective (mean cross-entropy + weight-decay term). */
  loss: number;
  stopReason: LbfgsStopReason;
  converged: boolean;
}

/** One candidate of the weight-decay search, scored on the validation split. */
export interface WeightDecayTrial extends TopKAccuracy, ProbeOptimization {
  weightDecay: number;
  /** Validation cross-entropy (ties in top-1 go to the lower one). */
  validationLoss: number;
}

/** Result of {@link linearProbe}. */
export interface LinearProbeResult extends TopKAccuracy {
  /** The weight decay chosen on the validation split (one of the grid's values). */
  weightDecay: number;
  /** Top-1 of the final classifier on the whole training split. */
  trainTop1: number;
  /** Mean test cross-entropy. */
  testLoss: number;
  /** Every candidate, in the order tried (largest weight decay first). Empty for a one-value grid. */
  trials: WeightDecayTrial[];
  /** The classifier refitted on all training features with the chosen weight decay. */
  classifier: LinearClassifier;
  /** Its predictions on the test features. */
  predictions: Int32Array;
  /** How the final refit ended. */
  optimization: ProbeOptimization;
}

function numClassesOf(train: FeatureSet, test: FeatureSet): number {
  let max = -1;
  for (const y of train.labels) max = Math.max(max, y);
  for (const y of test.labels) max = Math.max(max, y);
  return max + 1;
}

/**
 * Linear probe: multinomial logistic regression on frozen features, the standard measure of what
 * a self-supervised encoder learned.
 *
 * 1. Features are standardized with the mean and std of the split being fitted (never the test).
 * 2. Each weight decay of the grid is fitted on the training split minus a stratified, seeded
 *    validation hold-out (`validationFraction`), and scored by validation top-1 (ties: lower
 *    validation cross-entropy). The grid runs from the largest value to the smallest, each fit
 *    warm-started from the previous solution (a regularization path).
 * 3. The chosen weight decay is refitted on the whole training split (warm-started) and evaluated
 *    on the test split.
 *
 * Each fit minimizes `mean cross-entropy + weightDecay / 2 * ||W||^2` (bias not decayed) by
 * full-batch L-BFGS to convergence: it stops when the relative loss decrease over 5 iterations is
 * below 1e-5, the gradient's largest entry is below 1e-6, or no step decreases the loss any more;
 * the cap is 500 iterations (`lbfgs` changes these; `optimization.converged` reports the outcome).
 * Loss and gradient are computed with tfjs on the current backend (use wasm for large splits).
 *
 * @example
 * ```ts
 * import { extractFeatures, linearProbe } from '@selfsup/eval';
 * import { createRng } from '@selfsup/core';
 *
 * const train = await extractFeatures(encoder, trainSplit);
 * const test = await extractFeatures(encoder, testSplit);
 * const probe = await linearProbe(train, test, {}, createRng(0));
 * console.log(probe.top1, probe.top5, probe.weightDecay);
 * probe.classifier.predict(test); // same predictions as probe.predictions
 * ```
 */
export async function linearProbe(
  train: FeatureSet,
  test: FeatureSet,
  options: LinearProbeOptions = {},
  rng?: Rng,
): Promise<LinearProbeResult> {
  const grid = [...(options.weightDecays ?? DEFAULT_WEIGHT_DECAYS)];
  if (grid.length === 0 || grid.some((w) => !(w >= 0) || !Number.isFinite(w))) {
    throw new Error(`linearProbe: weightDecays must be finite values >= 0, got [${grid}]`);
  }
  if (train.dim !== test.dim) {
    throw new Error(`linearProbe: train has dim ${train.dim} but test has dim ${test.dim}`);
  }
  if (train.count === 0) throw new Error('linearProbe: the training split is empty');
  const numClasses = options.numClasses ?? numClassesOf(train, test);
  const lbfgs = options.lbfgs ?? {};

  const fit = (set: FeatureSet, weightDecay: number, init?: Float64Array) => {
    const standardization = fitStandardizer(set.features, set.count, set.dim);
    const z = standardize(set.features, standardization);
    const result = fitSoftmaxRegression(
      z,
      set.count,
      set.dim,
      set.labels,
      numClasses,
      weightDecay,
      init,
      lbfgs,
    );
    return {
      ...result,
      classifier: new LinearClassifier(result.weights, result.bias, standardization),
    };
  };

  const trials: WeightDecayTrial[] = [];
  let chosen = grid[0];
  let warm: Float64Array | undefined;
  if (grid.length > 1) {
    const split = stratifiedSplit(train.labels, options.validationFraction ?? 0.2, rng);
    const fitSet = subset(train, split.train);
    const valSet = subset(train, split.validation);
    const inits = new Map<number, Float64Array>();
    let best: WeightDecayTrial | undefined;
    for (const weightDecay of [...grid].sort((a, b) => b - a)) {
      const r = fit(fitSet, weightDecay, warm);
      warm = r.params;
      inits.set(weightDecay, r.params);
      const ev = r.classifier.evaluate(valSet);
      const trial: WeightDecayTrial = {
        weightDecay,
        top1: ev.top1,
        top5: ev.top5,
        validationLoss: ev.loss,
        ...r.optimization,
      };
      trials.push(trial);
      if (
        !best ||
        trial.top1 > best.top1 ||
        (trial.top1 === best.top1 && trial.validationLoss < best.validationLoss)
      ) {
        best = trial;
      }
      // Let other work (timers, I/O) run between fits.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    chosen = (best as WeightDecayTrial).weightDecay;
    warm = inits.get(chosen);
  }

  const final = fit(train, chosen, warm);
  const onTrain = final.classifier.evaluate(train);
  const onTest = final.classifier.evaluate(test);
  return {
    top1: onTest.top1,
    top5: onTest.top5,
    testLoss: onTest.loss,
    weightDecay: chosen,
    trainTop1: onTrain.top1,
    trials,
    classifier: final.classifier,
    predictions: onTest.predictions,
    optimization: final.optimization,
  };
}
