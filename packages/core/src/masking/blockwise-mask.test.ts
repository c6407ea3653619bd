import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../random/rng';
import { blockwiseMask, type MaskBlock } from './blockwise-mask';

/** Python's round(): nearest, ties to even (written differently from the implementation's). */
function pyRound(x: number): number {
  const n = Math.round(x);
  return n - x === 0.5 && n % 2 !== 0 ? n - 1 : n;
}

/** A direct transcription of BEiT's MaskingGenerator on a 2-D array, for comparison. */
function beitReference(
  H: number,
  W: number,
  numMaskingPatches: number,
  rng: Rng,
  minNum = 16,
  minAspect = 0.3,
): number[][] {
  const maxNum = numMaskingPatches;
  const logAspect = [Math.log(minAspect), Math.log(1 / minAspect)];
  const mask = Array.from({ length: H }, () => new Array<number>(W).fill(0));
  const uniform = (a: number, b: number) => a + (b - a) * rng.float();
  const randint = (a: number, b: number) => a + rng.int(b - a + 1);
  const maskOnce = (maxMaskPatches: number) => {
    let delta = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = uniform(minNum, maxMaskPatches);
      const aspectRatio = Math.exp(uniform(logAspect[0], logAspect[1]));
      const h = pyRound(Math.sqrt(targetArea * aspectRatio));
      const w = pyRound(Math.sqrt(targetArea / aspectRatio));
      if (w < W && h < H) {
        const top = randint(0, H - h);
        const left = randint(0, W - w);
        let numMasked = 0;
        for (let i = top; i < top + h; i++)
          for (let j = left; j < left + w; j++) numMasked += mask[i][j];
        if (0 < h * w - numMasked && h * w - numMasked <= maxMaskPatches) {
          for (let i = top; i < top + h; i++) {
            for (let j = left; j < left + w; j++) {
              if (mask[i][j] === 0) {
                mask[i][j] = 1;
                delta += 1;
              }
            }
          }
        }
        if (delta > 0) break;
      }
    }
    return delta;
  };
  let maskCount = 0;
  while (maskCount < numMaskingPatches) {
    const maxMaskPatches = Math.min(numMaskingPatches - maskCount, maxNum);
    const delta = maskOnce(maxMaskPatches);
    if (delta === 0) break;
    maskCount += delta;
  }
  return mask;
}

/**
 * Whether some target area A in [a0, a1] and aspect ratio r in [r0, r1] round to this block:
 * round(sqrt(A r)) = height and round(sqrt(A / r)) = width. In log space, u = ln(A r) and
 * v = ln(A / r) lie in a box; ln A = (u + v) / 2 and ln r = (u - v) / 2 must lie in the ranges.
 * The slack f(s) over s = u + v is concave piecewise linear, so checking its breakpoints is exact.
 */
function blockFeasible(b: MaskBlock, a0: number, a1: number, r0: number, r1: number): boolean {
  const eps = 1e-9;
  const U0 = 2 * Math.log(b.height - 0.5);
  const U1 = 2 * Math.log(b.height + 0.5);
  const V0 = 2 * Math.log(b.width - 0.5);
  const V1 = 2 * Math.log(b.width + 0.5);
  const [D0, D1] = [2 * Math.log(r0), 2 * Math.log(r1)];
  const sLo = Math.max(2 * Math.log(a0), U0 + V0);
  const sHi = Math.min(2 * Math.log(a1), U1 + V1);
  if (sLo > sHi + eps) return false;
  const slack = (s: number) =>
    Math.min(2 * U1 - s, s - 2 * V0, D1) - Math.max(2 * U0 - s, s - 2 * V1, D0);
  const candidates = [
    sLo,
    sHi,
    U0 + V1,
    U1 + V0,
    2 * U0 - D0,
    2 * V1 + D0,
    2 * U1 - D1,
    2 * V0 + D1,
  ];
  return candidates.some((s) => slack(Math.min(Math.max(s, sLo), sHi)) >= -eps);
}

describe('blockwiseMask', () => {
  it('matches a direct transcription of BEiT MaskingGenerator draw for draw', () => {
    for (let seed = 0; seed < 40; seed++) {
      const got = blockwiseMask(14, 14, 75 / 196, createRng(seed));
      const ref = beitReference(14, 14, 75, createRng(seed));
      expect(got.target).toBe(75);
      expect(Array.from(got.mask)).toEqual(ref.flat());
    }
    const got = blockwiseMask(12, 20, 0.5, createRng(3), { minNumPatches: 4 });
    expect(Array.from(got.mask)).toEqual(beitReference(12, 20, 120, createRng(3), 4).flat());
  });

  it('reaches the target or stops below it (BEiT shortfall), never above', () => {
    const rng = createRng(1);
    let reached = 0;
    for (let k = 0; k < 300; k++) {
      const m = blockwiseMask(14, 14, 75 / 196, rng);
      const sum = m.mask.reduce((a, v) => a + v, 0);
      expect(m.count).toBe(sum);
      expect(m.blocks.reduce((a, b) => a + b.added, 0)).toBe(sum);
      expect(m.count).toBeLessThanOrEqual(75);
      // A step fails after 10 rejected blocks, which in practice only happens once the remainder
      // is small (seen: at most 10 short of 75 over 2000 draws).
      expect(m.count).toBeGreaterThan(75 - 16);
      if (m.count === 75) reached++;
    }
    expect(reached).toBeGreaterThan(150);
  });

  it('builds the mask from the listed blocks, each a feasible BEiT block', () => {
    const rng = createRng(2);
    let logAspectSum = 0;
    let nBlocks = 0;
    let bigBlocks = 0;
    for (let k = 0; k < 300; k++) {
      const m = blockwiseMask(14, 14, 0.4, rng);
      const union = new Uint8Array(196);
      let remaining = m.target;
      for (const b of m.blocks) {
        expect(b.height).toBeLessThan(14);
        expect(b.width).toBeLessThan(14);
        expect(b.top + b.height).toBeLessThanOrEqual(14);
        expect(b.left + b.width).toBeLessThanOrEqual(14);
        for (let i = b.top; i < b.top + b.height; i++) {
          for (let j = b.left; j < b.left + b.width; j++) union[i * 14 + j] = 1;
        }
        // Target area ~ U(16, remaining) (or U(remaining, 16) once fewer than 16 remain), aspect
        // ratio in [0.3, 1 / 0.3]; the drawn shape must be reachable by rounding.
        const [a0, a1] = remaining >= 16 ? [16, remaining] : [remaining, 16];
        expect(blockFeasible(b, a0, a1, 0.3, 1 / 0.3)).toBe(true);
        if (remaining >= 16) bigBlocks++;
        expect(b.added).toBeLessThanOrEqual(remaining);
        remaining -= b.added;
        logAspectSum += Math.log(b.height / b.width);
        nBlocks++;
      }
      expect(Array.from(union)).toEqual(Array.from(m.mask));
    }
    expect(bigBlocks).toBeGreaterThan(600);
    // log aspect is drawn symmetric around 0; its mean over ~1200 blocks is ~0 (std ~0.02).
    expect(Math.abs(logAspectSum / nBlocks)).toBeLessThan(0.1);
  });

  it('feasibility check rejects shapes outside the aspect range', () => {
    // A 1 x 13 strip (aspect 1/13) cannot come from aspect >= 0.3 with area <= 75.
    const strip = { top: 0, left: 0, height: 1, width: 13, added: 13 };
    expect(blockFeasible(strip, 16, 75, 0.3, 1 / 0.3)).toBe(false);
    expect(blockFeasible({ ...strip, height: 4, width: 4 }, 16, 75, 0.3, 1 / 0.3)).toBe(true);
  });

  it('honours maxNumPatches and the aspect options', () => {
    const rng = createRng(4);
    for (let k = 0; k < 100; k++) {
      const m = blockwiseMask(14, 14, 0.5, rng, { maxNumPatches: 20, minAspect: 0.5 });
      let remaining = m.target;
      for (const b of m.blocks) {
        const maxPatches = Math.min(remaining, 20);
        const [a0, a1] = maxPatches >= 16 ? [16, maxPatches] : [maxPatches, 16];
        expect(blockFeasible(b, a0, a1, 0.5, 2)).toBe(true);
        // Without the cap a 75-patch target would often draw larger blocks; with it, the area is
        // at most round(sqrt(20 * 2))^2 = 36.
        expect(b.height * b.width).toBeLessThanOrEqual(36);
        remaining -= b.added;
      }
    }
  });

  it('handles empty targets and grids too small for any block', () => {
    const none = blockwiseMask(14, 14, 0, createRng(0));
    expect(none.count).toBe(0);
    expect(none.blocks).toEqual([]);
    // Blocks must be strictly smaller than the grid, so a 1 x 1 grid can never be masked.
    expect(blockwiseMask(1, 1, 1, createRng(0)).count).toBe(0);
  });

  it('is reproducible per seed and differs across seeds', () => {
    const a = blockwiseMask(14, 14, 0.4, createRng(9));
    const b = blockwiseMask(14, 14, 0.4, createRng(9));
    const c = blockwiseMask(14, 14, 0.4, createRng(10));
    expect(Array.from(a.mask)).toEqual(Array.from(b.mask));
    expect(Array.from(a.mask)).not.toEqual(Array.from(c.mask));
  });

  it('rejects invalid arguments', () => {
    expect(() => blockwiseMask(0, 14, 0.4)).toThrow(/h must be/);
    expect(() => blockwiseMask(14, 14, -0.1)).toThrow(/ratio/);
    expect(() => blockwiseMask(14, 14, 0.4, undefined, { minAspect: 0 })).toThrow(/minAspect/);
  });
});
