import { AdamW, LARS, SGD, warmupCosine, type Optimizer, type Schedule } from '@selfsup/core';

/**
 * A method's reference optimizer setting, as its paper and official code train it: which
 * optimizer, the base learning rate for a batch of 256 and how it scales with the batch, weight
 * decay, warm-up and the reference run it comes from. Every schedule is a linear warm-up then a
 * half-cosine decay. Biases and normalization parameters (rank <= 1) get no weight decay and, for
 * LARS, no trust-ratio adaptation, as in every official code base. Turn it into an optimizer and a
 * schedule with {@link recommendedOptimizer}.
 *
 * @example
 * ```ts
 * const r: OptimizerRecipe = SimCLR.recipe;
 * r.optimizer;        // 'lars'
 * r.baseLearningRate; // 0.3 (x batch / 256)
 * ```
 */
export interface OptimizerRecipe {
  readonly optimizer: 'lars' | 'sgd' | 'adamw';
  /** Peak learning rate for a batch of 256 (`'linear'`) or per sqrt(batch) (`'sqrt'`). */
  readonly baseLearningRate: number;
  /** `'linear'`: `base * batch / 256` (Goyal et al.); `'sqrt'`: `base * sqrt(batch)` (SimCLR's small-batch rule). */
  readonly learningRateScaling: 'linear' | 'sqrt';
  readonly weightDecay: number;
  /** Momentum of LARS / SGD. */
  readonly momentum?: number;
  /** LARS trust coefficient (eta). */
  readonly trustCoefficient?: number;
  /** AdamW's beta2. */
  readonly beta2?: number;
  /** Linear warm-up length in epochs. */
  readonly warmupEpochs: number;
  /** Learning rate at the end, as a fraction of the peak (Barlow Twins, VICReg: 0.001). Default 0. */
  readonly finalLearningRateFactor?: number;
  /** Learning rate at the end, absolute (DINO's `min_lr` 1e-6). Overrides the factor. */
  readonly finalLearningRate?: number;
  /** The reference run: its batch size, epochs and where the values come from. */
  readonly reference: {
    readonly batchSize: number;
    readonly epochs: number;
    readonly source: string;
  };
  /** What the recipe does not express (per-group learning rates, schedules of other values). */
  readonly notes?: string;
}

/**
 * Options of {@link recommendedOptimizer}.
 *
 * @example
 * ```ts
 * const o: RecommendedOptimizerOptions = { batchSize: 256, totalSteps: 20_000, stepsPerEpoch: 195 };
 * ```
 */
export interface RecommendedOptimizerOptions {
  /** Images per step (the learning rate scales with it). */
  batchSize: number;
  /** Steps of the whole run: the cosine decays to its end. */
  totalSteps: number;
  /**
   * Steps per epoch: the warm-up is then `recipe.warmupEpochs` epochs. Without it the warm-up
   * keeps the reference run's proportion (`warmupEpochs / reference.epochs` of the steps).
   */
  stepsPerEpoch?: number;
  /** Warm-up length in steps, overriding both rules above. */
  warmupSteps?: number;
  /** Replaces the recipe's base learning rate (still scaled by the batch size). */
  baseLearningRate?: number;
  /** Replaces the recipe's weight decay. */
  weightDecay?: number;
}

/**
 * An optimizer and learning-rate schedule built from a recipe: what to hand the Trainer.
 *
 * @example
 * ```ts
 * const { optimizer, schedule } = SimCLR.recommendedOptimizer({ batchSize: 256, totalSteps: 10_000 });
 * new Trainer({ method, optimizer, schedule, data, steps: 10_000 });
 * ```
 */
export interface RecommendedOptimizer {
  optimizer: Optimizer;
  schedule: Schedule;
  /** Learning rate at the end of the warm-up. */
  peakLearningRate: number;
  warmupSteps: number;
  recipe: OptimizerRecipe;
}

/**
 * Builds the optimizer (core's `LARS`, `SGD` or `AdamW`) and the warm-up + cosine schedule of a
 * method's {@link OptimizerRecipe}, scaled to the batch size and run length.
 *
 * @example
 * ```ts
 * const { optimizer, schedule } = recommendedOptimizer(BYOL.recipe, { batchSize: 256, totalSteps: 5000 });
 * const trainer = new Trainer({ method: byol, optimizer, schedule, data, steps: 5000 });
 * ```
 */
export function recommendedOptimizer(
  recipe: OptimizerRecipe,
  options: RecommendedOptimizerOptions,
): RecommendedOptimizer {
  const where = 'recommendedOptimizer';
  const { batchSize, totalSteps } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new Error(`${where}: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(totalSteps) || totalSteps <= 0) {
    throw new Error(`${where}: totalSteps must be a positive integer, got ${totalSteps}`);
  }
  if (options.stepsPerEpoch !== undefined && !(options.stepsPerEpoch > 0)) {
    throw new Error(`${where}: stepsPerEpoch must be positive, got ${options.stepsPerEpoch}`);
  }
  const base = options.baseLearningRate ?? recipe.baseLearningRate;
  const peak =
    recipe.learningRateScaling === 'sqrt' ? base * Math.sqrt(batchSize) : (base * batchSize) / 256;
  let warmupSteps =
    options.warmupSteps ??
    (options.stepsPerEpoch !== undefined
      ? Math.round(recipe.warmupEpochs * options.stepsPerEpoch)
      : Math.round((totalSteps * recipe.warmupEpochs) / recipe.reference.epochs));
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new Error(`${where}: warmupSteps must be a non-negative integer, got ${warmupSteps}`);
  }
  warmupSteps = Math.min(warmupSteps, totalSteps);
  const finalLr = recipe.finalLearningRate ?? peak * (recipe.finalLearningRateFactor ?? 0);
  const schedule = warmupCosine({
    baseLr: peak,
    warmupSteps,
    totalSteps,
    finalLr: Math.min(finalLr, peak),
  });
  const weightDecay = options.weightDecay ?? recipe.weightDecay;
  let optimizer: Optimizer;
  if (recipe.optimizer === 'lars') {
    optimizer = new LARS({
      learningRate: peak,
      momentum: recipe.momentum ?? 0.9,
      weightDecay,
      trustCoefficient: recipe.trustCoefficient ?? 0.001,
    });
  } else if (recipe.optimizer === 'sgd') {
    optimizer = new SGD({ learningRate: peak, momentum: recipe.momentum ?? 0.9, weightDecay });
  } else {
    optimizer = new AdamW({ learningRate: peak, weightDecay, beta2: recipe.beta2 ?? 0.999 });
  }
  return { optimizer, schedule, peakLearningRate: peak, warmupSteps, recipe };
}
