import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { registerTileGradient } from './tile-gradient';

/** d/dx of sum(tile(x, reps) * w), by brute force: each x element collects w over its copies. */
function bruteForce(x: number[], shape: number[], reps: number[], w: Float32Array): number[] {
  const out = new Array<number>(x.length).fill(0);
  const outShape = shape.map((d, i) => d * reps[i]);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < w.length; o++) {
    let src = 0;
    for (let a = 0; a < shape.length; a++) src = src * shape[a] + (idx[a] % shape[a]);
    out[src] += w[o];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a] < outShape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

describe('registerTileGradient', () => {
  it('gives the brute-force gradient of tile and broadcastTo, every rank up to 4', () => {
    registerTileGradient();
    registerTileGradient(); // idempotent
    const cases: Array<[number[], number[]]> = [
      [[3], [4]],
      [
        [2, 3],
        [1, 1],
      ],
      [
        [2, 3],
        [3, 2],
      ],
      [
        [1, 1, 5],
        [6, 4, 1],
      ],
      [
        [2, 1, 3, 2],
        [2, 3, 1, 2],
      ],
    ];
    for (const [shape, reps] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = Array.from({ length: n }, (_, i) => i * 0.5 - 1);
      const outSize = n * reps.reduce((a, b) => a * b, 1);
      const w = Float32Array.from({ length: outSize }, (_, i) => Math.sin(i + 1));
      const g = tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) =>
            tf.sum(
              tf.mul(
                tf.tile(t, reps),
                tf.tensor(
                  w,
                  shape.map((d, i) => d * reps[i]),
                ),
              ),
            ),
          )(tf.tensor(x, shape))
          .arraySync(),
      );
      const got = (Array.isArray(g) ? (g as number[]).flat(4) : [g]) as number[];
      const want = bruteForce(x, shape, reps, w);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    }
    // broadcastTo runs Tile too (a class or mask token over a batch).
    const token = tf.ones([1, 1, 4]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.broadcastTo(t, [5, 3, 4])))(token);
    expect(Array.from(g.dataSync())).toEqual([15, 15, 15, 15]);
    tf.dispose([token, g]);
  });

  it('records one reduction instead of a slice and an add per tile', async () => {
    registerTileGradient();
    const token = tf.variable(tf.ones([1, 1, 8]));
    const profile = await tf.profile(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.broadcastTo(token, [64, 16, 8])));
      tf.dispose(grads);
    });
    const slices = profile.kernels.filter((k) => k.name === 'Slice').length;
    expect(slices).toBe(0);
    expect(profile.kernels.length).toBeLessThan(20);
    token.dispose();
  });
});
