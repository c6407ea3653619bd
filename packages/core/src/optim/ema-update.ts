import * as tf from '@tensorflow/tfjs';

const shapeString = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Exponential moving average in place, as BYOL/MoCo/DINO update their target (teacher) network:
 * `target[i] ← m · target[i] + (1 − m) · online[i]`. Shapes are checked for every pair before any
 * variable changes. Leaks no tensors.
 *
 * @example
 * ```ts
 * const tau = cosineMomentum(0.996, step, totalSteps);
 * emaUpdate(targetVariables, onlineVariables, tau);
 * ```
 */
export function emaUpdate(
  target: readonly tf.Variable[],
  online: readonly tf.Tensor[],
  m: number,
): void {
  if (typeof m !== 'number' || !(m >= 0 && m <= 1)) {
    throw new Error(`emaUpdate: momentum m must be in [0, 1], got ${m}`);
  }
  if (target.length !== online.length) {
    throw new Error(
      `emaUpdate: expected as many online tensors as target variables (${target.length}), ` +
        `got ${online.length}`,
    );
  }
  target.forEach((t, i) => {
    const o = online[i];
    const same = t.shape.length === o.shape.length && t.shape.every((d, j) => d === o.shape[j]);
    if (!same) {
      throw new Error(
        `emaUpdate: target[${i}] ('${t.name}') has shape ${shapeString(t.shape)} but online[${i}] ` +
          `has shape ${shapeString(o.shape)}`,
      );
    }
    if (t.dtype !== 'float32' || o.dtype !== 'float32') {
      throw new Error(
        `emaUpdate: target[${i}] and online[${i}] must be float32, got ${t.dtype} and ${o.dtype}`,
      );
    }
  });
  tf.tidy(() => {
    target.forEach((t, i) => {
      t.assign(tf.add(tf.mul(t, m), tf.mul(online[i], 1 - m)));
    });
  });
}
