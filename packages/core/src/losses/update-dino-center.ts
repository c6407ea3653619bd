import * as tf from '@tensorflow/tfjs';
import { assertFloat, assertRank, formatShape } from './internal';

/**
 * The EMA update of DINO's teacher center (Caron et al., ICCV 2021):
 * `center * momentum + mean(teacher outputs) * (1 - momentum)`, the mean taken over the rows of
 * all teacher outputs together.
 *
 * Follows `DINOLoss.update_center` in facebookresearch/dino (`main_dino.py`), computed without
 * gradient. Returns a new tensor of the center's shape; the caller owns it and the old center
 * (assign it to a `tf.Variable`, or dispose the old one).
 *
 * @param center - `[K]` or `[1, K]` current center.
 * @param teacherOutputs - `[N, K]` teacher outputs of this step, one per global crop, or one
 *   tensor with all crops concatenated along the batch (the official code's `teacher_output`).
 * @param momentum - EMA momentum (`center_momentum`). @defaultValue 0.9
 * @returns The new center, same shape as `center`.
 *
 * @example
 * ```ts
 * const next = updateDinoCenter(center, teacherOutputs);
 * center.dispose();
 * center = next;
 * ```
 */
export function updateDinoCenter(
  center: tf.Tensor,
  teacherOutputs: tf.Tensor | tf.Tensor[],
  momentum = 0.9,
): tf.Tensor {
  const fn = 'updateDinoCenter';
  const outputs = teacherOutputs instanceof tf.Tensor ? [teacherOutputs] : teacherOutputs;
  if (!Array.isArray(outputs) || outputs.length === 0) {
    throw new Error(`${fn}: teacherOutputs must be a non-empty array of [N, K] tensors`);
  }
  if (!(center instanceof tf.Tensor) || center.rank > 2 || center.rank < 1) {
    throw new Error(`${fn}: center must be a [K] or [1, K] tensor`);
  }
  const k = center.shape[center.rank - 1];
  if (center.size !== k) {
    throw new Error(
      `${fn}: center must be a [K] or [1, K] tensor, got ${formatShape(center.shape)}`,
    );
  }
  outputs.forEach((t, i) => {
    assertRank(fn, `teacherOutputs[${i}]`, t, 2, '[N, K]');
    assertFloat(fn, `teacherOutputs[${i}]`, t);
    if (t.shape[1] !== k) {
      throw new Error(
        `${fn}: teacherOutputs[${i}] must have ${k} columns to match the center, got ${formatShape(t.shape)}`,
      );
    }
  });
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new Error(`${fn}: momentum must be in [0, 1], got ${momentum}`);
  }
  return tf.tidy(() => {
    const batchCenter = tf.mean(tf.concat(outputs, 0), 0);
    const next = tf.add(
      tf.mul(tf.reshape(center, [k]), momentum),
      tf.mul(batchCenter, 1 - momentum),
    );
    return tf.reshape(next, center.shape);
  });
}
