import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { smallConvNet } from '../../encoders/small-conv-net';
import { predictionHead } from '../../heads/prediction-head';
import { projectionHead } from '../../heads/projection-head';
import { expectStateRoundTrip } from '../internal/method-checks';
import {
  expectGradientsOnlyOnTrainable,
  expectNoLeak,
  randomViews,
} from '../internal/test-helpers';
import { SimSiam } from './simsiam';

const cosMean = (p: number[][], z: number[][]) =>
  p.reduce(
    (s, r, i) =>
      s + r.reduce((t, x, j) => t + x * z[i][j], 0) / (Math.hypot(...r) * Math.hypot(...z[i])),
    0,
  ) / p.length;
const run = (models: readonly tf.LayersModel[], x: tf.Tensor) =>
  tf.tidy(
    () =>
      models
        .reduce((y, m) => m.apply(y, { training: true }) as tf.Tensor, x)
        .arraySync() as number[][],
  );

describe('SimSiam', () => {
  const rng = createRng(0);
  const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
  const projector = projectionHead(
    {
      inputDim: 8,
      hiddenDim: 8,
      outputDim: 6,
      numLayers: 3,
      lastBatchNorm: { center: false, scale: false },
    },
    rng,
  );
  const predictor = predictionHead({ inputDim: 6, hiddenDim: 3, outputDim: 6 }, rng);
  const method = new SimSiam({ encoder, projector, predictor });
  const batchOf = (seed: number) => randomViews(2, 6, 8, 1, seed);
  afterAll(() => [encoder, projector, predictor].forEach((m) => m.dispose()));

  it('computes -(cos(p1, z2) + cos(p2, z1)) / 2 (checked by brute force)', () => {
    const batch = batchOf(1);
    const [a, b] = batch.views;
    const loss = tf.tidy(() => method.loss(batch).loss.dataSync()[0]);
    const z1 = run([encoder, projector], a);
    const z2 = run([encoder, projector], b);
    const p1 = run([encoder, projector, predictor], a);
    const p2 = run([encoder, projector, predictor], b);
    expect(loss).toBeCloseTo(-0.5 * (cosMean(p1, z2) + cosMean(p2, z1)), 5);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('sends gradients to every variable of the encoder, projector and predictor', () => {
    const batch = batchOf(2);
    expectGradientsOnlyOnTrainable(method, batch);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('builds the paper heads by default: D -> D -> D -> 2048 and 2048 -> 512 -> 2048', () => {
    const m = new SimSiam({ encoder }, createRng(1));
    expect(m.projector.outputs[0].shape).toEqual([null, 2048]);
    expect(m.projector.layers.length).toBe(8); // (Linear, BN, ReLU) x 2, Linear, BN
    expect(m.predictor.layers[0].getWeights()[0].shape).toEqual([2048, 512]);
    m.projector.dispose();
    m.predictor.dispose();
  });

  it('round-trips its variables and leaks no tensor over steps', () => {
    expectStateRoundTrip(method, batchOf);
    expectNoLeak(method, (s) => batchOf(10 + s));
  });
});
