import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm } from '../layers/batch-norm';
import {
  countParams,
  expectClose,
  expectNoLeak,
  fixedValues,
  roundTrip,
  weightValues,
} from '../layers/test-helpers';
import { projectionHead } from './projection-head';

/** Layer kinds and trainable-weight names (without the layer prefix), in order. */
function describeHead(model: tf.Sequential): string[] {
  return model.layers.map((l) => {
    const kind =
      l instanceof BatchNorm ? 'bn' : l.getClassName() === 'Dense' ? 'linear' : l.getClassName();
    const names = l.trainableWeights.map((w) => w.originalName.split('/').at(-1));
    return `${kind}(${names.join(',')})`;
  });
}

describe('projectionHead', () => {
  it('BYOL (defaults): Linear(no bias) -> BN -> ReLU -> Linear(bias), 512 -> 4096 -> 256', () => {
    const head = projectionHead({ inputDim: 512, hiddenDim: 4096, outputDim: 256 }, createRng(0));
    expect(describeHead(head)).toEqual([
      'linear(kernel)',
      'bn(gamma,beta)',
      'ReLU()',
      'linear(kernel,bias)',
    ]);
    expect(countParams(head.trainableWeights)).toBe(512 * 4096 + 2 * 4096 + 4096 * 256 + 256);
    expect(head.layers.map((l) => l.name)).toEqual(
      [0, 1, 2, 3].map((i) => `projection_head.layers.${i}`),
    );
    expect((head.predict(tf.zeros([2, 512])) as tf.Tensor).shape).toEqual([2, 256]);
  });

  it('SimCLR v2 (3 layers, last BN without beta), MoCo v3 / SimSiam (affine-free last BN)', () => {
    const simclr = projectionHead({
      inputDim: 8,
      hiddenDim: 16,
      outputDim: 4,
      numLayers: 3,
      lastBatchNorm: { center: false },
    });
    expect(describeHead(simclr)).toEqual([
      'linear(kernel)',
      'bn(gamma,beta)',
      'ReLU()',
      'linear(kernel)',
      'bn(gamma,beta)',
      'ReLU()',
      'linear(kernel)',
      'bn(gamma)',
    ]);
    const moco = projectionHead({
      inputDim: 8,
      hiddenDim: 16,
      outputDim: 4,
      numLayers: 3,
      lastBatchNorm: { center: false, scale: false },
    });
    expect(describeHead(moco).at(-1)).toBe('bn()');
    expect((moco.layers.at(-1) as BatchNorm).nonTrainableWeights).toHaveLength(2);
  });

  it('MoCo v2 (no BN, biases everywhere) and Barlow Twins / VICReg (last Linear without bias)', () => {
    const moco2 = projectionHead({ inputDim: 8, hiddenDim: 16, outputDim: 4, batchNorm: false });
    expect(describeHead(moco2)).toEqual(['linear(kernel,bias)', 'ReLU()', 'linear(kernel,bias)']);
    const barlow = projectionHead({
      inputDim: 8,
      hiddenDim: 16,
      outputDim: 4,
      numLayers: 3,
      lastBias: false,
    });
    expect(describeHead(barlow).at(-1)).toBe('linear(kernel)');
    expect(
      describeHead(projectionHead({ inputDim: 8, hiddenDim: 16, outputDim: 4, numLayers: 1 })),
    ).toEqual(['linear(kernel,bias)']);
  });

  it('computes Linear -> BN -> ReLU -> Linear (training: batch statistics)', () => {
    const head = projectionHead({ inputDim: 3, hiddenDim: 4, outputDim: 2 }, createRng(1));
    const x = tf.tensor2d(fixedValues(5 * 3, 2), [5, 3]);
    const [w1] = head.layers[0].getWeights();
    const [w2, b2] = head.layers[3].getWeights();
    const expected = tf.tidy(() => {
      const h = tf.matMul(x, w1);
      const { mean, variance } = tf.moments(h, 0);
      const n = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5)));
      return tf.add(tf.matMul(tf.relu(n), w2), b2);
    });
    expectClose((head.apply(x, { training: true }) as tf.Tensor).dataSync(), expected.dataSync());
  });

  it("initializes as PyTorch's nn.Linear, seeded; round-trips; leaks nothing", async () => {
    const opts = { inputDim: 64, hiddenDim: 32, outputDim: 8, lastBatchNorm: true };
    const a = projectionHead(opts, createRng(3));
    expect(weightValues(projectionHead(opts, createRng(3)))).toEqual(weightValues(a));
    expect(weightValues(projectionHead(opts, createRng(4)))[0]).not.toEqual(weightValues(a)[0]);
    const k1 = a.layers[0].getWeights()[0].dataSync();
    expect(k1.every((v) => Math.abs(v) <= 1 / 8)).toBe(true);
    expect(k1.some((v) => Math.abs(v) > 0.9 / 8)).toBe(true);
    const x = tf.tensor2d(fixedValues(4 * 64, 5), [4, 64]);
    a.apply(x, { training: true });
    const loaded = await roundTrip(a);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (a.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
    expectNoLeak(() => {
      a.predict(x);
      a.apply(x, { training: true });
    });
    expect(() => projectionHead({ inputDim: 0, hiddenDim: 4, outputDim: 2 })).toThrow(/inputDim/);
  });
});
