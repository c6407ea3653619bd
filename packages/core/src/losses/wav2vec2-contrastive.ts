import * as tf from '@tensorflow/tfjs';
import { l2Normalize, stopGradient } from '../ops/index';
import {
  assertFloat,
  assertPositive,
  assertRank,
  assertSameShape,
  formatShape,
  LARGE_NEGATIVE,
} from './internal';

/** Options of {@link wav2vec2ContrastiveLoss}. */
export interface Wav2vec2ContrastiveLossOptions {
  /** Divides the cosine similarities (fairseq's `logit_temp`). @defaultValue 0.1 */
  temperature?: number;
}

/**
 * The contrastive loss of wav2vec 2.0 (Baevski et al., "wav2vec 2.0: A Framework for
 * Self-Supervised Learning of Speech Representations", NeurIPS 2020).
 *
 * Follows `Wav2Vec2Model.compute_preds` in facebookresearch/fairseq
 * (`fairseq/models/wav2vec/wav2vec2.py`) and the `wav2vec` criterion: for each step, the logits
 * are the cosine similarities between the context vector and `[positive target, K distractors]`
 * divided by the temperature; a distractor whose features all equal the positive's
 * (`(y == negs).all(-1)`, common with quantized targets) is excluded (fairseq sets its logit to
 * -inf); the cross-entropy with target 0 is averaged over the B*T steps (fairseq sums it and
 * divides by the number of steps). Gradients reach both `context` and `targets` (the
 * quantizer is trained through this loss).
 *
 * As in fairseq, `T` here is the set of scored (masked) steps, the same count per utterance, and
 * the distractors are other scored steps of the same utterance (see
 * {@link sampleNegativeIndices}); gather the masked steps before calling.
 *
 * Implementation: rather than gathering K distractor vectors per step (whose gradient needs
 * UnsortedSegmentSum, missing on stock wasm), the loss computes the `[B, T, T]` cosine matrix with
 * one batched matMul and weights `exp(logit)` by how many times each step was drawn (0 for the
 * excluded ones). The log-sum-exp is then identical to fairseq's over `1 + K` logits, including
 * repeated draws. Cost O(B T^2 D) instead of O(B T K D); at wav2vec 2.0 sizes (T of a few hundred
 * masked steps, K = 100) this is a plain matMul of the same order.
 *
 * Deviation: cosines use `x / max(||x||, 1e-12)` per vector (PyTorch's `F.normalize`) where
 * fairseq's `torch.cosine_similarity` clamps the product of the norms at 1e-8; they differ only
 * for near-zero vectors. Cross-utterance distractors (`cross_sample_negatives`, 0 by default in
 * fairseq) are not supported.
 *
 * @param context - `[B, T, D]` transformer outputs (after the final projection) at the scored steps.
 * @param targets - `[B, T, D]` quantized (or other) targets at the same steps.
 * @param negativeIndices - `[B, T, K]` int32 indices into the time axis of the same utterance.
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const negs = sampleNegativeIndices(B, T, 100, rng);
 * const loss = wav2vec2ContrastiveLoss(context, quantized, negs, { temperature: 0.1 });
 * negs.dispose();
 * ```
 */
export function wav2vec2ContrastiveLoss(
  context: tf.Tensor,
  targets: tf.Tensor,
  negativeIndices: tf.Tensor,
  options: Wav2vec2ContrastiveLossOptions = {},
): tf.Scalar {
  const fn = 'wav2vec2ContrastiveLoss';
  const temperature = options.temperature ?? 0.1;
  assertRank(fn, 'context', context, 3, '[B, T, D]');
  assertRank(fn, 'targets', targets, 3, '[B, T, D]');
  assertSameShape(fn, 'context', context, 'targets', targets);
  assertFloat(fn, 'context', context);
  assertFloat(fn, 'targets', targets);
  assertRank(fn, 'negativeIndices', negativeIndices, 3, '[B, T, K]');
  assertPositive(fn, 'temperature', temperature);
  const [batch, time, dim] = targets.shape;
  if (negativeIndices.shape[0] !== batch || negativeIndices.shape[1] !== time) {
    throw new Error(
      `${fn}: negativeIndices must be [${batch}, ${time}, K] to match targets ${formatShape(targets.shape)}, got ${formatShape(negativeIndices.shape)}`,
    );
  }
  if (negativeIndices.dtype !== 'int32') {
    throw new Error(
      `${fn}: negativeIndices must be an int32 tensor, got dtype ${negativeIndices.dtype}`,
    );
  }
  const numNegatives = negativeIndices.shape[2] as number;

  // Count the draws of each (step, distractor step) pair, skipping distractors equal to the
  // positive, in JS: the indices are small integers and the equality test is exact.
  const idx = negativeIndices.dataSync();
  const y = targets.dataSync();
  const counts = new Float32Array(batch * time * time);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < time; t++) {
      const row = b * time + t;
      const posOffset = row * dim;
      for (let k = 0; k < numNegatives; k++) {
        const s = idx[row * numNegatives + k];
        if (!Number.isInteger(s) || s < 0 || s >= time) {
          throw new Error(
            `${fn}: negativeIndices must be in [0, ${time}), got ${s} at [${b}, ${t}, ${k}]`,
          );
        }
        const negOffset = (b * time + s) * dim;
        let equal = true;
        for (let d = 0; d < dim; d++) {
          if (y[posOffset + d] !== y[negOffset + d]) {
            equal = false;
            break;
          }
        }
        if (!equal) counts[row * time + s] += 1;
      }
    }
  }

  return tf.tidy(() => {
    const c = l2Normalize(context);
    const q = l2Normalize(targets);
    // One plain 2-D matMul per utterance with an explicit transpose: batched and transposed
    // matMuls are an order of magnitude slower on wasm.
    const qs = tf.unstack(q);
    const sims = tf.unstack(c).map((cb, b) => tf.matMul(cb, tf.transpose(qs[b])));
    const sim = tf.div(tf.stack(sims), temperature); // [B, T, T]
    const pos = tf.div(tf.sum(tf.mul(c, q), -1), temperature); // [B, T]
    const cnt = tf.tensor3d(counts, [batch, time, time]);
    const drawn = tf.greater(cnt, 0);
    // Undrawn steps get a large negative logit so that exp() is 0 (never inf * 0 = NaN).
    const negLogits = tf.where(drawn, sim, tf.fill(sim.shape, LARGE_NEGATIVE));
    const shift = stopGradient(tf.maximum(pos, tf.max(negLogits, -1))); // [B, T]
    const negTerms = tf.sum(tf.mul(cnt, tf.exp(tf.sub(negLogits, tf.expandDims(shift, -1)))), -1);
    const lse = tf.add(shift, tf.log(tf.add(tf.exp(tf.sub(pos, shift)), negTerms)));
    return tf.mean(tf.sub(lse, pos)) as tf.Scalar;
  });
}
