import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../ops/index';
import { assertFloat, assertPositive, assertRank, assertSameShape, formatShape } from './internal';

/** Options of {@link dinoLoss}. */
export interface DinoLossOptions {
  /** Temperature of the student softmax. @defaultValue 0.1 */
  studentTemperature?: number;
  /**
   * Temperature of the teacher softmax. Pass the current value of a schedule if you use one:
   * the official recipes warm it up linearly from 0.04 (to as much as 0.07) over the first 30
   * epochs. @defaultValue 0.04
   */
  teacherTemperature?: number;
}

/**
 * The DINO self-distillation loss (Caron et al., "Emerging Properties in Self-Supervised Vision
 * Transformers", ICCV 2021).
 *
 * Follows `DINOLoss.forward` in facebookresearch/dino (`main_dino.py`): the teacher targets are
 * `softmax((t - center) / teacherTemperature)` with no gradient (to the teacher outputs nor to
 * the center); for every pair of a teacher view i and a student view v with v != i, the
 * cross-entropy `sum(-target * log_softmax(s_v / studentTemperature))` is averaged over the batch;
 * the loss is the mean over those pairs. Teacher view i is the same crop as student view i (the
 * global crops come first in `studentOutputs`, as in the official code).
 *
 * The official `forward` also updates the center; here that is {@link updateDinoCenter}, to call
 * with the same teacher outputs after the step.
 *
 * @param studentOutputs - One `[N, K]` tensor per crop (global crops first, then local crops).
 * @param teacherOutputs - One `[N, K]` tensor per global crop (usually 2).
 * @param center - `[K]` or `[1, K]` running center of the teacher outputs.
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const loss = dinoLoss(crops.map((c) => student.apply(c) as tf.Tensor),
 *   globalCrops.map((c) => teacher.apply(c) as tf.Tensor), center);
 * ```
 */
export function dinoLoss(
  studentOutputs: tf.Tensor[],
  teacherOutputs: tf.Tensor[],
  center: tf.Tensor,
  options: DinoLossOptions = {},
): tf.Scalar {
  const fn = 'dinoLoss';
  const studentTemperature = options.studentTemperature ?? 0.1;
  const teacherTemperature = options.teacherTemperature ?? 0.04;
  if (!Array.isArray(studentOutputs) || !Array.isArray(teacherOutputs)) {
    throw new Error(`${fn}: studentOutputs and teacherOutputs must be arrays of [N, K] tensors`);
  }
  if (teacherOutputs.length === 0 || studentOutputs.length === 0) {
    throw new Error(
      `${fn}: needs at least one student and one teacher output, got ${studentOutputs.length} and ${teacherOutputs.length}`,
    );
  }
  const all = [...studentOutputs, ...teacherOutputs];
  all.forEach((t, i) => {
    const name =
      i < studentOutputs.length
        ? `studentOutputs[${i}]`
        : `teacherOutputs[${i - studentOutputs.length}]`;
    assertRank(fn, name, t, 2, '[N, K]');
    assertFloat(fn, name, t);
    assertSameShape(fn, 'studentOutputs[0]', all[0], name, t);
  });
  const k = all[0].shape[1];
  if (!(center instanceof tf.Tensor) || center.size !== k || center.rank > 2) {
    throw new Error(
      `${fn}: center must be a [${k}] or [1, ${k}] tensor, got ${center instanceof tf.Tensor ? formatShape(center.shape) : typeof center}`,
    );
  }
  assertPositive(fn, 'studentTemperature', studentTemperature);
  assertPositive(fn, 'teacherTemperature', teacherTemperature);
  let pairs = 0;
  for (let i = 0; i < teacherOutputs.length; i++) {
    for (let v = 0; v < studentOutputs.length; v++) if (v !== i) pairs++;
  }
  if (pairs === 0) {
    throw new Error(
      `${fn}: no (teacher, student) pair of different views: got ${teacherOutputs.length} teacher and ${studentOutputs.length} student outputs`,
    );
  }
  return tf.tidy(() => {
    const c = stopGradient(tf.reshape(center, [1, k]));
    const targets = teacherOutputs.map((t) =>
      stopGradient(tf.softmax(tf.div(tf.sub(t, c), teacherTemperature))),
    );
    const logProbs = studentOutputs.map((s) => tf.logSoftmax(tf.div(s, studentTemperature)));
    const terms: tf.Tensor[] = [];
    targets.forEach((q, i) => {
      logProbs.forEach((lp, v) => {
        if (v === i) return;
        terms.push(tf.mean(tf.neg(tf.sum(tf.mul(q, lp), -1))));
      });
    });
    return tf.div(tf.addN(terms), pairs) as tf.Scalar;
  });
}
