import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import {
  countParams,
  expectClose,
  expectNoLeak,
  fixedValues,
  roundTrip,
  weightValues,
} from '../layers/test-helpers';
import { encoderFeatureDim } from './encoder-feature-dim';
import { smallConvNet } from './small-conv-net';

describe('smallConvNet', () => {
  it('maps MNIST images to 256-d features; parameters counted by hand', () => {
    const model = smallConvNet({ inputShape: [28, 28, 1] }, createRng(0));
    expect(encoderFeatureDim(model)).toBe(256);
    const y = model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor;
    expect(y.shape).toEqual([3, 256]);
    // 3x3 convs without bias: 9 * (1*32 + 32*64 + 64*128 + 128*256) = 387,360; BN gamma + beta:
    // 2 * (32 + 64 + 128 + 256) = 960; running mean + var: another 960 (not trainable).
    expect(countParams(model.trainableWeights)).toBe(388_320);
    expect(countParams(model.nonTrainableWeights)).toBe(960);
  });

  it('pools after every block but the last by default (28 -> 14 -> 7 -> 3, then GAP)', () => {
    const model = smallConvNet({ inputShape: [28, 28, 1] });
    expect(model.getLayer('small_conv_net.blocks.2.pool').outputShape).toEqual([null, 3, 3, 128]);
    expect(model.getLayer('small_conv_net.blocks.3.bn').outputShape).toEqual([null, 3, 3, 256]);
    expect(() => model.getLayer('small_conv_net.blocks.3.pool')).toThrow();
    const pooled = smallConvNet({ inputShape: [32, 32, 3], poolLastBlock: true });
    expect(pooled.getLayer('small_conv_net.blocks.3.pool').outputShape).toEqual([null, 2, 2, 256]);
    expect(() => smallConvNet({ inputShape: [4, 4, 1] })).toThrow(/at least 8 px/);
  });

  it('computes conv -> BN -> ReLU -> max-pool ... -> global mean, as tf ops would', () => {
    const model = smallConvNet({ inputShape: [8, 8, 2], widths: [3, 4] }, createRng(1));
    const w = (n: string) => model.getLayer(`small_conv_net.blocks.${n}`).getWeights();
    const [[k1], [g1, b1, m1, v1], [k2], [g2, b2, m2, v2]] = [
      w('0.conv'),
      w('0.bn'),
      w('1.conv'),
      w('1.bn'),
    ];
    const x = tf.tensor4d(fixedValues(2 * 8 * 8 * 2, 3), [2, 8, 8, 2]);
    const bn = (t: tf.Tensor, g: tf.Tensor, b: tf.Tensor, m: tf.Tensor, v: tf.Tensor) =>
      tf.add(tf.mul(tf.div(tf.sub(t, m), tf.sqrt(tf.add(v, 1e-5))), g), b);
    let h = tf.relu(bn(tf.conv2d(x, k1 as tf.Tensor4D, 1, 'same'), g1, b1, m1, v1));
    h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
    h = tf.relu(bn(tf.conv2d(h as tf.Tensor4D, k2 as tf.Tensor4D, 1, 'same'), g2, b2, m2, v2));
    const expected = tf.mean(h, [1, 2]);
    expectClose((model.predict(x) as tf.Tensor).dataSync(), expected.dataSync());
  });

  it('is seeded: same seed, same weights; other seed, other weights', () => {
    const opts = { inputShape: [8, 8, 1] as [number, number, number], widths: [4, 8] };
    const a = weightValues(smallConvNet(opts, createRng(5)));
    const b = weightValues(smallConvNet(opts, createRng(5)));
    const c = weightValues(smallConvNet(opts, createRng(6)));
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
    // torchvision-style kaiming normal, fan_out = 9 * 8 for the second conv.
    const k2 = a[3]; // trainable weights first: k1, g1, b1, k2, ...
    expect(k2.length).toBe(9 * 4 * 8);
    const std = Math.sqrt(k2.reduce((s, v) => s + v * v, 0) / k2.length);
    expect(std).toBeGreaterThan(0.6 * Math.sqrt(2 / 72));
    expect(std).toBeLessThan(1.4 * Math.sqrt(2 / 72));
  });

  it('saves and loads with identical outputs, and leaks nothing', async () => {
    const model = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, createRng(2));
    const x = tf.tensor4d(fixedValues(4 * 64, 4), [4, 8, 8, 1]);
    model.apply(x, { training: true }); // moves the running statistics off their init
    const loaded = await roundTrip(model);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (model.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
    expectNoLeak(() => {
      model.predict(x);
      model.apply(x, { training: true });
    });
  });

  it('one SGD step on the cpu backend lowers a regression loss on a fixed batch', () => {
    const model = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, createRng(3));
    const x = tf.tensor4d(fixedValues(6 * 64, 5), [6, 8, 8, 1]);
    const target = tf.tensor2d(fixedValues(6 * 8, 6), [6, 8]);
    const loss = () =>
      tf.losses.meanSquaredError(
        target,
        model.apply(x, { training: true }) as tf.Tensor,
      ) as tf.Scalar;
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const before = tf.tidy(() => loss().dataSync()[0]);
    const optimizer = tf.train.sgd(0.1);
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      expect(value.dataSync()[0]).toBeCloseTo(before, 4);
      expect(Object.keys(grads)).toHaveLength(vars.length);
      optimizer.applyGradients(grads);
    });
    const after = tf.tidy(() => loss().dataSync()[0]);
    expect(after).toBeLessThan(before);
  });
});
