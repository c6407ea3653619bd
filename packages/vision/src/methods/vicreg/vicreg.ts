import * as tf from '@tensorflow/tfjs';
import { vicregLoss, type Rng, type SSLMethod, type StepOutput } from '@selfsup/core';
import { EncoderAndHead, wide8192Head } from '../internal/encoder-and-head';
import { checkNumber } from '../internal/networks';
import { twoViewsOf } from '../internal/views';
import {
  recommendedOptimizer,
  type OptimizerRecipe,
  type RecommendedOptimizer,
  type RecommendedOptimizerOptions,
} from '../optimizer-recipe';
import type { ViewsBatch } from '../views-batch';

/**
 * Options of {@link VICReg}.
 *
 * @example
 * ```ts
 * const o: VICRegOptions = { encoder, simCoeff: 25, stdCoeff: 25, covCoeff: 1 };
 * ```
 */
export interface VICRegOptions {
  /** Backbone: images -> features [B, D]. Kept after pretraining. */
  encoder: tf.LayersModel;
  /** Expander. Default: the official 8192-8192-8192 MLP (Linear, BN, ReLU twice, Linear without bias). */
  expander?: tf.LayersModel;
  /** Weight of the invariance term. Default 25. */
  simCoeff?: number;
  /** Weight of the variance term. Default 25. */
  stdCoeff?: number;
  /** Weight of the covariance term. Default 1. */
  covCoeff?: number;
}

/**
 * VICReg (Bardes, Ponce & LeCun, "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning", ICLR 2022; facebookresearch/vicreg).
 *
 * Each view goes through the encoder and the expander on its own; the loss (core's `vicregLoss`)
 * is `25 * invariance (MSE of the two embeddings) + 25 * variance (hinge on each dimension's std,
 * per branch) + 1 * covariance (squared off-diagonal covariances, per branch)`. No target network,
 * no stop-gradient, no normalization of the embeddings.
 *
 * Defaults: expander D -> 8192 -> 8192 -> 8192, coefficients 25 / 25 / 1. Recommended optimizer
 * ({@link VICReg.recipe}): LARS, 0.2 x batch / 256, weight decay 1e-6, 10 warm-up epochs, cosine to
 * 0.001 of the peak.
 *
 * @example
 * ```ts
 * const expander = projectionHead({ inputDim: 256, hiddenDim: 1024, outputDim: 1024, numLayers: 3, lastBias: false }, rng);
 * const vicreg = new VICReg({ encoder, expander });
 * const data = images.batch(256, { dropRemainder: true }).twoViews(byolAugment({ size: 32 }), rng);
 * ```
 */
export class VICReg implements SSLMethod<ViewsBatch> {
  readonly name = 'vicreg';
  readonly encoder: tf.LayersModel;
  readonly expander: tf.LayersModel;
  readonly simCoeff: number;
  readonly stdCoeff: number;
  readonly covCoeff: number;
  private readonly nets: EncoderAndHead;

  /**
   * The official optimizer: LARS (momentum 0.9, trust coefficient 0.001), 0.2 x batch / 256,
   * weight decay 1e-6, 10 warm-up epochs of 1000, cosine to 0.001 of the peak (batch 2048).
   */
  static readonly recipe: OptimizerRecipe = {
    optimizer: 'lars',
    baseLearningRate: 0.2,
    learningRateScaling: 'linear',
    weightDecay: 1e-6,
    momentum: 0.9,
    trustCoefficient: 0.001,
    warmupEpochs: 10,
    finalLearningRateFactor: 0.001,
    reference: {
      batchSize: 2048,
      epochs: 1000,
      source: 'Bardes et al. 2022; facebookresearch/vicreg main_vicreg.py',
    },
  };

  /**
   * LARS and warm-up cosine schedule of {@link VICReg.recipe}, scaled to `batchSize`.
   *
   * @example
   * ```ts
   * const { optimizer, schedule } = VICReg.recommendedOptimizer({ batchSize: 256, totalSteps: 10_000 });
   * ```
   */
  static recommendedOptimizer(options: RecommendedOptimizerOptions): RecommendedOptimizer {
    return recommendedOptimizer(VICReg.recipe, options);
  }

  /**
   * @param options - See {@link VICRegOptions}.
   * @param rng - Seeds the default expander's initialization.
   */
  constructor(options: VICRegOptions, rng?: Rng) {
    this.nets = new EncoderAndHead('VICReg', 'expander', options?.encoder, options?.expander, (d) =>
      wide8192Head(d, 'vicreg_expander', rng),
    );
    this.encoder = this.nets.encoder;
    this.expander = this.nets.head;
    this.simCoeff = checkNumber('VICReg', 'simCoeff', options.simCoeff ?? 25, 0, Infinity);
    this.stdCoeff = checkNumber('VICReg', 'stdCoeff', options.stdCoeff ?? 25, 0, Infinity);
    this.covCoeff = checkNumber('VICReg', 'covCoeff', options.covCoeff ?? 1, 0, Infinity);
  }

  trainableVariables(): Record<string, tf.Variable> {
    return this.nets.variables(true);
  }

  allVariables(): Record<string, tf.Variable> {
    return this.nets.variables(false);
  }

  /** VICReg loss of the two views' expander outputs. */
  loss(batch: ViewsBatch): StepOutput {
    const [a, b] = twoViewsOf(batch, 'VICReg');
    return tf.tidy(() => {
      const z1 = this.nets.embed(a);
      const z2 = this.nets.embed(b);
      return {
        loss: vicregLoss(z1, z2, {
          simCoeff: this.simCoeff,
          stdCoeff: this.stdCoeff,
          covCoeff: this.covCoeff,
        }),
      };
    });
  }

  config(): Record<string, unknown> {
    return {
      simCoeff: this.simCoeff,
      stdCoeff: this.stdCoeff,
      covCoeff: this.covCoeff,
      ...this.nets.config(),
    };
  }
}
