import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianMatrix } from '../test-utils';
import { embeddingStd } from './embedding-std';

describe('embeddingStd', () => {
  it('is 0 for identical embeddings (complete collapse)', () => {
    const rows = Array.from({ length: 50 }, () => [0.3, -2, 5, 1]);
    const r = embeddingStd(rows);
    expect(r.std).toBeLessThan(1e-12);
    expect(r.ratio).toBeLessThan(1e-12);
  });

  it('is about 1/sqrt(d) for isotropic Gaussian embeddings', () => {
    const rng = createRng(1);
    for (const d of [16, 128]) {
      const r = embeddingStd({ features: gaussianMatrix(4000, d, rng), dim: d });
      expect(r.isotropic).toBeCloseTo(1 / Math.sqrt(d), 12);
      expect(r.ratio).toBeGreaterThan(0.95);
      expect(r.ratio).toBeLessThan(1.05);
    }
  });

  it('matches a brute-force per-dimension std and leaks nothing', () => {
    const data = [
      [1, 2, 2],
      [0, 3, 4],
      [-1, 0, 0],
      [2, 2, 1],
    ];
    const unit = data.map((r) => {
      const n = Math.hypot(...r);
      return r.map((v) => v / n);
    });
    const t = tf.tensor2d(data);
    const before = tf.memory().numTensors;
    const r = embeddingStd(t);
    expect(tf.memory().numTensors).toBe(before);
    for (let j = 0; j < 3; j++) {
      const col = unit.map((row) => row[j]);
      const mean = col.reduce((a, b) => a + b) / 4;
      const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
      expect(r.perDimension[j]).toBeCloseTo(std, 6);
    }
    t.dispose();
    expect(() => embeddingStd([[1, 2]])).toThrow(/at least 2/);
  });
});
