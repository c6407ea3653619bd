import { resolveRng, type Rng } from '../random/rng';
import { assertInRange, assertInt } from './sampling';

/**
 * Output of {@link randomPatchMask}. All arrays are row-major, one row per sample.
 */
export interface RandomPatchMask {
  /**
   * `[batch, lenKeep]`: indices of the kept (visible) patches, in shuffled order (MAE's
   * `ids_keep = ids_shuffle[:, :len_keep]`). Gather the patch tokens with it to get the encoder
   * input `x_masked`. The order is the shuffle order, not ascending, and {@link restoreIndices}
   * relies on it.
   */
  readonly keepIndices: Int32Array;
  /** `[batch, length]`: 1 = masked (removed), 0 = kept, in the original patch order. */
  readonly mask: Uint8Array;
  /**
   * `[batch, length]`: MAE's `ids_restore = argsort(ids_shuffle)`, the inverse permutation of
   * the shuffle. Gathering the sequence `[kept tokens (lenKeep) ; mask tokens (length - lenKeep)]`
   * with it along the token axis restores the original patch order.
   */
  readonly restoreIndices: Int32Array;
  /** Kept patches per sample: `floor(length * (1 - ratio))`. */
  readonly lenKeep: number;
  /** Number of samples (rows). */
  readonly batch: number;
  /** Patches per sample (columns of `mask` and `restoreIndices`). */
  readonly length: number;
}

/**
 * Per-sample random patch masking of MAE: each sample draws one uniform noise value per patch,
 * sorts the patches by noise (`ids_shuffle = argsort(noise)`), keeps the first
 * `len_keep = int(L * (1 - mask_ratio))` and masks the rest; `ids_restore = argsort(ids_shuffle)`.
 * Exactly `length - lenKeep` patches are masked in every row. `lenKeep` is computed with the same
 * floating-point expression as MAE, so e.g. `length = 10, ratio = 0.9` keeps 0 patches, as in
 * PyTorch (`10 * (1 - 0.9)` is `0.999...`).
 *
 * Follows `random_masking` in facebookresearch/mae `models_mae.py` (He et al., "Masked
 * Autoencoders Are Scalable Vision Learners", 2021).
 *
 * @param batch - Number of samples.
 * @param length - Patches per sample (L), e.g. 196 for a 224 px image with 16 px patches.
 * @param ratio - Mask ratio in [0, 1] (MAE: 0.75).
 * @param rng - Generator for the noise; defaults to the global one.
 *
 * @example
 * ```ts
 * // MAE (facebookresearch/mae models_mae.py random_masking): ViT-B/16 at 224 px, ratio 0.75.
 * const m = randomPatchMask(8, 196, 0.75, createRng(0));
 * const { keepIndices, mask, restoreIndices, lenKeep } = m;
 * lenKeep; // 49
 * // keepIndices: [8, 49] (gather the visible tokens), mask: [8, 196] (1 = masked, loss weights),
 * // restoreIndices: [8, 196] (unshuffle [encoded ; mask tokens] in the decoder).
 * const tensors = patchMaskToTensors(randomPatchMask(8, 196, 0.75));
 * ```
 */
export function randomPatchMask(
  batch: number,
  length: number,
  ratio: number,
  rng?: Rng,
): RandomPatchMask {
  assertInt('randomPatchMask', 'batch', batch, 0);
  assertInt('randomPatchMask', 'length', length, 1);
  assertInRange('randomPatchMask', 'ratio', ratio, 0, 1);
  const r = resolveRng(rng);
  // Python's int() truncates toward zero; the product is non-negative so floor is the same.
  const lenKeep = Math.floor(length * (1 - ratio));

  const keepIndices = new Int32Array(batch * lenKeep);
  const mask = new Uint8Array(batch * length);
  const restoreIndices = new Int32Array(batch * length);
  const noise = new Float64Array(length);
  const order: number[] = new Array(length);

  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < length; i++) {
      noise[i] = r.float();
      order[i] = i;
    }
    // ids_shuffle = argsort(noise): ascending, small noise is kept. Ties (probability ~L^2 / 2^33)
    // are broken by index so the result is deterministic.
    order.sort((a, c) => noise[a] - noise[c] || a - c);
    const rowOff = b * length;
    for (let pos = 0; pos < length; pos++) {
      const patch = order[pos];
      // ids_restore = argsort(ids_shuffle) is the inverse permutation.
      restoreIndices[rowOff + patch] = pos;
      mask[rowOff + patch] = pos < lenKeep ? 0 : 1;
      if (pos < lenKeep) keepIndices[b * lenKeep + pos] = patch;
    }
  }
  return { keepIndices, mask, restoreIndices, lenKeep, batch, length };
}
