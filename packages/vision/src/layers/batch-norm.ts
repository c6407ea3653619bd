import * as tf from '@tensorflow/tfjs';
import { batchNormTrain } from '@selfsup/core';
import {
  isTraining,
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './types';

/** Options of {@link BatchNorm}. */
export interface BatchNormArgs extends LayerArgs {
  /**
   * Weight of the new batch statistic in the running averages, PyTorch's convention:
   * `running = (1 - momentum) * running + momentum * batchStat`. Default 0.1 (PyTorch); Keras'
   * `momentum = 0.99` corresponds to 0.01 here.
   */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5 (PyTorch). */
  epsilon?: number;
  /** Learn a shift `beta`. Default true. */
  center?: boolean;
  /** Learn a scale `gamma`. Default true. */
  scale?: boolean;
  /** Initial `gamma`: `'zeros'` for the last BN of a residual branch (Goyal et al. 2017). */
  gammaInit?: 'ones' | 'zeros';
  /**
   * `'relu'`: apply a relu to the output (after the residual, when there is one), fused with the
   * normalization. Default `'linear'` (none).
   */
  activation?: 'relu' | 'linear';
}

/**
 * Batch normalization over every axis but the last (channels-last: `BatchNorm1d` on [B, C],
 * `BatchNorm2d` on [B, H, W, C]) with PyTorch's semantics: momentum 0.1 and epsilon 1e-5 by
 * default, batch statistics in training (biased variance to normalize, unbiased variance
 * `n / (n - 1)` in the running average), running statistics otherwise.
 *
 * Written from mean and variance ops rather than `tf.batchNorm`, whose gradient goes through
 * `Tile` and is slow on wasm. Weights: `gamma`, `beta` (trainable, when enabled), `running_mean`,
 * `running_var` (non-trainable). Training mode is `model.apply(x, { training: true })`; running
 * statistics are updated once per training-mode call.
 *
 * Called on two tensors `[x, residual]`, it adds the residual to the normalized x; with
 * `activation: 'relu'` it then applies a relu. Both are fused into the normalization (core's
 * {@link batchNormTrain} options): one pass each way on `@selfsup/native`, and only x and the
 * output kept for the backward pass. A ResNet block ends with
 * `new BatchNorm({ activation: 'relu' }).apply([conv2Out, shortcut])`: PyTorch's
 * `relu(bn2(conv2(out)) + identity)`.
 *
 * @example
 * ```ts
 * const bn = new BatchNorm({ name: 'bn1' });
 * const y = bn.apply(tf.randomNormal([8, 16]), { training: true }) as tf.Tensor; // batch stats
 * const z = bn.apply(tf.randomNormal([8, 16])) as tf.Tensor; // running stats
 * const block = new BatchNorm({ name: 'bn2', activation: 'relu' });
 * const out = block.apply([tf.randomNormal([8, 16]), tf.randomNormal([8, 16])]) as tf.Tensor;
 * ```
 */
export class BatchNorm extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly gammaInit: 'ones' | 'zeros';
  readonly activation: 'relu' | 'linear';
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;
  private runningMean: LayerVariable | null = null;
  private runningVar: LayerVariable | null = null;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-5;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.gammaInit = args.gammaInit ?? 'ones';
    this.activation = args.activation ?? 'linear';
    if (this.activation !== 'relu' && this.activation !== 'linear') {
      throw new Error(
        `BatchNorm: activation must be 'relu' or 'linear', got ${String(this.activation)}`,
      );
    }
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`BatchNorm: momentum must be in [0, 1], got ${this.momentum}`);
    }
    if (!(this.epsilon > 0)) {
      throw new Error(`BatchNorm: epsilon must be > 0, got ${this.epsilon}`);
    }
    if (this.gammaInit !== 'ones' && this.gammaInit !== 'zeros') {
      throw new Error(
        `BatchNorm: gammaInit must be 'ones' or 'zeros', got ${String(this.gammaInit)}`,
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.mainShape(inputShape);
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || channels == null) {
      throw new Error(
        `BatchNorm: expected an input [batch, ..., channels] with known channels, got [${shape.join(', ')}]`,
      );
    }
    const ones = tf.initializers.ones();
    const zeros = tf.initializers.zeros();
    if (this.scale) {
      this.gamma = this.addWeight(
        'gamma',
        [channels],
        'float32',
        this.gammaInit === 'zeros' ? zeros : ones,
      );
    }
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', zeros);
    this.runningMean = this.addWeight(
      'running_mean',
      [channels],
      'float32',
      zeros,
      undefined,
      false,
    );
    this.runningVar = this.addWeight('running_var', [channels], 'float32', ones, undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return this.mainShape(inputShape);
  }

  /** The shape of x: the only input, or the first of [x, residual] (which must match). */
  private mainShape(inputShape: Shape | Shape[]): Shape {
    if (Array.isArray(inputShape[0]) && inputShape.length === 2) {
      const [x, residual] = inputShape as Shape[];
      if (
        x.length !== residual.length ||
        x.some((d, i) => d != null && residual[i] != null && d !== residual[i])
      ) {
        throw new Error(
          `BatchNorm ${this.name}: the residual's shape [${dims(residual)}] differs from the input's [${dims(x)}]`,
        );
      }
      return x;
    }
    return singleShape(inputShape, 'BatchNorm');
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, residual] =
        Array.isArray(inputs) && inputs.length === 2
          ? inputs
          : [singleTensor(inputs, 'BatchNorm'), undefined];
      const relu = this.activation === 'relu';
      const runningMean = this.runningMean!.read();
      const runningVar = this.runningVar!.read();
      const gamma = this.gamma?.read() ?? null;
      const beta = this.beta?.read() ?? null;
      if (!isTraining(kwargs)) {
        // Inference: one multiply-add with the folded scale and shift.
        let scale = tf.rsqrt(tf.add(runningVar, this.epsilon));
        if (gamma != null) scale = tf.mul(scale, gamma);
        let shift = tf.neg(tf.mul(runningMean, scale));
        if (beta != null) shift = tf.add(shift, beta);
        let y = tf.add(tf.mul(x, scale), shift);
        if (residual !== undefined) y = tf.add(y, residual);
        return relu ? tf.relu(y) : y;
      }
      const channels = x.shape[x.rank - 1];
      const n = x.size / channels;
      if (n < 2) {
        throw new Error(
          `BatchNorm: training needs more than one value per channel, got input [${x.shape.join(', ')}]`,
        );
      }
      // core's batchNormTrain has a hand-written gradient: ~6x faster on wasm than tf.batchNorm's.
      const { y, mean, variance } = batchNormTrain(
        x,
        gamma ?? tf.ones([channels]),
        beta ?? tf.zeros([channels]),
        this.epsilon,
        { residual, relu },
      );
      const m = this.momentum;
      this.runningMean!.write(tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar!.write(
        tf.add(tf.mul(runningVar, 1 - m), tf.mul(variance, (m * n) / (n - 1))),
      );
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      gammaInit: this.gammaInit,
      activation: this.activation,
    };
  }
}
tf.serialization.registerClass(BatchNorm);

/** A symbolic shape for messages: `null, 4, 4, 2`. */
function dims(shape: Shape): string {
  return shape.map((d) => d ?? 'null').join(', ');
}
