import { resolveRng, type Rng } from '../random/rng';
import { assertInRange, assertInt } from './sampling';

/** Output of {@link tubeMask}. */
export interface TubeMask {
  /**
   * `[frames * height * width]`, frame-major then row-major
   * (`index = (t * height + row) * width + col`): 1 = masked. Every frame holds the same mask.
   */
  readonly mask: Uint8Array;
  /** Masked patches per frame: `floor(ratio * height * width)`. */
  readonly maskedPerFrame: number;
  /** `frames * maskedPerFrame`. */
  readonly totalMasked: number;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
}

/**
 * Tube masking of VideoMAE: one random spatial mask of exactly
 * `num_masks_per_frame = int(mask_ratio * h * w)` patches (a uniformly random subset, NumPy's
 * `shuffle` of `[0] * (hw - n) + [1] * n`), repeated in every temporal slot, so a masked patch is
 * masked through the whole clip and cannot be copied from a neighbouring frame.
 *
 * `frames` counts temporal token slots: with VideoMAE's tubelet size 2, a 16-frame clip has 8.
 *
 * Follows `TubeMaskingGenerator` in MCG-NJU/VideoMAE `masking_generator.py` (Tong et al.,
 * "VideoMAE: Masked Autoencoders are Data-Efficient Learners for Self-Supervised Video
 * Pre-Training", 2022).
 *
 * @param frames - Temporal token slots (frames / tubelet size).
 * @param h - Patch rows per frame.
 * @param w - Patch columns per frame.
 * @param ratio - Mask ratio in [0, 1] (VideoMAE: 0.9).
 * @param rng - Generator; defaults to the global one.
 *
 * @example
 * ```ts
 * // VideoMAE (MCG-NJU/VideoMAE TubeMaskingGenerator): 16 frames, tubelet 2, 14 x 14, ratio 0.9.
 * const { mask, maskedPerFrame } = tubeMask(8, 14, 14, 0.9, createRng(0));
 * maskedPerFrame; // 176 = int(0.9 * 196); mask has 8 * 196 entries
 * ```
 */
export function tubeMask(frames: number, h: number, w: number, ratio: number, rng?: Rng): TubeMask {
  assertInt('tubeMask', 'frames', frames, 0);
  assertInt('tubeMask', 'h', h, 1);
  assertInt('tubeMask', 'w', w, 1);
  assertInRange('tubeMask', 'ratio', ratio, 0, 1);
  const perFrame = h * w;
  // Same expression as VideoMAE: int(mask_ratio * num_patches_per_frame).
  const maskedPerFrame = Math.floor(ratio * perFrame);
  const frameMask = new Uint8Array(perFrame);
  frameMask.fill(1, perFrame - maskedPerFrame);
  const r = resolveRng(rng);
  // Fisher-Yates shuffle, as np.random.shuffle.
  for (let i = perFrame - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const tmp = frameMask[i];
    frameMask[i] = frameMask[j];
    frameMask[j] = tmp;
  }
  const mask = new Uint8Array(frames * perFrame);
  for (let t = 0; t < frames; t++) mask.set(frameMask, t * perFrame);
  return {
    mask,
    maskedPerFrame,
    totalMasked: frames * maskedPerFrame,
    frames,
    height: h,
    width: w,
  };
}
