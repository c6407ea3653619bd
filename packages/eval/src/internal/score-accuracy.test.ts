import { describe, expect, it } from 'vitest';
import { scoreAccuracy } from './score-accuracy';

describe('scoreAccuracy', () => {
  it('counts top-1 / top-5 hits with ties ranked by class index', () => {
    // 6 classes; row 0: label 2 is 3rd; row 1: label 0 ties with class 3 for first (lower index wins);
    // row 2: label 5 is 6th (top-5 miss).
    const scores = Float32Array.of(5, 4, 3, 2, 1, 0, 9, 1, 1, 9, 1, 1, 6, 5, 4, 3, 2, 1);
    const r = scoreAccuracy(scores, Int32Array.of(2, 0, 5), 6);
    expect(Array.from(r.predictions)).toEqual([0, 0, 0]);
    expect(r.top1).toBeCloseTo(1 / 3, 10);
    expect(r.top5).toBeCloseTo(2 / 3, 10);
  });

  it('counts labels outside the scored classes as misses, even in top-5 with few classes', () => {
    const r = scoreAccuracy(Float32Array.of(1, 0), Int32Array.of(3), 2);
    expect(r.top1).toBe(0);
    expect(r.top5).toBe(0);
  });

  it('rejects a size mismatch', () => {
    expect(() => scoreAccuracy(new Float32Array(5), new Int32Array(2), 3)).toThrow(/2 x 3/);
  });
});
