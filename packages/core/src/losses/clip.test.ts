import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { clipLoss } from './clip';
import {
  dot,
  expectClose,
  expectNoLeak,
  f32,
  logSumExp,
  type Mat,
  normalize,
  numericGrad,
  randMatrix,
  tfGrads,
  value,
} from './test-helpers';

/** open_clip's ClipLoss by loops, with the log scale clamped to [0, ln 100]. */
function reference(image: Mat, text: Mat, logScale: number): number {
  const scale = Math.exp(Math.min(Math.max(logScale, 0), Math.log(100)));
  const img = image.map(normalize);
  const txt = text.map(normalize);
  const n = img.length;
  let i2t = 0;
  let t2i = 0;
  for (let i = 0; i < n; i++) {
    const row = txt.map((t) => scale * dot(img[i], t));
    const col = img.map((im) => scale * dot(im, txt[i]));
    i2t += logSumExp(row) - row[i];
    t2i += logSumExp(col) - col[i];
  }
  return (i2t / n + t2i / n) / 2;
}

describe('clipLoss', () => {
  const rng = createRng(8);
  const image = f32(randMatrix(rng, 3, 4));
  const text = f32(randMatrix(rng, 3, 4));
  const init = Math.fround(Math.log(1 / 0.07));

  it('matches the brute-force symmetric loss', () => {
    const got = value(clipLoss(tf.tensor2d(image), tf.tensor2d(text), tf.scalar(init)));
    expectClose(got, reference(image, text, init), 1e-5, 1e-5);
    // Asymmetric inputs check that the text-to-image direction uses the columns.
    expect(Math.abs(reference(image, text, init) - reference(text, image, init))).toBeLessThan(
      1e-9,
    );
    expectClose(
      value(clipLoss(tf.tensor2d(image), tf.tensor2d(text), 1.5)),
      reference(image, text, 1.5),
      1e-5,
      1e-5,
    );
  });

  it('has the brute-force gradient for both embeddings and the log scale', () => {
    const [gi, gt, gs] = tfGrads(
      (a, b, s) => clipLoss(a, b, s),
      [tf.tensor2d(image), tf.tensor2d(text), tf.scalar(1.2)],
    );
    expectClose(
      gi,
      numericGrad((x: Mat) => reference(x, text, 1.2), image, [3, 4]),
      1e-4,
      1e-3,
    );
    expectClose(
      gt,
      numericGrad((x: Mat) => reference(image, x, 1.2), text, [3, 4]),
      1e-4,
      1e-3,
    );
    expectClose(
      gs,
      numericGrad((x: number[]) => reference(image, text, x[0]), [1.2], [1]),
      1e-4,
      1e-3,
    );
  });

  it('clamps the log scale: 10 behaves as ln 100 (no gradient), -1 as 0', () => {
    const ln100 = Math.log(100);
    const at10 = value(clipLoss(tf.tensor2d(image), tf.tensor2d(text), tf.scalar(10)));
    expectClose(
      at10,
      value(clipLoss(tf.tensor2d(image), tf.tensor2d(text), tf.scalar(ln100))),
      1e-6,
      1e-6,
    );
    expectClose(at10, reference(image, text, ln100), 1e-4, 1e-5);
    const scale = tf.variable(tf.scalar(10));
    const { grads } = tf.variableGrads(
      () => clipLoss(tf.tensor2d(image), tf.tensor2d(text), scale),
      [scale],
    );
    expect(grads[scale.name].dataSync()[0]).toBe(0);
    tf.dispose(grads);
    scale.dispose();
    const atMinus1 = value(clipLoss(tf.tensor2d(image), tf.tensor2d(text), -1));
    expectClose(atMinus1, reference(image, text, 0), 1e-5, 1e-5);
  });

  it('leaks no tensors and rejects bad input', () => {
    const a = tf.tensor2d(image);
    const b = tf.tensor2d(text);
    const s = tf.variable(tf.scalar(init));
    expectNoLeak(() => clipLoss(a, b, s));
    expectNoLeak(() => clipLoss(a, b, 2));
    expect(() => clipLoss(a, b, tf.zeros([2]))).toThrow(/scalar/);
    expect(() => clipLoss(a, tf.zeros([4, 4]), s)).toThrow(/same shape/);
    s.dispose();
  });
});
