import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { updateDinoCenter } from './update-dino-center';
import { expectClose, expectNoLeak, f32, randMatrix } from './test-helpers';

describe('updateDinoCenter', () => {
  const rng = createRng(15);
  const teachers = [f32(randMatrix(rng, 3, 4)), f32(randMatrix(rng, 3, 4))];
  const center = f32(randMatrix(rng, 1, 4)[0]);

  /** center * m + (sum of all teacher rows / row count) * (1 - m). */
  function reference(m: number): number[] {
    const rows = teachers.flat();
    return center.map(
      (c, k) => c * m + (rows.reduce((a, r) => a + r[k], 0) / rows.length) * (1 - m),
    );
  }

  it('is the EMA of the batch mean with momentum 0.9 by default, keeping the shape', () => {
    const t = teachers.map((x) => tf.tensor2d(x));
    const next = updateDinoCenter(tf.tensor2d([center]), t);
    expect(next.shape).toEqual([1, 4]);
    expectClose(next.dataSync(), reference(0.9), 1e-6, 1e-5);
    const next1d = updateDinoCenter(tf.tensor1d(center), t, 0.5);
    expect(next1d.shape).toEqual([4]);
    expectClose(next1d.dataSync(), reference(0.5), 1e-6, 1e-5);
    // One concatenated tensor, as the official code passes it.
    const concatenated = updateDinoCenter(tf.tensor1d(center), tf.concat(t, 0), 0.5);
    expectClose(concatenated.dataSync(), reference(0.5), 1e-6, 1e-5);
  });

  it('leaks no tensors and rejects bad input', () => {
    const t = teachers.map((x) => tf.tensor2d(x));
    const c = tf.tensor1d(center);
    expectNoLeak(() => updateDinoCenter(c, t));
    expect(() => updateDinoCenter(c, [tf.zeros([3, 5])])).toThrow(/4 columns/);
    expect(() => updateDinoCenter(c, t, 1.5)).toThrow(/momentum/);
    expect(() => updateDinoCenter(c, [])).toThrow(/non-empty/);
  });
});
