import type { NormalizeOptions, Transform } from '@selfsup/core';
import { viewAugment } from './view-augment';

/**
 * Options of {@link simclrAugment}.
 *
 * @example
 * ```ts
 * const o: SimclrAugmentOptions = { size: 32, minScale: 0.08, jitterStrength: 0.5 };
 * ```
 */
export interface SimclrAugmentOptions {
  /** Output side (square) or [height, width]. */
  size: number | readonly [number, number];
  /**
   * Smallest crop area (fraction of the image). Default 0.08 (torchvision's, SimCLR's) for images
   * of 96 px and more, 0.2 for smaller ones, whose crops keep too few pixels below that.
   */
  minScale?: number;
  /**
   * Colour-distortion strength s: brightness, contrast and saturation 0.8 s, hue 0.2 s.
   * Default 0.5 (0.4 / 0.4 / 0.4 / 0.1, SimCLR's CIFAR-10 setting, solo-learn and lightly); SimCLR
   * uses 1.0 on ImageNet.
   */
  jitterStrength?: number;
  /** Probability of the colour jitter. Default 0.8. */
  jitterP?: number;
  /** Probability of grayscale. Default 0.2. */
  grayscale?: number;
  /** Probability of a horizontal flip. Default 0.5 (pass 0 for digits and text). */
  flip?: number;
  /**
   * Probability of a Gaussian blur (sigma in [0.1, 2], kernel about 10% of the side). Default 0.5
   * for images of 96 px and more, 0 below (SimCLR blurs ImageNet, not CIFAR-10).
   */
  blur?: number;
  /** Per-channel normalization applied last, if given. */
  normalize?: NormalizeOptions;
}

/**
 * SimCLR's augmentation (Chen et al. 2020, appendix A; google-research/simclr `data_util.py`):
 * random resized crop, horizontal flip, colour jitter 0.8 s / 0.8 s / 0.8 s / 0.2 s with
 * probability 0.8, grayscale with probability 0.2, and Gaussian blur with probability 0.5 for
 * images of 96 px and more. Apply it twice per image to make SimCLR's two views: pass it to
 * `dataset.twoViews(...)`.
 *
 * @example
 * ```ts
 * const pairs = images.batch(256).twoViews(simclrAugment({ size: 32 }), createRng(0));
 * ```
 */
export function simclrAugment(options: SimclrAugmentOptions): Transform {
  const side =
    typeof options.size === 'number' ? options.size : Math.min(options.size[0], options.size[1]);
  const large = side >= 96;
  const s = options.jitterStrength ?? 0.5;
  if (!(s >= 0)) throw new Error(`simclrAugment: jitterStrength must be >= 0, got ${s}`);
  return viewAugment({
    size: options.size,
    scale: [options.minScale ?? (large ? 0.08 : 0.2), 1],
    flip: options.flip ?? 0.5,
    jitter: {
      brightness: 0.8 * s,
      contrast: 0.8 * s,
      saturation: 0.8 * s,
      hue: Math.min(0.5, 0.2 * s),
    },
    jitterP: options.jitterP ?? 0.8,
    grayscale: options.grayscale ?? 0.2,
    blur: options.blur ?? (large ? 0.5 : 0),
    normalize: options.normalize,
  });
}
