import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { toInt32Labels } from './to-labels';

describe('toInt32Labels', () => {
  it('reads arrays, index tensors and one-hot tensors without leaking', () => {
    const idx = tf.tensor1d([2, 0], 'int32');
    const onehot = tf.tensor2d([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    const before = tf.memory().numTensors;
    expect(Array.from(toInt32Labels([2, 0], 'x'))).toEqual([2, 0]);
    expect(Array.from(toInt32Labels(idx, 'x'))).toEqual([2, 0]);
    expect(Array.from(toInt32Labels(onehot, 'x'))).toEqual([2, 0]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([idx, onehot]);
  });

  it('rejects non-integer, negative and rank-3 labels, naming the caller', () => {
    expect(() => toInt32Labels([1.5], 'myFn')).toThrow(
      /myFn: labels must be non-negative integers, got 1.5/,
    );
    expect(() => toInt32Labels([-1], 'myFn')).toThrow(/got -1/);
    const t = tf.zeros([1, 1, 1]);
    expect(() => toInt32Labels(t, 'myFn')).toThrow(/rank 1 .* or 2/);
    t.dispose();
  });
});
