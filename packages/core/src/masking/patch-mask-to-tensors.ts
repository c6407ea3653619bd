import * as tf from '@tensorflow/tfjs';
import type { RandomPatchMask } from './random-patch-mask';

/** Tensors built by {@link patchMaskToTensors}; the caller owns (and disposes) them. */
export interface PatchMaskTensors {
  /** `int32 [batch, lenKeep]`: visible patch indices in shuffled order (`ids_keep`). */
  readonly keepIndices: tf.Tensor2D;
  /** `float32 [batch, length]`: 1 = masked, 0 = kept, original order (MAE's loss weights). */
  readonly mask: tf.Tensor2D;
  /** `int32 [batch, length]`: `ids_restore`, the inverse of the shuffle. */
  readonly restoreIndices: tf.Tensor2D;
}

/**
 * Turns a {@link randomPatchMask} result into tfjs tensors with MAE's dtypes: int32 index
 * tensors for `tf.gather(x, keepIndices, 1, 1)` (batch dims 1) and a float32 mask, as MAE's
 * `mask` multiplies the per-patch loss (`(loss * mask).sum() / mask.sum()`).
 *
 * @example
 * ```ts
 * // MAE (facebookresearch/mae models_mae.py): encoder input = visible tokens only.
 * const m = patchMaskToTensors(randomPatchMask(2, 196, 0.75, createRng(0)));
 * const visible = tf.gather(tokens, m.keepIndices, 1, 1); // [2, 49, dim]
 * ```
 */
export function patchMaskToTensors(result: RandomPatchMask): PatchMaskTensors {
  const { batch, length, lenKeep } = result;
  return {
    keepIndices: tf.tensor2d(result.keepIndices, [batch, lenKeep], 'int32'),
    mask: tf.tensor2d(Float32Array.from(result.mask), [batch, length], 'float32'),
    restoreIndices: tf.tensor2d(result.restoreIndices, [batch, length], 'int32'),
  };
}
