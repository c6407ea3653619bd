import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianClusters } from '../test-utils';
import { evaluateEncoder } from './evaluate-encoder';

describe('evaluateEncoder', () => {
  it('extracts features and runs the probe and kNN on them', async () => {
    const rng = createRng(1);
    const tr = gaussianClusters(4, 30, 6, 4, rng);
    const te = gaussianClusters(4, 15, 6, 4, rng, tr.means);
    const train = { x: tf.tensor2d(tr.features, [tr.count, 6]), y: tr.labels };
    const test = { x: tf.tensor2d(te.features, [te.count, 6]), y: te.labels };
    // An encoder that destroys the information: everything maps to the same point.
    const constant = (x: tf.Tensor) => tf.ones([x.shape[0], 3]);
    const before = tf.memory().numTensors;
    const good = await evaluateEncoder('identity', (x) => x, train, test, {}, createRng(0));
    const bad = await evaluateEncoder('constant', constant, train, test, {}, createRng(0));
    expect(tf.memory().numTensors).toBe(before);
    expect(good.name).toBe('identity');
    expect(good.dim).toBe(6);
    expect(good.probe?.top1).toBeGreaterThan(0.95);
    expect(good.knn?.top1).toBeGreaterThan(0.95);
    // Constant features: every test point gets the same class, 1 in 4 right.
    expect(bad.probe?.top1).toBeCloseTo(0.25, 5);
    expect(bad.knn?.top1).toBeLessThanOrEqual(0.25);
    const probeOnly = await evaluateEncoder('x', (x) => x, train, test, { knn: false });
    expect(probeOnly.knn).toBeUndefined();
    tf.dispose([train.x, test.x]);
  });
});
