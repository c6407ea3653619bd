import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { horizontalFlip } from './horizontal-flip';
import { expectNoLeak, randomImages } from './_test-utils';
import { rot90 } from './rot90';
import { rotate90 } from './rotate90';
import { rotate90Batch } from './rotate90-batch';

/** Reverses the columns of every sample, in plain JS. */
function reverseColumns(x: number[][][][]): number[][][][] {
  return x.map((img) => img.map((row) => [...row].reverse()));
}

describe('horizontalFlip', () => {
  it('with p = 1 reverses the columns; twice is the identity', () => {
    const img = randomImages([2, 3, 4, 3], 1);
    const flip = horizontalFlip({ p: 1 });
    const once = flip(img);
    expect(once.arraySync()).toEqual(reverseColumns(img.arraySync()));
    expect(flip(once).arraySync()).toEqual(img.arraySync());
    expect(horizontalFlip({ p: 0 })(img).arraySync()).toEqual(img.arraySync());
  });

  it('flips per sample', () => {
    const img = randomImages([64, 2, 5, 1], 2);
    const x = img.arraySync();
    const flipped = reverseColumns(x);
    const out = horizontalFlip({ p: 0.5 })(img, createRng(3)).arraySync();
    let nFlipped = 0;
    out.forEach((s, i) => {
      const isFlip = JSON.stringify(s) === JSON.stringify(flipped[i]);
      const isSame = JSON.stringify(s) === JSON.stringify(x[i]);
      expect(isFlip || isSame).toBe(true);
      if (isFlip) nFlipped++;
    });
    expect(nFlipped).toBeGreaterThan(16);
    expect(nFlipped).toBeLessThan(48);
  });

  it('is reproducible, validates p, and leaks no tensors', () => {
    const img = randomImages([16, 3, 3, 3], 4);
    const flip = horizontalFlip();
    expect(flip(img, createRng(1)).arraySync()).toEqual(flip(img, createRng(1)).arraySync());
    expect(() => horizontalFlip({ p: 1.5 })).toThrow(/\[0, 1\], got 1.5/);
    expectNoLeak(() => flip(img, createRng(2)));
    expectNoLeak(() => horizontalFlip({ p: 1 })(img));
    expectNoLeak(() => horizontalFlip({ p: 0 })(img));
    tf.dispose(img);
  });
});

/** Counter-clockwise quarter turn of one [h][w][c] image, in plain JS (numpy's rot90). */
function rotCcw(img: number[][][]): number[][][] {
  const h = img.length;
  const w = img[0].length;
  return Array.from({ length: w }, (_, i) =>
    Array.from({ length: h }, (_, j) => img[j][w - 1 - i]),
  );
}

describe('rot90', () => {
  it('rotates each sample counter-clockwise by its own k', () => {
    const img = randomImages([5, 3, 3, 2], 1);
    const x = img.arraySync();
    const ks = [0, 1, 2, 3, -1];
    const out = rot90(img, ks).arraySync();
    ks.forEach((k, i) => {
      let expected = x[i];
      for (let t = 0; t < ((k % 4) + 4) % 4; t++) expected = rotCcw(expected);
      expect(out[i]).toEqual(expected);
    });
    // A hand example: [[1, 2], [3, 4]] turned CCW is [[2, 4], [1, 3]].
    expect(rot90(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), 1).dataSync()).toEqual(
      new Float32Array([2, 4, 1, 3]),
    );
  });

  it('handles non-square images when the turns allow', () => {
    const img = randomImages([2, 2, 3, 1], 2);
    expect(rot90(img, [1, 3]).shape).toEqual([2, 3, 2, 1]);
    expect(rot90(img, [0, 2]).shape).toEqual([2, 2, 3, 1]);
    expect(() => rot90(img, [0, 1])).toThrow(/square/);
  });

  it('leaks no tensors', () => {
    const img = randomImages([4, 3, 3, 1], 3);
    expectNoLeak(() => rot90(img, [0, 1, 2, 3]));
  });
});

describe('rotate90Batch / rotate90', () => {
  it('rotates each sample by its label and draws all four labels', () => {
    const img = randomImages([64, 4, 4, 1], 1);
    const { images, labels } = rotate90Batch(img, createRng(2));
    const ks = Array.from(labels.dataSync());
    expect(labels.dtype).toBe('int32');
    expect(new Set(ks)).toEqual(new Set([0, 1, 2, 3]));
    expect(images.arraySync()).toEqual(rot90(img, ks).arraySync());
    // The transform draws the same rotations from the same seed.
    expect(rotate90()(img, createRng(2)).arraySync()).toEqual(images.arraySync());
  });

  it('rejects non-square images and leaks no tensors', () => {
    expect(() => rotate90Batch(randomImages([1, 2, 3, 1]))).toThrow(/square/);
    const img = randomImages([8, 3, 3, 3], 3);
    expectNoLeak(() => rotate90Batch(img, createRng(1)));
    expectNoLeak(() => rotate90()(img, createRng(1)));
  });
});
