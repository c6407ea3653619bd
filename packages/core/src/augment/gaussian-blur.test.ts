import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gaussianBlurImages } from './gaussian-blur-images';
import { expectClose, expectNoLeak, randomImages } from './_test-utils';
import { createRng } from '../random/index';
import { gaussianBlur } from './gaussian-blur';

/** Brute-force 2-D convolution with a directly built 2-D Gaussian and reflect padding. */
function bruteBlur(x: number[][][][], sigmas: number[], kh: number, kw: number): number[] {
  const out: number[] = [];
  const reflect = (i: number, n: number): number => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  x.forEach((img, b) => {
    const s = sigmas[b];
    const kernel: number[][] = [];
    let total = 0;
    for (let di = 0; di < kh; di++) {
      kernel.push([]);
      for (let dj = 0; dj < kw; dj++) {
        const y = di - (kh - 1) / 2;
        const xx = dj - (kw - 1) / 2;
        const v = Math.exp(-(y * y + xx * xx) / (2 * s * s));
        kernel[di].push(v);
        total += v;
      }
    }
    const h = img.length;
    const w = img[0].length;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let c = 0; c < img[0][0].length; c++) {
          let acc = 0;
          for (let di = 0; di < kh; di++) {
            for (let dj = 0; dj < kw; dj++) {
              const yi = reflect(i + di - (kh - 1) / 2, h);
              const xj = reflect(j + dj - (kw - 1) / 2, w);
              acc += (kernel[di][dj] / total) * img[yi][xj][c];
            }
          }
          out.push(acc);
        }
      }
    }
  });
  return out;
}

describe('gaussianBlurImages', () => {
  it('matches a brute-force 2-D convolution, per-sample sigma', () => {
    const img = randomImages([3, 5, 6, 2], 4);
    const sigmas = [0.3, 1, 2.5];
    const x = img.arraySync() as number[][][][];
    expectClose(gaussianBlurImages(img, sigmas, 3).dataSync(), bruteBlur(x, sigmas, 3, 3), 1e-5);
    expectClose(
      gaussianBlurImages(img, sigmas, [5, 3]).dataSync(),
      bruteBlur(x, sigmas, 5, 3),
      1e-5,
    );
  });

  it('matches brute force when a kernel is widened past the image side (zero-padded taps)', () => {
    // k = 7 runs as 9 taps; 9 taps need a reach of 4, not below a side of 4, so zeros pad it.
    const img = randomImages([2, 4, 5, 1], 6);
    const x = img.arraySync() as number[][][][];
    expectClose(
      gaussianBlurImages(img, [0.7, 3], 7).dataSync(),
      bruteBlur(x, [0.7, 3], 7, 7),
      1e-5,
    );
  });

  it('preserves a constant image', () => {
    const img = tf.fill([2, 7, 7, 3], 0.37) as tf.Tensor4D;
    expectClose(
      gaussianBlurImages(img, [0.5, 2], 5).dataSync(),
      new Array(2 * 49 * 3).fill(0.37),
      1e-6,
    );
  });

  it('validates the kernel and sigmas, and leaks no tensors', () => {
    const img = randomImages([2, 4, 4, 1]);
    expect(() => gaussianBlurImages(img, 1, 4)).toThrow(/odd positive/);
    expect(() => gaussianBlurImages(img, 1, 9)).toThrow(/reflect padding/);
    expect(() => gaussianBlurImages(img, [1, 0], 3)).toThrow(/positive, got 0/);
    expectNoLeak(() => gaussianBlurImages(img, [0.5, 1], 3));
  });
});

describe('gaussianBlur', () => {
  it('blurs each sample with its own sigma drawn uniformly from the range', () => {
    const img = randomImages([6, 7, 7, 3], 1);
    const out = gaussianBlur({ kernelSize: 5, sigma: [0.1, 2] })(img, createRng(4));
    const r = createRng(4);
    const sigmas = Array.from({ length: 6 }, () => r.uniform(0.1, 2));
    expectClose(out.dataSync(), gaussianBlurImages(img, sigmas, 5).dataSync(), 1e-6);
  });

  it('preserves a constant image and, with p, blurs a subset', () => {
    const flat = tf.fill([3, 6, 6, 1], 0.8) as tf.Tensor4D;
    expectClose(
      gaussianBlur({ kernelSize: 5 })(flat, createRng(1)).dataSync(),
      new Array(108).fill(0.8),
      1e-6,
    );
    const img = randomImages([32, 5, 5, 1], 2);
    const x = img.arraySync();
    const out = gaussianBlur({ kernelSize: 3, p: 0.5 })(img, createRng(3)).arraySync();
    const same = out.filter((s, i) => JSON.stringify(s) === JSON.stringify(x[i])).length;
    expect(same).toBeGreaterThan(4);
    expect(same).toBeLessThan(28);
    expect(gaussianBlur({ kernelSize: 3, p: 0 })(img).arraySync()).toEqual(x);
  });

  it('validates options and leaks no tensors', () => {
    expect(() => gaussianBlur({ kernelSize: 3, sigma: [0, 1] })).toThrow(/positive/);
    const img = randomImages([8, 5, 5, 3], 5);
    expectNoLeak(() => gaussianBlur({ kernelSize: 3, p: 0.5 })(img, createRng(1)));
  });
});
