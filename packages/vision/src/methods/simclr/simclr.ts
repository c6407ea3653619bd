import * as tf from '@tensorflow/tfjs';
import { ntXentLoss, type Rng, type SSLMethod, type StepOutput } from '@selfsup/core';
import { projectionHead } from '../../heads/projection-head';
import { EncoderAndHead } from '../internal/encoder-and-head';
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
 * Options of {@link SimCLR}.
 *
 * @example
 * ```ts
 * const o: SimCLROptions = { encoder, projector: SimCLR.defaultProjector(256), temperature: 0.5 };
 * ```
 */
export interface SimCLROptions {
  /** Backbone: images [B, H, W, C] -> features [B, D]. Kept after pretraining. */
  encoder: tf.LayersModel;
  /**
   * Projection head g: features [B, D] -> [B, P]. Default {@link SimCLR.defaultProjector}: the
   * paper's 2-layer MLP D -> D -> 128 with batch norm, the last one without beta.
   */
  projector?: tf.LayersModel;
  /** NT-Xent temperature. Default 0.5 (SimCLR's CIFAR-10 value; its ImageNet runs use 0.1). */
  temperature?: number;
}

/**
 * SimCLR (Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations",
 * ICML 2020; google-research/simclr).
 *
 * Each step takes two augmented views of the batch (see {@link simclrAugment}); both go through
 * the encoder and the projector in ONE forward pass over the 2N images (as the official code,
 * which concatenates the views, so batch norm sees both), and the NT-Xent loss (core's
 * `ntXentLoss`) contrasts each projection with the other view of its image against the 2N - 2
 * other projections of the batch. No target network, no queue: `afterStep` is not needed.
 *
 * Defaults: temperature 0.5, projector D -> D -> 128 (BN, ReLU, Linear, BN without beta).
 * Recommended optimizer ({@link SimCLR.recipe}): LARS, learning rate 0.3 x batch / 256, momentum
 * 0.9, weight decay 1e-6, 10 warm-up epochs then cosine; on small encoders and short runs AdamW
 * (1e-3, weight decay 1e-6) trains faster, see the package README.
 *
 * @example
 * ```ts
 * import { createRng, initBackend, loadMnist, imageArraysDataset, Trainer } from '@selfsup/core';
 * import { SimCLR, simclrAugment, smallConvNet } from '@selfsup/vision';
 *
 * await initBackend('wasm');
 * const rng = createRng(0);
 * const encoder = smallConvNet({ inputShape: [28, 28, 1] }, rng);
 * const method = new SimCLR({ encoder }, rng);
 * const data = imageArraysDataset(await loadMnist())
 *   .shuffle(undefined, rng).batch(256, { dropRemainder: true })
 *   .map(({ image }) => image)
 *   .twoViews(simclrAugment({ size: 28, flip: 0 }), rng);
 * const { optimizer, schedule } = SimCLR.recommendedOptimizer({ batchSize: 256, totalSteps: 2340 });
 * await new Trainer({ method, optimizer, schedule, data, epochs: 10 }).fit();
 * ```
 */
export class SimCLR implements SSLMethod<ViewsBatch> {
  readonly name = 'simclr';
  readonly encoder: tf.LayersModel;
  readonly projector: tf.LayersModel;
  readonly temperature: number;
  private readonly nets: EncoderAndHead;

  /**
   * The paper's optimizer: LARS (momentum 0.9, trust coefficient 0.001), learning rate
   * 0.3 x batch / 256, weight decay 1e-6, 10 warm-up epochs of 100, cosine decay to 0
   * (google-research/simclr, batch 4096). The paper also gives 0.075 x sqrt(batch) for small
   * batches: pass `baseLearningRate` with a `'sqrt'` recipe of your own to use it.
   */
  static readonly recipe: OptimizerRecipe = {
    optimizer: 'lars',
    baseLearningRate: 0.3,
    learningRateScaling: 'linear',
    weightDecay: 1e-6,
    momentum: 0.9,
    trustCoefficient: 0.001,
    warmupEpochs: 10,
    reference: {
      batchSize: 4096,
      epochs: 100,
      source: 'Chen et al. 2020, appendix B.1; google-research/simclr',
    },
  };

  /**
   * LARS and warm-up cosine schedule of {@link SimCLR.recipe}, scaled to `batchSize`.
   *
   * @example
   * ```ts
   * const { optimizer, schedule } = SimCLR.recommendedOptimizer({ batchSize: 512, totalSteps: 10_000 });
   * ```
   */
  static recommendedOptimizer(options: RecommendedOptimizerOptions): RecommendedOptimizer {
    return recommendedOptimizer(SimCLR.recipe, options);
  }

  /**
   * SimCLR's projection head for `inputDim`-wide features: Linear(D, D) -> BN -> ReLU ->
   * Linear(D, 128) -> BN without beta (google-research/simclr's `ProjectionHead`, 2 layers as in
   * SimCLR v1).
   *
   * @example
   * ```ts
   * const projector = SimCLR.defaultProjector(encoderFeatureDim(encoder), createRng(1));
   * ```
   */
  static defaultProjector(inputDim: number, rng?: Rng, outputDim = 128): tf.Sequential {
    return projectionHead(
      {
        inputDim,
        hiddenDim: inputDim,
        outputDim,
        numLayers: 2,
        lastBatchNorm: { center: false },
        name: 'simclr_projector',
      },
      rng,
    );
  }

  /**
   * @param options - See {@link SimCLROptions}.
   * @param rng - Seeds the default projector's initialization (unused when `projector` is given).
   */
  constructor(options: SimCLROptions, rng?: Rng) {
    this.nets = new EncoderAndHead(
      'SimCLR',
      'projector',
      options?.encoder,
      options?.projector,
      (d) => SimCLR.defaultProjector(d, rng),
    );
    this.encoder = this.nets.encoder;
    this.projector = this.nets.head;
    this.temperature = checkNumber(
      'SimCLR',
      'temperature',
      options.temperature ?? 0.5,
      0,
      Infinity,
      true,
    );
  }

  trainableVariables(): Record<string, tf.Variable> {
    return this.nets.variables(true);
  }

  allVariables(): Record<string, tf.Variable> {
    return this.nets.variables(false);
  }

  /** NT-Xent of the two views' projections, computed in one forward pass over both views. */
  loss(batch: ViewsBatch): StepOutput {
    const [a, b] = twoViewsOf(batch, 'SimCLR');
    return tf.tidy(() => {
      const n = a.shape[0];
      const z = this.nets.embed(tf.concat([a, b], 0));
      const [z1, z2] = tf.split(z, [n, n], 0);
      return { loss: ntXentLoss(z1, z2, { temperature: this.temperature }) };
    });
  }

  config(): Record<string, unknown> {
    return {
      temperature: this.temperature,
      projector: this.projector.name,
      ...this.nets.config('projectionDim'),
    };
  }
}
