import * as tf from '@tensorflow/tfjs';
import { hsvPlanes, stackPlanes } from './_color';
import { imageShape } from './_internal';

/**
 * Converts NHWC RGB images in [0, 1] to HSV, every component in [0, 1] (hue as a fraction of a
 * turn), following torchvision's `_rgb2hsv` (itself Pillow's): where max == min, hue and
 * saturation are 0. tfjs has no `rgbToHsv`.
 *
 * @param images - `[batch, height, width, 3]` RGB.
 * @returns `[batch, height, width, 3]` with channels (h, s, v).
 *
 * @example
 * ```ts
 * const hsv = rgbToHsv(tf.tensor4d([1, 0, 0], [1, 1, 1, 3])); // [[[[0, 1, 1]]]]
 * ```
 */
export function rgbToHsv(images: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = imageShape(images, 'rgbToHsv');
  if (c !== 3) throw new Error(`rgbToHsv: expected 3 channels (RGB), got ${c}`);
  return tf.tidy(() => {
    const hsv = hsvPlanes(tf.reshape(images, [b * h * w, 3]) as tf.Tensor2D);
    return tf.reshape(stackPlanes(hsv), [b, h, w, 3]) as tf.Tensor4D;
  });
}
