import * as tf from '@tensorflow/tfjs';
import { barlowTwinsLoss, type Rng, type SSLMethod, type StepOutput } from '@selfsup/core';
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
 * Options of {@link BarlowTwins}.
 *
 * @example
 * ```ts
 * const o: BarlowTwinsOptions = { encoder, lambda: 0.0051 };
 * ```
 */
export interface BarlowTwinsOptions {
  /** Backbone: images -> features [B, D]. Kept after pretraining. */
  encoder: tf.LayersModel;
  /** Projector. Default: the official 8192-8192-8192 MLP (Linear, BN, ReLU twice, Linear without bias). */
  projector?: tf.LayersModel;
  /** Weight of the redundancy-reduction (off-diagonal) term. Default 0.0051. */
  lambda?: number;
}

/**
 * Barlow Twins (Zbontar et al., "Barlow Twins: Self-Supervised Learning via Redundancy Reduction",
 * ICML 2021; facebookresearch/barlowtwins).
 *
 * Each view goes through the encoder and projector on its own; the loss (core's `barlowTwinsLoss`)
 * standardizes both embeddings along the batch (an affine-free batch norm), takes their D x D
 * cross-correlation and pushes it to the identity: `sum_i (1 - c_ii)^2 + lambda * sum_{i != j} c_ij^2`.
 * No target network, no stop-gradient.
 *
 * Defaults: projector D -> 8192 -> 8192 -> 8192, lambda 0.0051. Recommended optimizer
 * ({@link BarlowTwins.recipe}): LARS, 0.2 x batch / 256 for the weights, weight decay 1.5e-6, 10
 * warm-up epochs, cosine to 0.001 of the peak; the official code gives biases and batch-norm
 * parameters a 0.0048 x batch / 256 learning rate, which one optimizer here cannot express.
 *
 * @example
 * ```ts
 * const projector = projectionHead({ inputDim: 256, hiddenDim: 1024, outputDim: 1024, numLayers: 3, lastBias: false }, rng);
 * const barlow = new BarlowTwins({ encoder, projector });
 * const data = images.batch(256, { dropRemainder: true }).twoViews(byolAugment({ size: 32 }), rng);
 * ```
 */
export class BarlowTwins implements SSLMethod<ViewsBatch> {
  readonly name = 'barlow-twins';
  readonly encoder: tf.LayersModel;
  readonly projector: tf.LayersModel;
  readonly lambda: number;
  private readonly nets: EncoderAndHead;

  /**
   * The official optimizer: LARS (momentum 0.9, trust coefficient 0.001), 0.2 x batch / 256,
   * weight decay 1.5e-6, 10 warm-up epochs of 1000, cosine to 0.001 of the peak (batch 2048).
   */
  static readonly recipe: OptimizerRecipe = {
    optimizer: 'lars',
    baseLearningRate: 0.2,
    learningRateScaling: 'linear',
    weightDecay: 1.5e-6,
    momentum: 0.9,
    trustCoefficient: 0.001,
    warmupEpochs: 10,
    finalLearningRateFactor: 0.001,
    reference: {
      batchSize: 2048,
      epochs: 1000,
      source: 'Zbontar et al. 2021; facebookresearch/barlowtwins main.py',
    },
    notes:
      'Biases and batch-norm parameters use a learning rate of 0.0048 x batch / 256 in the official code.',
  };

  /**
   * LARS and warm-up cosine schedule of {@link BarlowTwins.recipe}, scaled to `batchSize`.
   *
   * @example
   * ```ts
   * const { optimizer, schedule } = BarlowTwins.recommendedOptimizer({ batchSize: 256, totalSteps: 10_000 });
   * ```
   */
  static recommendedOptimizer(options: RecommendedOptimizerOptions): RecommendedOptimizer {
    return recommendedOptimizer(BarlowTwins.recipe, options);
  }

  /**
   * @param options - See {@link BarlowTwinsOptions}.
   * @param rng - Seeds the default projector's initialization.
   */
  constructor(options: BarlowTwinsOptions, rng?: Rng) {
    this.nets = new EncoderAndHead(
      'BarlowTwins',
      'projector',
      options?.encoder,
      options?.projector,
      (d) => wide8192Head(d, 'barlow_projector', rng),
    );
    this.encoder = this.nets.encoder;
    this.projector = this.nets.head;
    this.lambda = checkNumber('BarlowTwins', 'lambda', options.lambda ?? 0.0051, 0, Infinity);
  }

  trainableVariables(): Record<string, tf.Variable> {
    return this.nets.variables(true);
  }

  allVariables(): Record<string, tf.Variable> {
    return this.nets.variables(false);
  }

  /** Barlow Twins loss of the two views' projections. */
  loss(batch: ViewsBatch): StepOutput {
    const [a, b] = twoViewsOf(batch, 'BarlowTwins');
    return tf.tidy(() => {
      const z1 = this.nets.embed(a);
      const z2 = this.nets.embed(b);
      return { loss: barlowTwinsLoss(z1, z2, { lambda: this.lambda }) };
    });
  }

  config(): Record<string, unknown> {
    return {
      lambda: this.lambda,
      ...this.nets.config('projectionDim'),
    };
  }
}
