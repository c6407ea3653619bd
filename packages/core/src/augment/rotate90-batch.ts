import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '../random/index';
import { imageShape } from './_internal';
import { rot90 } from './rot90';

/**
 * Rotates each image by a random multiple of 90 degrees (counter-clockwise, k uniform in
 * {0, 1, 2, 3} per sample) and returns the k as labels: the RotNet pretext task (Gidaris et al.,
 * 2018), whose model is trained to classify the rotation.
 *
 * @param images - `[batch, size, size, channels]`: square, since odd k swap height and width.
 * @returns `images` rotated, and `labels` (int32 `[batch]`) with each sample's k.
 *
 * @example
 * ```ts
 * const { images: rotated, labels } = rotate90Batch(images, rng);
 * const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), model.predict(rotated));
 * ```
 */
export function rotate90Batch(
  images: tf.Tensor4D,
  rng?: Rng,
): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const [batch, height, width] = imageShape(images, 'rotate90Batch');
  if (height !== width) {
    throw new Error(`rotate90Batch: expected square images, got ${height} x ${width}`);
  }
  const r = resolveRng(rng);
  const ks = Int32Array.from({ length: batch }, () => r.int(4));
  return { images: rot90(images, ks), labels: tf.tensor1d(ks, 'int32') };
}
