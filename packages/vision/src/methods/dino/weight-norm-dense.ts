import * as tf from '@tensorflow/tfjs';
import { createRng, stopGradient, type Rng } from '@selfsup/core';
import { layerSeed, torchDefaultInit } from '../../layers/init';
import {
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from '../../layers/types';

/**
 * Options of {@link WeightNormDense}.
 *
 * @example
 * ```ts
 * const args: WeightNormDenseArgs = { units: 4096, fixedNorm: false, seed: 0 };
 * ```
 */
export interface WeightNormDenseArgs extends LayerArgs {
  /** Output width. */
  units: number;
  /**
   * Keep the norm g of every output unit fixed at 1 (DINO's `norm_last_layer`): the layer then has
   * only the direction weights `weight_v`. Default true.
   */
  fixedNorm?: boolean;
  /** Seed of the initialization; drawn from `rng` (or the global generator) when absent. */
  seed?: number;
  /** Generator the seed is drawn from when `seed` is absent. */
  rng?: Rng;
}

/**
 * A bias-free linear layer with weight normalization, PyTorch's
 * `nn.utils.weight_norm(nn.Linear(in, units, bias=False))`: the kernel is
 * `w[:, j] = g_j * v[:, j] / ||v[:, j]||` (norm over the input axis of each output unit), with `v`
 * (`weight_v`, [in, units], initialized as `nn.Linear`) and `g` (`weight_g`, [units], ones; absent
 * when `fixedNorm`). DINO's last head layer (`DINOHead.last_layer`).
 *
 * `frozen` (not serialized) stops its gradients: DINO freezes the last layer during the first epoch.
 *
 * @example
 * ```ts
 * const last = new WeightNormDense({ units: 65536, fixedNorm: true, seed: 0, name: 'dino_head.last_layer' });
 * const logits = last.apply(tf.randomNormal([4, 256])) as tf.Tensor; // [4, 65536]
 * ```
 */
export class WeightNormDense extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupWeightNormDense';
  readonly units: number;
  readonly fixedNorm: boolean;
  readonly seed: number;
  /** When true, `call` passes no gradient to `weight_v` and `weight_g`. */
  frozen = false;
  private v: LayerVariable | null = null;
  private g: LayerVariable | null = null;

  constructor(args: WeightNormDenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new Error(
        `WeightNormDense: units must be a positive integer, got ${String(args.units)}`,
      );
    }
    this.units = args.units;
    this.fixedNorm = args.fixedNorm ?? true;
    this.seed = layerSeed(args.seed, args.rng, 'WeightNormDense');
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, 'WeightNormDense');
    const inDim = shape[shape.length - 1];
    if (shape.length !== 2 || inDim == null) {
      throw new Error(
        `WeightNormDense: expected an input [batch, features], got [${shape.join(', ')}]`,
      );
    }
    this.v = this.addWeight(
      'weight_v',
      [inDim, this.units],
      'float32',
      torchDefaultInit(inDim, createRng(this.seed).seed()),
    );
    if (!this.fixedNorm)
      this.g = this.addWeight('weight_g', [this.units], 'float32', tf.initializers.ones());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'WeightNormDense');
    return [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs, 'WeightNormDense');
      let v: tf.Tensor = this.v!.read();
      let g: tf.Tensor | null = this.g?.read() ?? null;
      if (this.frozen) {
        v = stopGradient(v);
        if (g) g = stopGradient(g);
      }
      // No epsilon, as torch._weight_norm.
      let w = tf.div(v, tf.sqrt(tf.sum(tf.mul(v, v), 0, true)));
      if (g) w = tf.mul(w, g);
      return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, fixedNorm: this.fixedNorm, seed: this.seed };
  }
}
tf.serialization.registerClass(WeightNormDense);
