import { resolveRng, type Rng } from '@selfsup/core';
import { UMAP } from 'umap-js';
import { toMatrix } from '../internal/to-matrix';
import type { EmbeddingInput } from '../types';

/** Options of {@link embed2d}. */
export interface Embed2dOptions {
  /** UMAP neighbourhood size. Default 15 (capped at count - 1). */
  nNeighbors?: number;
  /** UMAP minimum distance between embedded points. Default 0.1. */
  minDist?: number;
  /** Optimization epochs. Default: umap-js's (by dataset size). */
  nEpochs?: number;
}

/**
 * Maps embeddings to 2-D with UMAP (umap-js) for plotting, seeded: every random draw of umap-js
 * (random projection trees, NN-descent, initialization, negative sampling) comes from `rng`, so a
 * seed reproduces the map. Returns flat `[x0, y0, x1, y1, ...]`. Cost grows roughly as
 * n log n; a few thousand points take seconds.
 *
 * @example
 * ```ts
 * import { embed2d } from '@selfsup/eval';
 * import { createRng } from '@selfsup/core';
 * const xy = embed2d(features, { nNeighbors: 15 }, createRng(0)); // Float32Array of 2n
 * ```
 */
export function embed2d(
  embeddings: EmbeddingInput,
  options: Embed2dOptions = {},
  rng?: Rng,
): Float32Array {
  const r = resolveRng(rng);
  const m = toMatrix(embeddings, 'embed2d');
  if (m.rows < 3) throw new Error(`embed2d: UMAP needs at least 3 points, got ${m.rows}`);
  const rows: number[][] = [];
  for (let i = 0; i < m.rows; i++)
    rows.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.nNeighbors ?? 15, m.rows - 1),
    minDist: options.minDist ?? 0.1,
    nEpochs: options.nEpochs,
    random: () => r.float(),
  });
  const out = umap.fit(rows);
  const flat = new Float32Array(2 * m.rows);
  out.forEach(([x, y], i) => {
    flat[2 * i] = x;
    flat[2 * i + 1] = y;
  });
  return flat;
}
