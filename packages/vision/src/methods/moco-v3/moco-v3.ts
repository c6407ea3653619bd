import * as tf from '@tensorflow/tfjs';
import {
  mocoV3Loss,
  type MethodState,
  type Rng,
  type SSLMethod,
  type StepOutput,
} from '@selfsup/core';
import { encoderFeatureDim } from '../../encoders/encoder-feature-dim';
import { predictionHead } from '../../heads/prediction-head';
import { projectionHead } from '../../heads/projection-head';
import { PatchEmbed } from '../../layers/patch-embed';
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
 * Options of {@link MoCoV3}.
 *
 * @example
 * ```ts
 * const o: MoCoV3Options = { encoder: vitEncoder, backbone: 'vit', temperature: 0.2 };
 * ```
 */
export interface MoCoV3Options {
  /** Base backbone: images -> features [B, D]. Kept after pretraining. */
  encoder: tf.LayersModel;
  /**
   * Which official setting the defaults follow: `'resnet'` (2-layer projector, predictor without a
   * last BN, temperature 1.0) or `'vit'` (3-layer projector, predictor with a last affine-free BN,
   * temperature 0.2, frozen patch embedding). Default: `'vit'` when the encoder has a PatchEmbed
   * layer, else `'resnet'`.
   */
  backbone?: 'resnet' | 'vit';
  /** Base projector. Default: the official MLP for `backbone`, D -> 4096 -> 256 (last BN without affine). */
  projector?: tf.LayersModel;
  /** Predictor. Default: the official MLP for `backbone`, 256 -> 4096 -> 256. */
  predictor?: tf.LayersModel;
  /** Temperature of `mocoV3Loss`. Default 1.0 (ResNet), 0.2 (ViT). */
  temperature?: number;
  /** EMA momentum at step 0, rising to 1 on the cosine schedule. Default 0.99. */
  baseMomentum?: number;
  /**
   * Keep the ViT patch embedding at its random initialization (`--stop-grad-conv1`, the
   * "random patch projection" that stabilizes ViT training). Sets the PatchEmbed layer of the
   * encoder to non-trainable. Default true for `backbone: 'vit'`.
   */
  freezePatchEmbed?: boolean;
}

/**
 * MoCo v3 (Chen, Xie & He, "An Empirical Study of Training Self-Supervised Vision Transformers",
 * ICCV 2021; facebookresearch/moco-v3).
 *
 * No queue: the keys are the momentum encoder's outputs for the other images of the batch. The
 * base encoder, projector and predictor map each view to a query; the momentum encoder and
 * projector (an EMA copy of the base ones, no gradient) map each view to a key; the loss is
 * symmetric, `mocoV3Loss(q1, k2) + mocoV3Loss(q2, k1)` (core's, each `2 T x` the in-batch
 * cross-entropy). `afterStep` moves the momentum networks with m rising from `baseMomentum` (0.99)
 * to 1 on the cosine schedule (`--moco-m-cos`). Views go through the networks one at a time, as
 * in the official code (batch norm per view).
 *
 * ViT-friendly: with a ViT encoder the defaults switch to the official ViT setting (3-layer
 * projector, temperature 0.2, frozen random patch projection); the recommended optimizer is then
 * {@link MoCoV3.vitRecipe} (AdamW 1.5e-4 x batch / 256, weight decay 0.1, 40 warm-up epochs).
 * ResNets: {@link MoCoV3.recipe} (LARS 0.6 x batch / 256, weight decay 1e-6, 10 warm-up epochs).
 *
 * @example
 * ```ts
 * const encoder = vit({ size: 'tiny', imageSize: 32, patchSize: 4 }, rng);
 * const moco = new MoCoV3({ encoder }, rng); // ViT defaults
 * const data = images.batch(256, { dropRemainder: true }).twoViews(byolAugment({ size: 32 }), rng);
 * const { optimizer, schedule } = recommendedOptimizer(MoCoV3.vitRecipe, { batchSize: 256, totalSteps: 20_000 });
 * await new Trainer({ method: moco, optimizer, schedule, data, steps: 20_000 }).fit();
 * ```
 */
export class MoCoV3 implements SSLMethod<ViewsBatch> {
  readonly name = 'moco-v3';
  readonly encoder: tf.LayersModel;
  readonly projector: tf.LayersModel;
  readonly predictor: tf.LayersModel;
  readonly backbone: 'resnet' | 'vit';
  readonly temperature: number;
  readonly baseMomentum: number;
  readonly freezePatchEmbed: boolean;
  /** The momentum encoder and projector. */
  readonly momentumNetwork: readonly [tf.LayersModel, tf.LayersModel];
  private readonly ema: CosineMomentumTarget;

  /**
   * The ResNet-50 setting of facebookresearch/moco-v3: LARS (momentum 0.9, trust coefficient
   * 0.001), 0.6 x batch / 256, weight decay 1e-6, 10 warm-up epochs of 100, cosine (batch 4096).
   */
  static readonly recipe: OptimizerRecipe = {
    optimizer: 'lars',
    baseLearningRate: 0.6,
    learningRateScaling: 'linear',
    weightDecay: 1e-6,
    momentum: 0.9,
    trustCoefficient: 0.001,
    warmupEpochs: 10,
    reference: {
      batchSize: 4096,
      epochs: 100,
      source: 'facebookresearch/moco-v3 main_moco.py, CONFIG.md (ResNet-50)',
    },
  };

  /**
   * The ViT setting of facebookresearch/moco-v3: AdamW, 1.5e-4 x batch / 256, weight decay 0.1,
   * 40 warm-up epochs of 300, cosine (batch 4096).
   */
  static readonly vitRecipe: OptimizerRecipe = {
    optimizer: 'adamw',
    baseLearningRate: 1.5e-4,
    learningRateScaling: 'linear',
    weightDecay: 0.1,
    warmupEpochs: 40,
    reference: {
      batchSize: 4096,
      epochs: 300,
      source: 'facebookresearch/moco-v3 CONFIG.md (ViT-Small, ViT-Base)',
    },
  };

  /**
   * Optimizer and schedule of {@link MoCoV3.recipe} (ResNets); use
   * `recommendedOptimizer(MoCoV3.vitRecipe, ...)` for ViTs.
   *
   * @example
   * ```ts
   * const { optimizer, schedule } = MoCoV3.recommendedOptimizer({ batchSize: 256, totalSteps: 10_000 });
   * ```
   */
  static recommendedOptimizer(options: RecommendedOptimizerOptions): RecommendedOptimizer {
    return recommendedOptimizer(MoCoV3.recipe, options);
  }

  /**
   * @param options - See {@link MoCoV3Options}.
   * @param rng - Seeds the default heads' initialization.
   */
  constructor(options: MoCoV3Options, rng?: Rng) {
    if (!(options?.encoder instanceof tf.LayersModel))
      throw new Error('MoCoV3: options.encoder must be a tf.LayersModel');
    this.encoder = options.encoder;
    const patchEmbeds = this.encoder.layers.filter((l) => l instanceof PatchEmbed);
    this.backbone = options.backbone ?? (patchEmbeds.length > 0 ? 'vit' : 'resnet');
    if (this.backbone !== 'resnet' && this.backbone !== 'vit') {
      throw new Error(`MoCoV3: backbone must be 'resnet' or 'vit', got '${String(this.backbone)}'`);
    }
    const vitSetting = this.backbone === 'vit';
    const d = encoderFeatureDim(this.encoder);
    this.projector =
      options.projector ??
      projectionHead(
        {
          inputDim: d,
          hiddenDim: 4096,
          outputDim: 256,
          numLayers: vitSetting ? 3 : 2,
          lastBatchNorm: { center: false, scale: false },
          name: 'moco_v3_projector',
        },
        rng,
      );
    const p = encoderFeatureDim(this.projector);
    this.predictor =
      options.predictor ??
      predictionHead(
        {
          inputDim: p,
          hiddenDim: 4096,
          outputDim: p,
          lastBatchNorm: vitSetting ? { center: false, scale: false } : false,
          name: 'moco_v3_predictor',
        },
        rng,
      );
    checkPredictorChain('MoCoV3', this.encoder, this.projector, this.predictor);
    this.temperature = checkNumber(
      'MoCoV3',
      'temperature',
      options.temperature ?? (vitSetting ? 0.2 : 1.0),
      0,
      Infinity,
      true,
    );
    this.baseMomentum = checkNumber('MoCoV3', 'baseMomentum', options.baseMomentum ?? 0.99, 0, 1);
    this.freezePatchEmbed = options.freezePatchEmbed ?? vitSetting;
    if (this.freezePatchEmbed) {
      if (patchEmbeds.length === 0)
        throw new Error(
          `MoCoV3: freezePatchEmbed needs a ViT encoder; '${this.encoder.name}' has no PatchEmbed layer`,
        );
      // The official --stop-grad-conv1: the patch projection keeps its random initialization.
      for (const l of patchEmbeds) l.trainable = false;
    }
    this.ema = new CosineMomentumTarget(
      'MoCoV3',
      [
        ['momentum.encoder', this.encoder],
        ['momentum.projector', this.projector],
      ],
      this.baseMomentum,
    );
    this.momentumNetwork = [this.ema.models[0], this.ema.models[1]];
  }

  trainableVariables(): Record<string, tf.Variable> {
    return partsVariables(this.baseParts(), true);
  }

  allVariables(): Record<string, tf.Variable> {
    return partsVariables([...this.baseParts(), ...this.ema.parts], false);
  }

  /** `mocoV3Loss(q1, k2) + mocoV3Loss(q2, k1)`; `metrics.momentum` is the last EMA momentum. */
  loss(batch: ViewsBatch): StepOutput {
    const [a, b] = twoViewsOf(batch, 'MoCoV3');
    return tf.tidy(() => {
      const base = [this.encoder, this.projector, this.predictor];
      const q1 = forward(base, a);
      const q2 = forward(base, b);
      const k1 = forward(this.momentumNetwork, a);
      const k2 = forward(this.momentumNetwork, b);
      const t = { temperature: this.temperature };
      return {
        loss: tf.add(mocoV3Loss(q1, k2, t), mocoV3Loss(q2, k1, t)) as tf.Scalar,
        metrics: { momentum: this.ema.momentum },
      };
    });
  }

  /** EMA of the momentum networks with m = cosineMomentum(baseMomentum, step, totalSteps). */
  afterStep(step: number, totalSteps: number): void {
    this.ema.step(step, totalSteps);
  }

  /** The momentum of the last update (the momentum networks' weights are in `allVariables()`). */
  state(): MethodState {
    return { momentum: this.ema.momentum };
  }

  loadState(state: MethodState): void {
    this.ema.restore(state.momentum);
  }

  config(): Record<string, unknown> {
    return {
      backbone: this.backbone,
      temperature: this.temperature,
      baseMomentum: this.baseMomentum,
      freezePatchEmbed: this.freezePatchEmbed,
      encoder: this.encoder.name,
      featureDim: encoderFeatureDim(this.encoder),
      projectionDim: encoderFeatureDim(this.projector),
    };
  }

  /** Frees the momentum networks (the base models stay the caller's). */
  dispose(): void {
    this.ema.dispose();
  }

  private baseParts(): Array<[string, tf.LayersModel]> {
    return [
      ['base.encoder', this.encoder],
      ['base.projector', this.projector],
      ['predictor', this.predictor],
    ];
  }
}
