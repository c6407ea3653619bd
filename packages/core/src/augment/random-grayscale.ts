import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkProbability, drawMask, imageShape, selectSamples } from './_internal';
import { rgbToGrayscale } from './rgb-to-grayscale';
import type { Transform } from './types';

/** Options of {@link randomGrayscale}. */
export interface RandomGrayscaleOptions {
  /** Probability that a sample is converted. Default 0.1 (torchvision's). */
  p?: number;
}

/**
 * torchvision's `RandomGrayscale`, per sample: with probability `p` an RGB image is replaced by
 * its ITU-R 601-2 luma (see {@link rgbToGrayscale}) replicated to 3 channels, so the output keeps
 * the input's shape. One-channel images are already gray and come back unchanged.
 *
 * @example
 * ```ts
 * const gray = randomGrayscale({ p: 0.2 });
 * const out = gray(images, rng);
 * ```
 */
export function randomGrayscale(options: RandomGrayscaleOptions = {}): Transform {
  const p = checkProbability(options.p ?? 0.1, 'randomGrayscale');
  return (images: tf.Tensor4D, rng) => {
    const [batch, , , c] = imageShape(images, 'randomGrayscale');
    if (c !== 1 && c !== 3) throw new Error(`randomGrayscale: expected 1 or 3 channels, got ${c}`);
    const mask = drawMask(batch, p, resolveRng(rng));
    return tf.tidy(() => {
      if (c === 1 || mask.every((m) => !m)) return images.clone();
      return selectSamples(mask, rgbToGrayscale(images, 3), images);
    });
  };
}
