import * as tf from '@tensorflow/tfjs';
import { luma, luma3 } from './_color';
import { imageShape } from './_internal';

/**
 * Converts NHWC RGB images to grayscale with the ITU-R 601-2 luma transform
 * `L = 0.299 R + 0.587 G + 0.114 B` (torchvision uses 0.2989 for R; the difference is < 1e-4).
 * Written as a 2-D matMul, because `tf.image.rgbToGrayscale` uses Einsum, which the wasm backend
 * lacks; the 3-channel output comes from a [3, 3] weight, so the channels are equal without a
 * Tile. One-channel input is returned as a copy.
 *
 * @param images - `[batch, height, width, 1 | 3]` floats.
 * @param numOutputChannels - 1, or 3 to replicate the luma into three channels.
 * @returns `[batch, height, width, numOutputChannels]`.
 *
 * @example
 * ```ts
 * const gray = rgbToGrayscale(images);        // [B, H, W, 1]
 * const gray3 = rgbToGrayscale(images, 3);    // [B, H, W, 3], equal channels
 * ```
 */
export function rgbToGrayscale(images: tf.Tensor4D, numOutputChannels: 1 | 3 = 1): tf.Tensor4D {
  const [b, h, w, c] = imageShape(images, 'rgbToGrayscale');
  if (c !== 1 && c !== 3) {
    throw new Error(`rgbToGrayscale: expected 1 or 3 channels, got ${c}`);
  }
  if (numOutputChannels !== 1 && numOutputChannels !== 3) {
    throw new Error(`rgbToGrayscale: numOutputChannels must be 1 or 3, got ${numOutputChannels}`);
  }
  return tf.tidy(() => {
    if (c === 1) {
      return numOutputChannels === 3
        ? (tf
            .matMul(tf.reshape(images, [b * h * w, 1]), tf.ones([1, 3]))
            .reshape([b, h, w, 3]) as tf.Tensor4D)
        : images.clone();
    }
    const pixels = tf.reshape(images, [b * h * w, 3]) as tf.Tensor2D;
    const gray = numOutputChannels === 3 ? luma3(pixels) : luma(pixels);
    return tf.reshape(gray, [b, h, w, numOutputChannels]) as tf.Tensor4D;
  });
}
