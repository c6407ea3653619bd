import * as tf from '@tensorflow/tfjs';
import { hsvPlanes, rgbFromHsvPlanes } from './_color';
import { imageShape, perSampleArray } from './_internal';

/**
 * Shifts hue per sample as torchvision's `adjust_hue`: converts to HSV, adds the factor to the
 * hue modulo 1 and converts back. A factor of 1/3 turns red into green, ±0.5 gives the
 * complementary colours. One-channel images are returned unchanged (as in torchvision and PIL).
 *
 * @param images - `[batch, height, width, 1 | 3]` in [0, 1].
 * @param factors - hue shift per sample in [-0.5, 0.5], as a fraction of a turn.
 *
 * @example
 * ```ts
 * const out = adjustHue(images, [0.1, -0.1]);
 * ```
 */
export function adjustHue(images: tf.Tensor4D, factors: number | ArrayLike<number>): tf.Tensor4D {
  const [batch, height, width, c] = imageShape(images, 'adjustHue');
  if (c !== 1 && c !== 3) throw new Error(`adjustHue: expected 1 or 3 channels, got ${c}`);
  const f = perSampleArray(
    factors,
    batch,
    'adjustHue',
    'factor',
    (v) => v >= -0.5 && v <= 0.5,
    'in [-0.5, 0.5]',
  );
  if (c === 1) return images.clone();
  return tf.tidy(() => {
    const n = batch * height * width;
    const [h, s, v] = hsvPlanes(tf.reshape(images, [n, 3]) as tf.Tensor2D);
    // Shift per sample: [batch, pixels] + [batch, 1]. rgbFromHsvPlanes reads the hue modulo 1.
    const shifted = tf.add(
      tf.reshape(h, [batch, height * width]),
      tf.tensor2d(Float32Array.from(f), [batch, 1]),
    );
    return tf.reshape(
      rgbFromHsvPlanes(tf.reshape(shifted, [n, 1]), s, v),
      images.shape,
    ) as tf.Tensor4D;
  });
}
