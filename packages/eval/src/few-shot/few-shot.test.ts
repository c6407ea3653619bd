import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianClusters, gaussianMatrix } from '../test-utils';
import { fewShot } from './few-shot';

describe('fewShot', () => {
  it('is ~100% on separable classes for both classifiers and both metrics', () => {
    const set = gaussianClusters(12, 30, 16, 3, createRng(1));
    for (const metric of ['cosine', 'euclidean'] as const) {
      const r = fewShot(
        set,
        set.labels,
        { ways: 5, shots: 1, queries: 10, episodes: 50, metric },
        createRng(2),
      );
      expect(r.prototype.mean).toBeGreaterThan(0.97);
      expect(r.nearestNeighbour.mean).toBeGreaterThan(0.97);
      expect(r.metric).toBe(metric);
    }
  });

  it('is ~chance (1 / ways) on features unrelated to the labels', () => {
    const rng = createRng(3);
    const features = gaussianMatrix(600, 8, rng);
    const labels = Int32Array.from({ length: 600 }, (_, i) => i % 10);
    const r = fewShot(
      { features, dim: 8 },
      labels,
      { ways: 5, shots: 5, queries: 15, episodes: 300 },
      createRng(4),
    );
    expect(Math.abs(r.prototype.mean - 0.2)).toBeLessThan(0.03);
    expect(Math.abs(r.nearestNeighbour.mean - 0.2)).toBeLessThan(0.03);
  });

  it('reports 1.96 std / sqrt(episodes), and the interval shrinks with more episodes', () => {
    const set = gaussianClusters(10, 25, 8, 0.5, createRng(5));
    const few = fewShot(set, set.labels, { ways: 5, shots: 1, episodes: 20 }, createRng(6));
    const many = fewShot(set, set.labels, { ways: 5, shots: 1, episodes: 500 }, createRng(6));
    for (const r of [few, many]) {
      const acc = Array.from(r.prototype.accuracies);
      const mean = acc.reduce((a, b) => a + b) / acc.length;
      const std = Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / acc.length);
      expect(r.prototype.mean).toBeCloseTo(mean, 12);
      expect(r.prototype.ci95).toBeCloseTo((1.96 * std) / Math.sqrt(acc.length), 12);
    }
    expect(many.prototype.ci95).toBeLessThan(few.prototype.ci95 / 2.5);
    expect(many.nearestNeighbour.ci95).toBeLessThan(few.nearestNeighbour.ci95 / 2.5);
    // Mid accuracy: the interval is informative, not degenerate.
    expect(many.prototype.mean).toBeGreaterThan(0.3);
    expect(many.prototype.mean).toBeLessThan(0.95);
  });

  it('is reproducible from the seed, and prototypes beat 1-NN with several shots on noisy data', () => {
    const set = gaussianClusters(8, 40, 32, 0.3, createRng(7));
    const opts = { ways: 5, shots: 10, queries: 10, episodes: 200 };
    const a = fewShot(set, set.labels, opts, createRng(8));
    const b = fewShot(set, set.labels, opts, createRng(8));
    expect(Array.from(a.prototype.accuracies)).toEqual(Array.from(b.prototype.accuracies));
    expect(a.prototype.mean).toBeGreaterThan(a.nearestNeighbour.mean);
  });

  it('reads tensors without leaking and explains impossible episodes', () => {
    const x = tf.randomNormal([40, 4], 0, 1, 'float32', 1);
    const y = tf.tensor1d(
      Array.from({ length: 40 }, (_, i) => i % 4),
      'int32',
    );
    const before = tf.memory().numTensors;
    fewShot(x, y, { ways: 4, shots: 2, queries: 3, episodes: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => fewShot(x, y, { ways: 5, shots: 2, queries: 3 })).toThrow(
      /need 5 classes with >= 5 examples/,
    );
    expect(() => fewShot(x, y, { ways: 4, shots: 0 })).toThrow(/shots must be a positive integer/);
    tf.dispose([x, y]);
  });
});
