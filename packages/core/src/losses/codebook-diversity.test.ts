import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { codebookDiversityLoss } from './codebook-diversity';
import {
  expectClose,
  expectNoLeak,
  f32,
  type Mat,
  numericGrad,
  randMatrix,
  softmax,
  tfGrads,
  value,
} from './test-helpers';

/** fairseq's prob_perplexity diversity loss by loops. */
function reference(logits: Mat, groups: number): number {
  const width = logits[0].length;
  const v = width / groups;
  let perplexity = 0;
  for (let g = 0; g < groups; g++) {
    const avg = new Array(v).fill(0);
    for (const row of logits) {
      softmax(row.slice(g * v, (g + 1) * v)).forEach((p, i) => (avg[i] += p / logits.length));
    }
    let entropy = 0;
    for (const p of avg) entropy -= p * Math.log(p + 1e-7);
    perplexity += Math.exp(entropy);
  }
  return (width - perplexity) / width;
}

describe('codebookDiversityLoss', () => {
  const rng = createRng(11);
  const logits = f32(randMatrix(rng, 6, 8, 2)); // 6 frames, G = 2, V = 4

  it('matches the brute-force loss for [N, G*V] and [B, T, G*V]', () => {
    expectClose(
      value(codebookDiversityLoss(tf.tensor2d(logits), 2)),
      reference(logits, 2),
      1e-6,
      1e-4,
    );
    expectClose(
      value(codebookDiversityLoss(tf.tensor2d(logits), 4)),
      reference(logits, 4),
      1e-6,
      1e-4,
    );
    const batched = tf.reshape(tf.tensor2d(logits), [2, 3, 8]);
    expectClose(value(codebookDiversityLoss(batched, 2)), reference(logits, 2), 1e-6, 1e-4);
  });

  it('is ~0 for uniform use and near 1 - 1/V for a collapsed codebook', () => {
    expectClose(value(codebookDiversityLoss(tf.zeros([5, 8]), 2)), 0, 1e-5, 0);
    // Every frame picks entry 0 of each group with near certainty: perplexity ~ G.
    const collapsed = tf.tile(tf.tensor2d([[30, 0, 0, 0, 30, 0, 0, 0]]), [5, 1]);
    expectClose(value(codebookDiversityLoss(collapsed, 2)), (8 - 2) / 8, 1e-4, 0);
  });

  it('has the brute-force gradient', () => {
    const [g] = tfGrads((x) => codebookDiversityLoss(x, 2), [tf.tensor2d(logits)]);
    expectClose(
      g,
      numericGrad((x: Mat) => reference(x, 2), logits, [6, 8]),
      1e-5,
      1e-3,
    );
  });

  it('leaks no tensors and rejects bad input', () => {
    const x = tf.tensor2d(logits);
    expectNoLeak(() => codebookDiversityLoss(x, 2));
    expect(() => codebookDiversityLoss(x, 3)).toThrow(/dividing/);
    expect(() => codebookDiversityLoss(tf.zeros([8]), 2)).toThrow(/\[N, G\*V\]/);
  });
});
