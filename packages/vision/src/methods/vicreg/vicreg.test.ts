import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { smallConvNet } from '../../encoders/small-conv-net';
import { projectionHead } from '../../heads/projection-head';
import { expectStateRoundTrip } from '../internal/method-checks';
import {
  expectGradientsOnlyOnTrainable,
  expectNoLeak,
  randomViews,
} from '../internal/test-helpers';
import { VICReg } from './vicreg';

/** VICReg by its definition, on plain arrays. */
function vicregReference(
  z1: number[][],
  z2: number[][],
  sim: number,
  std: number,
  cov: number,
): number {
  const n = z1.length;
  const d = z1[0].length;
  let inv = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) inv += (z1[i][j] - z2[i][j]) ** 2;
  inv /= n * d;
  const branch = (z: number[][]) => {
    const mean = Array.from({ length: d }, (_, j) => z.reduce((s, r) => s + r[j], 0) / n);
    const c = (i: number, j: number) =>
      z.reduce((s, r) => s + (r[i] - mean[i]) * (r[j] - mean[j]), 0) / (n - 1);
    let hinge = 0;
    let off = 0;
    for (let i = 0; i < d; i++) {
      hinge += Math.max(0, 1 - Math.sqrt(c(i, i) + 1e-4));
      for (let j = 0; j < d; j++) if (i !== j) off += c(i, j) ** 2;
    }
    return { std: hinge / d, cov: off / d };
  };
  const b1 = branch(z1);
  const b2 = branch(z2);
  return sim * inv + std * (b1.std / 2 + b2.std / 2) + cov * (b1.cov + b2.cov);
}

const run = (models: readonly tf.LayersModel[], x: tf.Tensor) =>
  tf.tidy(
    () =>
      models
        .reduce((y, m) => m.apply(y, { training: true }) as tf.Tensor, x)
        .arraySync() as number[][],
  );

describe('VICReg', () => {
  const rng = createRng(0);
  const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
  const expander = projectionHead(
    { inputDim: 8, hiddenDim: 16, outputDim: 10, numLayers: 3, lastBias: false },
    rng,
  );
  const method = new VICReg({ encoder, expander, simCoeff: 20, stdCoeff: 30, covCoeff: 2 });
  const batchOf = (seed: number) => randomViews(2, 8, 8, 1, seed);
  afterAll(() => [encoder, expander].forEach((m) => m.dispose()));

  it('computes invariance, variance and covariance terms with their weights (checked by brute force)', () => {
    const batch = batchOf(1);
    const [a, b] = batch.views;
    const loss = tf.tidy(() => method.loss(batch).loss.dataSync()[0]);
    const expected = vicregReference(
      run([encoder, expander], a),
      run([encoder, expander], b),
      20,
      30,
      2,
    );
    expect(Math.abs(loss - expected) / expected).toBeLessThan(1e-4);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('sends gradients to every variable of the encoder and expander', () => {
    const batch = batchOf(2);
    expectGradientsOnlyOnTrainable(method, batch);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('defaults to 25 / 25 / 1 and the official 8192-8192-8192 expander', () => {
    const m = new VICReg({ encoder }, createRng(1));
    expect([m.simCoeff, m.stdCoeff, m.covCoeff]).toEqual([25, 25, 1]);
    expect(m.expander.outputs[0].shape).toEqual([null, 8192]);
    m.expander.dispose();
  });

  it('round-trips its variables and leaks no tensor over steps', () => {
    expectStateRoundTrip(method, batchOf);
    expectNoLeak(method, (s) => batchOf(10 + s));
  });
});
