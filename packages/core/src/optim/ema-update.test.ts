import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { emaUpdate } from './ema-update';

describe('emaUpdate', () => {
  it('computes m·target + (1 − m)·online in place, by hand', () => {
    const target = [tf.variable(tf.tensor1d([1, 2])), tf.variable(tf.tensor2d([[0, -4]]))];
    const online = [tf.variable(tf.tensor1d([3, 5])), tf.tensor2d([[10, 6]])];
    emaUpdate(target, online, 0.9);
    // 0.9·1 + 0.1·3 = 1.2, 0.9·2 + 0.1·5 = 2.3; 0.9·0 + 0.1·10 = 1, 0.9·−4 + 0.1·6 = −3
    const expected = [
      [1.2, 2.3],
      [1, -3],
    ];
    target.forEach((t, i) =>
      Array.from(t.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 6)),
    );
    expect(Array.from(online[0].dataSync())).toEqual([3, 5]); // online untouched
    emaUpdate(target, online, 0); // m = 0 copies online
    expect(Array.from(target[1].dataSync())).toEqual([10, 6]);
    tf.dispose([...target, ...online]);
  });

  it('checks shapes and lengths before changing anything, and leaks nothing', () => {
    const target = [tf.variable(tf.tensor1d([1, 2])), tf.variable(tf.tensor1d([3]))];
    const good = tf.tensor1d([0, 0]);
    const bad = tf.tensor1d([0, 0]);
    expect(() => emaUpdate(target, [good, bad], 0.5)).toThrow(
      /target\[1\] \('.*'\) has shape \[1\] but online\[1\] has shape \[2\]/,
    );
    expect(Array.from(target[0].dataSync())).toEqual([1, 2]);
    expect(() => emaUpdate(target, [good], 0.5)).toThrow(/expected as many online tensors/);
    expect(() => emaUpdate(target, [good, bad], 1.5)).toThrow(/m must be in \[0, 1\]/);
    const online = [tf.tensor1d([5, 6]), tf.tensor1d([7])];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) emaUpdate(target, online, 0.99);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...target, ...online, good, bad]);
  });
});
