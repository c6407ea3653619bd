import * as tf from '@tensorflow/tfjs';
import type { Encoder } from '../types';

/**
 * Runs an encoder in inference mode (`predict` for a Layers model); the result is owned by the
 * caller or the enclosing tidy.
 *
 * @example
 * ```ts
 * const z = tf.tidy(() => runEncoder(model, x));
 * ```
 */
export function runEncoder(encoder: Encoder, x: tf.Tensor): tf.Tensor {
  if (encoder instanceof tf.LayersModel) {
    const out = encoder.predict(x);
    if (Array.isArray(out)) {
      throw new Error(
        `runEncoder: encoder has ${out.length} outputs; pass a function that returns the embedding`,
      );
    }
    return out;
  }
  return encoder(x);
}
