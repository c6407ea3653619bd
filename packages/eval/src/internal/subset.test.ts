import { describe, expect, it } from 'vitest';
import { subset } from './subset';

describe('subset', () => {
  it('copies the chosen rows and labels in order', () => {
    const set = {
      features: Float32Array.of(0, 1, 10, 11, 20, 21),
      labels: Int32Array.of(5, 6, 7),
      dim: 2,
      count: 3,
    };
    const s = subset(set, [2, 0]);
    expect(Array.from(s.features)).toEqual([20, 21, 0, 1]);
    expect(Array.from(s.labels)).toEqual([7, 5]);
    expect(s.count).toBe(2);
    expect(() => subset(set, [3])).toThrow(/out of range/);
  });
});
