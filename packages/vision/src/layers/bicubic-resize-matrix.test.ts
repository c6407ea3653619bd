import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bicubicResizeMatrix } from './bicubic-resize-matrix';

/** `My G Mx^T` for a grid G [h0, w0]. */
function resize2d(grid: number[], h0: number, w0: number, h: number, w: number): number[] {
  return tf.tidy(() => {
    const my = tf.tensor2d(bicubicResizeMatrix(h, h0), [h, h0]);
    const mx = tf.tensor2d(bicubicResizeMatrix(w, w0), [w, w0]);
    const g = tf.tensor2d(grid, [h0, w0]);
    return Array.from(tf.matMul(tf.matMul(my, g), mx, false, true).dataSync());
  });
}

describe('bicubicResizeMatrix', () => {
  // x[r][c] = 0.1 (4r + c)^2 + [1, -2, 0.5, 3][c], resized by PyTorch 1.13:
  // F.interpolate(x, size=..., mode='bicubic', align_corners=False).
  const grid = Array.from({ length: 16 }, (_, i) => 0.1 * i * i + [1, -2, 0.5, 3][i % 4]);

  it('matches PyTorch when shrinking and when growing a 4x4 grid', () => {
    const down = resize2d(grid, 4, 4, 2, 3);
    const torchDown = [0.926186, -0.215625, 4.802054, 11.646965, 12.909376, 20.331282];
    down.forEach((v, i) => expect(v).toBeCloseTo(torchDown[i], 4));
    const up = resize2d(grid, 4, 4, 6, 5);
    const torchUp = [
      1.041505, -1.580902, -1.296181, 1.740892, 3.730811, 1.506431, -0.851106, -0.215625, 3.172208,
      5.426995, 3.406114, 1.481942, 2.691318, 6.653048, 9.341201, 6.13377, 4.517992, 6.135764,
      10.50589, 13.502437, 11.900123, 10.71771, 12.909375, 17.853399, 21.283312, 16.120605,
      15.203061, 17.745483, 23.04027, 26.73505,
    ];
    up.forEach((v, i) => expect(v).toBeCloseTo(torchUp[i], 4));
  });

  it('is the identity at the same size, and rows sum to 1', () => {
    const m = bicubicResizeMatrix(5, 5);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) expect(m[i * 5 + j]).toBeCloseTo(i === j ? 1 : 0, 6);
    }
    const r = bicubicResizeMatrix(3, 7);
    for (let i = 0; i < 3; i++) {
      expect(r.slice(i * 7, (i + 1) * 7).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    }
    expect(() => bicubicResizeMatrix(0, 4)).toThrow(/positive integers, got 0 and 4/);
  });
});
