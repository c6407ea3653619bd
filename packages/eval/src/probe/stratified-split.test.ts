import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from './stratified-split';

describe('stratifiedSplit', () => {
  it('holds out the fraction of each class, disjointly, reproducibly', () => {
    const labels = Int32Array.from({ length: 300 }, (_, i) => (i < 200 ? 0 : i < 290 ? 1 : 2));
    const a = stratifiedSplit(labels, 0.2, createRng(1));
    const b = stratifiedSplit(labels, 0.2, createRng(1));
    expect(Array.from(a.validation)).toEqual(Array.from(b.validation));
    const count = (idx: Int32Array, c: number) =>
      Array.from(idx).filter((i) => labels[i] === c).length;
    expect([0, 1, 2].map((c) => count(a.validation, c))).toEqual([40, 18, 2]);
    expect(a.train.length + a.validation.length).toBe(300);
    expect(new Set([...a.train, ...a.validation]).size).toBe(300);
    const c = stratifiedSplit(labels, 0.2, createRng(2));
    expect(Array.from(c.validation)).not.toEqual(Array.from(a.validation));
  });

  it('keeps at least one example of each class in train', () => {
    const { train } = stratifiedSplit(Int32Array.of(0, 1, 1), 0.9, createRng(0));
    expect(new Set(Array.from(train, (i) => [0, 1, 1][i]))).toEqual(new Set([0, 1]));
  });
});
