import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '@selfsup/core';
import {
  dropPath,
  geluActivation,
  layerNormalize,
  linear,
  selfAttention,
  type GeluApproximation,
} from './functional';
import { layerSeed, xavierUniformInit } from './init';
import {
  checkTokens,
  isTraining,
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './types';

/** Options of {@link TransformerBlock}. */
export interface TransformerBlockArgs extends LayerArgs {
  /** Attention heads; the token width must be divisible by it. */
  numHeads: number;
  /** MLP hidden width = mlpRatio * D. Default 4. */
  mlpRatio?: number;
  /** Bias on the qkv projection. Default true. */
  qkvBias?: boolean;
  /** LayerNorm epsilon. Default 1e-6 (timm / MAE ViTs). */
  epsilon?: number;
  /** Stochastic-depth rate of both residual branches (training only). Default 0. */
  dropPath?: number;
  /** `'none'`: exact erf GELU as timm's `nn.GELU` (default); `'tanh'`: the tanh approximation. */
  gelu?: GeluApproximation;
  /** Seed of the initial weights and drop-path draws (stored in the config). */
  seed?: number;
  /** Generator the seed is drawn from when `seed` is absent; defaults to the global one. */
  rng?: Rng;
}

/**
 * A pre-norm ViT encoder block (timm's `Block`):
 * `x = x + dropPath(attn(norm1(x)))`, `x = x + dropPath(mlp(norm2(x)))`, with
 * `mlp = fc2(gelu(fc1(.)))`, fc1 [D, mlpRatio * D].
 *
 * Owns its weights directly, under timm's state-dict names (kernels [in, out]):
 * `norm1/gamma`, `norm1/beta`, `attn/qkv/kernel`, `attn/qkv/bias`, `attn/proj/kernel`,
 * `attn/proj/bias`, `norm2/gamma`, `norm2/beta`, `mlp/fc1/kernel`, `mlp/fc1/bias`,
 * `mlp/fc2/kernel`, `mlp/fc2/bias`. Every projection is a plain 2-D matmul on [B*T, D]. It works
 * on any number of tokens, so MAE can run it on the visible subset. Initialized as MAE:
 * xavier-uniform kernels, zero biases, LayerNorm ones/zeros.
 *
 * @example
 * ```ts
 * const block = new TransformerBlock({ numHeads: 3, seed: 0 });
 * const y = block.apply(tf.randomNormal([2, 50, 192])) as tf.Tensor; // [2, 50, 192]
 * const yTrain = block.apply(tokens, { training: true }) as tf.Tensor; // drop path active
 * ```
 */
export class TransformerBlock extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupTransformerBlock';
  readonly numHeads: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly epsilon: number;
  readonly dropPathRate: number;
  readonly gelu: GeluApproximation;
  readonly seed: number;
  private readonly dropRng: Rng;
  private w: Record<string, LayerVariable> = {};

  constructor(args: TransformerBlockArgs) {
    super(args);
    this.numHeads = args.numHeads;
    this.mlpRatio = args.mlpRatio ?? 4;
    this.qkvBias = args.qkvBias ?? true;
    this.epsilon = args.epsilon ?? 1e-6;
    this.dropPathRate = args.dropPath ?? 0;
    this.gelu = args.gelu ?? 'none';
    if (!Number.isInteger(this.numHeads) || this.numHeads <= 0) {
      throw new Error(
        `TransformerBlock: numHeads must be a positive integer, got ${this.numHeads}`,
      );
    }
    if (!(this.mlpRatio > 0)) {
      throw new Error(`TransformerBlock: mlpRatio must be > 0, got ${this.mlpRatio}`);
    }
    if (!(this.dropPathRate >= 0 && this.dropPathRate < 1)) {
      throw new Error(`TransformerBlock: dropPath must be in [0, 1), got ${this.dropPathRate}`);
    }
    if (this.gelu !== 'none' && this.gelu !== 'tanh') {
      throw new Error(`TransformerBlock: gelu must be 'none' or 'tanh', got ${String(this.gelu)}`);
    }
    this.seed = layerSeed(args.seed, args.rng, 'TransformerBlock');
    // Drop-path masks come from their own stream, so enabling it leaves the init unchanged.
    this.dropRng = createRng(this.seed).fork();
  }

  /** MLP hidden width for token width `dim`. */
  hiddenDim(dim: number): number {
    return Math.round(dim * this.mlpRatio);
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = checkTokens(
      singleShape(inputShape, 'TransformerBlock'),
      this.numHeads,
      'TransformerBlock',
    );
    const hidden = this.hiddenDim(d);
    const rng = createRng(this.seed);
    const ones = tf.initializers.ones();
    const zeros = tf.initializers.zeros();
    const add = (name: string, shape: number[], init: ReturnType<typeof tf.initializers.zeros>) => {
      this.w[name] = this.addWeight(name, shape, 'float32', init);
    };
    add('norm1/gamma', [d], ones);
    add('norm1/beta', [d], zeros);
    add('attn/qkv/kernel', [d, 3 * d], xavierUniformInit(d, 3 * d, rng.seed()));
    if (this.qkvBias) add('attn/qkv/bias', [3 * d], zeros);
    add('attn/proj/kernel', [d, d], xavierUniformInit(d, d, rng.seed()));
    add('attn/proj/bias', [d], zeros);
    add('norm2/gamma', [d], ones);
    add('norm2/beta', [d], zeros);
    add('mlp/fc1/kernel', [d, hidden], xavierUniformInit(d, hidden, rng.seed()));
    add('mlp/fc1/bias', [hidden], zeros);
    add('mlp/fc2/kernel', [hidden, d], xavierUniformInit(hidden, d, rng.seed()));
    add('mlp/fc2/bias', [d], zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'TransformerBlock');
    checkTokens(shape, this.numHeads, 'TransformerBlock');
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = singleTensor(inputs, 'TransformerBlock');
    const d = checkTokens(x.shape, this.numHeads, 'TransformerBlock');
    const training = isTraining(kwargs);
    const rate = training ? this.dropPathRate : 0;
    // Seeds are drawn outside tidy so that each training call gets a fresh mask.
    const seeds = rate > 0 ? [this.dropRng.seed(), this.dropRng.seed()] : [0, 0];
    const r = (name: string): tf.Tensor | null => this.w[name]?.read() ?? null;
    return tf.tidy(() => {
      const [b, t] = x.shape;
      const attn = selfAttention(
        layerNormalize(x, r('norm1/gamma'), r('norm1/beta'), this.epsilon),
        {
          qkvKernel: r('attn/qkv/kernel')!,
          qkvBias: r('attn/qkv/bias'),
          projKernel: r('attn/proj/kernel')!,
          projBias: r('attn/proj/bias'),
        },
        this.numHeads,
      );
      const y = tf.add(x, dropPath(attn, rate, seeds[0]));
      const h = tf.reshape(layerNormalize(y, r('norm2/gamma'), r('norm2/beta'), this.epsilon), [
        b * t,
        d,
      ]) as tf.Tensor2D;
      const hidden = geluActivation(linear(h, r('mlp/fc1/kernel')!, r('mlp/fc1/bias')), this.gelu);
      const mlp = tf.reshape(
        linear(hidden as tf.Tensor2D, r('mlp/fc2/kernel')!, r('mlp/fc2/bias')),
        [b, t, d],
      );
      return tf.add(y, dropPath(mlp, rate, seeds[1]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      mlpRatio: this.mlpRatio,
      qkvBias: this.qkvBias,
      epsilon: this.epsilon,
      dropPath: this.dropPathRate,
      gelu: this.gelu,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(TransformerBlock);
