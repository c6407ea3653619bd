import { toMatrix } from '../internal/to-matrix';
import type { EmbeddingInput } from '../types';
import { symmetricEigenvalues } from './symmetric-eigenvalues';

/** Options of {@link effectiveRank}. */
export interface EffectiveRankOptions {
  /** Subtract the per-dimension mean first (rank of the covariance). Default false, as in RankMe. */
  center?: boolean;
  /** Added to each normalized singular value before the entropy (RankMe uses 1e-7). */
  eps?: number;
}

/** Result of {@link effectiveRank}. */
export interface EffectiveRankResult {
  /** `exp(entropy)` of the normalized singular values, between 1 and `min(count, dim)`. */
  rank: number;
  /** Singular values of the embedding matrix, descending. */
  singularValues: Float64Array;
}

/**
 * Effective rank of a batch of embeddings (RankMe, Garrido et al., 2023): with singular values
 * `s_k` of the `count x dim` embedding matrix and `p_k = s_k / sum(s) + eps`, the rank is
 * `exp(-sum p_k log p_k)`. It equals `k` for `k` equal non-zero singular values and falls towards
 * 1 as the representation collapses. The singular values are the square roots of the eigenvalues
 * of the smaller Gram matrix (`Z'Z` or `ZZ'`), accumulated in float64 and decomposed by
 * {@link symmetricEigenvalues}; cost `O(count * dim * min(count, dim))`, fine for dim <= 512.
 *
 * @example
 * ```ts
 * import { effectiveRank } from '@selfsup/eval';
 * const { rank } = effectiveRank(embeddings); // tensor [n, d] or a FeatureSet
 * ```
 */
export function effectiveRank(
  embeddings: EmbeddingInput,
  options: EffectiveRankOptions = {},
): EffectiveRankResult {
  const eps = options.eps ?? 1e-7;
  const { data, rows, cols } = toMatrix(embeddings, 'effectiveRank');
  if (rows === 0 || cols === 0)
    throw new Error(`effectiveRank: empty embeddings (${rows} x ${cols})`);
  const z = Float64Array.from(data);
  if (options.center) {
    const mean = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += z[i * cols + j] / rows;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) z[i * cols + j] -= mean[j];
  }
  const m = Math.min(rows, cols);
  const gram = new Float64Array(m * m);
  if (cols <= rows) {
    // Z'Z as a sum of row outer products: streams through Z once, row by row.
    for (let r = 0; r < rows; r++) {
      const off = r * cols;
      for (let i = 0; i < cols; i++) {
        const zi = z[off + i];
        if (zi === 0) continue;
        const gi = i * cols;
        for (let j = 0; j <= i; j++) gram[gi + j] += zi * z[off + j];
      }
    }
  } else {
    for (let a = 0; a < rows; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += z[a * cols + j] * z[b * cols + j];
        gram[a * m + b] = s;
      }
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) gram[j * m + i] = gram[i * m + j];
  const eig = symmetricEigenvalues(gram, m);
  const singularValues = eig.map((v) => Math.sqrt(Math.max(v, 0)));
  let total = 0;
  for (const s of singularValues) total += s;
  if (total === 0) return { rank: 1, singularValues };
  let entropy = 0;
  for (const s of singularValues) {
    const p = s / total + eps;
    entropy -= p * Math.log(p);
  }
  return { rank: Math.exp(entropy), singularValues };
}
