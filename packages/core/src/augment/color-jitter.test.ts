import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { adjustBrightness } from './adjust-brightness';
import { adjustContrast } from './adjust-contrast';
import { adjustHue } from './adjust-hue';
import { adjustSaturation } from './adjust-saturation';
import { colorJitter } from './color-jitter';
import { expectClose, expectNoLeak, randomImages } from './_test-utils';
import { randomGrayscale } from './random-grayscale';
import { solarize } from './solarize';

const OPS = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];

describe('colorJitter', () => {
  it('equals applying each sample its own drawn order and factors, one image at a time', () => {
    const img = randomImages([12, 5, 5, 3], 1);
    const ranges: [number, number][] = [
      [0.6, 1.4],
      [0.7, 1.3],
      [0.5, 1.5],
      [-0.1, 0.1],
    ];
    const out = colorJitter({ brightness: 0.4, contrast: 0.3, saturation: 0.5, hue: 0.1 })(
      img,
      createRng(9),
    );
    // Replay the documented draws: per sample a shuffle of [0..3], then the four factors.
    const r = createRng(9);
    const orders = new Set<string>();
    for (let b = 0; b < 12; b++) {
      const order = r.shuffle([0, 1, 2, 3]);
      orders.add(order.join());
      const f = ranges.map(([lo, hi]) => r.uniform(lo, hi));
      let x = tf.slice(img, [b, 0, 0, 0], [1, 5, 5, 3]) as tf.Tensor4D;
      for (const op of order) x = OPS[op](x, f[op]);
      expectClose(tf.slice(out, [b, 0, 0, 0], [1, 5, 5, 3]).dataSync(), x.dataSync(), 1e-5);
    }
    expect(orders.size).toBeGreaterThan(4); // the batch really mixed orders
  });

  it('stays in [0, 1] and differs per sample', () => {
    const one = randomImages([1, 6, 6, 3], 2);
    const batch = tf.tile(one, [16, 1, 1, 1]) as tf.Tensor4D;
    const out = colorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.5 })(
      batch,
      createRng(3),
    );
    const d = out.dataSync();
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d)).toBeLessThanOrEqual(1);
    expect(new Set(out.arraySync().map((s) => JSON.stringify(s))).size).toBe(16);
  });

  it('is the identity when every range is off, and reproducible otherwise', () => {
    const img = randomImages([4, 4, 4, 3], 4);
    expect(colorJitter()(img).arraySync()).toEqual(img.arraySync());
    expect(colorJitter({ brightness: 0, contrast: [1, 1], hue: 0 })(img).arraySync()).toEqual(
      img.arraySync(),
    );
    const jitter = colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 });
    expect(jitter(img, createRng(5)).arraySync()).toEqual(jitter(img, createRng(5)).arraySync());
  });

  it('on one-channel images applies brightness and contrast only', () => {
    const gray = randomImages([6, 5, 5, 1], 6);
    expect(colorJitter({ saturation: 0.9, hue: 0.5 })(gray, createRng(1)).arraySync()).toEqual(
      gray.arraySync(),
    );
    // With brightness only, each output sample is clip(f x) for one f in [0.5, 1.5].
    const out = colorJitter({ brightness: 0.5 })(gray, createRng(2));
    const x = gray.dataSync();
    const y = out.dataSync();
    for (let b = 0; b < 6; b++) {
      const f = y[b * 25] / x[b * 25];
      expect(f).toBeGreaterThanOrEqual(0.5);
      expect(f).toBeLessThanOrEqual(1.5);
      for (let i = b * 25; i < (b + 1) * 25; i++)
        expect(y[i]).toBeCloseTo(Math.min(1, f * x[i]), 5);
    }
  });

  it('with p applies to a random subset of samples', () => {
    const img = randomImages([32, 3, 3, 3], 7);
    const out = colorJitter({ brightness: 0.5, p: 0.5 })(img, createRng(8)).arraySync();
    const x = img.arraySync();
    const same = out.filter((s, i) => JSON.stringify(s) === JSON.stringify(x[i])).length;
    expect(same).toBeGreaterThan(4);
    expect(same).toBeLessThan(28);
  });

  it('validates options and leaks no tensors', () => {
    expect(() => colorJitter({ brightness: -0.1 })).toThrow(/non-negative/);
    expect(() => colorJitter({ hue: 0.6 })).toThrow(/\[0, 0.5\]/);
    expect(() => colorJitter({ contrast: [1.2, 0.8] })).toThrow(/low <= high/);
    const img = randomImages([8, 4, 4, 3], 9);
    expectNoLeak(() =>
      colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 })(
        img,
        createRng(1),
      ),
    );
  });
});

describe('randomGrayscale', () => {
  it('with p = 1 gives three equal channels equal to the luma', () => {
    const img = randomImages([2, 3, 3, 3], 1);
    const out = randomGrayscale({ p: 1 })(img);
    expect(out.shape).toEqual([2, 3, 3, 3]);
    const x = img.dataSync();
    const y = out.dataSync();
    for (let i = 0; i < x.length; i += 3) {
      const luma = 0.299 * x[i] + 0.587 * x[i + 1] + 0.114 * x[i + 2];
      expectClose([y[i], y[i + 1], y[i + 2]], [luma, luma, luma], 1e-6);
    }
  });

  it('converts a random subset per sample, and leaves one-channel images alone', () => {
    const img = randomImages([64, 2, 2, 3], 2);
    const out = randomGrayscale({ p: 0.5 })(img, createRng(3)).arraySync();
    const x = img.arraySync();
    let gray = 0;
    out.forEach((s, i) => {
      if (JSON.stringify(s) === JSON.stringify(x[i])) return;
      gray++;
      for (const row of s)
        for (const px of row) expect(px[0] === px[1] && px[1] === px[2]).toBe(true);
    });
    expect(gray).toBeGreaterThan(16);
    expect(gray).toBeLessThan(48);
    const one = randomImages([4, 3, 3, 1], 4);
    expect(randomGrayscale({ p: 1 })(one).arraySync()).toEqual(one.arraySync());
    expect(randomGrayscale({ p: 0 })(img).arraySync()).toEqual(x);
  });

  it('leaks no tensors', () => {
    const img = randomImages([8, 3, 3, 3], 5);
    expectNoLeak(() => randomGrayscale({ p: 0.5 })(img, createRng(1)));
    expectNoLeak(() => randomGrayscale({ p: 1 })(img));
    tf.dispose(img);
  });
});

describe('solarize', () => {
  it('inverts exactly the values >= threshold', () => {
    const img = tf.tensor4d([0, 0.3, 0.5, 0.7, 1, 0.49], [1, 1, 2, 3]);
    expectClose(
      solarize({ threshold: 0.5, p: 1 })(img).dataSync(),
      [0, 0.3, 0.5, 0.3, 0, 0.49],
      1e-7,
    );
    expectClose(
      solarize({ threshold: 0.25, p: 1 })(img).dataSync(),
      [0, 0.7, 0.5, 0.3, 0, 0.51],
      1e-7,
    );
  });

  it('applies per sample with probability p', () => {
    const img = randomImages([64, 2, 2, 3], 1);
    const x = img.arraySync();
    const out = solarize({ p: 0.5 })(img, createRng(2)).arraySync();
    let changed = 0;
    out.forEach((s, i) => {
      const expected = x[i].map((row) =>
        row.map((px) => px.map((v) => (v >= 0.5 ? Math.fround(1 - v) : v))),
      );
      const isSol = JSON.stringify(s) === JSON.stringify(expected);
      const isSame = JSON.stringify(s) === JSON.stringify(x[i]);
      expect(isSol || isSame).toBe(true);
      if (!isSame) changed++;
    });
    expect(changed).toBeGreaterThan(16);
    expect(changed).toBeLessThan(48);
    expect(solarize({ p: 0 })(img).arraySync()).toEqual(x);
  });

  it('leaks no tensors', () => {
    const img = randomImages([8, 3, 3, 3], 3);
    expectNoLeak(() => solarize({ p: 0.5 })(img, createRng(1)));
    expectNoLeak(() => solarize({ p: 1 })(img));
  });
});
