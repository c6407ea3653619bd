import type { FeatureSet } from '../types';

/**
 * The rows of a feature set at `indices`, in that order (copied).
 *
 * @example
 * ```ts
 * const firstTwo = subset(set, Int32Array.of(0, 1));
 * ```
 */
export function subset(set: FeatureSet, indices: ArrayLike<number>): FeatureSet {
  const { dim } = set;
  const features = new Float32Array(indices.length * dim);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!(r >= 0 && r < set.count))
      throw new Error(`subset: row ${r} out of range [0, ${set.count})`);
    features.set(set.features.subarray(r * dim, (r + 1) * dim), i * dim);
    labels[i] = set.labels[r];
  }
  return { features, labels, dim, count: indices.length };
}
