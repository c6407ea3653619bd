import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { extractFeatures, type LabelledBatch } from './extract-features';

function denseEncoder(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [3],
        units: 5,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      }),
      tf.layers.dropout({ rate: 0.5 }), // must be inactive: features are extracted in inference mode
    ],
  });
}

describe('extractFeatures', () => {
  it('runs a Layers model over a whole split in batches, with one-hot labels', async () => {
    const model = denseEncoder();
    const x = tf.randomNormal([23, 3], 0, 1, 'float32', 2);
    const y = tf.oneHot(
      tf.tensor1d(
        [...Array(23).keys()].map((i) => i % 4),
        'int32',
      ),
      4,
    );
    const before = tf.memory().numTensors;
    const r = await extractFeatures(model, { x, y }, { batchSize: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.count).toBe(23);
    expect(r.dim).toBe(5);
    expect(Array.from(r.labels)).toEqual([...Array(23).keys()].map((i) => i % 4));
    const expected = tf.tidy(() => model.predict(x) as tf.Tensor).dataSync();
    expect(r.features.length).toBe(23 * 5);
    r.features.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    tf.dispose([x, y]);
    model.dispose();
  });

  it("flattens a function encoder's rank-4 output and reads an async iterable of batches", async () => {
    const encoder = (x: tf.Tensor) => tf.mul(x, 2); // [b, 2, 2, 1] -> flattened to 4 features
    const made: tf.Tensor[] = [];
    async function* batches(): AsyncGenerator<LabelledBatch> {
      for (let b = 0; b < 3; b++) {
        const x = tf.fill([2, 2, 2, 1], b);
        made.push(x);
        yield { x, y: [b, b + 1] };
      }
    }
    const before = tf.memory().numTensors;
    const r = await extractFeatures(encoder, batches(), { disposeBatches: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(made.every((t) => t.isDisposed)).toBe(true);
    expect(r.dim).toBe(4);
    expect(r.count).toBe(6);
    expect(Array.from(r.labels)).toEqual([0, 1, 1, 2, 2, 3]);
    expect(Array.from(r.features.subarray(16, 24))).toEqual(Array(8).fill(4));
  });

  it('leaves caller-owned batches alone by default and accepts a sync iterable', async () => {
    const x = tf.ones([2, 3]);
    const r = await extractFeatures((t) => t, [{ x, y: tf.tensor1d([1, 0], 'int32') }]);
    expect(x.isDisposed).toBe(false);
    expect(Array.from(r.labels)).toEqual([1, 0]);
    x.dispose();
  });

  it('explains bad inputs', async () => {
    const x = tf.ones([4, 3]);
    await expect(extractFeatures((t) => t, { x, y: [0, 1] })).rejects.toThrow(
      /4 examples but y has 2/,
    );
    await expect(extractFeatures((t) => t, { x, y: [0, 1, 0.5, 1] })).rejects.toThrow(
      /non-negative integers/,
    );
    await expect(extractFeatures((t) => tf.sum(t), { x, y: [0, 1, 1, 1] })).rejects.toThrow(
      /one row per input/,
    );
    await expect(
      extractFeatures((t) => t, { x, y: [0, 1, 1, 1] }, { batchSize: 0 }),
    ).rejects.toThrow(/batchSize/);
    x.dispose();
  });
});
