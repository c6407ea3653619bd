import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '@selfsup/core';
import { selfAttention } from './functional';
import { layerSeed, xavierUniformInit } from './init';
import {
  checkTokens,
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './types';

/** Options of {@link MultiHeadSelfAttention}. */
export interface MultiHeadSelfAttentionArgs extends LayerArgs {
  /** Number of heads H; the token width D must be divisible by it. */
  numHeads: number;
  /** Bias on the qkv projection. Default true (timm `qkv_bias=True`). */
  qkvBias?: boolean;
  /** Seed of the initial weights (stored in the config); drawn from `rng` when absent. */
  seed?: number;
  /** Generator the seed is drawn from when `seed` is absent; defaults to the global one. */
  rng?: Rng;
}

/**
 * Multi-head self-attention over tokens [B, T, D], as timm's `Attention`: one qkv projection
 * (`qkv/kernel` [D, 3D], columns q | k | v, head h at columns h*D/H..(h+1)*D/H-1 of each),
 * softmax(q k^T / sqrt(D/H)) v per head, heads concatenated, output projection (`proj/kernel`
 * [D, D], `proj/bias`). Kernels are [in, out] (the transpose of PyTorch's `weight`).
 *
 * The projections run as plain 2-D matmuls on [B*T, D] (fast on wasm); the two attention
 * matmuls are batched over [B*H, T, D/H]. No Einsum, so it runs on every backend. Initialized as
 * MAE: xavier-uniform kernels (qkv as one [D, 3D] matrix), zero biases.
 *
 * @example
 * ```ts
 * const attn = new MultiHeadSelfAttention({ numHeads: 3, seed: 0 });
 * const y = attn.apply(tf.randomNormal([2, 197, 192])) as tf.Tensor; // [2, 197, 192]
 * ```
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupMultiHeadSelfAttention';
  readonly numHeads: number;
  readonly qkvBias: boolean;
  readonly seed: number;
  private qkvKernel: LayerVariable | null = null;
  private qkvBiasWeight: LayerVariable | null = null;
  private projKernel: LayerVariable | null = null;
  private projBias: LayerVariable | null = null;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.numHeads = args.numHeads;
    if (!Number.isInteger(this.numHeads) || this.numHeads <= 0) {
      throw new Error(
        `MultiHeadSelfAttention: numHeads must be a positive integer, got ${this.numHeads}`,
      );
    }
    this.qkvBias = args.qkvBias ?? true;
    this.seed = layerSeed(args.seed, args.rng, 'MultiHeadSelfAttention');
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = checkTokens(singleShape(inputShape, 'MultiHeadSelfAttention'), this.numHeads);
    const rng = createRng(this.seed);
    const zeros = tf.initializers.zeros();
    this.qkvKernel = this.addWeight(
      'qkv/kernel',
      [d, 3 * d],
      'float32',
      xavierUniformInit(d, 3 * d, rng.seed()),
    );
    if (this.qkvBias) this.qkvBiasWeight = this.addWeight('qkv/bias', [3 * d], 'float32', zeros);
    this.projKernel = this.addWeight(
      'proj/kernel',
      [d, d],
      'float32',
      xavierUniformInit(d, d, rng.seed()),
    );
    this.projBias = this.addWeight('proj/bias', [d], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'MultiHeadSelfAttention');
    checkTokens(shape, this.numHeads);
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = singleTensor(inputs, 'MultiHeadSelfAttention');
    checkTokens(x.shape, this.numHeads);
    return selfAttention(
      x,
      {
        qkvKernel: this.qkvKernel!.read(),
        qkvBias: this.qkvBiasWeight?.read() ?? null,
        projKernel: this.projKernel!.read(),
        projBias: this.projBias!.read(),
      },
      this.numHeads,
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      qkvBias: this.qkvBias,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(MultiHeadSelfAttention);
