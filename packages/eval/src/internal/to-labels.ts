import * as tf from '@tensorflow/tfjs';
import type { LabelsLike } from '../types';

/**
 * Converts labels to an Int32Array of class indices. Rank-2 tensors (one-hot or probabilities)
 * are reduced with argMax; everything else must hold non-negative integers.
 *
 * @example
 * ```ts
 * toInt32Labels([0, 2, 1], 'labels'); // Int32Array [0, 2, 1]
 * ```
 */
export function toInt32Labels(y: LabelsLike, what: string): Int32Array {
  let values: ArrayLike<number>;
  if (y instanceof tf.Tensor) {
    if (y.rank === 2) {
      const idx = tf.argMax(y, 1);
      values = idx.dataSync();
      idx.dispose();
    } else if (y.rank === 1) {
      values = y.dataSync();
    } else {
      throw new Error(
        `${what}: expected labels of rank 1 (indices) or 2 (one-hot), got shape [${y.shape}]`,
      );
    }
  } else {
    values = y;
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`${what}: labels must be non-negative integers, got ${v} at index ${i}`);
    }
    out[i] = v;
  }
  return out;
}
