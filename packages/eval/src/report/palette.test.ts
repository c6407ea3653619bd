import { describe, expect, it } from 'vitest';
import { colorOf } from './palette';

describe('colorOf', () => {
  it('gives distinct colours to 20 classes and cycles after', () => {
    const colors = Array.from({ length: 20 }, (_, i) => colorOf(i));
    expect(new Set(colors).size).toBe(20);
    expect(colorOf(20)).toBe(colorOf(0));
    expect(colorOf(-1)).toBe(colorOf(19));
    colors.forEach((c) => expect(c).toMatch(/^#[0-9a-f]{6}$/));
  });
});
