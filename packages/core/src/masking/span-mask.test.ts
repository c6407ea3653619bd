import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { spanMask } from './span-mask';

/** Lengths of the maximal runs of 1s. */
function runs(mask: Uint8Array): number[] {
  const out: number[] = [];
  let n = 0;
  for (const v of mask) {
    if (v === 1) n++;
    else if (n > 0) {
      out.push(n);
      n = 0;
    }
  }
  if (n > 0) out.push(n);
  return out;
}

/**
 * Exact expected masked fraction of fairseq's scheme: k starts drawn without replacement from
 * N = sz - L positions, k = floor(x) or floor(x) + 1 with x = p sz / L (probabilistic rounding).
 * Step j stays unmasked iff none of the c_j starts covering it is drawn:
 * C(N - c_j, k) / C(N, k).
 */
function expectedFraction(sz: number, p: number, L: number): number {
  const N = sz - L;
  const x = (p * sz) / L;
  const k0 = Math.floor(x);
  const f = x - k0;
  const fractionFor = (k: number) => {
    let total = 0;
    for (let j = 0; j < sz; j++) {
      const c = Math.max(0, Math.min(j, N - 1) - Math.max(0, j - L + 1) + 1);
      let unmasked = 1;
      for (let i = 0; i < k; i++) unmasked *= Math.max(0, N - c - i) / (N - i);
      total += 1 - unmasked;
    }
    return total / sz;
  };
  return (1 - f) * fractionFor(k0) + (f > 0 ? f * fractionFor(k0 + 1) : 0);
}

describe('spanMask', () => {
  it("masks ~49% of a long sequence at wav2vec 2.0's p = 0.65, span 10", () => {
    // Long-sequence limit: 1 - (1 - p / L)^L = 1 - 0.935^10 = 0.4894.
    const limit = 1 - (1 - 0.065) ** 10;
    expect(limit).toBeCloseTo(0.4894, 4);
    expect(Math.abs(expectedFraction(20000, 0.65, 10) - limit)).toBeLessThan(0.002);
    const rng = createRng(0);
    let masked = 0;
    for (let k = 0; k < 10; k++)
      masked += spanMask(20000, 0.65, 10, rng).reduce((a, v) => a + v, 0);
    // 200k steps in ~13k spans: the empirical fraction's std is ~0.002; tolerance 0.01.
    expect(Math.abs(masked / 200000 - limit)).toBeLessThan(0.01);
  });

  it('matches the exact expected fraction for a short sequence', () => {
    const sz = 250;
    const expected = expectedFraction(sz, 0.65, 10); // k in {16, 17}, N = 240
    const rng = createRng(1);
    let masked = 0;
    const draws = 3000;
    for (let k = 0; k < draws; k++)
      masked += spanMask(sz, 0.65, 10, rng).reduce((a, v) => a + v, 0);
    // Per-draw fraction std is ~0.03, so the mean over 3000 draws has std ~0.0006; tolerance 0.003.
    expect(Math.abs(masked / (draws * sz) - expected)).toBeLessThan(0.003);
  });

  it('masks whole spans of spanLength and never the last step (fairseq start range)', () => {
    const rng = createRng(2);
    for (let k = 0; k < 200; k++) {
      const m = spanMask(120, 0.65, 10, rng);
      // Runs are unions of 10-step spans, so each is at least 10 long.
      for (const r of runs(m)) expect(r).toBeGreaterThanOrEqual(10);
      // Starts are drawn from [0, sz - L), so a span ends at sz - 2 at the latest.
      expect(m[119]).toBe(0);
    }
  });

  it('uses probabilistic rounding for the span count (visible with span length 1)', () => {
    // p * sz / L = 0.375 * 100 = 37.5: 37 or 38 distinct starts, each half the time.
    const rng = createRng(3);
    let n38 = 0;
    for (let k = 0; k < 400; k++) {
      const s = spanMask(100, 0.375, 1, rng).reduce((a, v) => a + v, 0);
      expect([37, 38]).toContain(s);
      if (s === 38) n38++;
    }
    expect(Math.abs(n38 / 400 - 0.5)).toBeLessThan(0.1);
  });

  it('enforces minMasks and handles p = 0', () => {
    expect(spanMask(100, 0, 10, createRng(0)).reduce((a, v) => a + v, 0)).toBe(0);
    const rng = createRng(4);
    for (let k = 0; k < 50; k++) {
      const m = spanMask(100, 0, 10, rng, { minMasks: 2 });
      const total = m.reduce((a, v) => a + v, 0);
      expect(total).toBeGreaterThanOrEqual(10);
      expect(total).toBeLessThanOrEqual(20);
      for (const r of runs(m)) expect(r).toBeGreaterThanOrEqual(10);
    }
  });

  it('widens the start range and clips spans when sz - L <= num_mask, and refuses a full mask', () => {
    // sz 13, L 10, 4 spans: min_len becomes 13 - 4 - 1 = 8, starts are 4 of [0, 5). The only
    // draw that leaves a step unmasked is {1, 2, 3, 4}, whose span at 4 is clipped to 9 steps.
    const rng = createRng(5);
    let ok = 0;
    let full = 0;
    for (let k = 0; k < 300; k++) {
      try {
        const m = spanMask(13, 0.1, 10, rng, { minMasks: 4 });
        expect(Array.from(m)).toEqual([0, ...new Array(12).fill(1)]);
        ok++;
      } catch (e) {
        expect((e as Error).message).toMatch(/entire sequence is masked/);
        full++;
      }
    }
    // P(ok) = 1 / 5.
    expect(ok / 300).toBeGreaterThan(0.12);
    expect(ok / 300).toBeLessThan(0.28);
    expect(ok + full).toBe(300);
  });

  it('places non-overlapping spans with noOverlap and keeps minSpace between them', () => {
    const rng = createRng(6);
    let allPlaced = 0;
    for (let k = 0; k < 200; k++) {
      // 500 * 0.65 / 10 = 32.5 -> 32 or 33 spans of 10. fairseq stops early when the remaining
      // gaps are too fragmented for another span, which happens in ~1% of draws here.
      const m = spanMask(500, 0.65, 10, rng, { noOverlap: true, minSpace: 1 });
      const rs = runs(m);
      for (const r of rs) expect(r).toBe(10);
      expect(rs.length).toBeLessThanOrEqual(33);
      expect(rs.length).toBeGreaterThanOrEqual(29);
      if (rs.length >= 32) allPlaced++;
    }
    expect(allPlaced).toBeGreaterThan(180);
    for (let k = 0; k < 100; k++) {
      // Without a gap, touching spans merge into runs of multiples of 10.
      const m = spanMask(300, 0.5, 10, rng, { noOverlap: true });
      const rs = runs(m);
      for (const r of rs) expect(r % 10).toBe(0);
      // 300 * 0.5 / 10 = 15 spans exactly (no rounding draw can change it).
      const total = rs.reduce((a, v) => a + v, 0);
      expect(total).toBeLessThanOrEqual(150);
      expect(total).toBeGreaterThanOrEqual(120);
    }
  });

  it('drops rint(masked * maskDropout) masked steps with maskDropout', () => {
    const rng = createRng(7);
    for (let k = 0; k < 50; k++) {
      const m = spanMask(500, 0.65, 10, rng, { noOverlap: true, minSpace: 1, maskDropout: 0.1 });
      // n spans of 10 masked before dropout (n <= 33), then rint(10 n * 0.1) = n are dropped.
      const after = m.reduce((a, v) => a + v, 0);
      expect(after % 9).toBe(0);
      expect(after / 9).toBeGreaterThanOrEqual(29);
      expect(after / 9).toBeLessThanOrEqual(33);
      // Dropped steps are holes inside the spans: every run still lies within one 10-step span.
      for (const r of runs(m)) expect(r).toBeLessThanOrEqual(10);
    }
  });

  it('is reproducible per seed and differs across seeds', () => {
    const a = spanMask(300, 0.65, 10, createRng(8));
    const b = spanMask(300, 0.65, 10, createRng(8));
    const c = spanMask(300, 0.65, 10, createRng(9));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('rejects invalid arguments', () => {
    expect(() => spanMask(0, 0.5, 10)).toThrow(/length/);
    expect(() => spanMask(100, 1.5, 10)).toThrow(/p must be/);
    expect(() => spanMask(100, 0.5, 0)).toThrow(/spanLength/);
  });
});
