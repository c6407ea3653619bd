import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { smallConvNet } from '../../encoders/small-conv-net';
import {
  expectGradientsOnlyOnTrainable,
  expectNoLeak,
  randomViews,
  sgd,
  trainStep,
} from '../internal/test-helpers';
import { SimCLR } from './simclr';

/** NT-Xent by brute force on plain arrays: mean over the 2N anchors of -log softmax(positive). */
function ntXentReference(z: number[][], n: number, t: number): number {
  const unit = z.map((r) => {
    const norm = Math.sqrt(r.reduce((s, x) => s + x * x, 0));
    return r.map((x) => x / norm);
  });
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const pos = i < n ? i + n : i - n;
    let denom = 0;
    for (let k = 0; k < 2 * n; k++) if (k !== i) denom += Math.exp(dot(unit[i], unit[k]) / t);
    total += -Math.log(Math.exp(dot(unit[i], unit[pos]) / t) / denom);
  }
  return total / (2 * n);
}

describe('SimCLR', () => {
  const rng = createRng(0);
  const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
  const method = new SimCLR({ encoder, temperature: 0.3 }, rng);
  afterAll(() => {
    encoder.dispose();
    method.projector.dispose();
  });

  it('computes NT-Xent over one forward pass of both views (checked by brute force)', () => {
    const batch = randomViews(2, 6, 8, 1, 1);
    const loss = tf.tidy(() => method.loss(batch).loss.dataSync()[0]);
    const z = tf.tidy(() => {
      const x = tf.concat(batch.views as tf.Tensor4D[], 0);
      const f = encoder.apply(x, { training: true }) as tf.Tensor;
      return (method.projector.apply(f, { training: true }) as tf.Tensor).arraySync() as number[][];
    });
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(ntXentReference(z, 6, 0.3), 4);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('uses the paper defaults: temperature 0.5, projector D -> D -> 128 with a last BN without beta', () => {
    const m = new SimCLR({ encoder });
    expect(m.temperature).toBe(0.5);
    expect(m.projector.outputs[0].shape).toEqual([null, 128]);
    const keys = Object.keys(m.trainableVariables());
    expect(keys).toContain('projector/simclr_projector.layers.4/gamma');
    expect(keys).not.toContain('projector/simclr_projector.layers.4/beta');
    expect(m.config()).toMatchObject({ temperature: 0.5, featureDim: 8, projectionDim: 128 });
    m.projector.dispose();
  });

  it('sends gradients to every trainable variable of the encoder and projector', () => {
    const batch = randomViews(2, 6, 8, 1, 2);
    expectGradientsOnlyOnTrainable(method, batch);
    const keys = Object.keys(method.trainableVariables());
    expect(keys.filter((k) => k.startsWith('encoder/')).length).toBe(
      encoder.trainableWeights.length,
    );
    expect(Object.keys(method.allVariables())).toEqual(expect.arrayContaining(keys));
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('lowers its loss on a fixed batch and leaks no tensor over steps', () => {
    const batch = randomViews(2, 8, 8, 1, 3);
    const opt = sgd(0.1);
    const first = trainStep(method, batch, 0, 20, opt);
    let last = first;
    for (let s = 1; s < 20; s++) last = trainStep(method, batch, s, 20, opt);
    expect(last).toBeLessThan(first);
    opt.dispose();
    tf.dispose(batch.views as tf.Tensor[]);
    expectNoLeak(method, (s) => randomViews(2, 6, 8, 1, 10 + s));
  });

  it('rejects batches that are not two views of the same shape', () => {
    const [a, b] = randomViews(2, 4, 8, 1, 4).views;
    expect(() => method.loss({ views: [a] })).toThrow(/views: \[view1, view2\]/);
    const c = tf.zeros([3, 8, 8, 1]) as tf.Tensor4D;
    expect(() => method.loss({ views: [a, c] })).toThrow(/same shape/);
    expect(() => new SimCLR({ encoder, temperature: 0 })).toThrow(/temperature/);
    tf.dispose([a, b, c]);
  });
});
