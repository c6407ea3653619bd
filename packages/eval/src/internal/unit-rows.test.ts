import { describe, expect, it } from 'vitest';
import { unitRows } from './unit-rows';

describe('unitRows', () => {
  it('normalizes each row and keeps zero rows at zero', () => {
    const u = unitRows({ data: Float32Array.of(3, 4, 0, 0), rows: 2, cols: 2 });
    [0.6, 0.8, 0, 0].forEach((v, i) => expect(u[i]).toBeCloseTo(v, 12));
    expect(u[2]).toBe(0);
  });
});
