import { compose, horizontalFlip, randomGrayscale, randomResizedCrop } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { images, sameDraws, jitter } from './_test-utils';
import { mocoV2Augment } from './moco-v2-augment';

describe('mocoV2Augment', () => {
  it('mocoV2Augment: crop (0.2, 1), jitter 0.4/0.4/0.4/0.1 p 0.8, grayscale 0.2, flip', () => {
    const x = images(5, 20, 3, 1);
    const reference = compose([
      randomResizedCrop({ size: 16, scale: [0.2, 1] }),
      horizontalFlip({ p: 0.5 }),
      jitter(0.4, 0.4, 0.4, 0.1),
      randomGrayscale({ p: 0.2 }),
    ]);
    expect(sameDraws(mocoV2Augment({ size: 16 }), reference, x)).toBe(0);
    x.dispose();
  });
});
