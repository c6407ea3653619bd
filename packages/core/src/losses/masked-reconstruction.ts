import * as tf from '@tensorflow/tfjs';
import { assertFloat, assertRank, assertSameShape, formatShape } from './internal';

/** Options of {@link maskedReconstructionLoss}. */
export interface MaskedReconstructionLossOptions {
  /**
   * Normalize each target patch by its own mean and unbiased variance before the error
   * (`(t - mean) / sqrt(var + 1e-6)`), MAE's `norm_pix_loss`. The MAE paper's best results use
   * it; the official model's constructor defaults to off. @defaultValue false
   */
  normPix?: boolean;
}

/**
 * The masked-patch reconstruction loss of MAE (He et al., "Masked Autoencoders Are Scalable
 * Vision Learners", CVPR 2022).
 *
 * Follows `MaskedAutoencoderViT.forward_loss` in facebookresearch/mae (`models_mae.py`): the
 * squared error is averaged over each patch's values, then averaged over the masked patches only
 * (`(loss * mask).sum() / mask.sum()`). With `normPix`, each target patch is standardized with
 * its mean and unbiased variance (`torch.var` default) plus 1e-6. Unmasked patches contribute
 * neither value nor gradient.
 *
 * Deviation: when no patch is masked the official code divides 0 by 0 (NaN); this returns 0.
 * The target is treated as data: gradients flow to it as the formula implies, so wrap it in
 * `stopGradient` if it comes from a network you do not want to train through this loss.
 *
 * @param pred - `[B, L, P]` predicted patches (P values per patch).
 * @param target - `[B, L, P]` target patches (e.g. `patchify(images)`).
 * @param mask - `[B, L]`, 1 where the patch was masked (and is scored), 0 where it was visible.
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const loss = maskedReconstructionLoss(decoderOut, patchify(images, 16), mask, { normPix: true });
 * ```
 */
export function maskedReconstructionLoss(
  pred: tf.Tensor,
  target: tf.Tensor,
  mask: tf.Tensor,
  options: MaskedReconstructionLossOptions = {},
): tf.Scalar {
  const fn = 'maskedReconstructionLoss';
  const normPix = options.normPix ?? false;
  assertRank(fn, 'pred', pred, 3, '[B, L, P]');
  assertRank(fn, 'target', target, 3, '[B, L, P]');
  assertSameShape(fn, 'pred', pred, 'target', target);
  assertFloat(fn, 'pred', pred);
  assertFloat(fn, 'target', target);
  assertRank(fn, 'mask', mask, 2, '[B, L]');
  if (mask.shape[0] !== pred.shape[0] || mask.shape[1] !== pred.shape[1]) {
    throw new Error(
      `${fn}: mask must be [${pred.shape[0]}, ${pred.shape[1]}] to match pred ${formatShape(pred.shape)}, got ${formatShape(mask.shape)}`,
    );
  }
  const p = pred.shape[2] as number;
  if (normPix && p < 2) {
    throw new Error(
      `${fn}: normPix needs at least 2 values per patch (unbiased variance), got P = ${p}`,
    );
  }
  return tf.tidy(() => {
    let t: tf.Tensor = target;
    if (normPix) {
      const mean = tf.mean(target, -1, true);
      const centered = tf.sub(target, mean);
      const variance = tf.div(tf.sum(tf.mul(centered, centered), -1, true), p - 1);
      t = tf.div(centered, tf.sqrt(tf.add(variance, 1e-6)));
    }
    const diff = tf.sub(pred, t);
    const perPatch = tf.mean(tf.mul(diff, diff), -1); // [B, L]
    const m = tf.cast(mask, 'float32');
    const count = tf.sum(m);
    // A 0/1 mask with no masked patch gives 0 / 1 = 0 instead of NaN, gradients included.
    const safeCount = tf.where(tf.greater(count, 0), count, tf.onesLike(count));
    return tf.div(tf.sum(tf.mul(perPatch, m)), safeCount) as tf.Scalar;
  });
}
