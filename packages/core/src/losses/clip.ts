import * as tf from '@tensorflow/tfjs';
import { logSumExp } from '../ops/log-sum-exp';
import { l2Normalize } from '../ops/index';
import { assertFloat, assertRank, assertSameShape, formatShape } from './internal';

/** Largest logit scale CLIP allows: exp(logitScale) is clamped at 100. */
const MAX_LOG_SCALE = Math.log(100);

/**
 * The symmetric contrastive loss of CLIP (Radford et al., "Learning Transferable Visual Models
 * From Natural Language Supervision", ICML 2021).
 *
 * Follows `ClipLoss` in mlfoundations/open_clip (`src/open_clip/loss.py`): both embeddings are
 * L2-normalized, the logits are `exp(logitScale) * I T^T`, and the loss is the mean of the
 * image-to-text and text-to-image cross-entropies with targets `arange(N)` (pair i matches
 * pair i).
 *
 * `logitScale` is the learnable log of the inverse temperature (CLIP initializes it to
 * `ln(1 / 0.07)`). open_clip clamps the parameter in place to `[0, ln 100]` after each optimizer
 * step; here the clamp is applied inside the loss, to the same range, so a stored value outside
 * it behaves as the bound and receives zero gradient (clamp the variable yourself as well if you
 * want it to stay in range, as open_clip does).
 *
 * @param imageEmb - `[N, D]` image embeddings.
 * @param textEmb - `[N, D]` text embeddings; row i describes image i.
 * @param logitScale - Scalar tensor (usually a `tf.Variable`) or number: the log logit scale.
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const logitScale = tf.variable(tf.scalar(Math.log(1 / 0.07)));
 * const loss = clipLoss(imageTower.apply(images), textTower.apply(tokens), logitScale);
 * ```
 */
export function clipLoss(
  imageEmb: tf.Tensor,
  textEmb: tf.Tensor,
  logitScale: tf.Tensor | number,
): tf.Scalar {
  const fn = 'clipLoss';
  assertRank(fn, 'imageEmb', imageEmb, 2, '[N, D]');
  assertRank(fn, 'textEmb', textEmb, 2, '[N, D]');
  assertSameShape(fn, 'imageEmb', imageEmb, 'textEmb', textEmb);
  assertFloat(fn, 'imageEmb', imageEmb);
  assertFloat(fn, 'textEmb', textEmb);
  if (typeof logitScale === 'number') {
    if (!Number.isFinite(logitScale)) {
      throw new Error(`${fn}: logitScale must be finite, got ${logitScale}`);
    }
  } else if (!(logitScale instanceof tf.Tensor) || logitScale.size !== 1) {
    throw new Error(
      `${fn}: logitScale must be a scalar tensor (the log logit scale), got shape ${
        logitScale instanceof tf.Tensor ? formatShape(logitScale.shape) : typeof logitScale
      }`,
    );
  }
  return tf.tidy(() => {
    const logScale = typeof logitScale === 'number' ? tf.scalar(logitScale) : logitScale;
    const scale = tf.exp(tf.clipByValue(tf.reshape(logScale, []), 0, MAX_LOG_SCALE));
    const img = l2Normalize(imageEmb);
    const txt = l2Normalize(textEmb);
    const logits = tf.mul(tf.matMul(img, tf.transpose(txt)), scale); // [N, N], image rows
    const positives = tf.mul(tf.sum(tf.mul(img, txt), 1), scale); // diagonal
    const imageToText = tf.mean(tf.sub(logSumExp(logits, 1), positives));
    // Text-to-image logits are logits^T: its rows are the columns here.
    const textToImage = tf.mean(tf.sub(logSumExp(logits, 0), positives));
    return tf.mul(tf.add(imageToText, textToImage), 0.5) as tf.Scalar;
  });
}
