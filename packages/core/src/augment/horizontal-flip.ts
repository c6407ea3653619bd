import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkProbability, drawMask, imageShape, selectSamples } from './_internal';
import type { Transform } from './types';

/** Options of {@link horizontalFlip}. */
export interface HorizontalFlipOptions {
  /** Probability that a sample is flipped. Default 0.5 (torchvision's). */
  p?: number;
}

/**
 * torchvision's `RandomHorizontalFlip`, per sample: each image is mirrored left-right with
 * probability `p`, independently. Any channel count.
 *
 * @example
 * ```ts
 * const flip = horizontalFlip({ p: 0.5 });
 * const out = flip(images, rng);
 * ```
 */
export function horizontalFlip(options: HorizontalFlipOptions = {}): Transform {
  const p = checkProbability(options.p ?? 0.5, 'horizontalFlip');
  return (images: tf.Tensor4D, rng) => {
    const batch = imageShape(images, 'horizontalFlip')[0];
    const mask = drawMask(batch, p, resolveRng(rng));
    return tf.tidy(() => {
      if (mask.every((m) => !m)) return images.clone();
      // flipLeftRight is a dedicated kernel (tf.reverse is ~8x slower on wasm); float32 only.
      const flipped =
        images.dtype === 'float32'
          ? tf.image.flipLeftRight(images)
          : (tf.reverse(images, 2) as tf.Tensor4D);
      return selectSamples(mask, flipped, images);
    });
  };
}
