import {
  compose,
  horizontalFlip,
  randomGrayscale,
  randomResizedCrop,
  solarize,
} from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { images, sameDraws, jitter } from './_test-utils';
import { byolAugment } from './byol-augment';

describe('byolAugment', () => {
  it('byolAugment: the second view solarizes with p 0.2, both jitter 0.4/0.4/0.2/0.1', () => {
    const x = images(8, 20, 3, 2);
    const [first, second] = byolAugment({ size: 16 });
    const common = [
      randomResizedCrop({ size: 16, scale: [0.08, 1] }),
      horizontalFlip({ p: 0.5 }),
      jitter(0.4, 0.4, 0.2, 0.1),
      randomGrayscale({ p: 0.2 }),
    ];
    expect(sameDraws(first, compose(common), x)).toBe(0);
    expect(sameDraws(second, compose([...common, solarize({ threshold: 0.5, p: 0.2 })]), x)).toBe(
      0,
    );
    x.dispose();
  });
});
