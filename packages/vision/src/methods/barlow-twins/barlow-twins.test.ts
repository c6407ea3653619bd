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
import { BarlowTwins } from './barlow-twins';

/** Columns standardized with the biased batch variance (eps 1e-5), as BatchNorm1d(affine=False). */
function standardize(z: number[][]): number[][] {
  const n = z.length;
  const d = z[0].length;
  const out = z.map((r) => r.slice());
  for (let j = 0; j < d; j++) {
    const mean = z.reduce((s, r) => s + r[j], 0) / n;
    const v = z.reduce((s, r) => s + (r[j] - mean) ** 2, 0) / n;
    for (let i = 0; i < n; i++) out[i][j] = (z[i][j] - mean) / Math.sqrt(v + 1e-5);
  }
  return out;
}

function barlowReference(z1: number[][], z2: number[][], lambda: number): number {
  const a = standardize(z1);
  const b = standardize(z2);
  const n = a.length;
  const d = a[0].length;
  let loss = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let c = 0;
      for (let k = 0; k < n; k++) c += a[k][i] * b[k][j];
      c /= n;
      loss += i === j ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return loss;
}

const run = (models: readonly tf.LayersModel[], x: tf.Tensor) =>
  tf.tidy(
    () =>
      models
        .reduce((y, m) => m.apply(y, { training: true }) as tf.Tensor, x)
        .arraySync() as number[][],
  );

describe('BarlowTwins', () => {
  const rng = createRng(0);
  const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
  const projector = projectionHead(
    { inputDim: 8, hiddenDim: 16, outputDim: 12, numLayers: 3, lastBias: false },
    rng,
  );
  const method = new BarlowTwins({ encoder, projector, lambda: 0.01 });
  const batchOf = (seed: number) => randomViews(2, 8, 8, 1, seed);
  afterAll(() => [encoder, projector].forEach((m) => m.dispose()));

  it('computes the cross-correlation loss of the two views (checked by brute force)', () => {
    const batch = batchOf(1);
    const [a, b] = batch.views;
    const loss = tf.tidy(() => method.loss(batch).loss.dataSync()[0]);
    const expected = barlowReference(
      run([encoder, projector], a),
      run([encoder, projector], b),
      0.01,
    );
    expect(loss).toBeCloseTo(expected, 3);
    expect(Math.abs(loss - expected) / expected).toBeLessThan(1e-4);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('sends gradients to every variable of the encoder and projector', () => {
    const batch = batchOf(2);
    expectGradientsOnlyOnTrainable(method, batch);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('defaults to lambda 0.0051 and the official 8192-8192-8192 projector', () => {
    const m = new BarlowTwins({ encoder }, createRng(1));
    expect(m.lambda).toBe(0.0051);
    expect(m.projector.outputs[0].shape).toEqual([null, 8192]);
    expect(m.projector.layers.at(-1)!.getWeights().length).toBe(1); // last Linear without bias
    m.projector.dispose();
  });

  it('round-trips its variables and leaks no tensor over steps', () => {
    expectStateRoundTrip(method, batchOf);
    expectNoLeak(method, (s) => batchOf(10 + s));
  });
});
