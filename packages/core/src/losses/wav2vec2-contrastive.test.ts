import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { sampleNegativeIndices } from './sample-negative-indices';
import { wav2vec2ContrastiveLoss } from './wav2vec2-contrastive';
import {
  cosine,
  expectClose,
  expectNoLeak,
  f32,
  logSumExp,
  numericGrad,
  rand3,
  tfGrads,
  value,
} from './test-helpers';

type Seq = number[][][];

/**
 * fairseq's compute_preds + cross-entropy by loops: logits [positive, K distractors] of cosine /
 * temperature; a distractor equal to the positive in every feature is dropped (its logit is -inf
 * in fairseq) unless `keepEqual`.
 */
function reference(
  context: Seq,
  targets: Seq,
  negIdx: number[][][],
  temperature: number,
  keepEqual = false,
): number {
  let total = 0;
  let steps = 0;
  for (let b = 0; b < context.length; b++) {
    for (let t = 0; t < context[b].length; t++) {
      const logits = [cosine(context[b][t], targets[b][t]) / temperature];
      for (const s of negIdx[b][t]) {
        const equal = targets[b][s].every((v, d) => v === targets[b][t][d]);
        if (equal && !keepEqual) continue;
        logits.push(cosine(context[b][t], targets[b][s]) / temperature);
      }
      total += logSumExp(logits) - logits[0];
      steps++;
    }
  }
  return total / steps;
}

describe('wav2vec2ContrastiveLoss', () => {
  const rng = createRng(9);
  const [B, T, D, K] = [2, 4, 3, 3];
  const context = f32(rand3(rng, B, T, D));
  const plainTargets = f32(rand3(rng, B, T, D));
  // Utterance 0: step 2 quantizes to the same vector as step 0, and the context at step 0
  // points near it, so that counting the equal distractor would change the loss clearly.
  const targets = plainTargets.map((u) => u.map((v) => v.slice()));
  targets[0][2] = targets[0][0].slice();
  context[0][0] = f32(targets[0][0].map((v, d) => 2 * v + 0.1 * d));
  const negIdxTensor = sampleNegativeIndices(B, T, K, createRng(10));
  const negIdx = (negIdxTensor.arraySync() as number[][][]).map((u) => u.map((r) => r.slice()));
  negIdxTensor.dispose();
  negIdx[0][0] = [2, 1, 1]; // equal distractor, and a repeated draw
  negIdx[0][2] = [0, 3, 0]; // the equal step drawn twice
  const call = (ctx: tf.Tensor, tgt: tf.Tensor, temperature?: number): tf.Scalar =>
    wav2vec2ContrastiveLoss(ctx, tgt, tf.tensor3d(negIdx, undefined, 'int32'), { temperature });

  it('matches the brute-force loss, excluding distractors equal to the positive', () => {
    const got = value(call(tf.tensor3d(context), tf.tensor3d(targets), 0.1));
    const expected = reference(context, targets, negIdx, 0.1);
    expectClose(got, expected, 1e-4, 1e-5);
    // The exclusion matters: keeping the equal distractors gives a clearly different value.
    expect(Math.abs(reference(context, targets, negIdx, 0.1, true) - expected)).toBeGreaterThan(
      0.05,
    );
    // Default temperature is 0.1.
    expectClose(value(call(tf.tensor3d(context), tf.tensor3d(targets))), expected, 1e-4, 1e-5);
    expectClose(
      value(call(tf.tensor3d(context), tf.tensor3d(plainTargets), 0.5)),
      reference(context, plainTargets, negIdx, 0.5),
      1e-5,
      1e-5,
    );
  });

  it('is 0 when every distractor equals the positive', () => {
    const same = targets.map((u) => u.map(() => [1, -2, 0.5]));
    expect(value(call(tf.tensor3d(context), tf.tensor3d(same)))).toBeCloseTo(0, 6);
  });

  it('has the brute-force gradient for context and targets', () => {
    const [gc] = tfGrads((c) => call(c, tf.tensor3d(targets), 0.5), [tf.tensor3d(context)]);
    expectClose(
      gc,
      numericGrad((x: Seq) => reference(x, targets, negIdx, 0.5), context, [B, T, D]),
      1e-4,
      1e-3,
    );
    // Perturbing targets would break exact equalities, so check targets on the plain ones.
    const [gc2, gt] = tfGrads(
      (c, t) => call(c, t, 0.5),
      [tf.tensor3d(context), tf.tensor3d(plainTargets)],
    );
    expectClose(
      gc2,
      numericGrad((x: Seq) => reference(x, plainTargets, negIdx, 0.5), context, [B, T, D]),
      1e-4,
      1e-3,
    );
    expectClose(
      gt,
      numericGrad((x: Seq) => reference(context, x, negIdx, 0.5), plainTargets, [B, T, D]),
      1e-4,
      1e-3,
    );
  });

  it('leaks no tensors and rejects bad input', () => {
    const c = tf.tensor3d(context);
    const t = tf.tensor3d(targets);
    const n = tf.tensor3d(negIdx, undefined, 'int32');
    expectNoLeak(() => wav2vec2ContrastiveLoss(c, t, n));
    const outOfRange = tf.tensor3d(
      negIdx.map((u) => u.map((r) => r.map(() => T))),
      undefined,
      'int32',
    );
    expect(() => wav2vec2ContrastiveLoss(c, t, outOfRange)).toThrow(/\[0, 4\)/);
    expect(() => wav2vec2ContrastiveLoss(c, t, tf.zeros([B, T + 1, K], 'int32'))).toThrow(
      /negativeIndices/,
    );
    expect(() => wav2vec2ContrastiveLoss(c, t, tf.zeros([B, T, K]))).toThrow(/int32/);
    expect(() => wav2vec2ContrastiveLoss(c, tf.zeros([B, T, D + 1]), n)).toThrow(/same shape/);
  });
});
