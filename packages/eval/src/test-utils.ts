// Synthetic data shared by the tests (not exported from the package).
import { createRng, type Rng } from '@selfsup/core';
import type { FeatureSet } from './types';

/** Gaussian blobs: class c has mean `separation * mu_c` (mu_c standard normal) and unit noise. */
export function gaussianClusters(
  numClasses: number,
  perClass: number,
  dim: number,
  separation: number,
  rng: Rng = createRng(0),
  means?: Float64Array,
): FeatureSet & { means: Float64Array } {
  const mu =
    means ?? Float64Array.from({ length: numClasses * dim }, () => rng.normal() * separation);
  const count = numClasses * perClass;
  const features = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % numClasses;
    labels[i] = c;
    for (let j = 0; j < dim; j++) features[i * dim + j] = mu[c * dim + j] + rng.normal();
  }
  return { features, labels, dim, count, means: mu };
}

/** The same features with labels shuffled (no relation left between features and labels). */
export function shuffledLabels(set: FeatureSet, rng: Rng): FeatureSet {
  const labels = Int32Array.from(set.labels);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  return { ...set, labels };
}

/** Standard normal matrix, row-major. */
export function gaussianMatrix(rows: number, cols: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: rows * cols }, () => rng.normal());
}
