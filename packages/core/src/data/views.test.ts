import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { Dataset, disposeElement, multiCrop, twoViews, type ImageTransform } from './index';

const shift: ImageTransform = (x, rng) => tf.add(x, rng!.float()) as tf.Tensor4D;

function images(n: number, size = 8): tf.Tensor4D {
  return tf.tensor4d(
    Array.from({ length: n * size * size }, (_, i) => (i % 17) / 17),
    [n, size, size, 1],
  );
}

describe('views', () => {
  it('twoViews augments a batch twice, keeps the other fields, and is reproducible from its seed', async () => {
    const make = () =>
      Dataset.fromArray([{ image: images(3), label: [1, 2, 3] }]).twoViews(shift, createRng(4));
    const [a] = await make().toArray();
    const [b] = await make().toArray();
    expect(Object.keys(a).sort()).toEqual(['label', 'views']);
    expect(a.label).toEqual([1, 2, 3]);
    expect(a.views.map((v) => v.shape)).toEqual([
      [3, 8, 8, 1],
      [3, 8, 8, 1],
    ]);
    const d = (t: tf.Tensor) => Array.from(t.dataSync());
    expect(d(a.views[0])).not.toEqual(d(a.views[1]));
    expect(d(a.views[0])).toEqual(d(b.views[0]));
    expect(d(a.views[1])).toEqual(d(b.views[1]));
    [a, b].forEach(disposeElement);
  });

  it('twoViews applies asymmetric transforms and rejects unbatched images', async () => {
    const zero: ImageTransform = (x) => tf.zerosLike(x);
    const fn = twoViews<tf.Tensor4D>([shift, zero]);
    const x = images(2);
    const ctx = { epoch: 0, index: 0, rng: createRng(1) };
    const out = fn(x, ctx);
    expect(out.views[1].sum().dataSync()[0]).toBe(0);
    expect(out.views[0].sum().dataSync()[0]).toBeGreaterThan(x.sum().dataSync()[0]);
    expect(() => twoViews(shift)(tf.zeros([8, 8, 1]), ctx)).toThrow(
      /expected a batch of images of shape \[batch, height, width, channels\], got shape \[8, 8, 1\]/,
    );
    tf.dispose([x, out.views]);
  });

  it('multiCrop gives globals then locals, at their sizes, with crops that differ', async () => {
    const source = images(4, 16);
    const before = tf.memory().numTensors;
    const [batch] = await Dataset.fromArray([source])
      .multiCrop(
        {
          global: { size: 12, scale: [0.4, 1] },
          local: { size: [6, 5], scale: [0.05, 0.3], count: 3 },
        },
        createRng(2),
      )
      .toArray();
    expect(batch.views.map((v) => v.shape)).toEqual([
      [4, 12, 12, 1],
      [4, 12, 12, 1],
      [4, 6, 5, 1],
      [4, 6, 5, 1],
      [4, 6, 5, 1],
    ]);
    const d = (t: tf.Tensor) => Array.from(t.dataSync());
    expect(d(batch.views[0])).not.toEqual(d(batch.views[1]));
    disposeElement(batch);
    expect(tf.memory().numTensors).toBe(before);
    source.dispose();
    expect(() => multiCrop({ global: { size: 8, scale: [0.5, 2] } })).toThrow(
      /global.scale must satisfy 0 < min <= max <= 1, got \[0.5, 2\]/,
    );
  });
});
