import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { rgbToGrayscale } from './rgb-to-grayscale';
import { expectClose, expectNoLeak, randomImages, refRgbToHsv, refHsvToRgb } from './_test-utils';
import { rgbToHsv } from './rgb-to-hsv';
import { hsvToRgb } from './hsv-to-rgb';
import { adjustBrightness } from './adjust-brightness';
import { adjustContrast } from './adjust-contrast';
import { adjustSaturation } from './adjust-saturation';
import { adjustHue } from './adjust-hue';

describe('rgbToGrayscale', () => {
  it('computes 0.299 R + 0.587 G + 0.114 B per pixel', () => {
    const img = tf.tensor4d([0.2, 0.5, 0.9, 1, 0, 0], [1, 1, 2, 3]);
    const out = rgbToGrayscale(img);
    expect(out.shape).toEqual([1, 1, 2, 1]);
    expectClose(out.dataSync(), [0.299 * 0.2 + 0.587 * 0.5 + 0.114 * 0.9, 0.299], 1e-6);
  });

  it('replicates to three equal channels on request', () => {
    const img = randomImages([2, 3, 4, 3], 1);
    const one = rgbToGrayscale(img).dataSync();
    const three = rgbToGrayscale(img, 3);
    expect(three.shape).toEqual([2, 3, 4, 3]);
    const d = three.dataSync();
    for (let i = 0; i < one.length; i++) {
      expect(d[3 * i]).toBe(one[i]);
      expect(d[3 * i + 1]).toBe(one[i]);
      expect(d[3 * i + 2]).toBe(one[i]);
    }
  });

  it('returns one-channel images unchanged and rejects other channel counts', () => {
    const img = randomImages([1, 2, 2, 1], 2);
    expect(Array.from(rgbToGrayscale(img).dataSync())).toEqual(Array.from(img.dataSync()));
    expect(() => rgbToGrayscale(randomImages([1, 2, 2, 4]))).toThrow(/1 or 3 channels, got 4/);
  });

  it('leaks no tensors', () => {
    const img = randomImages([2, 3, 3, 3]);
    expectNoLeak(() => rgbToGrayscale(img, 3));
  });
});

describe('rgbToHsv', () => {
  it('maps primaries and grays to hand-derived values', () => {
    const px = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0.5, 0.5, 0.5],
      [0, 0, 0],
      [0.2, 0.4, 0.8], // max b: h = (4 + (0.4/0.6) - 1) / 6 = 11/18, s = 0.6/0.8
    ];
    const out = rgbToHsv(tf.tensor4d(px.flat(), [1, 1, px.length, 3])).dataSync();
    expectClose(
      out,
      [0, 1, 1, 1 / 3, 1, 1, 2 / 3, 1, 1, 0, 0, 0.5, 0, 0, 0, 11 / 18, 0.75, 0.8],
      1e-6,
    );
  });

  it('matches colorsys on random pixels', () => {
    const img = randomImages([2, 4, 5, 3], 3);
    const rgb = img.dataSync();
    const out = rgbToHsv(img).dataSync();
    const expected: number[] = [];
    for (let i = 0; i < rgb.length; i += 3)
      expected.push(...refRgbToHsv(rgb[i], rgb[i + 1], rgb[i + 2]));
    expectClose(out, expected, 1e-5);
  });

  it('rejects non-RGB input and leaks no tensors', () => {
    expect(() => rgbToHsv(randomImages([1, 2, 2, 1]))).toThrow(/3 channels/);
    const img = randomImages([2, 3, 3, 3]);
    expectNoLeak(() => rgbToHsv(img));
  });
});

describe('hsvToRgb', () => {
  it('maps hue thirds to the primaries', () => {
    const hsv = tf.tensor4d([0, 1, 1, 1 / 3, 1, 1, 2 / 3, 1, 1, 0.5, 0, 0.25], [1, 1, 4, 3]);
    expectClose(hsvToRgb(hsv).dataSync(), [1, 0, 0, 0, 1, 0, 0, 0, 1, 0.25, 0.25, 0.25], 1e-6);
  });

  it('matches the sector formula on random HSV', () => {
    const hsv = randomImages([2, 3, 4, 3], 5);
    const d = hsv.dataSync();
    const expected: number[] = [];
    for (let i = 0; i < d.length; i += 3) expected.push(...refHsvToRgb(d[i], d[i + 1], d[i + 2]));
    expectClose(hsvToRgb(hsv).dataSync(), expected, 1e-5);
  });

  it('round-trips rgb -> hsv -> rgb', () => {
    const img = randomImages([3, 5, 5, 3], 6);
    expectClose(hsvToRgb(rgbToHsv(img)).dataSync(), img.dataSync(), 1e-5);
  });

  it('rejects non-HSV input and leaks no tensors', () => {
    expect(() => hsvToRgb(randomImages([1, 2, 2, 1]))).toThrow(/3 channels/);
    const img = randomImages([2, 3, 3, 3]);
    expectNoLeak(() => hsvToRgb(img));
  });
});

describe('adjustBrightness', () => {
  it('is the identity with factor 1', () => {
    const img = randomImages([2, 3, 3, 3], 1);
    expect(Array.from(adjustBrightness(img, 1).dataSync())).toEqual(Array.from(img.dataSync()));
  });

  it('scales each sample by its own factor and clips to [0, 1]', () => {
    const img = tf.tensor4d([0.2, 0.6, 0.2, 0.6, 0.2, 0.6], [3, 1, 1, 2]);
    const out = adjustBrightness(img, [0, 0.5, 2]).dataSync();
    expectClose(out, [0, 0, 0.1, 0.3, 0.4, 1], 1e-7);
  });

  it('validates factors and leaks no tensors', () => {
    const img = randomImages([2, 2, 2, 1]);
    expect(() => adjustBrightness(img, [1, -0.5])).toThrow(/non-negative, got -0.5/);
    expect(() => adjustBrightness(img, [1, 1, 1])).toThrow(/2 \(batch\) values, got 3/);
    expectNoLeak(() => adjustBrightness(img, [0.5, 1.5]));
  });
});

describe('adjustContrast', () => {
  it('is the identity with factor 1', () => {
    const img = randomImages([2, 3, 3, 3], 1);
    expectClose(adjustContrast(img, 1).dataSync(), img.dataSync(), 1e-7);
  });

  it('blends with the mean of the grayscale image (hand-computed)', () => {
    // Pixels red and blue: gray 0.299 and 0.114, mean m = 0.2065; f = 0.5 gives 0.5 x + 0.5 m.
    const img = tf.tensor4d([1, 0, 0, 0, 0, 1], [1, 1, 2, 3]);
    const m = 0.5 * 0.2065;
    expectClose(adjustContrast(img, 0.5).dataSync(), [0.5 + m, m, m, m, m, 0.5 + m], 1e-6);
    // factor 0 gives the uniform mean gray
    expectClose(adjustContrast(img, 0).dataSync(), new Array(6).fill(0.2065), 1e-6);
  });

  it('uses per-sample factors and clips to [0, 1]', () => {
    // One-channel images use their own mean: [0.2, 0.8] has mean 0.5.
    const img = tf.tensor4d([0.2, 0.8, 0.2, 0.8], [2, 1, 2, 1]);
    // f = 2: 0.5 + 2 (x - 0.5) = [-0.1, 1.1] -> clipped [0, 1]; f = 0.5: [0.35, 0.65]
    expectClose(adjustContrast(img, [2, 0.5]).dataSync(), [0, 1, 0.35, 0.65], 1e-6);
  });

  it('validates and leaks no tensors', () => {
    const img = randomImages([2, 2, 2, 3]);
    expect(() => adjustContrast(img, -1)).toThrow(/non-negative/);
    expectNoLeak(() => adjustContrast(img, [0.5, 1.5]));
  });
});

describe('adjustSaturation', () => {
  it('is the identity with factor 1 and grayscale with factor 0', () => {
    const img = randomImages([2, 3, 3, 3], 1);
    expectClose(adjustSaturation(img, 1).dataSync(), img.dataSync(), 1e-7);
    expectClose(adjustSaturation(img, 0).dataSync(), rgbToGrayscale(img, 3).dataSync(), 1e-6);
  });

  it('blends each pixel with its luma (hand-computed)', () => {
    // (0.5, 0.25, 0.25): gray = 0.1495 + 0.14675 + 0.0285 = 0.32475
    const g = 0.32475;
    const img = tf.tensor4d([0.5, 0.25, 0.25, 0.5, 0.25, 0.25], [2, 1, 1, 3]);
    const out = adjustSaturation(img, [0.5, 3]).dataSync();
    // f = 3: g + 3 (x - g) = 3 x - 2 g = [0.8505, 0.1005, 0.1005]
    expectClose(out, [(0.5 + g) / 2, (0.25 + g) / 2, (0.25 + g) / 2, 0.8505, 0.1005, 0.1005], 1e-6);
  });

  it('leaves one-channel images unchanged and leaks no tensors', () => {
    const gray = randomImages([2, 3, 3, 1], 2);
    expect(Array.from(adjustSaturation(gray, [0, 2]).dataSync())).toEqual(
      Array.from(gray.dataSync()),
    );
    const img = randomImages([2, 2, 2, 3]);
    expectNoLeak(() => adjustSaturation(img, [0.5, 1.5]));
  });
});

describe('adjustHue', () => {
  it('is the identity with shift 0', () => {
    const img = randomImages([2, 4, 4, 3], 1);
    expectClose(adjustHue(img, 0).dataSync(), img.dataSync(), 1e-5);
  });

  it('turns pure red into green (+1/3) and blue (-1/3)', () => {
    // Red is h = 0, s = v = 1; h + 1/3 is green's hue, h - 1/3 = 2/3 (mod 1) blue's.
    const red = tf.tensor4d([1, 0, 0, 1, 0, 0], [2, 1, 1, 3]);
    expectClose(adjustHue(red, [1 / 3, -1 / 3]).dataSync(), [0, 1, 0, 0, 0, 1], 1e-6);
  });

  it('matches a colorsys reference with per-sample shifts', () => {
    const img = randomImages([3, 3, 4, 3], 2);
    const shifts = [0.45, -0.2, 0.07];
    const out = adjustHue(img, shifts).dataSync();
    const d = img.dataSync();
    const per = 3 * 4 * 3;
    const expected: number[] = [];
    for (let i = 0; i < d.length; i += 3) {
      const [h, s, v] = refRgbToHsv(d[i], d[i + 1], d[i + 2]);
      const hn = (((h + shifts[Math.floor(i / per)]) % 1) + 1) % 1;
      expected.push(...refHsvToRgb(hn, s, v));
    }
    expectClose(out, expected, 1e-5);
  });

  it('leaves one-channel images unchanged, validates, leaks no tensors', () => {
    const gray = randomImages([2, 3, 3, 1], 2);
    expect(Array.from(adjustHue(gray, 0.3).dataSync())).toEqual(Array.from(gray.dataSync()));
    const img = randomImages([2, 2, 2, 3]);
    expect(() => adjustHue(img, [0.1, 0.7])).toThrow(/\[-0.5, 0.5\], got 0.7/);
    expectNoLeak(() => adjustHue(img, [0.1, -0.1]));
  });
});
