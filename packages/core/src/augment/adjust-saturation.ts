import * as tf from '@tensorflow/tfjs';
import { blend } from './_color';
import { imageShape, perSampleArray } from './_internal';

/**
 * Adjusts saturation per sample as torchvision's `adjust_saturation`: blends each image with its
 * grayscale version, `clip(f x + (1 - f) gray(x), 0, 1)`. Factor 0 gives grayscale, 1 the
 * original, 2 doubles the saturation. One-channel images are returned unchanged (as in
 * torchvision and PIL).
 *
 * @param images - `[batch, height, width, 1 | 3]` in [0, 1].
 * @param factors - non-negative factor per sample (or one for all).
 *
 * @example
 * ```ts
 * const out = adjustSaturation(images, [0, 2]); // first grayscale, second more saturated
 * ```
 */
export function adjustSaturation(
  images: tf.Tensor4D,
  factors: number | ArrayLike<number>,
): tf.Tensor4D {
  const [batch, , , c] = imageShape(images, 'adjustSaturation');
  if (c !== 1 && c !== 3) throw new Error(`adjustSaturation: expected 1 or 3 channels, got ${c}`);
  const f = perSampleArray(
    factors,
    batch,
    'adjustSaturation',
    'factor',
    (v) => v >= 0,
    'non-negative',
  );
  if (c === 1) return images.clone();
  return tf.tidy(() =>
    blend(
      images,
      f,
      f.map((v) => 1 - v),
      f.map(() => 0),
    ),
  );
}
