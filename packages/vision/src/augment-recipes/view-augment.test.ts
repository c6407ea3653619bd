import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { images } from './_test-utils';
import { viewAugment } from './view-augment';
import { simclrAugment } from './simclr-augment';

describe('viewAugment', () => {
  it('views are reproducible from the generator, different across draws, and stay in [0, 1]', () => {
    const x = images(4, 28, 1, 3);
    const aug = simclrAugment({ size: 28, flip: 0 });
    tf.tidy(() => {
      const a = aug(x, createRng(1));
      const b = aug(x, createRng(1));
      const c = aug(x, createRng(2));
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
      expect(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]).toBeGreaterThan(0.01);
      expect(tf.min(a).dataSync()[0]).toBeGreaterThanOrEqual(0);
      expect(tf.max(a).dataSync()[0]).toBeLessThanOrEqual(1);
      expect(a.shape).toEqual([4, 28, 28, 1]);
    });
    x.dispose();
    expect(() => viewAugment({ size: 16, flip: 2 })).toThrow(/flip must be a probability/);
  });
});
