import { toMatrix } from '../internal/to-matrix';
import { unitRows } from '../internal/unit-rows';
import type { EmbeddingInput } from '../types';

/** Options of {@link alignment}. */
export interface AlignmentOptions {
  /** Exponent of the distance. Default 2. */
  alpha?: number;
  /** L2-normalize both sides first (the setting of the paper). Default true. */
  normalize?: boolean;
}

/**
 * Alignment of positive pairs (Wang & Isola, 2020): `mean_i ||f(x_i) - f(y_i)||^alpha` over
 * matching rows of `x` and `y` (two views of the same examples), on L2-normalized embeddings by
 * default. Lower is better; 0 when both views map to the same point.
 *
 * @example
 * ```ts
 * import { alignment } from '@selfsup/eval';
 * const align = alignment(encoder.predict(view1), encoder.predict(view2)); // in [0, 4] for alpha 2
 * ```
 */
export function alignment(
  x: EmbeddingInput,
  y: EmbeddingInput,
  options: AlignmentOptions = {},
): number {
  const alpha = options.alpha ?? 2;
  const a = toMatrix(x, 'alignment');
  const b = toMatrix(y, 'alignment');
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(`alignment: x is ${a.rows} x ${a.cols} but y is ${b.rows} x ${b.cols}`);
  }
  if (a.rows === 0) throw new Error('alignment: no pairs');
  const normalize = options.normalize ?? true;
  const u = normalize ? unitRows(a) : Float64Array.from(a.data);
  const v = normalize ? unitRows(b) : Float64Array.from(b.data);
  let total = 0;
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0; j < a.cols; j++) {
      const t = u[i * a.cols + j] - v[i * a.cols + j];
      s += t * t;
    }
    total += Math.pow(Math.sqrt(s), alpha);
  }
  return total / a.rows;
}
