import * as tf from '@tensorflow/tfjs';
import { blend } from './_color';
import { imageShape, perSampleArray } from './_internal';

/**
 * Adjusts contrast per sample as torchvision's `adjust_contrast`: blends each image with the mean
 * of its grayscale version, `clip(f x + (1 - f) mean(gray(x)), 0, 1)`. Factor 0 gives a uniform
 * gray image, 1 the original. One-channel images use their own mean.
 *
 * @param images - `[batch, height, width, 1 | 3]` in [0, 1].
 * @param factors - non-negative factor per sample (or one for all).
 *
 * @example
 * ```ts
 * const out = adjustContrast(images, 0.5); // halve every image's contrast
 * ```
 */
export function adjustContrast(
  images: tf.Tensor4D,
  factors: number | ArrayLike<number>,
): tf.Tensor4D {
  const [batch, , , c] = imageShape(images, 'adjustContrast');
  if (c !== 1 && c !== 3) throw new Error(`adjustContrast: expected 1 or 3 channels, got ${c}`);
  const f = perSampleArray(
    factors,
    batch,
    'adjustContrast',
    'factor',
    (v) => v >= 0,
    'non-negative',
  );
  return tf.tidy(() =>
    blend(
      images,
      f,
      f.map(() => 0),
      f.map((v) => 1 - v),
    ),
  );
}
