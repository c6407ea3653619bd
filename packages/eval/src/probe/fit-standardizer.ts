/** Per-feature shift and scale: `z = (x - mean) / scale`. */
export interface Standardization {
  mean: Float32Array;
  scale: Float32Array;
}

/**
 * Per-feature mean and standard deviation (population, in float64) of a row-major `count x dim`
 * matrix. Features that are constant (up to float32 precision relative to their mean) get scale 1
 * rather than a zero divisor, as in scikit-learn's StandardScaler, so they stay at 0 instead of
 * amplifying noise.
 *
 * @example
 * ```ts
 * const s = fitStandardizer(new Float32Array([1, 5, 3, 5]), 2, 2);
 * // s.mean = [2, 5], s.scale = [1, 1] (second feature is constant)
 * ```
 */
export function fitStandardizer(
  features: Float32Array,
  count: number,
  dim: number,
): Standardization {
  if (count <= 0) throw new Error(`fitStandardizer: need at least one example, got ${count}`);
  if (features.length !== count * dim) {
    throw new Error(`fitStandardizer: expected ${count} x ${dim} values, got ${features.length}`);
  }
  const sum = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const off = i * dim;
    for (let j = 0; j < dim; j++) sum[j] += features[off + j];
  }
  const mean = new Float64Array(dim);
  for (let j = 0; j < dim; j++) mean[j] = sum[j] / count;
  const sq = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const off = i * dim;
    for (let j = 0; j < dim; j++) {
      const c = features[off + j] - mean[j];
      sq[j] += c * c;
    }
  }
  const scale = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    const std = Math.sqrt(sq[j] / count);
    scale[j] = std > 0 && std > 1e-7 * Math.abs(mean[j]) ? std : 1;
  }
  return { mean: Float32Array.from(mean), scale };
}
