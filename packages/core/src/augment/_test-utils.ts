// Helpers for this folder's tests (not exported from the package).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { createRng } from '../random/index';

/** Images with uniform [0, 1) values drawn from a seeded Rng (independent of tfjs). */
export function randomImages(shape: [number, number, number, number], seed = 0): tf.Tensor4D {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(
    Float32Array.from({ length: n }, () => rng.float()),
    shape,
  );
}

/** Asserts that `run` leaves no tensor behind once its outputs are disposed. */
export function expectNoLeak(run: () => tf.TensorContainer): void {
  const before = tf.memory().numTensors;
  const out = run();
  tf.dispose(out);
  expect(tf.memory().numTensors).toBe(before);
}

/** Element-wise |a - b| <= tol, reporting the first mismatch. */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol)) {
      throw new Error(`element ${i}: ${a[i]} vs ${b[i]} (tolerance ${tol})`);
    }
  }
}

/** The [h, w, c] values of sample `b` of an NHWC tensor as nested arrays. */
export function sampleOf(x: tf.Tensor4D, b: number): number[][][] {
  return (x.arraySync() as number[][][][])[b];
}

/** Python's colorsys.rgb_to_hsv, written out independently. */
export function refRgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  if (maxc === minc) return [0, 0, maxc];
  const s = (maxc - minc) / maxc;
  const rc = (maxc - r) / (maxc - minc);
  const gc = (maxc - g) / (maxc - minc);
  const bc = (maxc - b) / (maxc - minc);
  let h: number;
  if (r === maxc) h = bc - gc;
  else if (g === maxc) h = 2 + rc - bc;
  else h = 4 + gc - rc;
  h = (((h / 6) % 1) + 1) % 1;
  return [h, s, maxc];
}

/** Python's colorsys.hsv_to_rgb (sector form), written out independently. */
export function refHsvToRgb(h: number, s: number, v: number): [number, number, number] {
  if (s === 0) return [v, v, v];
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}
