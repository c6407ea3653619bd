import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { patchMaskToTensors } from './patch-mask-to-tensors';
import { randomPatchMask } from './random-patch-mask';

describe('patchMaskToTensors', () => {
  it('builds int32 index tensors and a float32 mask with the documented shapes', () => {
    const m = randomPatchMask(3, 196, 0.75, createRng(0));
    const t = patchMaskToTensors(m);
    expect(t.keepIndices.shape).toEqual([3, 49]);
    expect(t.keepIndices.dtype).toBe('int32');
    expect(t.mask.shape).toEqual([3, 196]);
    expect(t.mask.dtype).toBe('float32');
    expect(t.restoreIndices.shape).toEqual([3, 196]);
    expect(t.restoreIndices.dtype).toBe('int32');
    expect(Array.from(t.mask.dataSync())).toEqual(Array.from(m.mask));
    expect(Array.from(t.keepIndices.dataSync())).toEqual(Array.from(m.keepIndices));
    tf.dispose([t.keepIndices, t.mask, t.restoreIndices]);
  });

  it("supports MAE's encode / unshuffle round trip with tf.gather", () => {
    const B = 2;
    const L = 16;
    const D = 3;
    const before = tf.memory().numTensors;
    const m = randomPatchMask(B, L, 0.75, createRng(9));
    const t = patchMaskToTensors(m);
    tf.tidy(() => {
      const x = tf.randomNormal([B, L, D], 0, 1, 'float32', 1);
      const visible = tf.gather(x, t.keepIndices, 1, 1); // x_masked
      expect(visible.shape).toEqual([B, m.lenKeep, D]);
      // Decoder: append mask tokens (zeros here) and unshuffle with ids_restore.
      const full = tf.concat([visible, tf.zeros([B, L - m.lenKeep, D])], 1);
      const restored = tf.gather(full, t.restoreIndices, 1, 1);
      // Kept patches come back in place, masked ones hold the mask token.
      const isMasked = tf.cast(tf.tile(tf.expandDims(t.mask, -1), [1, 1, D]), 'bool');
      const expected = tf.where(isMasked, tf.zerosLike(x), x);
      expect(Array.from(restored.dataSync())).toEqual(Array.from(expected.dataSync()));
    });
    tf.dispose([t.keepIndices, t.mask, t.restoreIndices]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
