import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { knnClassify } from '../knn/knn-classify';
import { linearProbe } from '../probe/linear-probe';
import { gaussianClusters } from '../test-utils';
import { baselines } from './baselines';

function images(seed: number) {
  const rng = createRng(seed);
  const tr = gaussianClusters(3, 40, 16, 1, rng);
  const te = gaussianClusters(3, 20, 16, 1, rng, tr.means);
  return {
    trainSet: tr,
    testSet: te,
    train: { x: tf.tensor4d(tr.features, [tr.count, 4, 4, 1]), y: tr.labels },
    test: { x: tf.tensor4d(te.features, [te.count, 4, 4, 1]), y: te.labels },
  };
}

const factory = (seed: number) =>
  tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({
        units: 8,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed }),
      }),
    ],
  });

describe('baselines', () => {
  it('computes the raw-input row with the same probe and kNN functions, and disposes the random encoder', async () => {
    const d = images(1);
    const seeds: number[] = [];
    const before = tf.memory().numTensors;
    const r = await baselines(
      {
        train: d.train,
        test: d.test,
        encoderFactory: (s) => (seeds.push(s), factory(s)),
        probe: { weightDecays: [0, 1e-2] },
      },
      createRng(0),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(r.rows.map((row) => row.name)).toEqual(['raw input', 'random-init encoder']);
    expect(r.raw.dim).toBe(16);
    expect(r.randomInit.dim).toBe(8);
    expect(r.encoder).toBeUndefined();

    // Same numbers as calling linearProbe / knnClassify on the flattened inputs directly.
    const rawRng = createRng(0).fork();
    const probe = await linearProbe(d.trainSet, d.testSet, { weightDecays: [0, 1e-2] }, rawRng);
    expect(r.raw.probe?.top1).toBe(probe.top1);
    expect(r.raw.probe?.weightDecay).toBe(probe.weightDecay);
    expect(r.raw.knn?.top1).toBe((await knnClassify(d.trainSet, d.testSet)).top1);
    expect(r.raw.probe?.top1).toBeGreaterThan(0.9);

    // Reproducible: the factory gets the same seed from the same generator.
    const again = await baselines(
      {
        train: d.train,
        test: d.test,
        encoderFactory: (s) => (seeds.push(s), factory(s)),
        probe: { weightDecays: [0, 1e-2] },
      },
      createRng(0),
    );
    expect(seeds[0]).toBe(seeds[1]);
    expect(again.randomInit.probe?.top1).toBe(r.randomInit.probe?.top1);
    tf.dispose([d.train.x, d.test.x]);
  });

  it('adds the trained encoder as a third row (not disposed) and can skip kNN', async () => {
    const d = images(2);
    const trained = factory(123);
    const r = await baselines(
      {
        train: d.train,
        test: d.test,
        encoderFactory: factory,
        encoder: trained,
        encoderName: 'SimCLR',
        knn: false,
        probe: { weightDecays: [1e-3] },
      },
      createRng(1),
    );
    expect(r.rows.map((row) => row.name)).toEqual(['raw input', 'random-init encoder', 'SimCLR']);
    expect(r.encoder?.knn).toBeUndefined();
    expect(r.encoder?.probe?.weightDecay).toBe(1e-3);
    expect(trained.getWeights()[0].isDisposed).toBe(false);
    trained.dispose();
    tf.dispose([d.train.x, d.test.x]);
  });
});
