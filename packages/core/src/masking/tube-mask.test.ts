import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { tubeMask } from './tube-mask';

describe('tubeMask', () => {
  it('masks exactly int(ratio * h * w) patches per frame, the same in every frame', () => {
    const cases: Array<[number, number, number, number, number]> = [
      [8, 14, 14, 0.9, 176], // VideoMAE ViT-B: int(0.9 * 196) = 176
      [8, 14, 14, 0.75, 147],
      [4, 7, 5, 0.5, 17], // int(17.5)
      [3, 10, 10, 0.57, 56], // 0.57 * 100 = 56.99999999999999 in float64, as in Python
      [2, 3, 3, 0, 0],
      [2, 3, 3, 1, 9],
    ];
    for (const [T, H, W, ratio, perFrame] of cases) {
      const m = tubeMask(T, H, W, ratio, createRng(T * 100 + H));
      expect(m.maskedPerFrame).toBe(perFrame);
      expect(m.totalMasked).toBe(T * perFrame);
      expect(m.mask.length).toBe(T * H * W);
      const first = Array.from(m.mask.subarray(0, H * W));
      expect(first.reduce((a, v) => a + v, 0)).toBe(perFrame);
      for (let t = 1; t < T; t++) {
        expect(Array.from(m.mask.subarray(t * H * W, (t + 1) * H * W))).toEqual(first);
      }
    }
  });

  it('draws a uniformly random spatial subset', () => {
    // Per-patch masked frequency over 3000 draws ~ 0.9 (std 0.0055); tolerance 0.03.
    const rng = createRng(1);
    const counts = new Array<number>(16).fill(0);
    for (let k = 0; k < 3000; k++) {
      const m = tubeMask(2, 4, 4, 0.9, rng);
      expect(m.maskedPerFrame).toBe(14);
      for (let i = 0; i < 16; i++) counts[i] += m.mask[i];
    }
    for (const c of counts) expect(Math.abs(c / 3000 - 14 / 16)).toBeLessThan(0.03);
  });

  it('is reproducible per seed and differs across seeds', () => {
    const a = tubeMask(8, 14, 14, 0.9, createRng(5));
    const b = tubeMask(8, 14, 14, 0.9, createRng(5));
    const c = tubeMask(8, 14, 14, 0.9, createRng(6));
    expect(Array.from(a.mask)).toEqual(Array.from(b.mask));
    expect(Array.from(a.mask)).not.toEqual(Array.from(c.mask));
  });

  it('rejects invalid arguments', () => {
    expect(() => tubeMask(8, 0, 14, 0.9)).toThrow(/h must be/);
    expect(() => tubeMask(8, 14, 14, 2)).toThrow(/ratio/);
  });
});
