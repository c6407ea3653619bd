import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { sampleNegativeIndices } from './sample-negative-indices';

describe('sampleNegativeIndices', () => {
  it('returns [B, T, K] int32 indices of other steps of the same utterance', () => {
    const idx = sampleNegativeIndices(3, 6, 10, createRng(0));
    expect(idx.shape).toEqual([3, 6, 10]);
    expect(idx.dtype).toBe('int32');
    const values = idx.arraySync();
    values.forEach((u) =>
      u.forEach((row, t) =>
        row.forEach((s) => {
          expect(Number.isInteger(s) && s >= 0 && s < 6).toBe(true);
          expect(s).not.toBe(t);
        }),
      ),
    );
    idx.dispose();
  });

  it('draws uniformly over the other steps', () => {
    const [T, K] = [5, 4000];
    const idx = sampleNegativeIndices(1, T, K, createRng(1));
    const values = idx.arraySync()[0];
    idx.dispose();
    // Each other step expects K / (T - 1) = 1000 draws, std ~27: 100 is over 3.5 sigma.
    values.forEach((row, t) => {
      const counts = new Array(T).fill(0);
      row.forEach((s) => counts[s]++);
      expect(counts[t]).toBe(0);
      counts.forEach((c, s) => {
        if (s !== t) expect(Math.abs(c - K / (T - 1))).toBeLessThan(100);
      });
    });
  });

  it('is reproducible from a seed and uses the global generator by default', () => {
    const a = sampleNegativeIndices(2, 7, 3, createRng(5));
    const b = sampleNegativeIndices(2, 7, 3, createRng(5));
    const c = sampleNegativeIndices(2, 7, 3, createRng(6));
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(a.arraySync()).not.toEqual(c.arraySync());
    const before = tf.memory().numTensors;
    const d = sampleNegativeIndices(2, 2, 3);
    expect(d.arraySync()).toEqual([
      [
        [1, 1, 1],
        [0, 0, 0],
      ],
      [
        [1, 1, 1],
        [0, 0, 0],
      ],
    ]); // with T = 2 the only other step is forced
    tf.dispose([a, b, c, d]);
    expect(tf.memory().numTensors).toBe(before - 3);
  });

  it('rejects sizes it cannot sample', () => {
    expect(() => sampleNegativeIndices(2, 1, 3)).toThrow(/time must be an integer >= 2/);
    expect(() => sampleNegativeIndices(0, 5, 3)).toThrow(/batch/);
    expect(() => sampleNegativeIndices(2, 5, 1.5)).toThrow(/numNegatives/);
  });
});
