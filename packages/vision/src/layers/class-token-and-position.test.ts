import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bicubicResizeMatrix } from './bicubic-resize-matrix';
import { ClassTokenAndPosition } from './class-token-and-position';
import { sincosPositionEmbedding2d } from './sincos-position-embedding';
import { expectClose, expectNoLeak, fixedValues, roundTrip } from './test-helpers';

describe('ClassTokenAndPosition', () => {
  const [b, gh, gw, d] = [2, 2, 3, 8];
  const n = gh * gw;
  const x = tf.tensor3d(fixedValues(b * n * d, 4), [b, n, d]);

  it('sincos: prepends cls + zero row, adds the fixed MAE table to the patches', () => {
    const layer = new ClassTokenAndPosition({ gridSize: [gh, gw], seed: 3 });
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([b, 1 + n, d]);
    expect(layer.trainableWeights.map((w) => w.originalName)).toEqual([`${layer.name}/cls_token`]);
    expect(layer.nonTrainableWeights.map((w) => w.originalName)).toEqual([
      `${layer.name}/pos_embed`,
    ]);
    const table = sincosPositionEmbedding2d(d, gh, gw, { classToken: true });
    const cls = layer.getWeights()[0].dataSync();
    const ys = y.dataSync();
    const xs = x.dataSync();
    const expected = new Float32Array(b * (1 + n) * d);
    for (let i = 0; i < b; i++) {
      for (let t = 0; t <= n; t++) {
        for (let j = 0; j < d; j++) {
          const value = t === 0 ? cls[j] : xs[(i * n + t - 1) * d + j];
          expected[(i * (1 + n) + t) * d + j] = value + table[t * d + j];
        }
      }
    }
    expectClose(ys, expected);
  });

  it('learned: a trainable table drawn N(0, 0.02), cls token too; reproducible from the seed', () => {
    const a = new ClassTokenAndPosition({ gridSize: [8, 8], posEmbed: 'learned', seed: 5 });
    const a2 = new ClassTokenAndPosition({ gridSize: [8, 8], posEmbed: 'learned', seed: 5 });
    const c = new ClassTokenAndPosition({ gridSize: [8, 8], posEmbed: 'learned', seed: 6 });
    for (const l of [a, a2, c]) l.apply(tf.zeros([1, 64, 32]));
    expect(a.trainableWeights).toHaveLength(2);
    const pos = a.getWeights()[1].dataSync() as Float32Array;
    expect(pos.length).toBe(65 * 32);
    const std = Math.sqrt(pos.reduce((s, v) => s + v * v, 0) / pos.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expectClose(pos, a2.getWeights()[1].dataSync(), 0, 0);
    expect(Array.from(c.getWeights()[1].dataSync())).not.toEqual(Array.from(pos));
  });

  it('without a class token: only positions are added', () => {
    const layer = new ClassTokenAndPosition({ gridSize: [gh, gw], classToken: false, seed: 0 });
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([b, n, d]);
    const table = sincosPositionEmbedding2d(d, gh, gw);
    const expected = Array.from(x.dataSync(), (v, i) => v + table[i % (n * d)]);
    expectClose(y.dataSync(), expected);
  });

  it('MAE order: addPositions, gather a subset, prependClassToken', () => {
    const layer = new ClassTokenAndPosition({ gridSize: [gh, gw], posEmbed: 'learned', seed: 1 });
    const full = layer.apply(x) as tf.Tensor;
    const keep = tf.tensor2d(
      [
        [4, 1],
        [0, 5],
      ],
      [2, 2],
      'int32',
    );
    const subset = layer.prependClassToken(tf.gather(layer.addPositions(x), keep, 1, 1));
    expect(subset.shape).toEqual([b, 3, d]);
    // The same as gathering tokens 1 + keep (and 0) of the full output.
    const idx = tf.concat([tf.zeros([2, 1], 'int32'), tf.add(keep, 1)], 1);
    expectClose(subset.dataSync(), tf.gather(full, idx, 1, 1).dataSync());
    expectNoLeak(() => {
      layer.prependClassToken(tf.gather(layer.addPositions(x), keep, 1, 1));
    });
  });

  it('resizes the table bicubically for another grid (brute force), with a gradient to a learned table', () => {
    const layer = new ClassTokenAndPosition({ gridSize: [4, 4], posEmbed: 'learned', seed: 3 });
    layer.apply(tf.zeros([1, 16, 3]));
    const table = layer.getWeights()[1].arraySync() as number[][][]; // [1, 17, 3]
    const my = bicubicResizeMatrix(2, 4);
    const mx = bicubicResizeMatrix(3, 4);
    const got = layer.addPositions(tf.zeros([1, 6, 3]), [2, 3]).arraySync()[0];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        for (let d = 0; d < 3; d++) {
          let want = 0;
          for (let r = 0; r < 4; r++) {
            for (let c = 0; c < 4; c++)
              want += my[i * 4 + r] * mx[j * 4 + c] * table[0][1 + r * 4 + c][d];
          }
          expect(got[i * 3 + j][d]).toBeCloseTo(want, 5);
        }
      }
    }
    // The trained grid is untouched, and the resized table passes gradients back.
    expectClose(
      layer.addPositions(tf.zeros([1, 16, 3]), [4, 4]).dataSync(),
      layer.addPositions(tf.zeros([1, 16, 3])).dataSync(),
      0,
      0,
    );
    const pos = layer.trainableWeights[1].read() as tf.Variable;
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(layer.addPositions(tf.ones([2, 4, 3]), [2, 2]))),
      [pos],
    );
    expect(Math.max(...Array.from(grads[pos.name].dataSync()).map(Math.abs))).toBeGreaterThan(0);
    expect(() => layer.addPositions(tf.zeros([1, 5, 3]), [2, 3])).toThrow(
      /\[batch, 6, dim\] for a 2x3 grid/,
    );
    tf.dispose(grads);
  });

  it('rejects the wrong number of patches and an unbuilt eager use', () => {
    const layer = new ClassTokenAndPosition({ gridSize: [2, 2], seed: 0 });
    expect(() => layer.addPositions(tf.zeros([1, 4, 8]))).toThrow(/not built/);
    expect(() => layer.apply(tf.zeros([1, 5, 8]))).toThrow(/\[batch, 4, dim\]/);
  });

  it('round-trips in a model: same outputs, sincos table restored', async () => {
    const model = tf.sequential({
      layers: [new ClassTokenAndPosition({ gridSize: [gh, gw], inputShape: [n, d], seed: 9 })],
    });
    const loaded = await roundTrip(model);
    expect(loaded.layers[0]).toBeInstanceOf(ClassTokenAndPosition);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (model.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
  });
});
