import { describe, expect, it } from 'vitest';
import { createRng, getGlobalRng, resolveRng, setGlobalSeed } from './rng';

describe('createRng', () => {
  it('reproduces the xoshiro128** reference sequence for a fixed state', () => {
    // Reference values computed by hand from the C reference (xoshiro128starstar.c) with state 1,2,3,4.
    const rng = createRng(0);
    rng.setState({ algorithm: 'xoshiro128**', s: [1, 2, 3, 4] });
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
    expect(createRng(1).nextUint32()).not.toBe(createRng(1 + 2 ** 32).nextUint32());
  });

  it('saves and restores its exact position', () => {
    const rng = createRng(3);
    rng.float();
    const saved = JSON.parse(JSON.stringify(rng.state()));
    const next = [rng.float(), rng.normal(), rng.int(10)];
    rng.setState(saved);
    expect([rng.float(), rng.normal(), rng.int(10)]).toEqual(next);
    expect(() => rng.setState({ algorithm: 'mt' } as never)).toThrow(/xoshiro128/);
  });

  it('draws uniform floats and unbiased ints', () => {
    const rng = createRng(11);
    const counts = new Array(7).fill(0);
    const n = 70000;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const f = rng.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      sum += f;
      counts[rng.int(7)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - n / 7)).toBeLessThan(5 * Math.sqrt(n / 7));
    expect(() => rng.int(0)).toThrow(/maxExclusive/);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const rng = createRng(5);
    const n = 50000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });

  it('makes permutations and in-place shuffles', () => {
    const rng = createRng(9);
    const p = Array.from(rng.permutation(100));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const arr = ['a', 'b', 'c', 'd'];
    expect(rng.shuffle(arr).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('forks independent generators and seeds tfjs ops with 31-bit ints', () => {
    const rng = createRng(1);
    const child = rng.fork();
    expect(child.nextUint32()).not.toBe(rng.nextUint32());
    const s = rng.seed();
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
  });

  it('has a resettable global generator', () => {
    setGlobalSeed(4);
    const x = getGlobalRng().float();
    setGlobalSeed(4);
    expect(resolveRng().float()).toBe(x);
    const own = createRng(4);
    expect(resolveRng(own)).toBe(own);
  });
});
