import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { spanMaskBatch } from './span-mask-batch';

function rowSums(mask: Uint8Array, batch: number, length: number): number[] {
  return Array.from({ length: batch }, (_, b) =>
    mask.subarray(b * length, (b + 1) * length).reduce((a, v) => a + v, 0),
  );
}

/**
 * Exact expected masked fraction of HF's scheme for full-length rows: k starts without
 * replacement from N = sz - L + 1 positions, k = floor(x) or floor(x) + 1, x = p sz / L.
 */
function expectedFraction(sz: number, p: number, L: number): number {
  const N = sz - L + 1;
  const x = (p * sz) / L;
  const k0 = Math.floor(x);
  const f = x - k0;
  const fractionFor = (k: number) => {
    let total = 0;
    for (let j = 0; j < sz; j++) {
      const c = Math.min(j, N - 1) - Math.max(0, j - L + 1) + 1;
      let unmasked = 1;
      for (let i = 0; i < k; i++) unmasked *= Math.max(0, N - c - i) / (N - i);
      total += 1 - unmasked;
    }
    return total / sz;
  };
  return (1 - f) * fractionFor(k0) + (f > 0 ? f * fractionFor(k0 + 1) : 0);
}

describe('spanMaskBatch', () => {
  it('matches the exact expected masked fraction (p = 0.65, span 10)', () => {
    const sz = 250;
    const expected = expectedFraction(sz, 0.65, 10);
    expect(expected).toBeGreaterThan(0.45);
    expect(expected).toBeLessThan(0.52);
    const rng = createRng(0);
    let masked = 0;
    const draws = 300;
    const batch = 10;
    for (let k = 0; k < draws; k++) {
      masked += spanMaskBatch(batch, sz, 0.65, 10, rng).reduce((a, v) => a + v, 0);
    }
    // 3000 rows, per-row fraction std ~0.03 plus the shared rounding draw: tolerance 0.004.
    expect(Math.abs(masked / (draws * batch * sz) - expected)).toBeLessThan(0.004);
  });

  it('shares one rounding draw across the batch (visible with span length 1)', () => {
    // p * sz / L = 37.5: every row of a batch has the same count, 37 or 38.
    const rng = createRng(1);
    let n38 = 0;
    for (let k = 0; k < 300; k++) {
      const sums = rowSums(spanMaskBatch(6, 100, 0.375, 1, rng), 6, 100);
      expect(new Set(sums).size).toBe(1);
      expect([37, 38]).toContain(sums[0]);
      if (sums[0] === 38) n38++;
    }
    expect(Math.abs(n38 / 300 - 0.5)).toBeLessThan(0.1);
  });

  it('starts spans anywhere in [0, inputLength - L], including the last one', () => {
    // HF's range includes the last valid start, so the last step can be masked.
    const rng = createRng(2);
    let lastMasked = 0;
    for (let k = 0; k < 300; k++) {
      const m = spanMaskBatch(1, 30, 0.65, 10, rng);
      if (m[29] === 1) lastMasked++;
    }
    expect(lastMasked).toBeGreaterThan(0);
  });

  it('keeps spans inside each row length and masks the padding slot of rows without spans', () => {
    const rng = createRng(3);
    const lengths = [100, 60, 25, 5, 0];
    for (let k = 0; k < 40; k++) {
      const m = spanMaskBatch(5, 100, 0.65, 10, rng, { inputLengths: lengths, minMasks: 2 });
      for (let b = 0; b < 3; b++) {
        const row = m.subarray(b * 100, (b + 1) * 100);
        for (let i = lengths[b]; i < 100; i++) expect(row[i]).toBe(0);
        expect(row.reduce((a, v) => a + v, 0)).toBeGreaterThanOrEqual(10);
      }
      // Rows shorter than a span get no span; HF's dummy index then masks step length - 1.
      for (const b of [3, 4]) {
        const row = Array.from(m.subarray(b * 100, (b + 1) * 100));
        expect(row).toEqual([...new Array(99).fill(0), 1]);
      }
    }
  });

  it('counts spans from each row length with the same epsilon', () => {
    const rng = createRng(4);
    for (let k = 0; k < 100; k++) {
      // L = 1: row b has int(0.5 * len_b + eps) masked steps; eps is shared.
      const m = spanMaskBatch(3, 40, 0.5, 1, rng, { inputLengths: [40, 21, 7] });
      const [a, b, c] = rowSums(m, 3, 40);
      expect(a).toBe(20); // int(20 + eps)
      expect([10, 11]).toContain(b); // int(10.5 + eps)
      expect([3, 4]).toContain(c); // int(3.5 + eps)
      // One eps for the batch: both rows round up together (per-row draws would often disagree).
      expect(b - 10).toBe(c - 3);
    }
  });

  it('caps the count so spans fit, and masks nothing when the full-length count is 0', () => {
    // p = 1, L = 1: int(10 + eps) = 10 starts out of 10 positions: the whole row.
    expect(Array.from(spanMaskBatch(2, 10, 1, 1, createRng(5)))).toEqual(new Array(20).fill(1));
    // min_masks 5 of length 10 in 25 steps: capped to 25 // 10 = 2 spans, at most 20 steps.
    const rng = createRng(6);
    for (let k = 0; k < 50; k++) {
      const s = spanMaskBatch(1, 25, 0.1, 10, rng, { minMasks: 5 }).reduce((a, v) => a + v, 0);
      expect(s).toBeGreaterThanOrEqual(10);
      expect(s).toBeLessThanOrEqual(20);
    }
    const none = spanMaskBatch(3, 50, 0, 10, createRng(7), { inputLengths: [50, 3, 0] });
    expect(none.reduce((a, v) => a + v, 0)).toBe(0);
  });

  it('is reproducible per seed and differs across seeds and rows', () => {
    const a = spanMaskBatch(2, 200, 0.65, 10, createRng(8));
    const b = spanMaskBatch(2, 200, 0.65, 10, createRng(8));
    const c = spanMaskBatch(2, 200, 0.65, 10, createRng(9));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(a.subarray(0, 200))).not.toEqual(Array.from(a.subarray(200)));
  });

  it('rejects invalid arguments', () => {
    expect(() => spanMaskBatch(2, 5, 0.5, 10)).toThrow(/spanLength must be <= length/);
    expect(() => spanMaskBatch(2, 50, 0.5, 0)).toThrow(/spanLength/);
    expect(() => spanMaskBatch(2, 50, 0.5, 10, undefined, { inputLengths: [50] })).toThrow(
      /one entry per row/,
    );
    expect(() => spanMaskBatch(1, 50, 0.5, 10, undefined, { inputLengths: [51] })).toThrow(
      /inputLengths\[0\]/,
    );
  });
});
