import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { excludeByName } from './exclude-by-name';

describe('excludeByName', () => {
  it('matches names, by default together with rank <= 1, and is stateless under /g', () => {
    const pos = tf.variable(tf.zeros([1, 4, 8]), true, 'vit/pos_embed');
    const kernel = tf.variable(tf.zeros([8, 8]), true, 'vit/dense/kernel');
    const bias = tf.variable(tf.zeros([8]), true, 'vit/dense/bias');
    const withNorm = excludeByName(/pos_embed|cls_token/g);
    // Repeated calls give the same answer (a /g RegExp would alternate through lastIndex).
    expect([pos, pos, kernel, bias].map(withNorm)).toEqual([true, true, false, true]);
    const nameOnly = excludeByName(/pos_embed/, { andBiasAndNorm: false });
    expect([pos, kernel, bias].map(nameOnly)).toEqual([true, false, false]);
    expect(withNorm.name).toBe('excludeByName(/pos_embed|cls_token/ or rank <= 1)');
    tf.dispose([pos, kernel, bias]);
  });
});
