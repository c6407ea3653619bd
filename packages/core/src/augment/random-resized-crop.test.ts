import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { sampleResizedCropBoxes, type CropBox } from './sample-resized-crop-boxes';
import * as tf from '@tensorflow/tfjs';
import { resizedCrop } from './resized-crop';
import { expectClose, expectNoLeak, randomImages } from './_test-utils';
import { randomResizedCrop } from './random-resized-crop';

describe('sampleResizedCropBoxes', () => {
  it('draws boxes inside the image, with area in scale and aspect ratio in ratio', () => {
    const [H, W] = [28, 32];
    const scale: [number, number] = [0.2, 0.9];
    const ratio: [number, number] = [0.75, 4 / 3];
    const boxes = sampleResizedCropBoxes(H, W, 1000, { scale, ratio }, createRng(1));
    let fallbacks = 0;
    for (const b of boxes) {
      for (const v of [b.top, b.left, b.height, b.width]) expect(Number.isInteger(v)).toBe(true);
      expect(b.top).toBeGreaterThanOrEqual(0);
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.height).toBeGreaterThan(0);
      expect(b.width).toBeGreaterThan(0);
      expect(b.top + b.height).toBeLessThanOrEqual(H);
      expect(b.left + b.width).toBeLessThanOrEqual(W);
      if (b.height === H && b.width === W) {
        fallbacks++;
        continue;
      }
      // The drawn real sizes w0, h0 (w0 h0 in scale * H W, w0 / h0 in ratio) were rounded to
      // w, h, so |w - w0| <= 0.5 and |h - h0| <= 0.5: the box must be consistent with that.
      const { height: h, width: w } = b;
      expect((w - 0.5) * (h - 0.5)).toBeLessThanOrEqual(scale[1] * H * W);
      expect((w + 0.5) * (h + 0.5)).toBeGreaterThanOrEqual(scale[0] * H * W);
      expect((w - 0.5) / (h + 0.5)).toBeLessThanOrEqual(ratio[1]);
      expect((w + 0.5) / (h - 0.5)).toBeGreaterThanOrEqual(ratio[0]);
    }
    // Every box fits at scale <= 0.9 within these ratios, so no fallback is needed.
    expect(fallbacks).toBe(0);
    // Positions and sizes vary.
    expect(
      new Set(boxes.map((b) => `${b.top},${b.left},${b.height},${b.width}`)).size,
    ).toBeGreaterThan(300);
  });

  it('falls back to the central crop with the ratio clamped', () => {
    // Area above the image: no attempt fits. Square image, ratio [2, 3]: w = 30, h = round(30 / 2).
    const boxes = sampleResizedCropBoxes(
      30,
      30,
      3,
      { scale: [1.5, 2], ratio: [2, 3] },
      createRng(2),
    );
    for (const b of boxes) expect(b).toEqual({ top: 7, left: 0, height: 15, width: 30 });
    // Ratio range containing the image's ratio: the whole image.
    const whole = sampleResizedCropBoxes(20, 24, 2, { scale: [1.5, 2] }, createRng(3));
    for (const b of whole) expect(b).toEqual({ top: 0, left: 0, height: 20, width: 24 });
    // Too wide an image for ratio <= 4/3: h = 20, w = round(20 * 4/3) = 27, centred.
    const wide = sampleResizedCropBoxes(20, 60, 1, { scale: [1.5, 2] }, createRng(4));
    expect(wide[0]).toEqual({ top: 0, left: 16, height: 20, width: 27 });
  });

  it('is reproducible from the seed and validates its ranges', () => {
    const a = sampleResizedCropBoxes(32, 32, 10, {}, createRng(5));
    expect(sampleResizedCropBoxes(32, 32, 10, {}, createRng(5))).toEqual(a);
    expect(sampleResizedCropBoxes(32, 32, 10, {}, createRng(6))).not.toEqual(a);
    expect(() => sampleResizedCropBoxes(32, 32, 1, { scale: [1, 0.5] })).toThrow(/low <= high/);
    expect(() => sampleResizedCropBoxes(32, 32, 1, { ratio: [0, 1] })).toThrow(/ratio > 0/);
  });
});

/** The documented sampling, by brute force: half-pixel positions, bilinear, edge-clamped image. */
function reference(x: number[][][][], boxes: CropBox[], [outH, outW]: [number, number]): number[] {
  const out: number[] = [];
  x.forEach((img, i) => {
    const b = boxes[i];
    const H = img.length;
    const W = img[0].length;
    const tap = (pos: number, n: number): [number, number, number] => {
      const p = Math.min(Math.max(pos, 0), n - 1);
      const i0 = Math.floor(p);
      return [i0, Math.min(i0 + 1, n - 1), p - i0];
    };
    for (let y = 0; y < outH; y++) {
      const [y0, y1, wy] = tap(b.top + ((y + 0.5) * b.height) / outH - 0.5, H);
      for (let xx = 0; xx < outW; xx++) {
        const [x0, x1, wx] = tap(b.left + ((xx + 0.5) * b.width) / outW - 0.5, W);
        for (let c = 0; c < img[0][0].length; c++) {
          const top = img[y0][x0][c] * (1 - wx) + img[y0][x1][c] * wx;
          const bottom = img[y1][x0][c] * (1 - wx) + img[y1][x1][c] * wx;
          out.push(top * (1 - wy) + bottom * wy);
        }
      }
    }
  });
  return out;
}

describe('resizedCrop', () => {
  it('with the full box equals a half-pixel bilinear resize (up and down)', () => {
    const img = randomImages([2, 6, 8, 3], 1);
    const full = [
      { top: 0, left: 0, height: 6, width: 8 },
      { top: 0, left: 0, height: 6, width: 8 },
    ];
    for (const size of [
      [11, 13],
      [3, 5],
      [6, 8],
    ] as [number, number][]) {
      const expected = tf.image.resizeBilinear(img, size, false, true);
      expectClose(resizedCrop(img, full, size).dataSync(), expected.dataSync(), 1e-5);
    }
  });

  it('samples each box at half-pixel positions (brute-force reference), per sample', () => {
    const img = randomImages([3, 9, 7, 2], 2);
    const boxes = [
      { top: 2, left: 1, height: 5, width: 4 }, // interior, enlarged
      { top: 0, left: 3, height: 9, width: 4 }, // touching the border
      { top: 6, left: 0, height: 3, width: 7 },
    ];
    for (const size of [
      [8, 6],
      [2, 3],
    ] as [number, number][]) {
      const out = resizedCrop(img, boxes, size);
      expect(out.shape).toEqual([3, ...size, 2]);
      expectClose(out.dataSync(), reference(img.arraySync(), boxes, size), 1e-5);
    }
  });

  it('equals torchvision crop-then-resize when shrinking, and an exact crop at scale 1', () => {
    const img = randomImages([1, 12, 10, 3], 3);
    const box = { top: 3, left: 2, height: 8, width: 7 };
    const crop = tf.slice(img, [0, 3, 2, 0], [1, 8, 7, 3]) as tf.Tensor4D;
    const shrunk = resizedCrop(img, [box], [5, 4]);
    expectClose(
      shrunk.dataSync(),
      tf.image.resizeBilinear(crop, [5, 4], false, true).dataSync(),
      1e-5,
    );
    expectClose(resizedCrop(img, [box], [8, 7]).dataSync(), crop.dataSync(), 1e-5);
  });

  it('validates boxes and size, and leaks no tensors', () => {
    const img = randomImages([1, 4, 4, 3]);
    expect(() => resizedCrop(img, [{ top: 1, left: 0, height: 4, width: 4 }], [4, 4])).toThrow(
      /not inside/,
    );
    expect(() => resizedCrop(img, [], [4, 4])).toThrow(/expected 1 boxes/);
    expect(() => resizedCrop(img, [{ top: 0, left: 0, height: 4, width: 4 }], [0, 4])).toThrow(
      /size/,
    );
    expectNoLeak(() => resizedCrop(img, [{ top: 1, left: 1, height: 2, width: 3 }], [4, 4]));
  });
});

describe('randomResizedCrop', () => {
  it('outputs the requested size and crops the boxes drawn from the rng', () => {
    const img = randomImages([4, 20, 24, 3], 1);
    const crop = randomResizedCrop({ size: [16, 12], scale: [0.3, 1] });
    const out = crop(img, createRng(7));
    expect(out.shape).toEqual([4, 16, 12, 3]);
    const boxes = sampleResizedCropBoxes(20, 24, 4, { scale: [0.3, 1] }, createRng(7));
    expectClose(out.dataSync(), resizedCrop(img, boxes, [16, 12]).dataSync(), 0);
    expect(randomResizedCrop({ size: 8 })(img).shape).toEqual([4, 8, 8, 3]);
  });

  it('gives each image of the batch its own crop', () => {
    const one = randomImages([1, 16, 16, 1], 2);
    const batch = tf.tile(one, [8, 1, 1, 1]) as tf.Tensor4D;
    const out = randomResizedCrop({ size: 16 })(batch, createRng(3)).arraySync();
    const distinct = new Set(out.map((s) => JSON.stringify(s)));
    expect(distinct.size).toBe(8);
  });

  it('is reproducible from the seed and leaks no tensors', () => {
    const img = randomImages([3, 10, 10, 3], 4);
    const crop = randomResizedCrop({ size: 8 });
    const a = crop(img, createRng(5)).dataSync();
    expect(Array.from(crop(img, createRng(5)).dataSync())).toEqual(Array.from(a));
    expect(Array.from(crop(img, createRng(6)).dataSync())).not.toEqual(Array.from(a));
    expect(() => randomResizedCrop({ size: 8, scale: [1, 0.1] })).toThrow(/scale/);
    expectNoLeak(() => crop(img, createRng(1)));
  });
});
