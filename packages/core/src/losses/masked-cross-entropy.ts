import * as tf from '@tensorflow/tfjs';
import { assertFloat, formatShape } from './internal';

/** Options of {@link maskedCrossEntropy}. */
export interface MaskedCrossEntropyOptions {
  /** Label value of positions that are not scored (PyTorch's `ignore_index`). @defaultValue -100 */
  ignoreIndex?: number;
}

/**
 * Token-level cross-entropy averaged over the positions whose label is not `ignoreIndex`: the
 * loss of masked language modelling (BERT), masked image modelling with discrete targets (BEiT)
 * and causal language modelling after shifting labels by one.
 *
 * Matches PyTorch's `F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100)`
 * with mean reduction, as Hugging Face's `BertForMaskedLM` and the BEiT code use it. It is
 * computed from `tf.logSoftmax` (stable for large logits), and the target log-probability is
 * selected with a one-hot mask rather than `tf.gather`, so the backward pass needs no
 * UnsortedSegmentSum (absent from stock wasm).
 *
 * Deviation: PyTorch returns NaN when every position is ignored; this returns 0 (with zero
 * gradients), so a batch without masked tokens does not poison training.
 *
 * The labels are read on the CPU to check them: each must be an integer in `[0, V)` or equal
 * to `ignoreIndex` (PyTorch raises on out-of-range labels too).
 *
 * @param logits - `[..., V]` unnormalized scores.
 * @param labels - `[...]` (the shape of `logits` without its last axis), int32 class ids.
 * @returns The scalar mean cross-entropy over the scored positions.
 *
 * @example
 * ```ts
 * // labels: the original token at masked positions, -100 elsewhere
 * const loss = maskedCrossEntropy(model.apply(maskedIds) as tf.Tensor3D, labels);
 * ```
 */
export function maskedCrossEntropy(
  logits: tf.Tensor,
  labels: tf.Tensor,
  options: MaskedCrossEntropyOptions = {},
): tf.Scalar {
  const fn = 'maskedCrossEntropy';
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!(logits instanceof tf.Tensor) || logits.rank < 1) {
    throw new Error(`${fn}: logits must be a tensor [..., V] of rank >= 1`);
  }
  assertFloat(fn, 'logits', logits);
  if (!(labels instanceof tf.Tensor)) {
    throw new Error(`${fn}: labels must be a tf.Tensor, got ${typeof labels}`);
  }
  const leading = logits.shape.slice(0, -1);
  if (labels.rank !== leading.length || labels.shape.some((d, i) => d !== leading[i])) {
    throw new Error(
      `${fn}: labels must have shape ${formatShape(leading)} (logits ${formatShape(logits.shape)} without the class axis), got ${formatShape(labels.shape)}`,
    );
  }
  if (labels.dtype !== 'int32' && labels.dtype !== 'float32') {
    throw new Error(`${fn}: labels must be an int32 tensor, got dtype ${labels.dtype}`);
  }
  if (!Number.isInteger(ignoreIndex)) {
    throw new Error(`${fn}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  }
  const numClasses = logits.shape[logits.rank - 1];
  const raw = labels.dataSync();
  const safe = new Int32Array(raw.length);
  let count = 0;
  for (let i = 0; i < raw.length; i++) {
    const label = raw[i];
    if (label === ignoreIndex) {
      safe[i] = -1; // tf.oneHot of -1 is an all-zero row: the position selects nothing
      continue;
    }
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new Error(
        `${fn}: labels must be integers in [0, ${numClasses}) or ignoreIndex (${ignoreIndex}), got ${label} at flat position ${i}`,
      );
    }
    safe[i] = label;
    count++;
  }
  return tf.tidy(() => {
    const logProbs = tf.reshape(tf.logSoftmax(tf.reshape(logits, [-1, numClasses])), [
      -1,
      numClasses,
    ]);
    const select = tf.cast(tf.oneHot(tf.tensor1d(safe, 'int32'), numClasses), 'bool');
    // where() rather than a product: a -Infinity logit elsewhere in the row must not become NaN.
    const picked = tf.where(select, logProbs, tf.zerosLike(logProbs));
    // 0 - sum rather than neg(sum): an all-ignored batch gives +0, not -0.
    return tf.div(tf.sub(0, tf.sum(picked)), Math.max(count, 1)) as tf.Scalar;
  });
}
