import * as tf from '@tensorflow/tfjs';
import { cosineMomentum, createRng } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { smallConvNet } from '../../encoders/small-conv-net';
import { predictionHead } from '../../heads/prediction-head';
import { projectionHead } from '../../heads/projection-head';
import { expectExactEma, expectStateRoundTrip, targetPairs } from '../internal/method-checks';
import {
  expectGradientsOnlyOnTrainable,
  expectNoLeak,
  maxAbsDiff,
  randomViews,
} from '../internal/test-helpers';
import { BYOL } from './byol';

/** 2 - 2 cos(p_i, z_i), averaged over the rows, on plain arrays. */
function byolReference(p: number[][], z: number[][]): number {
  let total = 0;
  p.forEach((row, i) => {
    const dot = row.reduce((s, x, j) => s + x * z[i][j], 0);
    const np = Math.hypot(...row);
    const nz = Math.hypot(...z[i]);
    total += 2 - (2 * dot) / (np * nz);
  });
  return total / p.length;
}

describe('BYOL', () => {
  const rng = createRng(0);
  const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
  const projector = projectionHead({ inputDim: 8, hiddenDim: 16, outputDim: 6 }, rng);
  const predictor = predictionHead({ inputDim: 6, hiddenDim: 12, outputDim: 6 }, rng);
  const method = new BYOL({ encoder, projector, predictor });
  const batchOf = (seed: number) => randomViews(2, 6, 8, 1, seed);
  afterAll(() => {
    method.dispose();
    tf.dispose([encoder, projector, predictor].flatMap((m) => m.weights.map((w) => w.read())));
  });

  it('starts with a target equal to the online encoder and projector, not trainable', () => {
    const all = method.allVariables();
    const pairs = targetPairs(method, [
      ['target.encoder/', 'online.encoder/'],
      ['target.projector/', 'online.projector/'],
    ]);
    expect(Object.keys(pairs).length).toBe(
      encoder.trainableWeights.length + projector.trainableWeights.length,
    );
    for (const [t, o] of Object.entries(pairs)) {
      expect(maxAbsDiff(all[t].dataSync(), all[o].dataSync())).toBe(0);
      expect(all[t].trainable).toBe(false);
    }
    expect(Object.keys(method.trainableVariables()).every((k) => k.startsWith('online.'))).toBe(
      true,
    );
  });

  it('computes the symmetrized loss byol(p1, z2) + byol(p2, z1) (checked by brute force)', () => {
    const batch = batchOf(1);
    const [a, b] = batch.views;
    const loss = tf.tidy(() => method.loss(batch).loss.dataSync()[0]);
    const run = (models: tf.LayersModel[], x: tf.Tensor) =>
      tf.tidy(
        () =>
          models
            .reduce((y, m) => m.apply(y, { training: true }) as tf.Tensor, x)
            .arraySync() as number[][],
      );
    const online = [encoder, projector, predictor];
    const expected =
      byolReference(run(online, a), run([...method.target], b)) +
      byolReference(run(online, b), run([...method.target], a));
    expect(loss).toBeCloseTo(expected, 4);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('sends gradients to the online networks only, none to the target', () => {
    const batch = batchOf(2);
    expectGradientsOnlyOnTrainable(method, batch);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('moves the target by exactly the cosine-scheduled EMA after the step', () => {
    const pairs = targetPairs(method, [
      ['target.encoder/', 'online.encoder/'],
      ['target.projector/', 'online.projector/'],
    ]);
    const batch = batchOf(3);
    expectExactEma(method, batch, pairs, 30, 100, cosineMomentum(0.996, 30, 100));
    expect(method.state().momentum).toBeCloseTo(cosineMomentum(0.996, 30, 100), 12);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('round-trips its variables and state, and leaks no tensor over steps', () => {
    expectStateRoundTrip(method, batchOf);
    expectNoLeak(method, (s) => batchOf(20 + s));
  });

  it('builds the paper heads by default: 4096 -> 256 projector and predictor', () => {
    const m = new BYOL({ encoder });
    expect(m.projector.outputs[0].shape).toEqual([null, 256]);
    expect(m.predictor.outputs[0].shape).toEqual([null, 256]);
    expect(m.baseMomentum).toBe(0.996);
    expect(
      () =>
        new BYOL({
          encoder,
          projector,
          predictor: predictionHead({ inputDim: 6, hiddenDim: 4, outputDim: 5 }),
        }),
    ).toThrow(/projection width 6/);
    m.dispose();
    m.projector.dispose();
    m.predictor.dispose();
  });
});
