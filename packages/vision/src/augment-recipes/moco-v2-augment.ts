import type { NormalizeOptions, Transform } from '@selfsup/core';
import { viewAugment } from './view-augment';

/**
 * Options of {@link mocoV2Augment}.
 *
 * @example
 * ```ts
 * const o: MocoV2AugmentOptions = { size: 32, blur: 0 };
 * ```
 */
export interface MocoV2AugmentOptions {
  /** Output side (square) or [height, width]. */
  size: number | readonly [number, number];
  /** Smallest crop area. Default 0.2 (MoCo's `RandomResizedCrop(224, scale=(0.2, 1.))`). */
  minScale?: number;
  /** Probability of a horizontal flip. Default 0.5. */
  flip?: number;
  /** Probability of a Gaussian blur. Default 0.5 for images of 96 px and more, else 0. */
  blur?: number;
  /** Per-channel normalization applied last, if given. */
  normalize?: NormalizeOptions;
}

/**
 * MoCo v2's augmentation (`--aug-plus` in facebookresearch/moco `main_moco.py`): random resized
 * crop with scale (0.2, 1), colour jitter 0.4 / 0.4 / 0.4 / 0.1 with probability 0.8,
 * grayscale with probability 0.2, Gaussian blur (sigma in [0.1, 2]) with probability 0.5,
 * horizontal flip. SimSiam uses the same. The blur is dropped below 96 px (the CIFAR recipes of
 * the official MoCo demo and solo-learn do not blur). Pass it to `dataset.twoViews(...)`.
 *
 * @example
 * ```ts
 * const pairs = images.batch(256).twoViews(mocoV2Augment({ size: 32 }), createRng(0));
 * ```
 */
export function mocoV2Augment(options: MocoV2AugmentOptions): Transform {
  const side =
    typeof options.size === 'number' ? options.size : Math.min(options.size[0], options.size[1]);
  return viewAugment({
    size: options.size,
    scale: [options.minScale ?? 0.2, 1],
    flip: options.flip ?? 0.5,
    jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
    jitterP: 0.8,
    grayscale: 0.2,
    blur: options.blur ?? (side >= 96 ? 0.5 : 0),
    normalize: options.normalize,
  });
}
