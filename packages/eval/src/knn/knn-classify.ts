import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '@selfsup/core';
import { scoreAccuracy } from '../internal/score-accuracy';
import type { FeatureSet, TopKAccuracy } from '../types';

/** Options of {@link knnClassify}. */
export interface KnnOptions {
  /** Neighbours that vote. Default 20 (InstDisc and DINO also report 200). */
  k?: number;
  /** Temperature T of the vote weights `exp(similarity / T)`. Default 0.07. */
  temperature?: number;
  /** Test queries per similarity block (memory is `queryBatchSize x train.count` floats). Default 256. */
  queryBatchSize?: number;
  /** Number of classes. Default: largest label in train or test, plus one. */
  numClasses?: number;
}

/** Result of {@link knnClassify}. */
export interface KnnResult extends TopKAccuracy {
  /** Class with the largest vote for each test example (lowest index among ties). */
  predictions: Int32Array;
  /** Row-major `test.count x numClasses` summed vote weights. */
  votes: Float32Array;
  k: number;
  temperature: number;
}

/**
 * Weighted k-nearest-neighbour classification by cosine similarity, as in InstDisc (Wu et al.,
 * 2018) and DINO's `eval_knn`: both sides are L2-normalized, each test example's `k` most similar
 * training examples vote for their class with weight `exp(similarity / temperature)`, and classes
 * are ranked by summed votes (top-1, top-5). Queries are processed in blocks of
 * `queryBatchSize`, so only a `queryBatchSize x train.count` similarity block is ever held (60k x
 * 10k fits easily). Similarities and neighbour search run on the tfjs backend; votes are summed
 * in float64 in JS.
 *
 * @example
 * ```ts
 * import { extractFeatures, knnClassify } from '@selfsup/eval';
 *
 * const train = await extractFeatures(encoder, trainSplit);
 * const test = await extractFeatures(encoder, testSplit);
 * const { top1, top5 } = await knnClassify(train, test, { k: 20, temperature: 0.07 });
 * ```
 */
export async function knnClassify(
  train: FeatureSet,
  test: FeatureSet,
  options: KnnOptions = {},
): Promise<KnnResult> {
  const temperature = options.temperature ?? 0.07;
  const queryBatchSize = options.queryBatchSize ?? 256;
  if (train.dim !== test.dim) {
    throw new Error(`knnClassify: train has dim ${train.dim} but test has dim ${test.dim}`);
  }
  if (train.count === 0) throw new Error('knnClassify: the training split is empty');
  if (!(temperature > 0))
    throw new Error(`knnClassify: temperature must be > 0, got ${temperature}`);
  const requestedK = options.k ?? 20;
  if (!Number.isInteger(requestedK) || requestedK <= 0) {
    throw new Error(`knnClassify: k must be a positive integer, got ${requestedK}`);
  }
  const k = Math.min(requestedK, train.count);
  let numClasses = options.numClasses ?? 0;
  if (options.numClasses === undefined) {
    for (const y of train.labels) numClasses = Math.max(numClasses, y + 1);
    for (const y of test.labels) numClasses = Math.max(numClasses, y + 1);
  }

  for (const y of train.labels) {
    if (y >= numClasses)
      throw new Error(`knnClassify: train label ${y} >= numClasses (${numClasses})`);
  }

  // Normalized training features, transposed once so every block is a plain 2-D matMul.
  const bankT = tf.tidy(() =>
    tf.transpose(l2Normalize(tf.tensor2d(train.features, [train.count, train.dim]))),
  );
  const votes = new Float32Array(test.count * numClasses);
  const row = new Float64Array(numClasses);
  try {
    for (let start = 0; start < test.count; start += queryBatchSize) {
      const rows = Math.min(queryBatchSize, test.count - start);
      const { values, indices } = tf.tidy(() => {
        const q = l2Normalize(
          tf.tensor2d(test.features.subarray(start * test.dim, (start + rows) * test.dim), [
            rows,
            test.dim,
          ]),
        );
        return tf.topk(tf.matMul(q, bankT), k);
      });
      const sims = await values.data();
      const idx = await indices.data();
      values.dispose();
      indices.dispose();
      for (let i = 0; i < rows; i++) {
        row.fill(0);
        for (let j = 0; j < k; j++) {
          row[train.labels[idx[i * k + j]]] += Math.exp(sims[i * k + j] / temperature);
        }
        votes.set(row, (start + i) * numClasses);
      }
    }
  } finally {
    bankT.dispose();
  }
  const acc = scoreAccuracy(votes, test.labels, numClasses);
  return { ...acc, votes, k, temperature };
}
