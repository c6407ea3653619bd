import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak } from './test-helpers';
import { TokenPooling } from './token-pooling';

describe('TokenPooling', () => {
  const x = tf.tensor3d(
    [
      [
        [1, 2],
        [3, 4],
        [5, 8],
      ],
      [
        [0, 0],
        [1, 1],
        [2, 3],
      ],
    ],
    [2, 3, 2],
  );

  it("'cls' takes token 0; 'mean' averages the tokens after the prefix", () => {
    const cls = new TokenPooling({ mode: 'cls' }).apply(x) as tf.Tensor;
    expect(cls.shape).toEqual([2, 2]);
    expect(Array.from(cls.dataSync())).toEqual([1, 2, 0, 0]);
    const mean = new TokenPooling({ mode: 'mean', numPrefixTokens: 1 }).apply(x) as tf.Tensor;
    expectClose(mean.dataSync(), [4, 6, 1.5, 2]);
    const all = new TokenPooling({ mode: 'mean', numPrefixTokens: 0 }).apply(x) as tf.Tensor;
    expectClose(all.dataSync(), [3, 14 / 3, 1, 4 / 3]);
  });

  it('rejects cls pooling without a class token, and leaks nothing', () => {
    expect(() => new TokenPooling({ mode: 'cls', numPrefixTokens: 0 })).toThrow(/class token/);
    const pool = new TokenPooling({ mode: 'mean' });
    expectNoLeak(() => {
      pool.apply(x);
    });
  });
});
