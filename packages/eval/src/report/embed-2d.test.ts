import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianClusters } from '../test-utils';
import { embed2d } from './embed-2d';

describe('embed2d', () => {
  it('is reproducible from the seed and keeps separated clusters apart', () => {
    const set = gaussianClusters(3, 40, 20, 3, createRng(1));
    const a = embed2d(set, { nEpochs: 100 }, createRng(2));
    const b = embed2d(set, { nEpochs: 100 }, createRng(2));
    const c = embed2d(set, { nEpochs: 100 }, createRng(3));
    expect(a.length).toBe(2 * set.count);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // Nearest neighbour in the 2-D map has the same label for (nearly) every point.
    let same = 0;
    for (let i = 0; i < set.count; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < set.count; j++) {
        if (j === i) continue;
        const d = (a[2 * i] - a[2 * j]) ** 2 + (a[2 * i + 1] - a[2 * j + 1]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      if (set.labels[best] === set.labels[i]) same++;
    }
    expect(same / set.count).toBeGreaterThan(0.95);
  });

  it('needs at least 3 points', () => {
    expect(() => embed2d([[0], [1]])).toThrow(/at least 3/);
  });
});
