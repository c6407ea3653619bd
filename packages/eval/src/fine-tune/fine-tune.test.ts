import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianClusters } from '../test-utils';
import { fineTune } from './fine-tune';

function encoder(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 10 + s });
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [8],
        units: 16,
        activation: 'relu',
        kernelInitializer: init(1),
        name: `enc1_${seed}`,
      }),
      tf.layers.dense({
        units: 16,
        activation: 'relu',
        kernelInitializer: init(2),
        name: `enc2_${seed}`,
      }),
      tf.layers.dense({ units: 8, kernelInitializer: init(3), name: `enc3_${seed}` }),
    ],
  });
}

function head(seed: number, classes: number): tf.LayersModel {
  return tf.sequential({
    name: `headmodel_${seed}`,
    layers: [
      tf.layers.dense({
        inputShape: [8],
        units: classes,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        name: `head_${seed}`,
      }),
    ],
  });
}

function data(seed: number) {
  const rng = createRng(seed);
  const tr = gaussianClusters(3, 100, 8, 1.2, rng);
  const te = gaussianClusters(3, 50, 8, 1.2, rng, tr.means);
  return {
    train: { x: tf.tensor2d(tr.features, [tr.count, 8]), y: tr.labels },
    test: { x: tf.tensor2d(te.features, [te.count, 8]), y: te.labels },
  };
}

const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('fineTune', () => {
  it('gives encoder layer i of L the rate encoderLr * decay^(L - i) and the head headLr', async () => {
    const enc = encoder(1);
    const d = data(1);
    const r = await fineTune(
      enc,
      head(1, 3),
      d,
      { encoderLr: 1e-2, headLr: 5e-2, epochs: 1, layerDecay: 0.5 },
      createRng(0),
    );
    expect(r.learningRates.map((l) => [l.layer, l.depth, l.learningRate])).toEqual([
      ['enc1_1', 1, 1e-2 * 0.25],
      ['enc2_1', 2, 1e-2 * 0.5],
      ['enc3_1', 3, 1e-2],
      ['headmodel_1', 4, 5e-2],
    ]);
    tf.dispose([d.train.x, d.test.x]);
    r.model.dispose();
  });

  it('trains the whole network to high accuracy without leaking tensors', async () => {
    const enc = encoder(2);
    const hd = head(2, 3);
    const d = data(2);
    const before = tf.memory().numTensors;
    const r = await fineTune(
      enc,
      hd,
      d,
      { encoderLr: 3e-3, headLr: 1e-2, epochs: 15, batchSize: 32 },
      createRng(1),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(r.losses.length).toBe(15);
    expect(r.losses[14]).toBeLessThan(r.losses[0] / 2);
    expect(r.trainAccuracy).toBeGreaterThan(0.9);
    expect(r.testAccuracy).toBeGreaterThan(0.9);
    // The returned model is the encoder followed by the head, sharing their weights.
    const viaParts = tf.tidy(() =>
      (hd.predict(enc.predict(d.test.x) as tf.Tensor) as tf.Tensor).dataSync(),
    );
    const viaModel = tf.tidy(() => (r.model.predict(d.test.x) as tf.Tensor).dataSync());
    viaModel.forEach((v, i) => expect(v).toBeCloseTo(viaParts[i], 5));
    tf.dispose([d.train.x, d.test.x]);
    r.model.dispose();
  });

  it('leaves layers with a zero learning rate untouched (layerDecay 0 trains only the last encoder layer)', async () => {
    const enc = encoder(3);
    const d = data(3);
    const w0 = snapshot(enc);
    const r = await fineTune(
      enc,
      head(3, 3),
      d,
      { encoderLr: 1e-2, headLr: 1e-2, epochs: 1, layerDecay: 0 },
      createRng(2),
    );
    const w1 = snapshot(enc);
    // Weights: [enc1 kernel, enc1 bias, enc2 kernel, enc2 bias, enc3 kernel, enc3 bias].
    expect(w1.slice(0, 4)).toEqual(w0.slice(0, 4));
    expect(w1[4]).not.toEqual(w0[4]);
    tf.dispose([d.train.x, d.test.x]);
    r.model.dispose();
  });

  it('rejects bad options', async () => {
    const d = data(4);
    await expect(
      fineTune(encoder(4), head(4, 3), d, { encoderLr: -1, headLr: 1, epochs: 1 }),
    ).rejects.toThrow(/encoderLr/);
    await expect(
      fineTune(encoder(5), head(5, 3), d, { encoderLr: 0, headLr: 0, epochs: 1 }),
    ).rejects.toThrow(/no trainable weights/);
    tf.dispose([d.train.x, d.test.x]);
  });
});
