import * as tf from '@tensorflow/tfjs';
import { imageShape } from './_internal';
import type { Transform } from './types';

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** Per-channel mean (or one value for all channels). */
  mean: number | readonly number[];
  /** Per-channel standard deviation, positive (or one value for all channels). */
  std: number | readonly number[];
}

/**
 * torchvision's `Normalize`: `(x - mean) / std` per channel. Deterministic (the rng argument is
 * accepted so it composes with random transforms, and ignored).
 *
 * @example
 * ```ts
 * const norm = normalize({ mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.243, 0.261] }); // CIFAR-10
 * const out = norm(images);
 * ```
 */
export function normalize(options: NormalizeOptions): Transform {
  const mean = typeof options.mean === 'number' ? [options.mean] : [...options.mean];
  const std = typeof options.std === 'number' ? [options.std] : [...options.std];
  if (mean.length === 0 || !mean.every(Number.isFinite)) {
    throw new Error(`normalize: mean must be finite numbers, got ${JSON.stringify(options.mean)}`);
  }
  if (std.length === 0 || !std.every((s) => Number.isFinite(s) && s > 0)) {
    throw new Error(`normalize: std must be positive numbers, got ${JSON.stringify(options.std)}`);
  }
  return (images: tf.Tensor4D) => {
    const c = imageShape(images, 'normalize')[3];
    for (const [name, v] of [
      ['mean', mean],
      ['std', std],
    ] as const) {
      if (v.length !== 1 && v.length !== c) {
        throw new Error(
          `normalize: ${name} has ${v.length} values but the images have ${c} channels`,
        );
      }
    }
    return tf.tidy(
      () => tf.div(tf.sub(images, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D,
    );
  };
}
