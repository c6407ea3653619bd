import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../random/rng';
import { t5SpanNoiseMask } from './t5-span-noise-mask';

/** NumPy's np.round (ties to even), written independently of the implementation. */
function npRound(x: number): number {
  const n = Math.round(x);
  return n - x === 0.5 && n % 2 !== 0 ? n - 1 : n;
}

/** Maximal runs as [value, length] pairs. */
function runs(mask: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const v of mask) {
    if (out.length > 0 && out[out.length - 1][0] === v) out[out.length - 1][1]++;
    else out.push([v, 1]);
  }
  return out;
}

/**
 * A line-by-line port of HF's random_spans_noise_mask with array operations (shuffle of the
 * indicator, pad, cumsum, segment counts, interleave, cumsum of span starts, parity).
 */
function hfReference(length: number, density: number, mean: number, rng: Rng): number[] {
  let numNoise = npRound(length * density);
  numNoise = Math.min(Math.max(numNoise, 1), length - 1);
  const numNonnoise = length - numNoise;
  const numSpans = Math.max(npRound(Math.min(numNoise, numNonnoise) / mean), 1);
  const segmentation = (numItems: number, numSegments: number) => {
    const maskIndices = Array.from({ length: numItems - 1 }, (_, i) => i < numSegments - 1);
    rng.shuffle(maskIndices);
    const firstInSegment = [false, ...maskIndices];
    let acc = 0;
    const segmentId = firstInSegment.map((f) => (acc += f ? 1 : 0));
    const lengths = new Array<number>(numSegments).fill(0);
    for (const id of segmentId) lengths[id]++;
    return lengths;
  };
  const noiseLengths = segmentation(numNoise, numSpans);
  const nonnoiseLengths = segmentation(numNonnoise, numSpans);
  const interleaved = nonnoiseLengths.flatMap((nn, i) => [nn, noiseLengths[i]]);
  let c = 0;
  const spanStarts = interleaved.map((l) => (c += l)).slice(0, -1);
  const indicator = new Array<number>(length).fill(0);
  for (const s of spanStarts) indicator[s] = 1;
  let spanNum = 0;
  return indicator.map((v) => ((spanNum += v) % 2 === 1 ? 1 : 0));
}

describe('t5SpanNoiseMask', () => {
  it('has round(length * density) noise tokens in round(noise / mean) spans', () => {
    // [length, noise tokens, noise spans] at density 0.15, mean span 3 (hand-derived):
    // 10 -> 1.5 rounds to 2 (even), 2 / 3 -> 1; 100 -> 15, 5; 512 -> 76.8 -> 77, 25.67 -> 26;
    // 568 (the expanded length for 512 inputs) -> 85.2 -> 85, 28.33 -> 28.
    const cases: Array<[number, number, number]> = [
      [10, 2, 1],
      [100, 15, 5],
      [512, 77, 26],
      [568, 85, 28],
    ];
    const rng = createRng(0);
    for (const [length, noise, spans] of cases) {
      expect(npRound(length * 0.15)).toBe(noise);
      expect(Math.max(npRound(noise / 3), 1)).toBe(spans);
      for (let k = 0; k < 20; k++) {
        const m = t5SpanNoiseMask(length, 0.15, 3, rng);
        expect(m.length).toBe(length);
        expect(m.reduce((a, v) => a + v, 0)).toBe(noise);
        const rs = runs(m);
        // Alternating non-empty spans, starting with non-noise and ending with noise.
        expect(rs.length).toBe(2 * spans);
        expect(rs[0][0]).toBe(0);
        expect(rs[rs.length - 1][0]).toBe(1);
      }
    }
  });

  it('rounds halves to even and clamps the noise count to [1, length - 1]', () => {
    const sum = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);
    expect(sum(t5SpanNoiseMask(10, 0.25, 3, createRng(0)))).toBe(2); // 2.5 -> 2
    expect(sum(t5SpanNoiseMask(14, 0.25, 3, createRng(0)))).toBe(4); // 3.5 -> 4
    expect(sum(t5SpanNoiseMask(20, 0, 3, createRng(0)))).toBe(1);
    expect(Array.from(t5SpanNoiseMask(20, 1, 3, createRng(0)))).toEqual([
      0,
      ...new Array(19).fill(1),
    ]);
    // Density 0.9: spans = round(min(9, 1) / 3) -> 0 -> 1, one non-noise token then noise.
    expect(Array.from(t5SpanNoiseMask(10, 0.9, 3, createRng(0)))).toEqual([
      0,
      ...new Array(9).fill(1),
    ]);
  });

  it("matches a line-by-line port of HF's array implementation", () => {
    for (const [length, density, mean] of [
      [568, 0.15, 3],
      [100, 0.3, 2.5],
      [37, 0.5, 4],
      [10, 0.15, 3],
    ]) {
      for (let seed = 0; seed < 10; seed++) {
        const got = t5SpanNoiseMask(length, density, mean, createRng(seed));
        expect(Array.from(got)).toEqual(hfReference(length, density, mean, createRng(seed)));
      }
    }
  });

  it('draws every admissible mask with equal probability', () => {
    // length 10, density 0.3, mean 1.5: 3 noise tokens in 2 spans, 7 non-noise in 2 spans.
    // Admissible masks (enumerated by brute force over all 2^10): non-noise, noise, non-noise,
    // noise runs with those totals; there are C(2,1) * C(6,1) = 12.
    const admissible: string[] = [];
    for (let bits = 0; bits < 1024; bits++) {
      const m = Uint8Array.from({ length: 10 }, (_, i) => (bits >> i) & 1);
      const rs = runs(m);
      if (m.reduce((a, v) => a + v, 0) !== 3 || rs.length !== 4 || rs[0][0] !== 0) continue;
      admissible.push(m.join(''));
    }
    expect(admissible.length).toBe(12);
    const counts = new Map<string, number>(admissible.map((k) => [k, 0]));
    const rng = createRng(1);
    const draws = 6000;
    for (let k = 0; k < draws; k++) {
      const key = t5SpanNoiseMask(10, 0.3, 1.5, rng).join('');
      expect(counts.has(key)).toBe(true);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // Each count ~ Binomial(6000, 1/12): mean 500, std 21.4; tolerance 100 (~4.7 std).
    for (const c of counts.values()) expect(Math.abs(c - 500)).toBeLessThan(100);
  });

  it('is reproducible per seed and differs across seeds', () => {
    const a = t5SpanNoiseMask(512, 0.15, 3, createRng(2));
    const b = t5SpanNoiseMask(512, 0.15, 3, createRng(2));
    const c = t5SpanNoiseMask(512, 0.15, 3, createRng(3));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('rejects invalid arguments', () => {
    expect(() => t5SpanNoiseMask(1, 0.15, 3)).toThrow(/length/);
    expect(() => t5SpanNoiseMask(100, 0.15, 0.5)).toThrow(/meanSpanLength/);
    expect(() => t5SpanNoiseMask(100, -0.1, 3)).toThrow(/noiseDensity/);
  });
});
