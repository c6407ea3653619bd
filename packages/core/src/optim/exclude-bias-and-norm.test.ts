import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { excludeBiasAndNorm } from './exclude-bias-and-norm';

describe('excludeBiasAndNorm', () => {
  it('excludes rank <= 1 variables (biases, norm scales, scalars) only', () => {
    const vars = [tf.scalar(1), tf.zeros([8]), tf.zeros([3, 8]), tf.zeros([3, 3, 4, 8])].map(
      (t) => {
        const v = tf.variable(t);
        t.dispose();
        return v;
      },
    );
    expect(vars.map(excludeBiasAndNorm)).toEqual([true, true, false, false]);
    tf.dispose(vars);
  });
});
