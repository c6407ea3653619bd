import * as tf from '@tensorflow/tfjs';
import { cosineMomentum, createRng } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { smallConvNet } from '../../encoders/small-conv-net';
import { vit } from '../../encoders/vit';
import { expectExactEma, expectStateRoundTrip, targetPairs } from '../internal/method-checks';
import {
  expectGradientsOnlyOnTrainable,
  expectNoLeak,
  gradientNorms,
  maxAbsDiff,
  randomViews,
  sgd,
  trainStep,
} from '../internal/test-helpers';
import { DINO } from './dino';
import { dinoHead } from './dino-head';

const softmax = (x: number[]) => {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** DINO's loss by its definition: mean over (teacher i, student v != i) of the batch-mean cross-entropy. */
function dinoReference(
  students: number[][][],
  teachers: number[][][],
  center: number[],
  ts: number,
  tt: number,
): number {
  let total = 0;
  let pairs = 0;
  teachers.forEach((t, i) => {
    students.forEach((s, v) => {
      if (v === i) return;
      let ce = 0;
      t.forEach((row, r) => {
        const q = softmax(row.map((x, k) => (x - center[k]) / tt));
        const p = softmax(s[r].map((x) => x / ts));
        ce += -q.reduce((acc, qk, k) => acc + qk * Math.log(p[k]), 0);
      });
      total += ce / t.length;
      pairs++;
    });
  });
  return total / pairs;
}

const apply = (m: tf.LayersModel, x: tf.Tensor) => m.apply(x, { training: true }) as tf.Tensor;

describe('DINO', () => {
  const rng = createRng(0);
  const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
  const head = dinoHead({ inputDim: 8, hiddenDim: 16, bottleneckDim: 6, outputDim: 10 }, rng);
  const method = new DINO({ encoder, head, stepsPerEpoch: 10, warmupTeacherTemperatureEpochs: 3 });
  // Two 8 px global crops and three 4 px local crops of 5 images.
  const batchOf = (seed: number) => randomViews(5, 5, 8, 1, seed, [8, 8, 4, 4, 4]);
  afterAll(() => method.dispose());

  it('warms the teacher temperature up per epoch as np.linspace(0.04, 0.07, 3)', () => {
    const expected = [0.04, 0.04, 0.055, 0.055, 0.07, 0.07, 0.07, 0.07];
    [0, 9, 10, 19, 20, 29, 30, 1000].forEach((s, i) =>
      expect(method.teacherTemperatureAt(s)).toBeCloseTo(expected[i], 12),
    );
    expect(() => new DINO({ encoder, head })).toThrow(/stepsPerEpoch is needed/);
  });

  it('computes the multi-crop loss with the centered teacher (checked by brute force)', () => {
    const batch = batchOf(1);
    const v = batch.views;
    const step = 15; // epoch 1: teacher temperature 0.055
    const center = tf.tidy(() => tf.randomNormal([1, 10], 0, 0.5, 'float32', 3));
    method.loadState({ center, momentum: 0.996 });
    const ref = tf.tidy(() => {
      const globals = tf.concat([v[0], v[1]], 0);
      const locals = tf.concat([v[2], v[3], v[4]], 0);
      const student = [
        ...tf.split(apply(encoder, globals), 2, 0),
        ...tf.split(apply(encoder, locals), 3, 0),
      ].map((f) => apply(head, f).arraySync() as number[][]);
      const teacherOut = method.teacher.reduce((y, m) => apply(m, y), globals as tf.Tensor);
      const teacher = tf.split(teacherOut, 2, 0).map((t) => t.arraySync() as number[][]);
      return dinoReference(student, teacher, center.dataSync() as unknown as number[], 0.1, 0.055);
    });
    const out = tf.tidy(() => {
      const o = method.loss(batch, step);
      return { loss: o.loss.dataSync()[0], metrics: o.metrics };
    });
    expect(out.loss).toBeCloseTo(ref, 4);
    expect(out.metrics?.teacherTemperature).toBeCloseTo(0.055, 12);
    method.afterStep(step, 100);
    center.dispose();
    tf.dispose(v as tf.Tensor[]);
  });

  it('moves the center by EMA 0.9 toward the batch mean of the teacher outputs', () => {
    const batch = batchOf(2);
    const before = (method.state().center as tf.Tensor).dataSync().slice();
    const mean = tf.tidy(() => {
      const t = method.teacher.reduce(
        (y, m) => apply(m, y),
        tf.concat([batch.views[0], batch.views[1]], 0) as tf.Tensor,
      );
      return tf.mean(t, 0).dataSync();
    });
    const opt = sgd();
    trainStep(method, batch, 20, 100, opt);
    const after = (method.state().center as tf.Tensor).dataSync();
    expect(
      maxAbsDiff(
        after,
        Array.from(before, (c, k) => 0.9 * c + 0.1 * mean[k]),
      ),
    ).toBeLessThan(1e-6);
    opt.dispose();
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('sends gradients to the student only; the last layer gets none during the first epoch', () => {
    const batch = batchOf(3);
    expectGradientsOnlyOnTrainable(method, batch, 12);
    const lastKey = 'student.head/dino_head.last_layer/weight_v';
    const early = gradientNorms(method, batch, 5).trainable;
    expect(early[lastKey]).toBe(0);
    expect(early['student.head/dino_head.mlp.0/kernel']).toBeGreaterThan(0);
    const later = gradientNorms(method, batch, 12).trainable;
    expect(later[lastKey]).toBeGreaterThan(0);
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('moves the teacher by exactly the cosine-scheduled EMA from 0.996', () => {
    const pairs = targetPairs(method, [
      ['teacher.encoder/', 'student.encoder/'],
      ['teacher.head/', 'student.head/'],
    ]);
    const batch = batchOf(4);
    expectExactEma(method, batch, pairs, 30, 50, cosineMomentum(0.996, 30, 50));
    tf.dispose(batch.views as tf.Tensor[]);
  });

  it('round-trips its variables and center, and leaks no tensor over steps', () => {
    expectStateRoundTrip(method, batchOf);
    expectNoLeak(method, (s) => batchOf(50 + s));
  });

  it('trains a ViT student on smaller local crops through its resized position table', () => {
    const r = createRng(8);
    const encoder = vit(
      { embedDim: 16, depth: 1, numHeads: 2, imageSize: 8, patchSize: 4, posEmbed: 'learned' },
      r,
    );
    const vitDino = new DINO({
      encoder,
      head: dinoHead({ inputDim: 16, hiddenDim: 16, bottleneckDim: 6, outputDim: 10 }, r),
      stepsPerEpoch: 10,
    });
    // Two 8 px global crops (2x2 patches) and two 4 px local crops (one patch) of 3 images, 3 channels.
    const batch = randomViews(4, 3, 8, 3, 21, [8, 8, 4, 4]);
    const norms = gradientNorms(vitDino, batch, 0).trainable;
    const posKey = Object.keys(norms).find((k) => k.includes('pos_embed'));
    expect(posKey).toBeDefined();
    expect(norms[posKey!]).toBeGreaterThan(0);
    const loss = trainStep(vitDino, batch, 0, 10, sgd(0.01));
    expect(Number.isFinite(loss)).toBe(true);
    tf.dispose(batch.views as tf.Tensor[]);
    vitDino.dispose();
  });

  it('builds the official head by default: 2048 hidden, 256 bottleneck, a fixed-norm last layer', () => {
    const h = dinoHead({ inputDim: 8, outputDim: 300 }, createRng(1));
    expect(h.outputs[0].shape).toEqual([null, 300]);
    expect(h.layers.map((l) => l.name)).toEqual([
      'dino_head.mlp.0',
      'dino_head.mlp.1',
      'dino_head.mlp.2',
      'dino_head.mlp.3',
      'dino_head.mlp.4',
      'dino_head.normalize',
      'dino_head.last_layer',
    ]);
    expect(h.layers[2].getWeights()[0].shape).toEqual([2048, 2048]);
    expect(
      h.layers
        .at(-1)!
        .getWeights()
        .map((w) => w.shape),
    ).toEqual([[256, 300]]); // weight_v only
    // Each prototype's weight vector has norm 1, and its input is a unit vector: |logits| <= 1.
    const y = tf.tidy(
      () =>
        tf
          .max(tf.abs(h.predict(tf.randomNormal([3, 8], 0, 1, 'float32', 1)) as tf.Tensor))
          .dataSync()[0],
    );
    expect(y).toBeLessThanOrEqual(1 + 1e-5);
    h.dispose();
  });
});
