import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { randomPatchMask } from './random-patch-mask';

describe('randomPatchMask', () => {
  it('keeps int(L * (1 - ratio)) patches: 49 of 196 at 0.75', () => {
    const m = randomPatchMask(4, 196, 0.75, createRng(1));
    expect(m.lenKeep).toBe(49);
    expect(m.keepIndices.length).toBe(4 * 49);
    expect(m.mask.length).toBe(4 * 196);
    expect(m.restoreIndices.length).toBe(4 * 196);
    for (let b = 0; b < 4; b++) {
      let masked = 0;
      for (let i = 0; i < 196; i++) masked += m.mask[b * 196 + i];
      expect(masked).toBe(196 - 49);
    }
  });

  it('uses the same float expression as MAE for lenKeep', () => {
    // Python: int(10 * (1 - 0.9)) == 0, int(10 * (1 - 0.7)) == 3, int(7 * (1 - 0.5)) == 3.
    expect(randomPatchMask(1, 10, 0.9, createRng(0)).lenKeep).toBe(0);
    expect(randomPatchMask(1, 10, 0.7, createRng(0)).lenKeep).toBe(3);
    expect(randomPatchMask(1, 7, 0.5, createRng(0)).lenKeep).toBe(3);
    const none = randomPatchMask(2, 5, 0, createRng(0));
    expect(none.lenKeep).toBe(5);
    expect(Array.from(none.mask)).toEqual(new Array(10).fill(0));
    const all = randomPatchMask(2, 5, 1, createRng(0));
    expect(all.lenKeep).toBe(0);
    expect(Array.from(all.mask)).toEqual(new Array(10).fill(1));
  });

  it('keepIndices are exactly the unmasked positions and restoreIndices inverts the shuffle', () => {
    const B = 3;
    const L = 50;
    const m = randomPatchMask(B, L, 0.6, createRng(7));
    const K = m.lenKeep;
    expect(K).toBe(20);
    for (let b = 0; b < B; b++) {
      const keep = Array.from(m.keepIndices.subarray(b * K, (b + 1) * K));
      const unmasked: number[] = [];
      for (let i = 0; i < L; i++) if (m.mask[b * L + i] === 0) unmasked.push(i);
      expect([...keep].sort((x, y) => x - y)).toEqual(unmasked);

      const restore = Array.from(m.restoreIndices.subarray(b * L, (b + 1) * L));
      expect([...restore].sort((x, y) => x - y)).toEqual(Array.from({ length: L }, (_, i) => i));
      // ids_shuffle = argsort(ids_restore); its first K entries are ids_keep, in order.
      const shuffle = new Array<number>(L);
      restore.forEach((pos, patch) => (shuffle[pos] = patch));
      expect(shuffle.slice(0, K)).toEqual(keep);
      // Gather round trip: [x[ids_shuffle]] gathered by ids_restore gives x back (identity here).
      const shuffled = shuffle.map((patch) => patch);
      expect(restore.map((pos) => shuffled[pos])).toEqual(Array.from({ length: L }, (_, i) => i));
      // mask = 1 exactly where the patch landed at or after lenKeep in the shuffle.
      for (let i = 0; i < L; i++) expect(m.mask[b * L + i]).toBe(restore[i] >= K ? 1 : 0);
    }
  });

  it('matches argsort of one uniform draw per patch, row by row (MAE noise)', () => {
    const B = 2;
    const L = 30;
    const m = randomPatchMask(B, L, 0.5, createRng(11));
    const rng = createRng(11);
    for (let b = 0; b < B; b++) {
      const noise = Array.from({ length: L }, () => rng.float());
      const pairs = noise.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
      const idsShuffle = pairs.map((p) => p[1]);
      expect(Array.from(m.keepIndices.subarray(b * 15, b * 15 + 15))).toEqual(
        idsShuffle.slice(0, 15),
      );
    }
  });

  it('is reproducible per seed and differs across seeds', () => {
    const a = randomPatchMask(2, 196, 0.75, createRng(3));
    const b = randomPatchMask(2, 196, 0.75, createRng(3));
    const c = randomPatchMask(2, 196, 0.75, createRng(4));
    expect(Array.from(a.mask)).toEqual(Array.from(b.mask));
    expect(Array.from(a.restoreIndices)).toEqual(Array.from(b.restoreIndices));
    expect(Array.from(a.mask)).not.toEqual(Array.from(c.mask));
    // Rows of one batch are independent draws.
    expect(Array.from(a.mask.subarray(0, 196))).not.toEqual(Array.from(a.mask.subarray(196)));
  });

  it('masks every patch with probability ratio', () => {
    // 2000 rows: per-patch frequency ~ Binomial(2000, 0.75) / 2000, std 0.0097; tolerance 0.05.
    const m = randomPatchMask(2000, 16, 0.75, createRng(5));
    for (let i = 0; i < 16; i++) {
      let n = 0;
      for (let b = 0; b < 2000; b++) n += m.mask[b * 16 + i];
      expect(Math.abs(n / 2000 - 0.75)).toBeLessThan(0.05);
    }
  });

  it('rejects invalid arguments', () => {
    expect(() => randomPatchMask(1, 0, 0.5)).toThrow(/length/);
    expect(() => randomPatchMask(1, 10, 1.5)).toThrow(/ratio/);
    expect(() => randomPatchMask(-1, 10, 0.5)).toThrow(/batch/);
  });
});
