import * as tf from '@tensorflow/tfjs';
import { assertFloat, formatShape } from './internal';

/**
 * The codebook diversity loss of wav2vec 2.0 (Baevski et al., NeurIPS 2020, eq. 4): pushes the
 * quantizer to use all V entries of each of its G codebooks equally.
 *
 * Follows `GumbelVectorQuantizer.forward` (`prob_perplexity`) in facebookresearch/fairseq
 * (`fairseq/modules/gumbel_vector_quantizer.py`) and the `diversity_loss` of
 * `Wav2Vec2Model.forward`: a softmax over each group's V logits (the raw projections, before the
 * Gumbel noise), averaged over all frames; the perplexity
 * `sum_g exp(-sum_v p_gv log(p_gv + 1e-7))`; the loss `(G*V - perplexity) / (G*V)`, in
 * [0, 1 - 1/V]. wav2vec 2.0 adds it to the contrastive loss with weight 0.1.
 *
 * @param codebookLogits - `[N, G*V]` or `[B, T, G*V]` quantizer logits (frames x groups*entries);
 *   every leading axis counts as frames.
 * @param numGroups - G, the number of codebooks (wav2vec 2.0 uses 2, with V = 320).
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const total = tf.add(contrastive, tf.mul(codebookDiversityLoss(quantizerLogits, 2), 0.1));
 * ```
 */
export function codebookDiversityLoss(codebookLogits: tf.Tensor, numGroups: number): tf.Scalar {
  const fn = 'codebookDiversityLoss';
  if (!(codebookLogits instanceof tf.Tensor) || codebookLogits.rank < 2) {
    throw new Error(
      `${fn}: codebookLogits must be a tensor [N, G*V] or [B, T, G*V], got ${
        codebookLogits instanceof tf.Tensor
          ? formatShape(codebookLogits.shape)
          : typeof codebookLogits
      }`,
    );
  }
  assertFloat(fn, 'codebookLogits', codebookLogits);
  const width = codebookLogits.shape[codebookLogits.rank - 1];
  if (!Number.isInteger(numGroups) || numGroups < 1 || width % numGroups !== 0) {
    throw new Error(
      `${fn}: numGroups must be a positive integer dividing the last axis (${width}), got ${numGroups}`,
    );
  }
  const numVars = width / numGroups;
  return tf.tidy(() => {
    const grouped = tf.reshape(codebookLogits, [-1, numGroups, numVars]);
    const avgProbs = tf.mean(tf.softmax(grouped), 0); // [G, V]
    const entropy = tf.neg(tf.sum(tf.mul(avgProbs, tf.log(tf.add(avgProbs, 1e-7))), -1)); // [G]
    const perplexity = tf.sum(tf.exp(entropy));
    return tf.div(tf.sub(width, perplexity), width) as tf.Scalar;
  });
}
