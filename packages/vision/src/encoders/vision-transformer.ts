import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '@selfsup/core';
import {
  ClassTokenAndPosition,
  type PositionEmbeddingKind,
} from '../layers/class-token-and-position';
import type { GeluApproximation } from '../layers/functional';
import { LayerNorm } from '../layers/layer-norm';
import { PatchEmbed } from '../layers/patch-embed';
import { TokenPooling, type TokenPoolingMode } from '../layers/token-pooling';
import { TransformerBlock } from '../layers/transformer-block';
import { VIT_SIZES, type VitSize } from './vit-sizes';

/** Options of {@link VisionTransformer} and {@link vit}. */
export interface VitOptions {
  /** A standard size; `embedDim`, `depth`, `numHeads` override its values. */
  size?: VitSize;
  /** Token width D (required without `size`). */
  embedDim?: number;
  /** Number of transformer blocks (required without `size`). */
  depth?: number;
  /** Attention heads (required without `size`). */
  numHeads?: number;
  /** MLP hidden width / D. Default 4. */
  mlpRatio?: number;
  /** Image side, or [height, width]; must be divisible by `patchSize`. */
  imageSize: number | [number, number];
  /** Patch side (e.g. 16; 4 for 32 px CIFAR images). */
  patchSize: number;
  /** Image channels. Default 3. */
  channels?: number;
  /** Prepend a learned class token. Default true. */
  classToken?: boolean;
  /** `'sincos'` (default: MAE / MoCo v3, fixed) or `'learned'` (timm / DINO). */
  posEmbed?: PositionEmbeddingKind;
  /**
   * Feature vector: `'cls'` (the class token, the default with one) or `'mean'` (the mean of the
   * patch tokens, the default and only choice without a class token). Both read the tokens after
   * the final LayerNorm. (timm and MAE fine-tuning instead normalize after mean pooling, with a
   * separate `fc_norm`.)
   */
  pooling?: TokenPoolingMode;
  /** Bias on the qkv projections. Default true. */
  qkvBias?: boolean;
  /** Stochastic depth: rate of the last block, rising linearly from 0 (timm). Default 0. */
  dropPath?: number;
  /** `'none'` (exact erf GELU, default, as timm) or `'tanh'`. */
  gelu?: GeluApproximation;
  /** LayerNorm epsilon. Default 1e-6. */
  layerNormEpsilon?: number;
  /** Model name and prefix of its layer names. Default `vit_<size>`, else `'vit'`. */
  name?: string;
}

/**
 * A Vision Transformer (timm's `VisionTransformer` with MAE's initialization) whose parts stay
 * reachable: `model` maps NHWC images [B, H, W, C] to features [B, D], and the same layers can be
 * applied eagerly to tensors through {@link embed}, {@link prependClassToken}, {@link encode}
 * and {@link pool}, or directly (`patchEmbed`, `tokens`, `blocks`, `norm`, `pool` are
 * tfjs layers; `layer.apply(tensor, { training })` returns a tensor).
 *
 * Pipeline: `patchEmbed` (p x p patches -> [B, N, D]) -> `tokens` (add position embeddings,
 * prepend the class token) -> `blocks` (pre-norm: LayerNorm eps 1e-6, multi-head self-attention,
 * MLP with GELU) -> `norm` (final LayerNorm) -> `pool` (class token or patch mean).
 *
 * Layers carry timm's names under `<name>.`: `patch_embed`, `tokens` (weights `cls_token`,
 * `pos_embed`), `blocks.<i>`, `norm`, `pool`. ViT-Tiny/16 at 224 px has 5,524,416 parameters
 * (timm's count without the head), 37,824 of them the fixed sin-cos table when
 * `posEmbed: 'sincos'`.
 *
 * **MAE** encodes only the visible patches: positions are added to every patch, a subset is
 * gathered, then the class token is prepended and the blocks and final norm run on the
 * 1 + visible tokens (`forward_encoder` in facebookresearch/mae `models_mae.py`):
 *
 * @example
 * ```ts
 * import { createRng, randomPatchMask, patchMaskToTensors } from '@selfsup/core';
 * const rng = createRng(0);
 * const encoder = new VisionTransformer({ size: 'base', imageSize: 224, patchSize: 16 }, rng);
 * const m = patchMaskToTensors(randomPatchMask(batch, encoder.numPatches, 0.75, rng));
 * const latent = tf.tidy(() => {
 *   const patches = encoder.embed(images, true);             // [B, 196, 768], positions added
 *   const visible = tf.gather(patches, m.keepIndices, 1, 1); // [B, 49, 768]
 *   return encoder.encode(encoder.prependClassToken(visible), true); // [B, 50, 768]
 * });
 * // Whole images: encoder.model.predict(images) -> [B, 768]; a saved model comes back with
 * // VisionTransformer.fromModel(await tf.loadLayersModel(...)).
 * ```
 */
export class VisionTransformer {
  /** Images [B, H, W, C] -> features [B, D]. */
  readonly model: tf.LayersModel;
  /** Images -> patch tokens [B, N, D]. */
  readonly patchEmbed: PatchEmbed;
  /** Position embeddings and class token. */
  readonly tokens: ClassTokenAndPosition;
  /** The transformer blocks, in order. */
  readonly blocks: readonly TransformerBlock[];
  /** Final LayerNorm. */
  readonly norm: LayerNorm;
  /** Tokens [B, T, D] -> features [B, D]. */
  readonly pool: TokenPooling;

  /**
   * Builds a new ViT from options (with seeded initialization), or recovers the parts of a ViT
   * `tf.LayersModel` (e.g. one loaded with `tf.loadLayersModel`).
   */
  constructor(source: VitOptions | tf.LayersModel, rng?: Rng) {
    const model = source instanceof tf.LayersModel ? source : buildVit(source, rng);
    const find = <T>(cls: abstract new (...args: never[]) => T, what: string): T[] => {
      const found = model.layers.filter((l) => l instanceof cls) as T[];
      if (found.length === 0) {
        throw new Error(
          `VisionTransformer: model '${model.name}' has no ${what} layer; is it a ViT built by vit()?`,
        );
      }
      return found;
    };
    this.model = model;
    this.patchEmbed = find(PatchEmbed, 'PatchEmbed')[0];
    this.tokens = find(ClassTokenAndPosition, 'ClassTokenAndPosition')[0];
    this.blocks = find(TransformerBlock, 'TransformerBlock');
    this.norm = find(LayerNorm, 'LayerNorm').at(-1)!;
    this.pool = find(TokenPooling, 'TokenPooling')[0];
  }

  /** Recovers the parts of a ViT model built by {@link vit} (or loaded from one). */
  static fromModel(model: tf.LayersModel): VisionTransformer {
    return new VisionTransformer(model);
  }

  /** Token width D. */
  get embedDim(): number {
    return this.patchEmbed.embedDim;
  }

  /** Patch side p. */
  get patchSize(): number {
    return this.patchEmbed.patchSize;
  }

  /** Patch grid [rows, cols]. */
  get gridSize(): [number, number] {
    return [...this.tokens.gridSize];
  }

  /** Number of patches N. */
  get numPatches(): number {
    return this.tokens.numPatches;
  }

  /** Tokens before the patches (1 with a class token, else 0). */
  get numPrefixTokens(): number {
    return this.tokens.numPrefixTokens;
  }

  /**
   * Images [B, H, W, C] -> patch tokens with position embeddings [B, N, D] (no class token).
   * Images of another size (a multiple of the patch size) get the position table resized
   * bicubically to their grid, as DINO's `interpolate_pos_encoding`: the way a ViT takes DINO's
   * small local crops. The `tf.LayersModel` itself keeps its fixed input size.
   */
  embed(images: tf.Tensor, training = false): tf.Tensor3D {
    const p = this.patchSize;
    const grid: [number, number] = [images.shape[1]! / p, images.shape[2]! / p];
    return tf.tidy(
      () =>
        this.tokens.addPositions(
          this.patchEmbed.apply(images, { training }) as tf.Tensor,
          grid,
        ) as tf.Tensor3D,
    );
  }

  /** Images of any size (a multiple of the patch size) -> features [B, D], like the model's output. */
  features(images: tf.Tensor, training = false): tf.Tensor2D {
    return tf.tidy(() => this.poolTokens(this.forwardTokens(images, training)));
  }

  /** Prepends the class token (with its position) to tokens [B, L, D]: [B, 1 + L, D]. */
  prependClassToken(tokens: tf.Tensor): tf.Tensor3D {
    return this.tokens.prependClassToken(tokens);
  }

  /** Runs the blocks and the final norm on any tokens [B, L, D]: [B, L, D]. */
  encode(tokens: tf.Tensor, training = false): tf.Tensor3D {
    return tf.tidy(() => {
      let x = tokens;
      for (const block of this.blocks) x = block.apply(x, { training }) as tf.Tensor;
      return this.norm.apply(x, { training }) as tf.Tensor3D;
    });
  }

  /** Images -> every output token after the final norm, [B, prefix + N, D] (DINO, iBOT). */
  forwardTokens(images: tf.Tensor, training = false): tf.Tensor3D {
    return tf.tidy(() =>
      this.encode(this.prependClassToken(this.embed(images, training)), training),
    );
  }

  /** Tokens [B, T, D] (after the final norm) -> features [B, D], as the model's output. */
  poolTokens(tokens: tf.Tensor): tf.Tensor2D {
    return this.pool.apply(tokens) as tf.Tensor2D;
  }
}

function buildVit(options: VitOptions, rng?: Rng): tf.LayersModel {
  const preset = options.size != null ? VIT_SIZES[options.size] : undefined;
  if (options.size != null && preset == null) {
    throw new Error(
      `vit: size must be one of ${Object.keys(VIT_SIZES).join(', ')}, got ${String(options.size)}`,
    );
  }
  const embedDim = options.embedDim ?? preset?.embedDim;
  const depth = options.depth ?? preset?.depth;
  const numHeads = options.numHeads ?? preset?.numHeads;
  for (const [label, v] of [
    ['embedDim', embedDim],
    ['depth', depth],
    ['numHeads', numHeads],
  ] as const) {
    if (v == null || !Number.isInteger(v) || v <= 0) {
      throw new Error(`vit: ${label} must be a positive integer (or give a size), got ${v}`);
    }
  }
  const D = embedDim!;
  const L = depth!;
  const H = numHeads!;
  if (D % H !== 0) throw new Error(`vit: embedDim ${D} must be divisible by numHeads ${H}`);
  const [imageH, imageW] =
    typeof options.imageSize === 'number'
      ? [options.imageSize, options.imageSize]
      : options.imageSize;
  const p = options.patchSize;
  const channels = options.channels ?? 3;
  if (!Number.isInteger(p) || p <= 0) {
    throw new Error(`vit: patchSize must be a positive integer, got ${p}`);
  }
  if (!Number.isInteger(imageH) || !Number.isInteger(imageW) || imageH % p || imageW % p) {
    throw new Error(
      `vit: imageSize ${imageH}x${imageW} must be positive integers divisible by patchSize ${p}`,
    );
  }
  if (!Number.isInteger(channels) || channels <= 0) {
    throw new Error(`vit: channels must be a positive integer, got ${channels}`);
  }
  const classToken = options.classToken ?? true;
  const pooling = options.pooling ?? (classToken ? 'cls' : 'mean');
  if (pooling === 'cls' && !classToken) {
    throw new Error(`vit: pooling 'cls' needs classToken: true`);
  }
  const dropPath = options.dropPath ?? 0;
  if (!(dropPath >= 0 && dropPath < 1)) {
    throw new Error(`vit: dropPath must be in [0, 1), got ${dropPath}`);
  }
  const name = options.name ?? (options.size != null ? `vit_${options.size}` : 'vit');
  const gen = resolveRng(rng);

  const input = tf.input({ shape: [imageH, imageW, channels], name: `${name}.input` });
  const patchEmbed = new PatchEmbed({
    patchSize: p,
    embedDim: D,
    seed: gen.seed(),
    name: `${name}.patch_embed`,
  });
  const tokens = new ClassTokenAndPosition({
    gridSize: [imageH / p, imageW / p],
    classToken,
    posEmbed: options.posEmbed ?? 'sincos',
    seed: gen.seed(),
    name: `${name}.tokens`,
  });
  let x = tokens.apply(patchEmbed.apply(input)) as tf.SymbolicTensor;
  for (let i = 0; i < L; i++) {
    x = new TransformerBlock({
      numHeads: H,
      mlpRatio: options.mlpRatio ?? 4,
      qkvBias: options.qkvBias ?? true,
      epsilon: options.layerNormEpsilon ?? 1e-6,
      // timm: torch.linspace(0, drop_path_rate, depth)
      dropPath: L > 1 ? (dropPath * i) / (L - 1) : dropPath,
      gelu: options.gelu ?? 'none',
      seed: gen.seed(),
      name: `${name}.blocks.${i}`,
    }).apply(x) as tf.SymbolicTensor;
  }
  x = new LayerNorm({ epsilon: options.layerNormEpsilon ?? 1e-6, name: `${name}.norm` }).apply(
    x,
  ) as tf.SymbolicTensor;
  const features = new TokenPooling({
    mode: pooling,
    numPrefixTokens: classToken ? 1 : 0,
    name: `${name}.pool`,
  }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: features, name });
}
