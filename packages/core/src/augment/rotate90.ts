import type * as tf from '@tensorflow/tfjs';
import { rotate90Batch } from './rotate90-batch';
import type { Transform } from './types';

/**
 * A transform rotating each (square) image by a random multiple of 90 degrees, per sample. Use
 * {@link rotate90Batch} to also get the rotation labels.
 *
 * @example
 * ```ts
 * const pipeline = compose([rotate90(), horizontalFlip()]);
 * ```
 */
export function rotate90(): Transform {
  return (images: tf.Tensor4D, rng) => {
    const { images: out, labels } = rotate90Batch(images, rng);
    labels.dispose();
    return out;
  };
}
