import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { weightValues } from '../layers/test-helpers';
import { encoderFeatureDim } from './encoder-feature-dim';
import { VisionTransformer } from './vision-transformer';
import { vit } from './vit';

describe('vit', () => {
  it('returns the VisionTransformer model: images -> [B, D], named after the size', () => {
    const model = vit({ size: 'tiny', depth: 1, imageSize: 16, patchSize: 8 }, createRng(0));
    expect(model.name).toBe('vit_tiny');
    expect(encoderFeatureDim(model)).toBe(192);
    expect((model.predict(tf.zeros([2, 16, 16, 3])) as tf.Tensor).shape).toEqual([2, 192]);
    expect(model.getLayer('vit_tiny.blocks.0').getWeights()[2].shape).toEqual([192, 576]);
    const same = new VisionTransformer(
      { size: 'tiny', depth: 1, imageSize: 16, patchSize: 8 },
      createRng(0),
    );
    expect(weightValues(same.model)).toEqual(weightValues(model));
  });
});
