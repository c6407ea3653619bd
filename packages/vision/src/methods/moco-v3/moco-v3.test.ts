import * as tf from '@tensorflow/tfjs';
import { cosineMomentum, createRng } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { smallConvNet } from '../../encoders/small-conv-net';
import { vit } from '../../encoders/vit';
import { predictionHead } from '../../heads/prediction-head';
import { projectionHead } from '../../heads/projection-head';
import { expectExactEma, expectStateRoundTrip, targetPairs } from '../internal/method-checks';
import {
  expectGradientsOnlyOnTrainable,
  expectNoLeak,
  maxAbsDiff,
  randomViews,
  sgd,
  snapshot,
  trainStep,
} from '../internal/test-helpers';
import { MoCoV3 } from './moco-v3';

const unit = (rows: number[][]) => rows.map((r) => r.map((x) => x / Math.hypot(...r)));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

/** 2T x mean_i CE(softmax_j(q_i . k_j / T), i), on plain arrays. */
function mocoV3Reference(q: number[][], k: number[][], t: number): number {
  const qn = unit(q);
  const kn = unit(k);
  let total = 0;
  qn.forEach((qi, i) => {
    const logits = kn.map((kj) => dot(qi, kj) / t);
    total += Math.log(logits.reduce((s, l) => s + Math.exp(l), 0)) - logits[i];
  });
  return (2 * t * total) / q.length;
}

const run = (models: readonly tf.LayersModel[], x: tf.Tensor) =>
  tf.tidy(
    () =>
      models
        .reduce((y, m) => m.apply(y, { training: true }) as tf.Tensor, x)
        .arraySync() as number[][],
  );

describe('MoCoV3', () => {
  const rng = createRng(0);
  const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
  const projector = projectionHead(
    { inputDim: 8, hiddenDim: 16, outputDim: 6, lastBatchNorm: { center: false, scale: false } },
    rng,
  );
  const predictor = predictionHead({ inputDim: 6, hiddenDim: 12, outputDim: 6 }, rng);
  const method = new MoCoV3({ encoder, projector, predictor });
  const batchOf = (seed: number) => randomViews(2, 6, 8, 1, seed);
  afterAll(() => method.dispose());

  it('uses the ResNet setting for a conv encoder: temperature 1, m from 0.99', () => {
    expect(method.backbone).toBe('resnet');
    expect(method.temperature).toBe(1);
    expect(method.baseMomentum).toBe(0.99);
    expect(method.freezePatchEmbed).toBe(false);
    const d = new MoCoV3({ encoder }, createRng(1));
    // 2-layer projector ending in an affine-free BN, predictor without a last BN.
    expect(d.projector.layers.length).toBe(5);
    expect(d.projector.outputs[0].shape).toEqual([null, 256]);
    expect(d.predictor.layers.length).toBe(4);
    d.dispose();
  });

  it('computes the symmetric loss mocoV3(q1, k2) + mocoV3(q2, k1) (checked by brute force)', () => {
    const batch = batchOf(1);
    const [a, b] = batch.views;
    const loss = tf.tidy(() => method.loss(batch).loss.dataSync()[0]);
    const base = [encoder, projector, predictor];
    const expected =
      mocoV3Reference(run(base, a), run(method.momentumNetwork, b), 1) +
      mocoV3Reference(run(base, b), run(method.momentumNetwork, a), 1);
    expect(loss).toBeCloseTo(expected, 4);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('sends gradients to the base networks and predictor only', () => {
    const batch = batchOf(2);
    expectGradientsOnlyOnTrainable(method, batch);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('moves the momentum networks by exactly the cosine-scheduled EMA', () => {
    const pairs = targetPairs(method, [
      ['momentum.encoder/', 'base.encoder/'],
      ['momentum.projector/', 'base.projector/'],
    ]);
    const batch = batchOf(3);
    expectExactEma(method, batch, pairs, 10, 40, cosineMomentum(0.99, 10, 40));
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('round-trips its variables and state, and leaks no tensor over steps', () => {
    expectStateRoundTrip(method, batchOf);
    expectNoLeak(method, (s) => batchOf(40 + s));
  });

  it('trains a ViT with the ViT setting and a frozen random patch projection', () => {
    const encoderVit = vit(
      { embedDim: 8, depth: 1, numHeads: 2, imageSize: 8, patchSize: 4, channels: 1 },
      createRng(2),
    );
    const m = new MoCoV3(
      {
        encoder: encoderVit,
        projector: projectionHead({
          inputDim: 8,
          hiddenDim: 16,
          outputDim: 6,
          numLayers: 3,
          lastBatchNorm: { center: false, scale: false },
        }),
        predictor: predictionHead({
          inputDim: 6,
          hiddenDim: 12,
          outputDim: 6,
          lastBatchNorm: { center: false, scale: false },
        }),
      },
      createRng(3),
    );
    expect(m.backbone).toBe('vit');
    expect(m.temperature).toBe(0.2);
    expect(m.freezePatchEmbed).toBe(true);
    const patchKeys = Object.keys(m.allVariables()).filter(
      (k) => k.startsWith('base.encoder/') && k.includes('patch_embed'),
    );
    expect(patchKeys.length).toBeGreaterThan(0);
    expect(patchKeys.some((k) => k in m.trainableVariables())).toBe(false);
    const frozenBefore = snapshot(
      Object.fromEntries(patchKeys.map((k) => [k, m.allVariables()[k]])),
    );
    const batch = batchOf(4);
    // Non-trainable base weights (patch projection, fixed sin-cos table) are constants by design.
    expectGradientsOnlyOnTrainable(
      m,
      batch,
      0,
      () => false,
      (k) => k.startsWith('base.encoder/'),
    );
    const opt = sgd();
    const loss = trainStep(m, batch, 0, 10, opt);
    expect(Number.isFinite(loss)).toBe(true);
    for (const k of patchKeys)
      expect(maxAbsDiff(m.allVariables()[k].dataSync(), frozenBefore[k])).toBe(0);
    opt.dispose();
    m.dispose();
    tf.dispose(batch.views as tf.Tensor[]);
  });
});
