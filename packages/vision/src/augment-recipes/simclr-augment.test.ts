import {
  compose,
  gaussianBlur,
  horizontalFlip,
  randomGrayscale,
  randomResizedCrop,
} from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { images, sameDraws, jitter } from './_test-utils';
import { simclrAugment } from './simclr-augment';

describe('simclrAugment', () => {
  it('simclrAugment below 96 px: crop (0.2, 1), flip, jitter 0.4/0.4/0.4/0.1 p 0.8, grayscale 0.2, no blur', () => {
    const x = images(6, 20, 3);
    const reference = compose([
      randomResizedCrop({ size: 16, scale: [0.2, 1], ratio: [3 / 4, 4 / 3] }),
      horizontalFlip({ p: 0.5 }),
      jitter(0.4, 0.4, 0.4, 0.1),
      randomGrayscale({ p: 0.2 }),
    ]);
    expect(sameDraws(simclrAugment({ size: 16 }), reference, x)).toBe(0);
    x.dispose();
  });

  it('simclrAugment from 96 px: crop (0.08, 1) and blur p 0.5 with a 10% kernel; strength s scales the jitter', () => {
    const x = images(2, 100, 3);
    const reference = compose([
      randomResizedCrop({ size: 96, scale: [0.08, 1] }),
      horizontalFlip({ p: 0.5 }),
      jitter(0.8, 0.8, 0.8, 0.2),
      randomGrayscale({ p: 0.2 }),
      gaussianBlur({ kernelSize: 9, sigma: [0.1, 2], p: 0.5 }),
    ]);
    expect(sameDraws(simclrAugment({ size: 96, jitterStrength: 1 }), reference, x)).toBe(0);
    x.dispose();
  });
});
