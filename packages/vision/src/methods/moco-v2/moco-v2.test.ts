import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { smallConvNet } from '../../encoders/small-conv-net';
import { projectionHead } from '../../heads/projection-head';
import { BatchNorm } from '../../layers/batch-norm';
import {
  expectExactEma,
  expectStateRoundTrip,
  plain,
  targetPairs,
} from '../internal/method-checks';
import { batchNormLayers, forwardInSplits, keyPermutation } from '../internal/split-batch';
import {
  expectGradientsOnlyOnTrainable,
  expectNoLeak,
  maxAbsDiff,
  randomViews,
  sgd,
  trainStep,
} from '../internal/test-helpers';
import { MoCoV2 } from './moco-v2';

const unit = (rows: number[][]) => rows.map((r) => r.map((x) => x / Math.hypot(...r)));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

/** Runs `models` on each contiguous half of `x` separately (batch norm per sub-batch). */
function runInHalves(models: readonly tf.LayersModel[], x: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const n = x.shape[0];
    return tf
      .split(x, [n / 2, n / 2], 0)
      .flatMap(
        (c) =>
          models
            .reduce((y, m) => m.apply(y, { training: true }) as tf.Tensor, c)
            .arraySync() as number[][],
      );
  });
}

describe('MoCoV2', () => {
  const rng = createRng(0);
  const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
  const projector = projectionHead(
    { inputDim: 8, hiddenDim: 8, outputDim: 5, batchNorm: false },
    rng,
  );
  const method = new MoCoV2(
    { encoder, projector, queueSize: 12, bnSplits: 2, temperature: 0.2, momentum: 0.99 },
    rng,
  );
  const batchOf = (seed: number) => randomViews(2, 8, 8, 1, seed);
  const shuffleSeed = (method as unknown as { shuffleSeed: number }).shuffleSeed;

  /** Keys of view b at `step` by hand: shuffle, key network per half, unshuffle, normalize. */
  function referenceKeys(b: tf.Tensor4D, step: number): number[][] {
    const perm = keyPermutation(shuffleSeed, step, b.shape[0]);
    const shuffled = tf.gather(b, tf.tensor1d(perm, 'int32'));
    const ks = runInHalves(method.keyNetwork, shuffled);
    shuffled.dispose();
    const k: number[][] = [];
    perm.forEach((p, i) => (k[p] = ks[i]));
    return unit(k);
  }

  afterAll(() => method.dispose());

  it('computes InfoNCE of the queries against shuffle-BN keys and the queue (checked by hand)', () => {
    const batch = batchOf(1);
    const [a, b] = batch.views;
    const step = 3;
    const q = unit(runInHalves([encoder, projector], a));
    const k = referenceKeys(b, step);
    const queue = method.queue.get().arraySync();
    let expected = 0;
    q.forEach((qi, i) => {
      const logits = [dot(qi, k[i]), ...queue.map((n) => dot(qi, n))].map((l) => l / 0.2);
      const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
      expected += lse - logits[0];
    });
    expected /= q.length;
    const loss = tf.tidy(() => method.loss(batch, step).loss.dataSync()[0]);
    expect(loss).toBeCloseTo(expected, 4);
    // The keys kept for the queue are those keys.
    const pending = (method as unknown as { pending: tf.Tensor2D[] }).pending;
    expect(pending.length).toBe(1);
    expect(maxAbsDiff(pending[0].dataSync(), k.flat())).toBeLessThan(1e-5);
    method.afterStep();
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('enqueues the step keys after the step, FIFO, wrapping around', () => {
    const m = new MoCoV2({ encoder, projector, queueSize: 12, bnSplits: 2 }, createRng(5));
    const opt = sgd();
    const before = m.queue.get().arraySync();
    const b1 = batchOf(2);
    const seed1 = (m as unknown as { shuffleSeed: number }).shuffleSeed;
    const keysOf = (b: tf.Tensor4D, step: number) => {
      const perm = keyPermutation(seed1, step, 8);
      const shuffled = tf.gather(b, tf.tensor1d(perm, 'int32'));
      const ks = runInHalves(m.keyNetwork, shuffled);
      shuffled.dispose();
      const k: number[][] = [];
      perm.forEach((p, i) => (k[p] = ks[i]));
      return unit(k);
    };
    const k1 = keysOf(b1.views[1], 0);
    trainStep(m, b1, 0, 10, opt);
    let queue = m.queue.get().arraySync();
    expect(m.queue.pointer).toBe(8);
    expect(maxAbsDiff(queue.slice(0, 8).flat(), k1.flat())).toBeLessThan(1e-5);
    expect(queue.slice(8)).toEqual(before.slice(8)); // not yet overwritten
    const b2 = batchOf(3);
    const k2 = keysOf(b2.views[1], 1); // the key network after the first EMA update
    trainStep(m, b2, 1, 10, opt);
    queue = m.queue.get().arraySync();
    expect(m.queue.pointer).toBe(4);
    expect(m.queue.filled).toBe(12);
    expect(maxAbsDiff(queue.slice(8, 12).flat(), k2.slice(0, 4).flat())).toBeLessThan(1e-5);
    expect(maxAbsDiff(queue.slice(0, 4).flat(), k2.slice(4).flat())).toBeLessThan(1e-5);
    expect(maxAbsDiff(queue.slice(4, 8).flat(), k1.slice(4).flat())).toBeLessThan(1e-5);
    opt.dispose();
    m.dispose();
    tf.dispose([...b1.views, ...b2.views] as tf.Tensor[]);
  });

  it('sends gradients to the query networks only, none to the key networks', () => {
    const batch = batchOf(4);
    expectGradientsOnlyOnTrainable(method, batch);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('moves the key networks by exactly the EMA with m = 0.99', () => {
    const pairs = targetPairs(method, [
      ['key.encoder/', 'query.encoder/'],
      ['key.projector/', 'query.projector/'],
    ]);
    const batch = batchOf(5);
    expectExactEma(method, batch, pairs, 0, 10, 0.99);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('normalizes per sub-batch and keeps (1 - m) of the old running statistics per step', () => {
    const bn = batchNormLayers(encoder)[0];
    const running = bn.weights.find((w) => w.originalName.endsWith('running_mean'))!;
    const r0 = running.read().dataSync().slice();
    // Both halves hold the same images: each sub-batch has the statistics s of one half.
    const half = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 7);
    const x = tf.concat([half, half], 0);
    const expectedS = tf.tidy(() => {
      const conv = encoder.getLayer('small_conv_net.blocks.0.conv').apply(half) as tf.Tensor;
      return tf.mean(conv, [0, 1, 2]).dataSync();
    });
    tf.tidy(() => forwardInSplits([encoder], x, 2));
    const r1 = running.read().dataSync();
    const m = bn.momentum;
    expect(m).toBe(0.1); // restored after the call
    const expected = Array.from(r0, (r, i) => (1 - m) * r + m * expectedS[i]);
    expect(maxAbsDiff(r1, expected)).toBeLessThan(1e-5);
    tf.dispose([half, x]);
    expect(bn).toBeInstanceOf(BatchNorm);
  });

  it('clamps the queue to the dataset size and says so', () => {
    const warn = vi.fn();
    const m = new MoCoV2(
      { encoder, projector, queueSize: 65536, datasetSize: 100, onWarning: warn },
      createRng(1),
    );
    expect(m.queueSize).toBe(100);
    expect(m.queue.get().shape).toEqual([100, 5]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/clamped to the dataset size 100/));
    expect(m.config()).toMatchObject({
      queueSize: 100,
      requestedQueueSize: 65536,
      bnSplits: 8,
      temperature: 0.2,
      momentum: 0.999,
    });
    m.dispose();
    const d = new MoCoV2({ encoder }, createRng(2));
    expect(d.queueSize).toBe(65536);
    expect(d.projector.outputs[0].shape).toEqual([null, 128]);
    d.dispose();
    d.projector.dispose();
  });

  it('round-trips its variables and queue state, and leaks no tensor over steps', () => {
    expectStateRoundTrip(method, batchOf, (a, b) => expect(plain(b)).toEqual(plain(a)));
    expectNoLeak(method, (s) => batchOf(30 + s));
  });

  it('needs two images per sub-batch', () => {
    const batch = randomViews(2, 3, 8, 1, 9);
    expect(() => method.loss(batch, 0)).toThrow(/at least 4 images/);
    tf.dispose(batch.views as tf.Tensor[]);
  });
});
