import * as tf from '@tensorflow/tfjs';
import {
  colorJitter,
  compose,
  gaussianBlur,
  horizontalFlip,
  normalize,
  randomGrayscale,
  randomResizedCrop,
  resolveRng,
  solarize,
  type NormalizeOptions,
  type Rng,
  type Transform,
} from '@selfsup/core';

/**
 * Colour-jitter strengths (torchvision's `ColorJitter` arguments).
 *
 * @example
 * ```ts
 * const s: JitterStrengths = { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 };
 * ```
 */
export interface JitterStrengths {
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

/**
 * Options of {@link viewAugment}: the torchvision pipeline every joint-embedding method builds its
 * views with, one probability or range per step. Steps with probability 0 are skipped.
 *
 * @example
 * ```ts
 * const o: ViewAugmentOptions = { size: 32, scale: [0.2, 1], jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 } };
 * ```
 */
export interface ViewAugmentOptions {
  /** Output side, or [height, width]. */
  size: number | readonly [number, number];
  /** Area range of RandomResizedCrop. Default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Aspect-ratio range of RandomResizedCrop. Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  /** Probability of a horizontal flip. Default 0.5. */
  flip?: number;
  /** Colour-jitter strengths, or false for none. Default 0.4 / 0.4 / 0.4 / 0.1. */
  jitter?: JitterStrengths | false;
  /** Probability of applying the colour jitter. Default 0.8. */
  jitterP?: number;
  /** Probability of converting to grayscale. Default 0.2. */
  grayscale?: number;
  /** Probability of a Gaussian blur with sigma in [0.1, 2]. Default 0. */
  blur?: number;
  /** Blur kernel side (odd). Default about 10% of the image side: `2 * floor(side / 20) + 1` (23 at 224 px). */
  blurKernelSize?: number;
  /** Probability of solarization (threshold 0.5). Default 0. */
  solarize?: number;
  /** Per-channel normalization applied last, if given. */
  normalize?: NormalizeOptions;
}

/** The default blur kernel: about 10% of the side, odd (SimCLR: 23 px at 224, 9 at 96). */
function defaultBlurKernelSize(side: number): number {
  return 2 * Math.floor(side / 20) + 1;
}

function checkP(name: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new Error(`viewAugment: ${name} must be a probability in [0, 1], got ${String(p)}`);
  return p;
}

/**
 * One augmented view, in the order of the SimCLR / MoCo / BYOL recipes: RandomResizedCrop ->
 * horizontal flip -> colour jitter (with probability `jitterP`) -> grayscale -> Gaussian blur ->
 * solarize -> normalize, every sample drawing its own parameters from `rng`. Input: a batch of
 * NHWC images in [0, 1]; output `[B, size, size, C]`. Built from core's transforms.
 *
 * @example
 * ```ts
 * const view = viewAugment({ size: 32, scale: [0.2, 1], blur: 0 });
 * const x = view(images, createRng(0)); // [B, 32, 32, C]
 * ```
 */
export function viewAugment(options: ViewAugmentOptions): Transform {
  const size: [number, number] =
    typeof options.size === 'number'
      ? [options.size, options.size]
      : [options.size[0], options.size[1]];
  if (!size.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(
      `viewAugment: size must be positive integers, got ${JSON.stringify(options.size)}`,
    );
  }
  const steps: Transform[] = [
    randomResizedCrop({
      size,
      scale: options.scale ?? [0.08, 1],
      ratio: options.ratio ?? [3 / 4, 4 / 3],
    }),
  ];
  const flip = checkP('flip', options.flip ?? 0.5);
  if (flip > 0) steps.push(horizontalFlip({ p: flip }));
  const jitter = options.jitter ?? { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 };
  const jitterP = checkP('jitterP', options.jitterP ?? 0.8);
  if (jitter !== false && jitterP > 0) steps.push(colorJitter({ ...jitter, p: jitterP }));
  const gray = checkP('grayscale', options.grayscale ?? 0.2);
  if (gray > 0) steps.push(randomGrayscale({ p: gray }));
  const blur = checkP('blur', options.blur ?? 0);
  if (blur > 0) {
    const kernelSize = options.blurKernelSize ?? defaultBlurKernelSize(Math.min(size[0], size[1]));
    if (kernelSize > 1) steps.push(gaussianBlur({ kernelSize, sigma: [0.1, 2], p: blur }));
  }
  const sol = checkP('solarize', options.solarize ?? 0);
  if (sol > 0) steps.push(solarize({ threshold: 0.5, p: sol }));
  if (options.normalize) steps.push(normalize(options.normalize));
  const pipeline = compose(steps);
  return (images: tf.Tensor4D, rng?: Rng) => pipeline(images, resolveRng(rng));
}
