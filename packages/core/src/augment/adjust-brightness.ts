import * as tf from '@tensorflow/tfjs';
import { blend } from './_color';
import { imageShape, perSampleArray } from './_internal';

/**
 * Scales brightness per sample as torchvision's `adjust_brightness`: blends each image with black,
 * `clip(factor * x, 0, 1)`. Factor 0 gives black, 1 the original. Any channel count.
 *
 * @param images - `[batch, height, width, channels]` in [0, 1].
 * @param factors - non-negative factor per sample (or one for all).
 *
 * @example
 * ```ts
 * const out = adjustBrightness(images, [0.6, 1, 1.4]); // batch of 3
 * ```
 */
export function adjustBrightness(
  images: tf.Tensor4D,
  factors: number | ArrayLike<number>,
): tf.Tensor4D {
  const batch = imageShape(images, 'adjustBrightness')[0];
  const f = perSampleArray(
    factors,
    batch,
    'adjustBrightness',
    'factor',
    (v) => v >= 0,
    'non-negative',
  );
  const zero = new Array<number>(batch).fill(0);
  return tf.tidy(() => blend(images, f, zero, zero));
}
