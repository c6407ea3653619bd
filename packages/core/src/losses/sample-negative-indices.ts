import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '../random/index';

/**
 * Draws distractor time steps for {@link wav2vec2ContrastiveLoss}: for every utterance b and
 * step t, `numNegatives` steps drawn uniformly, with replacement, from the other steps of the
 * same utterance (never t itself).
 *
 * Follows `Wav2Vec2Model.sample_negatives` in facebookresearch/fairseq
 * (`fairseq/models/wav2vec/wav2vec2.py`) with `cross_sample_negatives = 0`: an index is drawn
 * from `[0, T - 1)` and shifted up by one when it is `>= t`. The indices are per utterance
 * (fairseq adds `b * T` to index the flattened batch; the loss here takes them unflattened).
 *
 * @param batch - B, the number of utterances.
 * @param time - T, the number of (masked) steps per utterance; at least 2.
 * @param numNegatives - K, distractors per step (wav2vec 2.0 uses 100).
 * @param rng - Generator to draw from; the global one by default.
 * @returns `[B, T, K]` int32 indices into the time axis.
 *
 * @example
 * ```ts
 * const negatives = sampleNegativeIndices(2, 50, 100, createRng(0));
 * ```
 */
export function sampleNegativeIndices(
  batch: number,
  time: number,
  numNegatives: number,
  rng?: Rng,
): tf.Tensor3D {
  const fn = 'sampleNegativeIndices';
  for (const [name, value, min] of [
    ['batch', batch, 1],
    ['time', time, 2],
    ['numNegatives', numNegatives, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${value}`);
    }
  }
  const r = resolveRng(rng);
  const out = new Int32Array(batch * time * numNegatives);
  let i = 0;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < time; t++) {
      for (let k = 0; k < numNegatives; k++) {
        const j = r.int(time - 1);
        out[i++] = j >= t ? j + 1 : j;
      }
    }
  }
  return tf.tensor3d(out, [batch, time, numNegatives], 'int32');
}
