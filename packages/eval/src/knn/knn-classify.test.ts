import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianClusters, gaussianMatrix, shuffledLabels } from '../test-utils';
import type { FeatureSet } from '../types';
import { knnClassify } from './knn-classify';

/** Plain-loop kNN: cosine similarities, sort, exp(sim / T) votes. Float64 throughout. */
function bruteForceVotes(
  train: FeatureSet,
  test: FeatureSet,
  k: number,
  T: number,
  C: number,
): Float64Array {
  const d = train.dim;
  const norm = (f: Float32Array, i: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += f[i * d + j] ** 2;
    return Math.sqrt(s);
  };
  const votes = new Float64Array(test.count * C);
  for (let q = 0; q < test.count; q++) {
    const nq = norm(test.features, q);
    const sims: [number, number][] = [];
    for (let i = 0; i < train.count; i++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += test.features[q * d + j] * train.features[i * d + j];
      sims.push([dot / (nq * norm(train.features, i)), i]);
    }
    sims.sort((a, b) => b[0] - a[0]);
    for (const [s, i] of sims.slice(0, k)) votes[q * C + train.labels[i]] += Math.exp(s / T);
  }
  return votes;
}

function randomSet(count: number, dim: number, C: number, seed: number): FeatureSet {
  const rng = createRng(seed);
  return {
    features: gaussianMatrix(count, dim, rng),
    labels: Int32Array.from({ length: count }, () => rng.int(C)),
    dim,
    count,
  };
}

describe('knnClassify', () => {
  it('agrees with a brute-force implementation (k = 20 and 200)', async () => {
    const C = 6;
    const train = randomSet(300, 12, C, 1);
    const test = randomSet(60, 12, C, 2);
    for (const k of [20, 200]) {
      const T = 0.07;
      const r = await knnClassify(train, test, { k, temperature: T, queryBatchSize: 16 });
      const ref = bruteForceVotes(train, test, k, T, C);
      let hits1 = 0;
      let hits5 = 0;
      let nearTies = 0;
      for (let q = 0; q < test.count; q++) {
        const row = Array.from(ref.subarray(q * C, (q + 1) * C));
        const max = Math.max(...row);
        for (let c = 0; c < C; c++) {
          // exp(1 / 0.07) ~ 1.6e6: compare relative to the row's largest vote.
          expect(Math.abs(r.votes[q * C + c] - row[c]) / max).toBeLessThan(1e-4);
        }
        const order = row.map((v, c) => [v, c]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
        const y = test.labels[q];
        if (order[0][1] === y) hits1++;
        if (order.slice(0, 5).some(([, c]) => c === y)) hits5++;
        // Predictions agree unless the top two votes are within float32 noise.
        if (order[0][0] - order[1][0] > 1e-4 * max) expect(r.predictions[q]).toBe(order[0][1]);
        else nearTies++;
        if (order[4][0] - order[5][0] <= 1e-4 * max && order[4][0] > 0) nearTies++;
      }
      expect(Math.abs(r.top1 - hits1 / test.count)).toBeLessThanOrEqual(nearTies / test.count);
      expect(Math.abs(r.top5 - hits5 / test.count)).toBeLessThanOrEqual(nearTies / test.count);
      expect(nearTies).toBeLessThan(3);
      expect(r.k).toBe(k);
    }
  });

  it('reaches ~100% on separable clusters and ~chance on shuffled labels', async () => {
    const rng = createRng(3);
    const train = gaussianClusters(10, 50, 32, 1.5, rng);
    const test = gaussianClusters(10, 20, 32, 1.5, rng, train.means);
    const good = await knnClassify(train, test, { k: 20 });
    expect(good.top1).toBeGreaterThan(0.98);
    const bad = await knnClassify(shuffledLabels(train, createRng(4)), test, { k: 20 });
    // Chance is 0.1 (top-5: 0.5); 200 test points.
    expect(bad.top1).toBeLessThan(0.2);
    expect(bad.top5).toBeGreaterThan(0.3);
    expect(bad.top5).toBeLessThan(0.7);
  });

  it('does not depend on the query batch size, clamps k, and leaks no tensors', async () => {
    const train = randomSet(50, 8, 3, 5);
    const test = randomSet(37, 8, 3, 6);
    const before = tf.memory().numTensors;
    const a = await knnClassify(train, test, { k: 200, queryBatchSize: 5 });
    const b = await knnClassify(train, test, { k: 200, queryBatchSize: 1000 });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.k).toBe(50);
    expect(Array.from(a.votes)).toEqual(Array.from(b.votes));
    // With k = all of train, the votes are a sum over every training example.
    const ref = bruteForceVotes(train, test, 50, 0.07, 3);
    for (let i = 0; i < ref.length; i++) expect(a.votes[i] / ref[i]).toBeCloseTo(1, 4);
  });

  it('rejects bad inputs', async () => {
    const a = randomSet(5, 3, 2, 0);
    await expect(knnClassify(a, randomSet(5, 4, 2, 0))).rejects.toThrow(/dim 3 but test has dim 4/);
    await expect(knnClassify(a, a, { k: 0 })).rejects.toThrow(/k must be/);
    await expect(knnClassify(a, a, { temperature: 0 })).rejects.toThrow(/temperature/);
  });
});
