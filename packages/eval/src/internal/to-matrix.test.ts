import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { toMatrix } from './to-matrix';

describe('toMatrix', () => {
  it('reads tensors (flattening rank > 2), { features, dim } and row arrays alike', () => {
    const t = tf.tensor3d([[[1, 2]], [[3, 4]]]);
    const a = toMatrix(t, 'x');
    const b = toMatrix({ features: [1, 2, 3, 4], dim: 2 }, 'x');
    const c = toMatrix(
      [
        [1, 2],
        [3, 4],
      ],
      'x',
    );
    for (const m of [a, b, c]) {
      expect(m.rows).toBe(2);
      expect(m.cols).toBe(2);
      expect(Array.from(m.data)).toEqual([1, 2, 3, 4]);
    }
    t.dispose();
  });

  it('rejects ragged rows, bad dims and rank-1 tensors', () => {
    expect(() => toMatrix([[1, 2], [3]], 'fn')).toThrow(/fn: every row must have 2 values/);
    expect(() => toMatrix({ features: [1, 2, 3], dim: 2 }, 'fn')).toThrow(/multiple of dim/);
    const v = tf.tensor1d([1, 2]);
    expect(() => toMatrix(v, 'fn')).toThrow(/rank >= 2/);
    v.dispose();
  });
});
