import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { colorJitter } from './color-jitter';
import { compose } from './compose';
import { horizontalFlip } from './horizontal-flip';
import { randomResizedCrop } from './random-resized-crop';
import { expectNoLeak, randomImages, expectClose } from './_test-utils';
import { randomApply } from './random-apply';
import type { Transform } from './types';
import { normalize } from './normalize';

describe('compose', () => {
  it('applies the transforms in order, sharing the generator', () => {
    const img = randomImages([4, 8, 8, 3], 1);
    const crop = randomResizedCrop({ size: 6 });
    const flip = horizontalFlip();
    const jitter = colorJitter({ brightness: 0.4 });
    const out = compose([crop, flip, jitter])(img, createRng(3));
    const r = createRng(3);
    const expected = jitter(flip(crop(img, r), r), r);
    expect(out.arraySync()).toEqual(expected.arraySync());
  });

  it('with no transforms returns a copy; leaks no intermediate tensors', () => {
    const img = randomImages([2, 4, 4, 1], 2);
    const same = compose([])(img);
    expect(same).not.toBe(img);
    expect(same.arraySync()).toEqual(img.arraySync());
    expectNoLeak(() =>
      compose([randomResizedCrop({ size: 3 }), horizontalFlip()])(img, createRng(1)),
    );
    // Works for other ranks too (audio).
    const wave = tf.ones([2, 5]) as tf.Tensor2D;
    expect(compose<tf.Tensor2D>([])(wave).shape).toEqual([2, 5]);
  });
});

const invert: Transform = (x) => tf.tidy(() => tf.sub(1, x) as tf.Tensor4D);

describe('randomApply', () => {
  it('with p = 0 is the identity and with p = 1 always applies', () => {
    const img = randomImages([8, 3, 3, 3], 1);
    expect(randomApply(invert, 0)(img, createRng(1)).arraySync()).toEqual(img.arraySync());
    expect(randomApply(invert, 1)(img, createRng(1)).arraySync()).toEqual(invert(img).arraySync());
  });

  it('applies per sample, keeping the batch order', () => {
    const img = randomImages([64, 2, 2, 1], 2);
    const x = img.arraySync();
    const inv = invert(img).arraySync();
    const out = randomApply(invert, 0.5)(img, createRng(3)).arraySync();
    let applied = 0;
    out.forEach((s, i) => {
      const isInv = JSON.stringify(s) === JSON.stringify(inv[i]);
      expect(isInv || JSON.stringify(s) === JSON.stringify(x[i])).toBe(true);
      if (isInv) applied++;
    });
    expect(applied).toBeGreaterThan(16);
    expect(applied).toBeLessThan(48);
    // The selection is drawn before the transform runs, from the same generator.
    let seen = -1;
    randomApply<tf.Tensor4D>((sub) => {
      seen = sub.shape[0];
      return sub.clone();
    }, 0.5)(img, createRng(3));
    expect(seen).toBe(64);
    const shrink: Transform = (x) => tf.slice(x, [0, 0, 0, 0], [-1, 1, 1, -1]);
    expect(() => randomApply(shrink, 0.5)(img, createRng(1))).toThrow(/keep the shape/);
  });

  it('works on audio batches and leaks no tensors', () => {
    const wave = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const neg = (x: tf.Tensor2D): tf.Tensor2D => tf.neg(x);
    expect(randomApply(neg, 1)(wave).arraySync()).toEqual([
      [-1, -2],
      [-3, -4],
      [-5, -6],
    ]);
    const img = randomImages([16, 2, 2, 3], 4);
    expectNoLeak(() => randomApply(invert, 0.5)(img, createRng(5)));
    expect(() => randomApply(invert, 2)).toThrow(/\[0, 1\]/);
  });
});

describe('normalize', () => {
  it('computes (x - mean) / std per channel', () => {
    const img = randomImages([2, 3, 3, 3], 1);
    const mean = [0.49, 0.48, 0.45];
    const std = [0.25, 0.24, 0.26];
    const x = img.dataSync();
    const expected = Array.from(x, (v, i) => (v - mean[i % 3]) / std[i % 3]);
    expectClose(normalize({ mean, std })(img).dataSync(), expected, 1e-5);
    const gray = randomImages([2, 2, 2, 1], 2);
    const g = gray.dataSync();
    expectClose(
      normalize({ mean: 0.1307, std: 0.3081 })(gray).dataSync(),
      Array.from(g, (v) => (v - 0.1307) / 0.3081),
      1e-5,
    );
  });

  it('validates and leaks no tensors', () => {
    expect(() => normalize({ mean: [0.5], std: [0] })).toThrow(/positive/);
    const img = randomImages([1, 2, 2, 3]);
    expect(() => normalize({ mean: [0.5, 0.5], std: 1 })(img)).toThrow(
      /2 values but the images have 3 channels/,
    );
    expectNoLeak(() => normalize({ mean: [0.5, 0.4, 0.3], std: 0.2 })(img));
  });
});
