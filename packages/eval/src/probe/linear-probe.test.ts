import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianClusters, shuffledLabels } from '../test-utils';
import type { FeatureSet } from '../types';
import { DEFAULT_WEIGHT_DECAYS, linearProbe } from './linear-probe';
import { LinearClassifier } from './linear-classifier';

/** Logits in float64 from the classifier's plain JSON, written independently of the class. */
function bruteForceLogits(
  json: ReturnType<LinearClassifier['toJSON']>,
  set: FeatureSet,
): Float64Array {
  const { dim, numClasses: C } = json;
  const out = new Float64Array(set.count * C);
  for (let i = 0; i < set.count; i++) {
    for (let c = 0; c < C; c++) {
      let s = json.bias[c];
      for (let j = 0; j < dim; j++) {
        const z = (set.features[i * dim + j] - json.mean[j]) / json.scale[j];
        s += z * json.weights[j * C + c];
      }
      out[i * C + c] = s;
    }
  }
  return out;
}

describe('linearProbe', () => {
  it('reaches ~100% on separable clusters and ~chance on shuffled labels', async () => {
    const rng = createRng(1);
    const train = gaussianClusters(5, 60, 16, 2, rng);
    const test = gaussianClusters(5, 40, 16, 2, rng, train.means);
    const before = tf.memory().numTensors;
    const good = await linearProbe(train, test, {}, createRng(2));
    expect(good.top1).toBeGreaterThan(0.98);
    expect(good.top5).toBe(1);
    expect(good.optimization.converged).toBe(true);

    const noise = await linearProbe(
      shuffledLabels(train, createRng(3)),
      shuffledLabels(test, createRng(4)),
      {},
      createRng(2),
    );
    // Chance is 0.2; 200 test points give a std of ~0.03.
    expect(noise.top1).toBeGreaterThan(0.08);
    expect(noise.top1).toBeLessThan(0.35);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('chooses the weight decay from the grid by validation accuracy, and its classifier reproduces the reported accuracy', async () => {
    // Overlapping classes in many dimensions with few examples: regularization matters.
    const rng = createRng(5);
    const train = gaussianClusters(4, 30, 60, 0.25, rng);
    const test = gaussianClusters(4, 100, 60, 0.25, rng, train.means);
    const grid = [0, 1e-3, 1e-2, 1e-1, 1];
    const r = await linearProbe(train, test, { weightDecays: grid }, createRng(6));
    expect(grid).toContain(r.weightDecay);
    expect(r.trials.map((t) => t.weightDecay)).toEqual([1, 1e-1, 1e-2, 1e-3, 0]);
    const bestTop1 = Math.max(...r.trials.map((t) => t.top1));
    const chosen = r.trials.find((t) => t.weightDecay === r.weightDecay);
    expect(chosen?.top1).toBe(bestTop1);
    for (const t of r.trials) {
      if (t.top1 === bestTop1) expect(chosen?.validationLoss).toBeLessThanOrEqual(t.validationLoss);
    }

    // Independent float64 evaluation of the returned classifier's parameters.
    const json = JSON.parse(JSON.stringify(r.classifier));
    const logits = bruteForceLogits(json, test);
    let hits = 0;
    let agree = 0;
    for (let i = 0; i < test.count; i++) {
      let best = 0;
      for (let c = 1; c < 4; c++) if (logits[i * 4 + c] > logits[i * 4 + best]) best = c;
      if (best === test.labels[i]) hits++;
      if (best === r.predictions[i]) agree++;
    }
    expect(agree).toBe(test.count);
    expect(r.top1).toBeCloseTo(hits / test.count, 10);
    expect(Array.from(r.classifier.predict(test))).toEqual(Array.from(r.predictions));
    expect(Array.from(LinearClassifier.fromJSON(json).predict(test.features))).toEqual(
      Array.from(r.predictions),
    );
    expect(r.classifier.evaluate(test).top1).toBe(r.top1);
  });

  it('uses the default grid and skips validation for a single value', async () => {
    const rng = createRng(7);
    const train = gaussianClusters(3, 20, 4, 3, rng);
    const test = gaussianClusters(3, 10, 4, 3, rng, train.means);
    const r = await linearProbe(train, test, {}, createRng(0));
    expect(r.trials.map((t) => t.weightDecay).sort()).toEqual([...DEFAULT_WEIGHT_DECAYS].sort());
    const single = await linearProbe(train, test, { weightDecays: [1e-3] });
    expect(single.weightDecay).toBe(1e-3);
    expect(single.trials).toEqual([]);
  });

  it('standardizes on the training split only', async () => {
    const rng = createRng(8);
    const train = gaussianClusters(2, 30, 3, 2, rng);
    const test = gaussianClusters(2, 30, 3, 2, rng, train.means);
    // Shifting the test set must not change the standardization.
    const shifted = { ...test, features: test.features.map((v) => v + 100) };
    const r = await linearProbe(train, shifted, { weightDecays: [0] });
    for (let j = 0; j < 3; j++) {
      let m = 0;
      for (let i = 0; i < train.count; i++) m += train.features[i * 3 + j] / train.count;
      expect(r.classifier.standardization.mean[j]).toBeCloseTo(m, 4);
    }
  });

  it('rejects a bad grid and mismatched dims', async () => {
    const a = gaussianClusters(2, 5, 3, 1);
    const b = gaussianClusters(2, 5, 4, 1);
    await expect(linearProbe(a, b)).rejects.toThrow(/dim 3 but test has dim 4/);
    await expect(linearProbe(a, a, { weightDecays: [-1] })).rejects.toThrow(/weightDecays/);
  });
});
