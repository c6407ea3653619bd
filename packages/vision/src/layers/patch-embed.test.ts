import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { PatchEmbed } from './patch-embed';
import { expectClose, expectNoLeak, fixedValues } from './test-helpers';

describe('PatchEmbed', () => {
  it('equals a strided p x p convolution flattened to row-major tokens', () => {
    const [b, h, w, c, p, d] = [2, 6, 4, 3, 2, 5];
    const embed = new PatchEmbed({ patchSize: p, embedDim: d, seed: 1 });
    const x = tf.tensor4d(fixedValues(b * h * w * c, 9), [b, h, w, c]);
    const tokens = embed.apply(x) as tf.Tensor;
    expect(tokens.shape).toEqual([b, (h / p) * (w / p), d]);
    const [kernel, bias] = embed.getWeights();
    expect(kernel.shape).toEqual([p, p, c, d]);
    const conv = tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, p, 'valid'), bias);
    expectClose(tokens.dataSync(), tf.reshape(conv, [b, (h / p) * (w / p), d]).dataSync());
  });

  it('computes one token by hand: sum over the patch of pixel * kernel, plus bias', () => {
    const embed = new PatchEmbed({ patchSize: 2, embedDim: 1, seed: 0 });
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    embed.apply(x);
    embed.setWeights([tf.tensor4d([1, 10, 100, 1000], [2, 2, 1, 1]), tf.tensor1d([0.5])]);
    // Patch (row 1, col 0) covers pixels 8, 9 (top) and 12, 13 (bottom).
    const t = (embed.apply(x) as tf.Tensor).dataSync();
    expect(t[2]).toBeCloseTo(8 + 90 + 1200 + 13000 + 0.5, 3);
  });

  it('initializes as MAE (xavier over the [p*p*C, D] view), reproducibly from its seed', () => {
    const a = new PatchEmbed({ patchSize: 4, embedDim: 64, seed: 7 });
    const b = new PatchEmbed({ patchSize: 4, embedDim: 64, seed: 7 });
    a.apply(tf.zeros([1, 8, 8, 3]));
    b.apply(tf.zeros([1, 8, 8, 3]));
    const ka = a.getWeights()[0].dataSync() as Float32Array;
    expectClose(ka, b.getWeights()[0].dataSync(), 0, 0);
    const limit = Math.sqrt(6 / (48 + 64));
    const maxAbs = ka.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs).toBeLessThanOrEqual(limit);
    expect(maxAbs).toBeGreaterThan(0.9 * limit);
    const bias = a.getWeights()[1].dataSync() as Float32Array;
    const biasMax = bias.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(biasMax).toBeLessThanOrEqual(1 / Math.sqrt(48));
  });

  it('rejects image sides not divisible by the patch, and leaks nothing', () => {
    const embed = new PatchEmbed({ patchSize: 4, embedDim: 8, seed: 0 });
    expect(() => embed.apply(tf.zeros([1, 6, 8, 3]))).toThrow(/divisible by patchSize 4/);
    const x = tf.zeros([2, 8, 8, 3]);
    embed.apply(x);
    expectNoLeak(() => {
      embed.apply(x);
    });
  });
});
