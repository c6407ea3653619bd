import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkProbability, checkRange, drawMask, imageShape, selectSamples } from './_internal';
import { gaussianBlurImages } from './gaussian-blur-images';
import type { Transform } from './types';

/** Options of {@link gaussianBlur}. */
export interface GaussianBlurOptions {
  /** Odd kernel size, or `[height, width]` (e.g. ~10% of the image side: 23 for 224, 3 for 32). */
  kernelSize: number | readonly [number, number];
  /** Sigma, fixed or drawn uniformly per sample from `[min, max]`. Default [0.1, 2] (torchvision's). */
  sigma?: number | readonly [number, number];
  /** Probability that a sample is blurred. Default 1 (torchvision's `GaussianBlur` always applies). */
  p?: number;
}

/**
 * torchvision's `GaussianBlur`, per sample: with probability `p`, each image is blurred with its
 * own sigma drawn uniformly from `sigma` (see {@link gaussianBlurImages}). The blur runs on the
 * whole batch in one pass and the selected samples are taken from it.
 *
 * @example
 * ```ts
 * const blur = gaussianBlur({ kernelSize: 23, sigma: [0.1, 2], p: 0.5 }); // SimCLR on 224 x 224
 * const out = blur(images, rng);
 * ```
 */
export function gaussianBlur(options: GaussianBlurOptions): Transform {
  const fn = 'gaussianBlur';
  const sigma = options.sigma ?? [0.1, 2];
  const [sMin, sMax] = typeof sigma === 'number' ? [sigma, sigma] : checkRange(sigma, fn, 'sigma');
  if (!(sMin > 0)) throw new Error(`${fn}: sigma must be positive, got ${JSON.stringify(sigma)}`);
  const p = checkProbability(options.p ?? 1, fn);
  return (images: tf.Tensor4D, rng) => {
    const batch = imageShape(images, fn)[0];
    const r = resolveRng(rng);
    const mask = drawMask(batch, p, r);
    // Sigmas are drawn for the selected samples only; the others' (unused) blur uses sMin.
    const sigmas = mask.map((m) => (m ? r.uniform(sMin, sMax) : sMin));
    return tf.tidy(() => {
      if (mask.every((m) => !m)) return images.clone();
      return selectSamples(mask, gaussianBlurImages(images, sigmas, options.kernelSize), images);
    });
  };
}
