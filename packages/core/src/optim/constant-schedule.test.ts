import { describe, expect, it } from 'vitest';
import { constantSchedule } from './constant-schedule';

describe('constantSchedule', () => {
  it('returns the same value at every step and rejects bad input', () => {
    const s = constantSchedule(0.3);
    expect([0, 1, 1e6].map(s)).toEqual([0.3, 0.3, 0.3]);
    expect(() => s(-1)).toThrow(/step must be a finite number >= 0, got -1/);
    expect(() => constantSchedule(Number.NaN)).toThrow(/lr must be a finite number/);
  });
});
