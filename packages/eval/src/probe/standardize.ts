import type { Standardization } from './fit-standardizer';

/**
 * Applies `(x - mean) / scale` to every row of a row-major matrix, returning a new array.
 *
 * @example
 * ```ts
 * standardize(new Float32Array([1, 3]), { mean: Float32Array.of(2), scale: Float32Array.of(1) });
 * // Float32Array [-1, 1]
 * ```
 */
export function standardize(features: Float32Array, s: Standardization): Float32Array {
  const dim = s.mean.length;
  if (features.length % dim !== 0) {
    throw new Error(
      `standardize: features.length (${features.length}) is not a multiple of dim (${dim})`,
    );
  }
  const out = new Float32Array(features.length);
  for (let off = 0; off < features.length; off += dim) {
    for (let j = 0; j < dim; j++) out[off + j] = (features[off + j] - s.mean[j]) / s.scale[j];
  }
  return out;
}
