// Internal test helpers of the augmentation recipes.
import * as tf from '@tensorflow/tfjs';
import { colorJitter, createRng, type Transform } from '@selfsup/core';
import { expect } from 'vitest';

export const images = (n: number, size: number, c: number, seed = 0) =>
  tf.randomUniform([n, size, size, c], 0, 1, 'float32', seed) as tf.Tensor4D;

/** Runs two transforms with identically seeded generators and returns the largest difference. */
export function sameDraws(a: Transform, b: Transform, x: tf.Tensor4D, seed = 7): number {
  return tf.tidy(() => {
    const ya = a(x, createRng(seed));
    const yb = b(x, createRng(seed));
    expect(ya.shape).toEqual(yb.shape);
    return tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0];
  });
}

export const jitter = (b: number, c: number, s: number, h: number, p = 0.8) =>
  colorJitter({ brightness: b, contrast: c, saturation: s, hue: h, p });
