import * as tf from '@tensorflow/tfjs';
import { planes, rgbFromHsvPlanes } from './_color';
import { imageShape } from './_internal';

/**
 * Converts NHWC HSV images (every component in [0, 1], hue as a fraction of a turn, taken modulo
 * 1) to RGB. Uses the closed form `c_n = v - v s max(0, min(k_n, 4 - k_n, 1))` with
 * `k_n = (n + 6h) mod 6`, n = 5, 3, 1 for R, G, B: for valid HSV it equals torchvision's
 * sector-based `_hsv2rgb` but needs no Einsum (absent on wasm).
 *
 * @param images - `[batch, height, width, 3]` with channels (h, s, v).
 * @returns `[batch, height, width, 3]` RGB.
 *
 * @example
 * ```ts
 * const rgb = hsvToRgb(tf.tensor4d([1 / 3, 1, 1], [1, 1, 1, 3])); // pure green
 * ```
 */
export function hsvToRgb(images: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = imageShape(images, 'hsvToRgb');
  if (c !== 3) throw new Error(`hsvToRgb: expected 3 channels (HSV), got ${c}`);
  return tf.tidy(() => {
    const [hue, s, v] = planes(tf.reshape(images, [b * h * w, 3]) as tf.Tensor2D);
    return tf.reshape(rgbFromHsvPlanes(hue, s, v), [b, h, w, 3]) as tf.Tensor4D;
  });
}
