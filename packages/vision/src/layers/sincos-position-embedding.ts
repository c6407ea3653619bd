/**
 * Fixed 2-D sine-cosine position embedding of MAE (`get_2d_sincos_pos_embed` in
 * facebookresearch/mae `util/pos_embed.py`, from MoCo v3), as a row-major
 * `[(classToken ? 1 : 0) + gridHeight * gridWidth, embedDim]` Float32Array.
 *
 * Patch n = row * gridWidth + col. With q = embedDim / 4 and omega_k = 1 / 10000^(k / q):
 * columns [0, q) hold sin(col * omega), [q, 2q) cos(col * omega), [2q, 3q) sin(row * omega) and
 * [3q, 4q) cos(row * omega). (MAE's `np.meshgrid(grid_w, grid_h)` puts the column coordinate first,
 * so its "emb_h" half actually encodes the column; reproduced as is, so MAE checkpoints line up.)
 * With `classToken`, a zero row comes first, as MAE's `cls_token=True`.
 *
 * @param embedDim - Embedding width; must be divisible by 4.
 * @param gridHeight - Patches per column (image height / patch size).
 * @param gridWidth - Patches per row; defaults to `gridHeight` (MAE's square grid).
 * @param options.classToken - Prepend a zero row for the class token.
 *
 * @example
 * ```ts
 * // ViT-B/16 at 224 px: 14 x 14 patches, plus the cls row.
 * const table = sincosPositionEmbedding2d(768, 14, 14, { classToken: true }); // 197 * 768 values
 * const pos = tf.tensor3d(table, [1, 197, 768]);
 * ```
 */
export function sincosPositionEmbedding2d(
  embedDim: number,
  gridHeight: number,
  gridWidth: number = gridHeight,
  options: { classToken?: boolean } = {},
): Float32Array {
  if (!Number.isInteger(embedDim) || embedDim <= 0 || embedDim % 4 !== 0) {
    throw new Error(
      `sincosPositionEmbedding2d: embedDim must be a positive multiple of 4, got ${embedDim}`,
    );
  }
  for (const [label, v] of [
    ['gridHeight', gridHeight],
    ['gridWidth', gridWidth],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new Error(`sincosPositionEmbedding2d: ${label} must be a positive integer, got ${v}`);
    }
  }
  const prefix = options.classToken ? 1 : 0;
  const q = embedDim / 4;
  const omega = new Float64Array(q);
  for (let k = 0; k < q; k++) omega[k] = 1 / Math.pow(10000, k / q);
  const out = new Float32Array((prefix + gridHeight * gridWidth) * embedDim);
  for (let row = 0; row < gridHeight; row++) {
    for (let col = 0; col < gridWidth; col++) {
      const base = (prefix + row * gridWidth + col) * embedDim;
      for (let k = 0; k < q; k++) {
        out[base + k] = Math.sin(col * omega[k]);
        out[base + q + k] = Math.cos(col * omega[k]);
        out[base + 2 * q + k] = Math.sin(row * omega[k]);
        out[base + 3 * q + k] = Math.cos(row * omega[k]);
      }
    }
  }
  return out;
}
