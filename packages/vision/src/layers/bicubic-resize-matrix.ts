/**
 * The matrix `M` [outSize, inSize] of 1-D bicubic resampling as PyTorch's
 * `F.interpolate(mode='bicubic', align_corners=False, size=...)`: output i reads source
 * coordinate `(i + 0.5) * inSize / outSize - 0.5` with Keys' cubic kernel (a = -0.75) over the
 * four nearest inputs, indices clamped to the border. A 2-D resize of a grid G [h0, w0] is
 * `My G Mx^T`, i.e. `kron(My, Mx)` applied to G flattened: a plain product, so it has a gradient
 * on every backend (ViT position embeddings for another image size, as DINO's
 * `interpolate_pos_encoding`).
 *
 * @example
 * ```ts
 * const m = bicubicResizeMatrix(2, 4); // [2, 4]: halve a length-4 signal
 * ```
 */
export function bicubicResizeMatrix(outSize: number, inSize: number): Float32Array {
  if (!(Number.isInteger(outSize) && outSize > 0 && Number.isInteger(inSize) && inSize > 0)) {
    throw new Error(
      `bicubicResizeMatrix: sizes must be positive integers, got ${outSize} and ${inSize}`,
    );
  }
  const a = -0.75;
  const near = (t: number) => ((a + 2) * t - (a + 3)) * t * t + 1; // |t| <= 1
  const far = (t: number) => ((a * t - 5 * a) * t + 8 * a) * t - 4 * a; // 1 < |t| < 2
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = (i + 0.5) * scale - 0.5;
    const base = Math.floor(src);
    const t = src - base;
    const weights = [far(t + 1), near(t), near(1 - t), far(2 - t)];
    for (let k = 0; k < 4; k++) {
      const j = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
      m[i * inSize + j] += weights[k];
    }
  }
  return m;
}
