import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { LinearClassifier } from './linear-classifier';

// dim 2, 3 classes; standardization mean [1, 2], scale [2, 4].
const classifier = new LinearClassifier(
  Float32Array.of(1, 0, -1, 0, 1, -1), // W rows: feature 0 -> [1, 0, -1], feature 1 -> [0, 1, -1]
  Float32Array.of(0, 0.5, 0),
  { mean: Float32Array.of(1, 2), scale: Float32Array.of(2, 4) },
);

describe('LinearClassifier', () => {
  it('computes ((x - mean) / scale) W + b and predicts the argmax', () => {
    // x = [3, 2] -> z = [1, 0] -> logits [1, 0.5, -1]; x = [1, 10] -> z = [0, 2] -> [0, 2.5, -2];
    // x = [-3, -6] -> z = [-2, -2] -> [-2, -1.5, 4].
    const x = Float32Array.of(3, 2, 1, 10, -3, -6);
    expect(Array.from(classifier.logits(x))).toEqual([1, 0.5, -1, 0, 2.5, -2, -2, -1.5, 4]);
    expect(Array.from(classifier.predict(x))).toEqual([0, 1, 2]);
    const t = tf.tensor2d(x, [3, 2]);
    const before = tf.memory().numTensors;
    expect(Array.from(classifier.predict(t))).toEqual([0, 1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('evaluates top-1, top-5 and cross-entropy on a labelled set', () => {
    const set = {
      features: Float32Array.of(3, 2, 1, 10),
      labels: Int32Array.of(0, 2),
      dim: 2,
      count: 2,
    };
    const r = classifier.evaluate(set);
    expect(r.top1).toBe(0.5);
    expect(r.top5).toBe(1);
    const ce = (logits: number[], y: number) =>
      Math.log(logits.reduce((s, v) => s + Math.exp(v), 0)) - logits[y];
    expect(r.loss).toBeCloseTo((ce([1, 0.5, -1], 0) + ce([0, 2.5, -2], 2)) / 2, 5);
  });

  it('round-trips through JSON and checks shapes', () => {
    const back = LinearClassifier.fromJSON(JSON.parse(JSON.stringify(classifier)));
    expect(back.dim).toBe(2);
    expect(back.numClasses).toBe(3);
    expect(Array.from(back.logits(Float32Array.of(3, 2)))).toEqual([1, 0.5, -1]);
    expect(() => classifier.logits({ features: [1, 2, 3], dim: 3 })).toThrow(/dim 2, got 3/);
    expect(
      () =>
        new LinearClassifier(new Float32Array(5), new Float32Array(3), {
          mean: new Float32Array(2),
          scale: new Float32Array(2),
        }),
    ).toThrow(/expected weights of 2 x 3/);
  });
});
