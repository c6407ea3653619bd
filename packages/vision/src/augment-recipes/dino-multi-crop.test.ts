import * as tf from '@tensorflow/tfjs';
import {
  compose,
  createRng,
  horizontalFlip,
  randomGrayscale,
  randomResizedCrop,
} from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { images, jitter } from './_test-utils';
import { dinoMultiCrop } from './dino-multi-crop';

describe('dinoMultiCrop', () => {
  it('dinoMultiCrop: 2 global then N local crops of each batch, other fields kept', () => {
    const x = images(3, 32, 3, 4);
    const stage = dinoMultiCrop<{ image: tf.Tensor4D; label: number[] }>({
      globalSize: 24,
      localSize: 12,
      localCrops: 4,
    });
    const out = stage({ image: x, label: [1, 2, 3] }, { epoch: 0, index: 0, rng: createRng(5) });
    expect(out.label).toEqual([1, 2, 3]);
    expect(out.views.map((v) => v.shape)).toEqual([
      [3, 24, 24, 3],
      [3, 24, 24, 3],
      [3, 12, 12, 3],
      [3, 12, 12, 3],
      [3, 12, 12, 3],
      [3, 12, 12, 3],
    ]);
    // The first global crop is the global recipe with the first draws of the generator.
    const g1 = compose([
      randomResizedCrop({ size: 24, scale: [0.4, 1] }),
      horizontalFlip({ p: 0.5 }),
      jitter(0.4, 0.4, 0.2, 0.1),
      randomGrayscale({ p: 0.2 }),
    ]);
    const ref = g1(x, createRng(5));
    expect(tf.max(tf.abs(tf.sub(ref, out.views[0]))).dataSync()[0]).toBe(0);
    tf.dispose([x, ref, ...out.views]);
    expect(() => dinoMultiCrop({ globalSize: 0, localSize: 8 })).toThrow(/globalSize/);
  });
});
