import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '@selfsup/core';
import { layerSeed, torchDefaultInit, xavierUniformInit } from './init';
import {
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './types';

/** Options of {@link PatchEmbed}. */
export interface PatchEmbedArgs extends LayerArgs {
  /** Side of the square patches (the conv kernel and stride). */
  patchSize: number;
  /** Output token width D. */
  embedDim: number;
  /** Seed of the initial weights (stored in the config); drawn from `rng` when absent. */
  seed?: number;
  /** Generator the seed is drawn from when `seed` is absent; defaults to the global one. */
  rng?: Rng;
}

/**
 * ViT patch embedding (timm's `PatchEmbed`): a `patchSize` x `patchSize` convolution with stride
 * `patchSize` from NHWC images [B, H, W, C] to tokens [B, (H/p) * (W/p), D], patches in row-major
 * order. The kernel is stored conv-shaped, [p, p, C, D] (`proj/kernel`, plus `proj/bias`), but
 * applied as patchify + one plain 2-D matmul [B*N, p*p*C] x [p*p*C, D]: the same result as the
 * strided conv, fast on wasm, and trainable without a Conv2DBackpropFilter kernel.
 *
 * Initialized as MAE: xavier-uniform over the kernel's [p*p*C, D] matrix view, bias
 * U(+-1/sqrt(p*p*C)) (PyTorch's conv default, which MAE leaves as is).
 *
 * @example
 * ```ts
 * const embed = new PatchEmbed({ patchSize: 16, embedDim: 192, seed: 0 });
 * const tokens = embed.apply(tf.zeros([2, 224, 224, 3])) as tf.Tensor; // [2, 196, 192]
 * ```
 */
export class PatchEmbed extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupPatchEmbed';
  readonly patchSize: number;
  readonly embedDim: number;
  readonly seed: number;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: PatchEmbedArgs) {
    super(args);
    this.patchSize = args.patchSize;
    this.embedDim = args.embedDim;
    for (const [label, v] of [
      ['patchSize', this.patchSize],
      ['embedDim', this.embedDim],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) {
        throw new Error(`PatchEmbed: ${label} must be a positive integer, got ${v}`);
      }
    }
    this.seed = layerSeed(args.seed, args.rng, 'PatchEmbed');
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = this.checkShape(singleShape(inputShape, 'PatchEmbed'))[3];
    const p = this.patchSize;
    const fanIn = p * p * c;
    const rng = createRng(this.seed);
    this.kernel = this.addWeight(
      'proj/kernel',
      [p, p, c, this.embedDim],
      'float32',
      xavierUniformInit(fanIn, this.embedDim, rng.seed()),
    );
    this.bias = this.addWeight(
      'proj/bias',
      [this.embedDim],
      'float32',
      torchDefaultInit(fanIn, rng.seed()),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w] = this.checkShape(singleShape(inputShape, 'PatchEmbed'));
    const p = this.patchSize;
    return [b, (h / p) * (w / p), this.embedDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs, 'PatchEmbed');
      const [b, h, w, c] = this.checkShape(x.shape) as number[];
      const p = this.patchSize;
      const gh = h / p;
      const gw = w / p;
      // [B, H, W, C] -> [B*gh, p(kh), gw, p*C (kw, c)] -> [B*gh, gw, kh, (kw, c)] -> [B*N, p*p*C]:
      // the flattening order of the [p, p, C, D] kernel.
      const patches = tf.reshape(
        tf.transpose(tf.reshape(x, [b * gh, p, gw, p * c]), [0, 2, 1, 3]),
        [b * gh * gw, p * p * c],
      ) as tf.Tensor2D;
      const kernel = tf.reshape(this.kernel!.read(), [p * p * c, this.embedDim]) as tf.Tensor2D;
      const tokens = tf.add(tf.matMul(patches, kernel), this.bias!.read());
      return tf.reshape(tokens, [b, gh * gw, this.embedDim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      patchSize: this.patchSize,
      embedDim: this.embedDim,
      seed: this.seed,
    };
  }

  private checkShape(shape: Shape): [number | null, number, number, number] {
    const [b, h, w, c] = shape;
    const p = this.patchSize;
    if (shape.length !== 4 || h == null || w == null || c == null || h % p !== 0 || w % p !== 0) {
      throw new Error(
        `PatchEmbed: expected images [batch, height, width, channels] with height and width ` +
          `divisible by patchSize ${p}, got [${shape.join(', ')}]`,
      );
    }
    return [b, h, w, c];
  }
}
tf.serialization.registerClass(PatchEmbed);
