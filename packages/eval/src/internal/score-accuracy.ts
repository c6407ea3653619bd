import type { TopKAccuracy } from '../types';

/** Top-k accuracies and argmax predictions of a score matrix. */
export interface ScoreAccuracy extends TopKAccuracy {
  /** Highest-scoring class of each row (lowest index among ties). */
  predictions: Int32Array;
}

/**
 * Top-1 / top-5 accuracy of row-major `n x numClasses` scores. Ties rank the lower class index
 * first (as a stable descending sort would), so the result does not depend on the backend. With
 * fewer than 5 classes, top-5 is 1.
 *
 * @example
 * ```ts
 * scoreAccuracy(new Float32Array([0.1, 0.9, 0.8, 0.2]), new Int32Array([1, 1]), 2).top1; // 0.5
 * ```
 */
export function scoreAccuracy(
  scores: ArrayLike<number>,
  labels: Int32Array,
  numClasses: number,
): ScoreAccuracy {
  const n = labels.length;
  if (scores.length !== n * numClasses) {
    throw new Error(
      `scoreAccuracy: expected ${n} x ${numClasses} scores, got ${scores.length} values`,
    );
  }
  const predictions = new Int32Array(n);
  let hit1 = 0;
  let hit5 = 0;
  for (let i = 0; i < n; i++) {
    const off = i * numClasses;
    const y = labels[i];
    // A label outside the scored classes (unseen in training) is always a miss.
    const sy = y < numClasses ? scores[off + y] : Infinity;
    let best = 0;
    let rank = y < numClasses ? 0 : Infinity;
    for (let c = 0; c < numClasses; c++) {
      const s = scores[off + c];
      if (s > scores[off + best]) best = c;
      if (s > sy || (s === sy && c < y)) rank++;
    }
    predictions[i] = best;
    if (rank < 1) hit1++;
    if (rank < 5) hit5++;
  }
  return { top1: n ? hit1 / n : 0, top5: n ? hit5 / n : 0, predictions };
}
