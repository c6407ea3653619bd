import { toMatrix } from '../internal/to-matrix';
import { unitRows } from '../internal/unit-rows';
import type { EmbeddingInput } from '../types';

/** Options of {@link uniformity}. */
export interface UniformityOptions {
  /** Scale t of the Gaussian potential. Default 2. */
  t?: number;
  /** L2-normalize first (the setting of the paper). Default true. */
  normalize?: boolean;
}

/**
 * Uniformity (Wang & Isola, 2020): `log mean_{i<j} exp(-t ||f(x_i) - f(x_j)||^2)` over all
 * distinct pairs of rows, on L2-normalized embeddings by default. Lower (more negative) is more
 * uniform; 0 for complete collapse. Computed exactly in float64 with a streaming log-sum-exp,
 * O(n^2 d): subsample large sets (a few thousand rows are typical).
 *
 * @example
 * ```ts
 * import { uniformity } from '@selfsup/eval';
 * const unif = uniformity(embeddings); // about -3.8 for isotropic 128-d embeddings with t = 2
 * ```
 */
export function uniformity(embeddings: EmbeddingInput, options: UniformityOptions = {}): number {
  const t = options.t ?? 2;
  const m = toMatrix(embeddings, 'uniformity');
  if (m.rows < 2) throw new Error(`uniformity: need at least 2 embeddings, got ${m.rows}`);
  const x = (options.normalize ?? true) ? unitRows(m) : Float64Array.from(m.data);
  const d = m.cols;
  // log-sum-exp over pairs with a running maximum, so nothing underflows for unnormalized inputs.
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = i + 1; j < m.rows; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = x[i * d + k] - x[j * d + k];
        s += diff * diff;
      }
      const a = -t * s;
      if (a > max) {
        sum = sum * Math.exp(max - a) + 1;
        max = a;
      } else {
        sum += Math.exp(a - max);
      }
    }
  }
  const pairs = (m.rows * (m.rows - 1)) / 2;
  return max + Math.log(sum) - Math.log(pairs);
}
