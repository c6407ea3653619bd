import * as tf from '@tensorflow/tfjs';
import {
  byolLoss,
  type MethodState,
  type Rng,
  type SSLMethod,
  type StepOutput,
} from '@selfsup/core';
import { encoderFeatureDim } from '../../encoders/encoder-feature-dim';
import { predictionHead } from '../../heads/prediction-head';
import { projectionHead } from '../../heads/projection-head';
import { CosineMomentumTarget } from '../internal/momentum-target';
import { checkNumber, checkPredictorChain, forward, partsVariables } from '../internal/networks';
import { twoViewsOf } from '../internal/views';
import {
  recommendedOptimizer,
  type OptimizerRecipe,
  type RecommendedOptimizer,
  type RecommendedOptimizerOptions,
} from '../optimizer-recipe';
import type { ViewsBatch } from '../views-batch';

/**
 * Options of {@link BYOL}.
 *
 * @example
 * ```ts
 * const o: BYOLOptions = { encoder, baseMomentum: 0.996 };
 * ```
 */
export interface BYOLOptions {
  /** Online backbone: images -> features [B, D]. Kept after pretraining. */
  encoder: tf.LayersModel;
  /** Online projector. Default: MLP D -> 4096 -> 256 with batch norm (the paper's). */
  projector?: tf.LayersModel;
  /** Predictor q. Default: MLP P -> 4096 -> P with batch norm (the paper's). */
  predictor?: tf.LayersModel;
  /** EMA momentum of the target at step 0 (tau_base). Default 0.996. */
  baseMomentum?: number;
}

/**
 * BYOL, Bootstrap Your Own Latent (Grill et al., NeurIPS 2020; google-deepmind/deepmind-research
 * `byol`).
 *
 * An online network (encoder, projector, predictor) predicts the target network's projection of
 * the other view; the target (encoder and projector) is an exponential moving average of the
 * online ones, built here as a copy of them at construction. Per step: each view goes through the
 * online network and the target separately (batch norm per view, as the official code); the loss is
 * the symmetrized `byolLoss(p1, z2') + byolLoss(p2, z1')` (core), each `2 - 2 cos`, the target side
 * without gradient. `afterStep` moves the target: `target <- tau * target + (1 - tau) * online`,
 * with tau rising from `baseMomentum` (0.996) to 1 on the cosine schedule (core's
 * `cosineMomentum(base, step, totalSteps)`). Batch-norm running statistics are not averaged: the
 * target keeps its own, as in the official code.
 *
 * Defaults: projector D -> 4096 -> 256, predictor 256 -> 4096 -> 256 (Linear, BN, ReLU, Linear),
 * tau_base 0.996. Recommended optimizer ({@link BYOL.recipe}): LARS, 0.2 x batch / 256, weight
 * decay 1.5e-6, 10 warm-up epochs, cosine.
 *
 * @example
 * ```ts
 * const encoder = smallConvNet({ inputShape: [32, 32, 3] }, rng);
 * const byol = new BYOL({
 *   encoder,
 *   projector: projectionHead({ inputDim: 256, hiddenDim: 1024, outputDim: 128 }, rng),
 *   predictor: predictionHead({ inputDim: 128, hiddenDim: 1024, outputDim: 128 }, rng),
 * });
 * const data = images.batch(256, { dropRemainder: true }).twoViews(byolAugment({ size: 32 }), rng);
 * const { optimizer, schedule } = BYOL.recommendedOptimizer({ batchSize: 256, totalSteps: 10_000 });
 * await new Trainer({ method: byol, optimizer, schedule, data, steps: 10_000 }).fit();
 * ```
 */
export class BYOL implements SSLMethod<ViewsBatch> {
  readonly name = 'byol';
  readonly encoder: tf.LayersModel;
  readonly projector: tf.LayersModel;
  readonly predictor: tf.LayersModel;
  readonly baseMomentum: number;
  /** The EMA target: `[encoder, projector]` copies. */
  readonly target: readonly [tf.LayersModel, tf.LayersModel];
  private readonly ema: CosineMomentumTarget;

  /**
   * The paper's optimizer: LARS (momentum 0.9, trust coefficient 0.001), 0.2 x batch / 256,
   * weight decay 1.5e-6, 10 warm-up epochs of 1000, cosine decay (batch 4096).
   */
  static readonly recipe: OptimizerRecipe = {
    optimizer: 'lars',
    baseLearningRate: 0.2,
    learningRateScaling: 'linear',
    weightDecay: 1.5e-6,
    momentum: 0.9,
    trustCoefficient: 0.001,
    warmupEpochs: 10,
    reference: { batchSize: 4096, epochs: 1000, source: 'Grill et al. 2020, appendix C' },
  };

  /**
   * LARS and warm-up cosine schedule of {@link BYOL.recipe}, scaled to `batchSize`.
   *
   * @example
   * ```ts
   * const { optimizer, schedule } = BYOL.recommendedOptimizer({ batchSize: 256, totalSteps: 10_000 });
   * ```
   */
  static recommendedOptimizer(options: RecommendedOptimizerOptions): RecommendedOptimizer {
    return recommendedOptimizer(BYOL.recipe, options);
  }

  /**
   * @param options - See {@link BYOLOptions}.
   * @param rng - Seeds the default heads' initialization.
   */
  constructor(options: BYOLOptions, rng?: Rng) {
    if (!(options?.encoder instanceof tf.LayersModel))
      throw new Error('BYOL: options.encoder must be a tf.LayersModel');
    this.encoder = options.encoder;
    this.projector =
      options.projector ??
      projectionHead(
        {
          inputDim: encoderFeatureDim(this.encoder),
          hiddenDim: 4096,
          outputDim: 256,
          name: 'byol_projector',
        },
        rng,
      );
    const p = encoderFeatureDim(this.projector);
    this.predictor =
      options.predictor ??
      predictionHead({ inputDim: p, hiddenDim: 4096, outputDim: p, name: 'byol_predictor' }, rng);
    checkPredictorChain('BYOL', this.encoder, this.projector, this.predictor);
    this.baseMomentum = checkNumber('BYOL', 'baseMomentum', options.baseMomentum ?? 0.996, 0, 1);
    this.ema = new CosineMomentumTarget(
      'BYOL',
      [
        ['target.encoder', this.encoder],
        ['target.projector', this.projector],
      ],
      this.baseMomentum,
    );
    this.target = [this.ema.models[0], this.ema.models[1]];
  }

  trainableVariables(): Record<string, tf.Variable> {
    return partsVariables(this.onlineParts(), true);
  }

  allVariables(): Record<string, tf.Variable> {
    return partsVariables([...this.onlineParts(), ...this.ema.parts], false);
  }

  /** Symmetrized BYOL loss of the two views; `metrics.tau` is the EMA momentum of the last update. */
  loss(batch: ViewsBatch): StepOutput {
    const [a, b] = twoViewsOf(batch, 'BYOL');
    return tf.tidy(() => {
      const online = [this.encoder, this.projector, this.predictor];
      const p1 = forward(online, a);
      const p2 = forward(online, b);
      const z1 = forward(this.target, a);
      const z2 = forward(this.target, b);
      return {
        loss: tf.add(byolLoss(p1, z2), byolLoss(p2, z1)) as tf.Scalar,
        metrics: { tau: this.ema.momentum },
      };
    });
  }

  /** EMA update of the target with tau = cosineMomentum(baseMomentum, step, totalSteps). */
  afterStep(step: number, totalSteps: number): void {
    this.ema.step(step, totalSteps);
  }

  /** The momentum used by the last update (the target's weights are in `allVariables()`). */
  state(): MethodState {
    return { momentum: this.ema.momentum };
  }

  loadState(state: MethodState): void {
    this.ema.restore(state.momentum);
  }

  config(): Record<string, unknown> {
    return {
      baseMomentum: this.baseMomentum,
      encoder: this.encoder.name,
      featureDim: encoderFeatureDim(this.encoder),
      projectionDim: encoderFeatureDim(this.projector),
    };
  }

  /** Frees the target network (the online models stay the caller's). */
  dispose(): void {
    this.ema.dispose();
  }

  private onlineParts(): Array<[string, tf.LayersModel]> {
    return [
      ['online.encoder', this.encoder],
      ['online.projector', this.projector],
      ['online.predictor', this.predictor],
    ];
  }
}
