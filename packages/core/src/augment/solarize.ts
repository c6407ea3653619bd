import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkProbability, drawMask, imageShape, selectSamples } from './_internal';
import type { Transform } from './types';

/** Options of {@link solarize}. */
export interface SolarizeOptions {
  /** Values >= threshold are inverted. Default 0.5 (BYOL's 128/255 on [0, 1] images). */
  threshold?: number;
  /** Probability that a sample is solarized. Default 0.5 (torchvision's `RandomSolarize`). */
  p?: number;
}

/**
 * torchvision's `RandomSolarize`, per sample: with probability `p`, every value `x >= threshold`
 * becomes `1 - x`; values below stay. Any channel count.
 *
 * @example
 * ```ts
 * const sol = solarize({ threshold: 0.5, p: 0.2 }); // BYOL's second view
 * const out = sol(images, rng);
 * ```
 */
export function solarize(options: SolarizeOptions = {}): Transform {
  const threshold = options.threshold ?? 0.5;
  if (!Number.isFinite(threshold))
    throw new Error(`solarize: threshold must be a number, got ${threshold}`);
  const p = checkProbability(options.p ?? 0.5, 'solarize');
  return (images: tf.Tensor4D, rng) => {
    const batch = imageShape(images, 'solarize')[0];
    const mask = drawMask(batch, p, resolveRng(rng));
    return tf.tidy(() => {
      if (mask.every((m) => !m)) return images.clone();
      const solarized = tf.where(
        tf.greaterEqual(images, threshold),
        tf.sub(1, images),
        images,
      ) as tf.Tensor4D;
      return selectSamples(mask, solarized, images);
    });
  };
}
