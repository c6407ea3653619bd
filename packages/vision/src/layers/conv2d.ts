import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@selfsup/core';
import { kaimingNormalFanOut, layerSeed, torchDefaultInit } from './init';
import {
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './types';

/**
 * How {@link Conv2d} draws its kernel: `'torch'` is `nn.Conv2d`'s default (U(+-1/sqrt(fan_in)),
 * the bias too); `'kaimingNormalFanOut'` is torchvision ResNet's
 * `kaiming_normal_(mode='fan_out', nonlinearity='relu')`.
 */
export type Conv2dInit = 'torch' | 'kaimingNormalFanOut';

/** Options of {@link Conv2d}. */
export interface Conv2dArgs extends LayerArgs {
  /** Output channels. */
  filters: number;
  /** Square kernel side. */
  kernelSize: number;
  /** Stride in both directions. Default 1. */
  stride?: number;
  /** Zeros added on every side (PyTorch's `padding`). Default 0. */
  padding?: number;
  /** Learn a per-channel bias. Default true (as PyTorch). */
  useBias?: boolean;
  /** Kernel initialization. Default `'torch'`. */
  init?: Conv2dInit;
  /** Seed of the initial weights (stored in the config); drawn from `rng` when absent. */
  seed?: number;
  /** Generator the seed is drawn from when `seed` is absent; defaults to the global one. */
  rng?: Rng;
}

/**
 * A 2-D convolution with PyTorch's geometry (channels last): square kernel, one stride, and
 * `padding` zeros on every side, so that `[H, W] -> floor((H + 2p - k) / s) + 1` as in
 * `nn.Conv2d`. tfjs-layers' `conv2d` only knows 'same' (asymmetric for strided convs) and
 * 'valid'; padding with a `zeroPadding2d` layer first costs a padded copy of the activation and a
 * slice of its gradient, and its fused convolution computes the input gradient even of a network's
 * first layer, where nothing needs it. Here the padding is the convolution's own (no copy), and
 * tfjs skips that input gradient.
 *
 * Weights: `kernel` `[k, k, in, filters]` and, with `useBias`, `bias` `[filters]`: the names and
 * shapes of tfjs-layers' conv2d, so weights move between the two.
 *
 * @example
 * ```ts
 * // torchvision's ResNet stem: nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
 * const stem = new Conv2d({ filters: 64, kernelSize: 7, stride: 2, padding: 3, useBias: false, seed: 0 });
 * const y = stem.apply(tf.zeros([1, 224, 224, 3])) as tf.Tensor; // [1, 112, 112, 64]
 * ```
 */
export class Conv2d extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupConv2d';
  readonly filters: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly useBias: boolean;
  readonly init: Conv2dInit;
  readonly seed: number;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: Conv2dArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.stride = args.stride ?? 1;
    this.padding = args.padding ?? 0;
    this.useBias = args.useBias ?? true;
    for (const [name, v, min] of [
      ['filters', this.filters, 1],
      ['kernelSize', this.kernelSize, 1],
      ['stride', this.stride, 1],
      ['padding', this.padding, 0],
    ] as const) {
      if (!Number.isInteger(v) || v < min) {
        throw new Error(`Conv2d: ${name} must be an integer >= ${min}, got ${v}`);
      }
    }
    this.init = args.init ?? 'torch';
    if (this.init !== 'torch' && this.init !== 'kaimingNormalFanOut') {
      throw new Error(
        `Conv2d: init must be 'torch' or 'kaimingNormalFanOut', got ${String(this.init)}`,
      );
    }
    this.seed = layerSeed(args.seed, args.rng, 'Conv2d');
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, 'Conv2d');
    const channels = shape[3];
    if (shape.length !== 4 || channels == null) {
      throw new Error(
        `Conv2d: expected an input [batch, height, width, channels] with known channels, got [${shape.join(', ')}]`,
      );
    }
    const k = this.kernelSize;
    const shape4 = [k, k, channels, this.filters];
    const fanIn = k * k * channels;
    const kernelInit =
      this.init === 'torch'
        ? torchDefaultInit(fanIn, this.seed)
        : kaimingNormalFanOut(shape4, this.seed);
    this.kernel = this.addWeight('kernel', shape4, 'float32', kernelInit);
    if (this.useBias) {
      const biasInit = torchDefaultInit(fanIn, this.seed + 1);
      this.bias = this.addWeight('bias', [this.filters], 'float32', biasInit);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, h, w] = singleShape(inputShape, 'Conv2d');
    const side = (n: number | null): number | null =>
      n == null ? null : Math.floor((n + 2 * this.padding - this.kernelSize) / this.stride) + 1;
    const out = [batch, side(h), side(w), this.filters];
    if ((out[1] != null && out[1] < 1) || (out[2] != null && out[2] < 1)) {
      throw new Error(
        `Conv2d ${this.name}: input [${h}, ${w}] is smaller than the kernel ${this.kernelSize} with padding ${this.padding}`,
      );
    }
    return out;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs, 'Conv2d') as tf.Tensor4D;
      // A plain Conv2D kernel: its registered gradient computes the input gradient lazily, so
      // tfjs skips it where the input needs none (tf.fused.conv2d's custom gradient does not).
      const pad = this.padding === 0 ? 'valid' : this.padding;
      const y = tf.conv2d(x, this.kernel!.read() as tf.Tensor4D, this.stride, pad);
      return this.bias === null ? y : tf.add(y, this.bias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      useBias: this.useBias,
      init: this.init,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Conv2d);
