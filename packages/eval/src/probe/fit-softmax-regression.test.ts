import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianClusters } from '../test-utils';
import { fitSoftmaxRegression } from './fit-softmax-regression';

describe('fitSoftmaxRegression', () => {
  it('stops where the objective gradient (computed independently in float64) vanishes', () => {
    const rng = createRng(9);
    const set = gaussianClusters(3, 40, 5, 1, rng);
    const wd = 1e-2;
    const fit = fitSoftmaxRegression(
      set.features,
      set.count,
      set.dim,
      set.labels,
      3,
      wd,
      undefined,
      {
        tolerance: 0,
        gradientTolerance: 1e-5,
      },
    );
    // Gradient of mean cross-entropy + wd/2 ||W||^2 with plain loops.
    const C = 3;
    const d = set.dim;
    const gW = new Float64Array(d * C);
    const gb = new Float64Array(C);
    for (let i = 0; i < set.count; i++) {
      const logits = Array.from({ length: C }, (_, c) => {
        let s = fit.bias[c];
        for (let j = 0; j < d; j++) s += set.features[i * d + j] * fit.weights[j * C + c];
        return s;
      });
      const max = Math.max(...logits);
      const e = logits.map((v) => Math.exp(v - max));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < C; c++) {
        const g = (e[c] / z - (set.labels[i] === c ? 1 : 0)) / set.count;
        gb[c] += g;
        for (let j = 0; j < d; j++) gW[j * C + c] += g * set.features[i * d + j];
      }
    }
    for (let k = 0; k < d * C; k++) gW[k] += wd * fit.weights[k];
    const maxGrad = Math.max(...Array.from(gW, Math.abs), ...Array.from(gb, Math.abs));
    expect(maxGrad).toBeLessThan(1e-4);
    expect(fit.optimization.converged).toBe(true);
  });

  it('warm-starts from given parameters and leaks no tensors', () => {
    const set = gaussianClusters(2, 30, 3, 2, createRng(10));
    const before = tf.memory().numTensors;
    const cold = fitSoftmaxRegression(set.features, set.count, 3, set.labels, 2, 1e-2);
    const warm = fitSoftmaxRegression(set.features, set.count, 3, set.labels, 2, 1e-2, cold.params);
    expect(tf.memory().numTensors).toBe(before);
    expect(warm.optimization.iterations).toBeLessThan(cold.optimization.iterations);
    expect(warm.optimization.loss).toBeCloseTo(cold.optimization.loss, 5);
    expect(() => fitSoftmaxRegression(set.features, set.count, 3, set.labels, 2, -1)).toThrow(
      /weightDecay/,
    );
    expect(() =>
      fitSoftmaxRegression(set.features, set.count, 3, set.labels, 2, 0, new Float64Array(3)),
    ).toThrow(/init has 3 values, expected 8/);
  });
});
