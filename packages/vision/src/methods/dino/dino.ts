import * as tf from '@tensorflow/tfjs';
import {
  dinoLoss,
  updateDinoCenter,
  type MethodState,
  type Rng,
  type SSLMethod,
  type StepOutput,
} from '@selfsup/core';
import { encoderFeatureDim } from '../../encoders/encoder-feature-dim';
import { VisionTransformer } from '../../encoders/vision-transformer';
import { ClassTokenAndPosition } from '../../layers/class-token-and-position';
import { CosineMomentumTarget } from '../internal/momentum-target';
import { checkChain, checkNumber, forward, partsVariables } from '../internal/networks';
import { multiViewsOf } from '../internal/views';
import {
  recommendedOptimizer,
  type OptimizerRecipe,
  type RecommendedOptimizer,
  type RecommendedOptimizerOptions,
} from '../optimizer-recipe';
import type { ViewsBatch } from '../views-batch';
import { dinoHead } from './dino-head';
import { WeightNormDense } from './weight-norm-dense';

/**
 * Options of {@link DINO}.
 *
 * @example
 * ```ts
 * const o: DINOOptions = { encoder, stepsPerEpoch: 195, warmupTeacherTemperatureEpochs: 30, teacherTemperature: 0.07 };
 * ```
 */
export interface DINOOptions {
  /** Student backbone: images -> features [B, D]. Kept after pretraining. */
  encoder: tf.LayersModel;
  /** Student head. Default {@link dinoHead}`({ inputDim: D })`: 2048 hidden, 256 bottleneck, 65536 prototypes. */
  head?: tf.LayersModel;
  /** Optimizer steps per epoch: needed for the epoch-based teacher-temperature warm-up and last-layer freeze. */
  stepsPerEpoch?: number;
  /** Global crops, first in `views`. Default 2. */
  globalCrops?: number;
  /** Student softmax temperature. Default 0.1. */
  studentTemperature?: number;
  /** Teacher temperature after the warm-up. Default 0.07 (the official ViT-S/16 recipe; the code's default is 0.04). */
  teacherTemperature?: number;
  /** Teacher temperature at epoch 0. Default 0.04. */
  warmupTeacherTemperature?: number;
  /** Epochs of the linear teacher-temperature warm-up. Default 30. */
  warmupTeacherTemperatureEpochs?: number;
  /** Teacher EMA momentum at step 0, rising to 1 on the cosine schedule. Default 0.996. */
  baseMomentum?: number;
  /** EMA momentum of the center. Default 0.9. */
  centerMomentum?: number;
  /** Epochs during which the head's last layer gets no gradient. Default 1. */
  freezeLastLayerEpochs?: number;
}

/**
 * DINO, self-distillation with no labels (Caron et al., "Emerging Properties in Self-Supervised
 * Vision Transformers", ICCV 2021; facebookresearch/dino `main_dino.py`).
 *
 * Multi-crop: the batch holds `globalCrops` (2) global crops then any number of local crops of
 * the same images (see {@link dinoMultiCrop}). The student (encoder + {@link dinoHead}) sees every
 * crop, the backbone running once per crop resolution and the head once on all of them, as the
 * official `MultiCropWrapper`; the teacher, an EMA copy of the student, sees the global crops only.
 * The loss (core's `dinoLoss`) is the cross-entropy between the teacher's centered, sharpened
 * softmax and the student's softmax over every (teacher crop, other student crop) pair.
 *
 * Schedules, as the official code: the teacher temperature warms up linearly per epoch from 0.04
 * to 0.07 over the first 30 epochs (`np.linspace` over epochs; {@link DINO.teacherTemperatureAt});
 * the teacher momentum rises from 0.996 to 1 on the cosine schedule; the center is an EMA (0.9) of
 * the teacher outputs' batch mean, updated after the step (`afterStep`); the last layer is frozen
 * during the first epoch (its gradient is stopped; with AdamW the step is then zero but weight decay
 * still shrinks its direction weights, which does not change their normalized direction).
 *
 * Recommended optimizer ({@link DINO.recipe}): AdamW, 5e-4 x batch / 256, 10 warm-up epochs,
 * cosine to 1e-6, weight decay 0.04 (the official code raises it to 0.4 on a cosine schedule and
 * clips gradients at 3.0: pass `clipNorm: 3` to the Trainer).
 *
 * Small convolutional encoders: use batch norm in the head (`dinoHead({ useBn: true })`, the
 * official ResNet-50 setting) and, for short runs, the code's default teacher temperature 0.04.
 * Otherwise their random-init features are so alike that the centered teacher starts nearly
 * uniform and the loss settles at ln K (DINO's uniform collapse).
 *
 * With a ViT from {@link vit} the local crops may have another size (a multiple of the patch
 * size): the student runs them through {@link VisionTransformer.features}, whose position table
 * is resized bicubically to their grid (DINO's `interpolate_pos_encoding`). Other encoders must
 * accept every crop size themselves (global pooling does).
 *
 * @example
 * ```ts
 * const encoder = smallConvNet({ inputShape: [32, 32, 3] }, rng);
 * const dino = new DINO({ encoder, head: dinoHead({ inputDim: 256, outputDim: 4096 }, rng), stepsPerEpoch: 195 });
 * const data = images.batch(256, { dropRemainder: true }).map(dinoMultiCrop({ globalSize: 32, localSize: 16, localCrops: 6 }), rng);
 * const { optimizer, schedule } = DINO.recommendedOptimizer({ batchSize: 256, totalSteps: 195 * 100, stepsPerEpoch: 195 });
 * await new Trainer({ method: dino, optimizer, schedule, data, epochs: 100, clipNorm: 3 }).fit();
 * ```
 */
export class DINO implements SSLMethod<ViewsBatch> {
  readonly name = 'dino';
  readonly encoder: tf.LayersModel;
  readonly head: tf.LayersModel;
  /** The teacher's `[encoder, head]`. */
  readonly teacher: readonly [tf.LayersModel, tf.LayersModel];
  readonly globalCrops: number;
  readonly studentTemperature: number;
  readonly teacherTemperature: number;
  readonly warmupTeacherTemperature: number;
  readonly warmupTeacherTemperatureEpochs: number;
  readonly baseMomentum: number;
  readonly centerMomentum: number;
  readonly freezeLastLayerEpochs: number;
  readonly stepsPerEpoch: number | undefined;
  private readonly ema: CosineMomentumTarget;
  /** The encoder's ViT parts when it is a ViT (local crops of another size go through them). */
  private readonly vit: VisionTransformer | undefined;
  private readonly center: tf.Variable;
  private readonly lastLayers: WeightNormDense[];
  private pending: tf.Tensor[] = [];

  /**
   * The official optimizer: AdamW, 5e-4 x batch / 256, weight decay 0.04 (the code ramps it to
   * 0.4), 10 warm-up epochs of 100, cosine to 1e-6 (batch 1024).
   */
  static readonly recipe: OptimizerRecipe = {
    optimizer: 'adamw',
    baseLearningRate: 5e-4,
    learningRateScaling: 'linear',
    weightDecay: 0.04,
    warmupEpochs: 10,
    finalLearningRate: 1e-6,
    reference: {
      batchSize: 1024,
      epochs: 100,
      source: 'Caron et al. 2021; facebookresearch/dino main_dino.py',
    },
    notes:
      'Weight decay follows a cosine schedule from 0.04 to 0.4; gradients are clipped at norm 3.0 (Trainer clipNorm: 3).',
  };

  /**
   * AdamW and warm-up cosine schedule of {@link DINO.recipe}, scaled to `batchSize`.
   *
   * @example
   * ```ts
   * const { optimizer, schedule } = DINO.recommendedOptimizer({ batchSize: 256, totalSteps: 19_500, stepsPerEpoch: 195 });
   * ```
   */
  static recommendedOptimizer(options: RecommendedOptimizerOptions): RecommendedOptimizer {
    return recommendedOptimizer(DINO.recipe, options);
  }

  /**
   * @param options - See {@link DINOOptions}.
   * @param rng - Seeds the default head's initialization.
   */
  constructor(options: DINOOptions, rng?: Rng) {
    if (!(options?.encoder instanceof tf.LayersModel))
      throw new Error('DINO: options.encoder must be a tf.LayersModel');
    this.encoder = options.encoder;
    this.head = options.head ?? dinoHead({ inputDim: encoderFeatureDim(this.encoder) }, rng);
    checkChain(this.encoder, this.head, 'DINO', 'encoder', 'head');
    const int = (name: string, v: number, min: number): number => {
      if (!Number.isInteger(v) || v < min)
        throw new Error(`DINO: ${name} must be an integer >= ${min}, got ${String(v)}`);
      return v;
    };
    this.globalCrops = int('globalCrops', options.globalCrops ?? 2, 1);
    this.studentTemperature = checkNumber(
      'DINO',
      'studentTemperature',
      options.studentTemperature ?? 0.1,
      0,
      Infinity,
      true,
    );
    this.teacherTemperature = checkNumber(
      'DINO',
      'teacherTemperature',
      options.teacherTemperature ?? 0.07,
      0,
      Infinity,
      true,
    );
    this.warmupTeacherTemperature = checkNumber(
      'DINO',
      'warmupTeacherTemperature',
      options.warmupTeacherTemperature ?? 0.04,
      0,
      Infinity,
      true,
    );
    this.warmupTeacherTemperatureEpochs = int(
      'warmupTeacherTemperatureEpochs',
      options.warmupTeacherTemperatureEpochs ?? 30,
      0,
    );
    this.baseMomentum = checkNumber('DINO', 'baseMomentum', options.baseMomentum ?? 0.996, 0, 1);
    this.centerMomentum = checkNumber(
      'DINO',
      'centerMomentum',
      options.centerMomentum ?? 0.9,
      0,
      1,
    );
    this.freezeLastLayerEpochs = int(
      'freezeLastLayerEpochs',
      options.freezeLastLayerEpochs ?? 1,
      0,
    );
    this.stepsPerEpoch = options.stepsPerEpoch;
    if (this.stepsPerEpoch !== undefined) int('stepsPerEpoch', this.stepsPerEpoch, 1);
    else if (this.warmupTeacherTemperatureEpochs > 0 || this.freezeLastLayerEpochs > 0) {
      throw new Error(
        'DINO: stepsPerEpoch is needed for the teacher-temperature warm-up and the last-layer freeze, which count epochs; ' +
          'give it, or set warmupTeacherTemperatureEpochs and freezeLastLayerEpochs to 0',
      );
    }
    this.lastLayers = this.head.layers.filter(
      (l): l is WeightNormDense => l instanceof WeightNormDense,
    );
    this.ema = new CosineMomentumTarget(
      'DINO',
      [
        ['teacher.encoder', this.encoder],
        ['teacher.head', this.head],
      ],
      this.baseMomentum,
    );
    this.vit = this.encoder.layers.some((l) => l instanceof ClassTokenAndPosition)
      ? new VisionTransformer(this.encoder)
      : undefined;
    this.teacher = [this.ema.models[0], this.ema.models[1]];
    const k = encoderFeatureDim(this.head);
    this.center = tf.variable(tf.zeros([1, k]), false);
  }

  /**
   * The teacher temperature at `step`: epoch e = floor(step / stepsPerEpoch) takes element e of
   * `linspace(warmup, final, warmupEpochs)`, then `final` (DINO's `teacher_temp_schedule`).
   *
   * @example
   * ```ts
   * dino.teacherTemperatureAt(0); // 0.04
   * ```
   */
  teacherTemperatureAt(step: number): number {
    const w = this.warmupTeacherTemperatureEpochs;
    if (w === 0 || this.stepsPerEpoch === undefined) return this.teacherTemperature;
    const epoch = Math.floor(step / this.stepsPerEpoch);
    if (epoch >= w) return this.teacherTemperature;
    if (w === 1) return this.warmupTeacherTemperature;
    return (
      this.warmupTeacherTemperature +
      ((this.teacherTemperature - this.warmupTeacherTemperature) * epoch) / (w - 1)
    );
  }

  trainableVariables(): Record<string, tf.Variable> {
    return partsVariables(this.studentParts(), true);
  }

  allVariables(): Record<string, tf.Variable> {
    return partsVariables([...this.studentParts(), ...this.ema.parts], false);
  }

  /**
   * DINO loss of the multi-crop batch at `step` (which sets the teacher temperature and the
   * last-layer freeze). Keeps the teacher outputs' batch mean for the center update in `afterStep`.
   */
  loss(batch: ViewsBatch, step = 0): StepOutput {
    const views = multiViewsOf(batch, this.globalCrops, 'DINO');
    const g = this.globalCrops;
    const temperature = this.teacherTemperatureAt(step);
    const frozen =
      this.stepsPerEpoch !== undefined &&
      Math.floor(step / this.stepsPerEpoch) < this.freezeLastLayerEpochs;
    return tf.tidy(() => {
      const globals = tf.concat(views.slice(0, g), 0);
      const teacherOut = forward(this.teacher, globals);
      // Student backbone once per crop resolution, head once on every crop (MultiCropWrapper).
      const features: tf.Tensor[] = [forward([this.encoder], globals)];
      const locals = views.slice(g);
      for (const group of groupByShape(locals)) {
        const crops = tf.concat(group, 0);
        try {
          // A ViT takes another crop size through its resized position table (the model's
          // fixed input shape would reject it); any other encoder must accept it as is.
          features.push(
            this.vit !== undefined && !sameSpatialSize(crops, this.encoder)
              ? this.vit.features(crops, true)
              : forward([this.encoder], crops),
          );
        } catch (e) {
          throw new Error(
            `DINO: the encoder failed on local crops of shape [${group[0].shape.join(', ')}] (${(e as Error).message}); ` +
              'it must accept every crop size',
          );
        }
      }
      this.lastLayers.forEach((l) => (l.frozen = frozen));
      let studentOut: tf.Tensor2D;
      try {
        studentOut = forward([this.head], tf.concat(features, 0));
      } finally {
        this.lastLayers.forEach((l) => (l.frozen = false));
      }
      const students = tf.split(studentOut, views.length, 0);
      const teachers = tf.split(teacherOut, g, 0);
      this.pending.push(tf.keep(tf.mean(teacherOut, 0, true)));
      const loss = dinoLoss(students, teachers, this.center, {
        studentTemperature: this.studentTemperature,
        teacherTemperature: temperature,
      });
      return { loss, metrics: { teacherTemperature: temperature, momentum: this.ema.momentum } };
    });
  }

  /** Teacher EMA with m = cosineMomentum(baseMomentum, step, totalSteps), then the center update. */
  afterStep(step: number, totalSteps: number): void {
    this.ema.step(step, totalSteps);
    if (this.pending.length > 0) {
      tf.tidy(() => {
        const batchCenter =
          this.pending.length === 1
            ? this.pending[0]
            : tf.mean(tf.concat(this.pending, 0), 0, true);
        this.center.assign(
          updateDinoCenter(this.center, batchCenter, this.centerMomentum) as tf.Tensor2D,
        );
      });
      tf.dispose(this.pending);
      this.pending = [];
    }
  }

  /** The center (the method's own variable: read it, do not dispose it) and the last momentum. */
  state(): MethodState {
    return { center: this.center, momentum: this.ema.momentum };
  }

  loadState(state: MethodState): void {
    const { center, momentum } = state;
    if (!(center instanceof tf.Tensor) || center.size !== this.center.size) {
      throw new Error(
        `DINO.loadState: expected a center of ${this.center.size} values, got ${center instanceof tf.Tensor ? `shape [${center.shape.join(', ')}]` : typeof center}`,
      );
    }
    this.ema.restore(momentum);
    tf.tidy(() => this.center.assign(tf.reshape(center, this.center.shape)));
  }

  config(): Record<string, unknown> {
    return {
      globalCrops: this.globalCrops,
      studentTemperature: this.studentTemperature,
      teacherTemperature: this.teacherTemperature,
      warmupTeacherTemperature: this.warmupTeacherTemperature,
      warmupTeacherTemperatureEpochs: this.warmupTeacherTemperatureEpochs,
      baseMomentum: this.baseMomentum,
      centerMomentum: this.centerMomentum,
      freezeLastLayerEpochs: this.freezeLastLayerEpochs,
      stepsPerEpoch: this.stepsPerEpoch ?? null,
      encoder: this.encoder.name,
      featureDim: encoderFeatureDim(this.encoder),
      outputDim: encoderFeatureDim(this.head),
    };
  }

  /** Frees the teacher, the center and any teacher outputs not yet used. */
  dispose(): void {
    this.ema.dispose();
    this.center.dispose();
    tf.dispose(this.pending);
    this.pending = [];
  }

  private studentParts(): Array<[string, tf.LayersModel]> {
    return [
      ['student.encoder', this.encoder],
      ['student.head', this.head],
    ];
  }
}

/** Whether images [B, H, W, C] have the spatial size of the model's input. */
function sameSpatialSize(images: tf.Tensor, model: tf.LayersModel): boolean {
  const inputShape = model.inputs[0].shape;
  return inputShape[1] === images.shape[1] && inputShape[2] === images.shape[2];
}

/** Consecutive runs of views of one shape (local crops usually share one). */
function groupByShape(views: tf.Tensor4D[]): tf.Tensor4D[][] {
  const groups: tf.Tensor4D[][] = [];
  for (const v of views) {
    const last = groups.at(-1);
    if (last && last[0].shape.every((d, i) => d === v.shape[i])) last.push(v);
    else groups.push([v]);
  }
  return groups;
}
