import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '@selfsup/core';
import { VisionTransformer, type VitOptions } from './vision-transformer';

/**
 * A Vision Transformer encoder: NHWC images [B, H, W, C] -> features [B, D] (the class token, or
 * the mean of the patch tokens, after the final LayerNorm). See {@link VisionTransformer} for the
 * architecture, the layer names and how to drive its parts eagerly (MAE);
 * `VisionTransformer.fromModel(model)` recovers them from the returned model.
 *
 * @param options - See {@link VitOptions}; `size: 'tiny'` is 192 wide, 12 deep, 3 heads,
 *   `'small'` 384 / 12 / 6, `'base'` 768 / 12 / 12.
 * @param rng - Generator of the initialization seeds; defaults to the global one.
 *
 * @example
 * ```ts
 * // ViT-Tiny/4 for 32 px CIFAR images, MAE's sin-cos positions, class-token features.
 * const encoder = vit({ size: 'tiny', imageSize: 32, patchSize: 4 }, createRng(0));
 * encoderFeatureDim(encoder); // 192
 * ```
 */
export function vit(options: VitOptions, rng?: Rng): tf.LayersModel {
  return new VisionTransformer(options, rng).model;
}
