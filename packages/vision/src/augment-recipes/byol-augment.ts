import type { NormalizeOptions, Transform } from '@selfsup/core';
import { viewAugment } from './view-augment';

/**
 * Options of {@link byolAugment}.
 *
 * @example
 * ```ts
 * const o: ByolAugmentOptions = { size: 32, minScale: 0.08 };
 * ```
 */
export interface ByolAugmentOptions {
  /** Output side (square) or [height, width]. */
  size: number | readonly [number, number];
  /** Smallest crop area. Default 0.08 (BYOL; MoCo v3 uses 0.08 or 0.2). */
  minScale?: number;
  /** Probability of a horizontal flip. Default 0.5. */
  flip?: number;
  /**
   * Blur probabilities of the two views. Default [1, 0.1] (BYOL) for images of 96 px and more,
   * [0, 0] below (solo-learn's CIFAR recipes do not blur).
   */
  blur?: readonly [number, number];
  /** Solarization probabilities of the two views. Default [0, 0.2]. */
  solarize?: readonly [number, number];
  /** Per-channel normalization applied last, if given. */
  normalize?: NormalizeOptions;
}

/**
 * BYOL's asymmetric pair of augmentations (Grill et al. 2020, table 6): both views take a random
 * resized crop, a horizontal flip, colour jitter 0.4 / 0.4 / 0.2 / 0.1 with probability 0.8 and
 * grayscale with probability 0.2; the first view is always blurred, the second blurred with
 * probability 0.1 and solarized with probability 0.2. MoCo v3, Barlow Twins and VICReg use the
 * same pair. Returns `[first, second]` for `dataset.twoViews(...)`.
 *
 * @example
 * ```ts
 * const pairs = images.batch(256).twoViews(byolAugment({ size: 96 }), createRng(0));
 * ```
 */
export function byolAugment(options: ByolAugmentOptions): [Transform, Transform] {
  const side =
    typeof options.size === 'number' ? options.size : Math.min(options.size[0], options.size[1]);
  const blur = options.blur ?? (side >= 96 ? [1, 0.1] : [0, 0]);
  const sol = options.solarize ?? [0, 0.2];
  const common = {
    size: options.size,
    scale: [options.minScale ?? 0.08, 1] as const,
    flip: options.flip ?? 0.5,
    jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 },
    jitterP: 0.8,
    grayscale: 0.2,
    normalize: options.normalize,
  };
  return [
    viewAugment({ ...common, blur: blur[0], solarize: sol[0] }),
    viewAugment({ ...common, blur: blur[1], solarize: sol[1] }),
  ];
}
