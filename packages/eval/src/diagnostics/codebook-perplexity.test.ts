import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { codebookPerplexity } from './codebook-perplexity';

describe('codebookPerplexity', () => {
  it('is the codebook size for uniform usage and 1 for a single code', () => {
    expect(codebookPerplexity([0, 1, 2, 3, 0, 1, 2, 3], 4).perplexity).toBeCloseTo(4, 10);
    const one = codebookPerplexity([2, 2, 2], 8);
    expect(one.perplexity).toBeCloseTo(1, 12);
    expect(one.deadCodes).toBe(7);
  });

  it('matches exp(entropy) computed by hand, from index tensors of any shape', () => {
    const codes = tf.tensor2d(
      [
        [0, 0],
        [0, 1],
      ],
      undefined,
      'int32',
    ); // usage 3/4, 1/4
    const before = tf.memory().numTensors;
    const r = codebookPerplexity(codes);
    expect(tf.memory().numTensors).toBe(before);
    const h = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    expect(r.perplexity).toBeCloseTo(Math.exp(h), 10);
    expect(Array.from(r.usage)).toEqual([0.75, 0.25]);
    codes.dispose();
  });

  it('averages soft assignments', () => {
    const p = tf.tensor2d([
      [1, 0, 0],
      [0, 0.5, 0.5],
    ]);
    const before = tf.memory().numTensors;
    const r = codebookPerplexity({ probabilities: p });
    expect(tf.memory().numTensors).toBe(before);
    const h = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
    expect(r.perplexity).toBeCloseTo(Math.exp(h), 6);
    expect(
      codebookPerplexity({
        probabilities: [
          [0.5, 0.5],
          [0.5, 0.5],
        ],
      }).perplexity,
    ).toBeCloseTo(2, 6);
    p.dispose();
  });

  it('rejects codes outside the codebook', () => {
    expect(() => codebookPerplexity([0, 4], 4)).toThrow(/code 4 >= codebookSize \(4\)/);
  });
});
