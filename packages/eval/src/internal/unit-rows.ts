import type { Matrix } from './to-matrix';

/**
 * Row-wise L2-normalized float64 copy of a matrix (zero rows stay zero).
 *
 * @example
 * ```ts
 * unitRows({ data: Float32Array.of(3, 4), rows: 1, cols: 2 }); // [0.6, 0.8]
 * ```
 */
export function unitRows(m: Matrix): Float64Array {
  const out = Float64Array.from(m.data);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += out[i * m.cols + j] * out[i * m.cols + j];
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < m.cols; j++) out[i * m.cols + j] *= inv;
  }
  return out;
}
