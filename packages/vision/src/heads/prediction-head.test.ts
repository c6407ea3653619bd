import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm } from '../layers/batch-norm';
import { countParams, expectClose, roundTrip, weightValues } from '../layers/test-helpers';
import { predictionHead } from './prediction-head';

describe('predictionHead', () => {
  it('is Linear(no bias) -> BN -> ReLU -> Linear: SimSiam 2048 -> 512 -> 2048', () => {
    const head = predictionHead({ inputDim: 2048, hiddenDim: 512, outputDim: 2048 }, createRng(0));
    expect(head.layers.map((l) => (l instanceof BatchNorm ? 'BN' : l.getClassName()))).toEqual([
      'Dense',
      'BN',
      'ReLU',
      'Dense',
    ]);
    expect(countParams(head.trainableWeights)).toBe(2048 * 512 + 2 * 512 + 512 * 2048 + 2048);
    expect(head.name).toBe('prediction_head');
    expect((head.predict(tf.zeros([3, 2048])) as tf.Tensor).shape).toEqual([3, 2048]);
  });

  it('MoCo v3: an affine-free last BN and no last bias; seeded; round-trips', async () => {
    const opts = {
      inputDim: 8,
      hiddenDim: 16,
      outputDim: 8,
      lastBatchNorm: { center: false, scale: false },
    };
    const head = predictionHead(opts, createRng(1));
    expect(head.layers).toHaveLength(5);
    expect(head.layers[3].trainableWeights.map((w) => w.originalName.split('/').at(-1))).toEqual([
      'kernel',
    ]);
    expect(head.layers[4].trainableWeights).toHaveLength(0);
    expect(weightValues(predictionHead(opts, createRng(1)))).toEqual(weightValues(head));
    const x = tf.randomNormal([4, 8], 0, 1, 'float32', 2);
    head.apply(x, { training: true });
    const loaded = await roundTrip(head);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (head.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
  });
});
