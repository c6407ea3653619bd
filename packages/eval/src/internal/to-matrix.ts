import * as tf from '@tensorflow/tfjs';
import type { EmbeddingInput } from '../types';

/** A row-major matrix of `rows x cols` values. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Reads embeddings given as a tensor (rank >= 2, flattened per row), `{ features, dim }` or an
 * array of rows into one row-major Float32Array.
 *
 * @example
 * ```ts
 * toMatrix([[1, 2], [3, 4]], 'embeddings'); // { data: [1, 2, 3, 4], rows: 2, cols: 2 }
 * ```
 */
export function toMatrix(input: EmbeddingInput, what: string): Matrix {
  if (input instanceof tf.Tensor) {
    if (input.rank < 2) {
      throw new Error(
        `${what}: expected a tensor of rank >= 2 (examples x features), got shape [${input.shape}]`,
      );
    }
    const rows = input.shape[0];
    const cols = rows === 0 ? 0 : input.size / rows;
    return { data: Float32Array.from(input.dataSync()), rows, cols };
  }
  if (Array.isArray(input)) {
    const rows = input.length;
    const cols = rows === 0 ? 0 : input[0].length;
    const data = new Float32Array(rows * cols);
    input.forEach((row, i) => {
      if (row.length !== cols) {
        throw new Error(`${what}: every row must have ${cols} values, row ${i} has ${row.length}`);
      }
      data.set(row, i * cols);
    });
    return { data, rows, cols };
  }
  const { features, dim } = input;
  if (!Number.isInteger(dim) || dim <= 0 || features.length % dim !== 0) {
    throw new Error(
      `${what}: features.length (${features.length}) must be a multiple of dim (${dim})`,
    );
  }
  const data = features instanceof Float32Array ? features : Float32Array.from(features);
  return { data, rows: features.length / dim, cols: dim };
}
