import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import type { Transform } from './types';

/**
 * Chains transforms (torchvision's `Compose`): each gets the previous output and the same
 * generator, in order; intermediate tensors are disposed. Works for image and audio transforms.
 *
 * @example
 * ```ts
 * const simclr = compose([
 *   randomResizedCrop({ size: 32 }),
 *   horizontalFlip(),
 *   colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 }),
 *   randomGrayscale({ p: 0.2 }),
 * ]);
 * const view = simclr(images, rng);
 * ```
 */
export function compose<T extends tf.Tensor = tf.Tensor4D>(
  transforms: ReadonlyArray<Transform<T>>,
): Transform<T> {
  const list = [...transforms];
  return (x: T, rng) => {
    const r = resolveRng(rng);
    return tf.tidy(() => list.reduce((acc, t) => t(acc, r), x.clone() as T));
  };
}
