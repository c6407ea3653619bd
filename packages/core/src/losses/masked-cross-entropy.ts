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
 * computed as log-sum-exp minus the target logit (stable for large logits), with a custom
 * gradient, softmax minus one-hot.
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
  // Only the scored rows go through the softmax (in masked language modelling ~15% of them): the
  // gather's gradient scatters theirs back into zeros, which is what ignored rows get anyway.
  const partial = count > 0 && count < safe.length;
  const rows = partial ? Int32Array.from(safe.keys()).filter((r) => safe[r] >= 0) : undefined;
  const labelsOfScored = rows === undefined ? safe : Int32Array.from(rows, (r) => safe[r]);
  // A custom gradient, softmax minus one-hot, instead of differentiating logSoftmax and the
  // selection: on a [4096, 8000] vocabulary projection the autodiff graph ran the (scalar, ~9 ns
  // an element on wasm) exponential twice, a row sum and a select over the whole logits (about
  // 1.3 s a step). Here the probabilities come from tf.softmax (one vectorized XNNPACK pass on
  // wasm) and log-sum-exp from them: the largest probability sits at the largest logit m, so
  // logsumexp = m - log(max p), where max p >= 1/V never underflows.
  const loss = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    if (count === 0) {
      // Nothing scored: 0, with a zero gradient (an all-ignored batch gives +0).
      return { value: tf.scalar(0), gradFunc: () => tf.zerosLike(x) };
    }
    const probs = tf.softmax(x);
    save([probs]);
    // Every row of x is scored: (sum of log-sum-exp - sum of target logits) / count.
    const logSumExp = tf.sub(tf.max(x, -1), tf.log(tf.max(probs, -1)));
    const targets = Int32Array.from(labelsOfScored, (label, row) => row * numClasses + label);
    const value = tf.div(
      tf.sub(
        tf.sum(logSumExp),
        tf.sum(tf.gather(tf.reshape(x, [-1]), tf.tensor1d(targets, 'int32'))),
      ),
      count,
    );
    return {
      value: value as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [p] = saved;
        const oneHot = tf.oneHot(tf.tensor1d(labelsOfScored, 'int32'), numClasses, 1, 0, 'float32');
        return tf.mul(tf.sub(p, oneHot), tf.div(dy, count));
      },
    };
  });
  return tf.tidy(() => {
    const x2 = tf.reshape(logits, [-1, numClasses]);
    return loss(rows === undefined ? x2 : tf.gather(x2, tf.tensor1d(rows, 'int32'))) as tf.Scalar;
  });
}
