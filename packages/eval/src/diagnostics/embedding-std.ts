import { toMatrix } from '../internal/to-matrix';
import type { EmbeddingInput } from '../types';

/** Result of {@link embeddingStd}. */
export interface EmbeddingStdResult {
  /** Mean over dimensions of the per-dimension std of the L2-normalized embeddings. */
  std: number;
  /** Std of each dimension (unbiased, as `torch.std`). */
  perDimension: Float64Array;
  /** `1 / sqrt(dim)`: the value for embeddings spread evenly over the sphere. */
  isotropic: number;
  /** `std / isotropic`: about 1 when healthy, 0 under complete collapse. */
  ratio: number;
}

/**
 * Collapse diagnostic of SimSiam (Chen & He, 2021): L2-normalize each embedding, then take the
 * standard deviation of every dimension over the batch. Complete collapse (all embeddings equal)
 * gives 0; isotropic Gaussian embeddings give about `1 / sqrt(dim)`.
 *
 * @example
 * ```ts
 * import { embeddingStd } from '@selfsup/eval';
 * const { std, ratio } = embeddingStd(embeddings);
 * if (ratio < 0.1) console.warn('representation is collapsing');
 * ```
 */
export function embeddingStd(embeddings: EmbeddingInput): EmbeddingStdResult {
  const { data, rows, cols } = toMatrix(embeddings, 'embeddingStd');
  if (rows < 2 || cols === 0) {
    throw new Error(`embeddingStd: need at least 2 embeddings of dim >= 1, got ${rows} x ${cols}`);
  }
  // Two passes (mean, then squared deviations) so that identical rows give exactly ~0.
  const unit = new Float64Array(rows * cols);
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    for (let j = 0; j < cols; j++) norm += data[i * cols + j] * data[i * cols + j];
    const inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let j = 0; j < cols; j++) {
      unit[i * cols + j] = data[i * cols + j] * inv;
      mean[j] += unit[i * cols + j] / rows;
    }
  }
  const sq = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const c = unit[i * cols + j] - mean[j];
      sq[j] += c * c;
    }
  }
  const perDimension = new Float64Array(cols);
  let total = 0;
  for (let j = 0; j < cols; j++) {
    perDimension[j] = Math.sqrt(sq[j] / (rows - 1));
    total += perDimension[j];
  }
  const std = total / cols;
  const isotropic = 1 / Math.sqrt(cols);
  return { std, perDimension, isotropic, ratio: std / isotropic };
}
