import * as tf from '@tensorflow/tfjs';
import { negativeCosineSimilarity, type Rng, type SSLMethod, type StepOutput } from '@selfsup/core';
import { encoderFeatureDim } from '../../encoders/encoder-feature-dim';
import { predictionHead } from '../../heads/prediction-head';
import { projectionHead } from '../../heads/projection-head';
import { checkPredictorChain, forward, partsVariables } from '../internal/networks';
import { twoViewsOf } from '../internal/views';
import {
  recommendedOptimizer,
  type OptimizerRecipe,
  type RecommendedOptimizer,
  type RecommendedOptimizerOptions,
} from '../optimizer-recipe';
import type { ViewsBatch } from '../views-batch';

/**
 * Options of {@link SimSiam}.
 *
 * @example
 * ```ts
 * const o: SimSiamOptions = { encoder };
 * ```
 */
export interface SimSiamOptions {
  /** Backbone: images -> features [B, D]. Kept after pretraining. */
  encoder: tf.LayersModel;
  /** Projector. Default: SimSiam's 3-layer MLP D -> D -> D -> 2048, ending in an affine-free BN. */
  projector?: tf.LayersModel;
  /** Predictor. Default: 2048 -> 512 -> 2048 (Linear, BN, ReLU, Linear). */
  predictor?: tf.LayersModel;
}

/**
 * SimSiam (Chen & He, "Exploring Simple Siamese Representation Learning", CVPR 2021;
 * facebookresearch/simsiam).
 *
 * One network, no negatives, no momentum encoder: each view goes through the encoder and projector
 * (z) and the predictor (p); the loss is `0.5 * (D(p1, z2) + D(p2, z1))` with D the negative cosine
 * similarity and a stop-gradient on z (core's `negativeCosineSimilarity`), the stop-gradient being
 * what prevents collapse. Views go through the network one at a time (batch norm per view), as in
 * the official code.
 *
 * Defaults: projector D -> D -> D -> 2048 (Linear, BN, ReLU twice, Linear, BN without affine),
 * predictor 2048 -> 512 -> 2048. Recommended optimizer ({@link SimSiam.recipe}): SGD, 0.05 x batch /
 * 256, momentum 0.9, weight decay 1e-4, cosine decay without warm-up; the official code keeps the
 * predictor's learning rate fixed (`--fix-pred-lr`), which one optimizer here cannot express.
 *
 * @example
 * ```ts
 * const simsiam = new SimSiam({ encoder }, rng);
 * const data = images.batch(256, { dropRemainder: true }).twoViews(mocoV2Augment({ size: 32 }), rng);
 * const { optimizer, schedule } = SimSiam.recommendedOptimizer({ batchSize: 256, totalSteps: 10_000 });
 * await new Trainer({ method: simsiam, optimizer, schedule, data, steps: 10_000 }).fit();
 * ```
 */
export class SimSiam implements SSLMethod<ViewsBatch> {
  readonly name = 'simsiam';
  readonly encoder: tf.LayersModel;
  readonly projector: tf.LayersModel;
  readonly predictor: tf.LayersModel;

  /**
   * SimSiam's optimizer: SGD (momentum 0.9), 0.05 x batch / 256, weight decay 1e-4 on every
   * variable, cosine decay to 0, 100 epochs of batch 512 (facebookresearch/simsiam).
   */
  static readonly recipe: OptimizerRecipe = {
    optimizer: 'sgd',
    baseLearningRate: 0.05,
    learningRateScaling: 'linear',
    weightDecay: 1e-4,
    momentum: 0.9,
    warmupEpochs: 0,
    reference: {
      batchSize: 512,
      epochs: 100,
      source: 'Chen & He 2021; facebookresearch/simsiam main_simsiam.py',
    },
    notes: 'The official run keeps the predictor at the initial learning rate (--fix-pred-lr).',
  };

  /**
   * SGD and cosine schedule of {@link SimSiam.recipe}, scaled to `batchSize`.
   *
   * @example
   * ```ts
   * const { optimizer, schedule } = SimSiam.recommendedOptimizer({ batchSize: 512, totalSteps: 10_000 });
   * ```
   */
  static recommendedOptimizer(options: RecommendedOptimizerOptions): RecommendedOptimizer {
    return recommendedOptimizer(SimSiam.recipe, options);
  }

  /**
   * @param options - See {@link SimSiamOptions}.
   * @param rng - Seeds the default heads' initialization.
   */
  constructor(options: SimSiamOptions, rng?: Rng) {
    if (!(options?.encoder instanceof tf.LayersModel))
      throw new Error('SimSiam: options.encoder must be a tf.LayersModel');
    this.encoder = options.encoder;
    const d = encoderFeatureDim(this.encoder);
    this.projector =
      options.projector ??
      projectionHead(
        {
          inputDim: d,
          hiddenDim: d,
          outputDim: 2048,
          numLayers: 3,
          lastBatchNorm: { center: false, scale: false },
          name: 'simsiam_projector',
        },
        rng,
      );
    const p = encoderFeatureDim(this.projector);
    this.predictor =
      options.predictor ??
      predictionHead({ inputDim: p, hiddenDim: 512, outputDim: p, name: 'simsiam_predictor' }, rng);
    checkPredictorChain('SimSiam', this.encoder, this.projector, this.predictor);
  }

  trainableVariables(): Record<string, tf.Variable> {
    return partsVariables(this.parts(), true);
  }

  allVariables(): Record<string, tf.Variable> {
    return partsVariables(this.parts(), false);
  }

  /** `0.5 * (D(p1, stopgrad(z2)) + D(p2, stopgrad(z1)))`. */
  loss(batch: ViewsBatch): StepOutput {
    const [a, b] = twoViewsOf(batch, 'SimSiam');
    return tf.tidy(() => {
      const z1 = forward([this.encoder, this.projector], a);
      const z2 = forward([this.encoder, this.projector], b);
      const p1 = forward([this.predictor], z1);
      const p2 = forward([this.predictor], z2);
      const loss = tf.mul(
        tf.add(negativeCosineSimilarity(p1, z2), negativeCosineSimilarity(p2, z1)),
        0.5,
      ) as tf.Scalar;
      return { loss };
    });
  }

  config(): Record<string, unknown> {
    return {
      encoder: this.encoder.name,
      featureDim: encoderFeatureDim(this.encoder),
      projectionDim: encoderFeatureDim(this.projector),
    };
  }

  private parts(): Array<[string, tf.LayersModel]> {
    return [
      ['encoder', this.encoder],
      ['projector', this.projector],
      ['predictor', this.predictor],
    ];
  }
}
