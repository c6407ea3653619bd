import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { maskedReconstructionLoss } from './masked-reconstruction';
import { expectClose, expectNoLeak, f32, numericGrad, rand3, tfGrads, value } from './test-helpers';

type Patches = number[][][];

/** MAE's forward_loss by loops: per-patch MSE, averaged over masked patches. */
function reference(pred: Patches, target: Patches, mask: number[][], normPix: boolean): number {
  let sum = 0;
  let count = 0;
  for (let b = 0; b < pred.length; b++) {
    for (let l = 0; l < pred[b].length; l++) {
      let t = target[b][l];
      if (normPix) {
        const p = t.length;
        const mean = t.reduce((a, v) => a + v, 0) / p;
        const variance = t.reduce((a, v) => a + (v - mean) ** 2, 0) / (p - 1);
        t = t.map((v) => (v - mean) / Math.sqrt(variance + 1e-6));
      }
      let se = 0;
      for (let i = 0; i < t.length; i++) se += (pred[b][l][i] - t[i]) ** 2;
      sum += (se / t.length) * mask[b][l];
      count += mask[b][l];
    }
  }
  return sum / count;
}

describe('maskedReconstructionLoss', () => {
  const rng = createRng(6);
  const pred = f32(rand3(rng, 2, 3, 4));
  const target = f32(rand3(rng, 2, 3, 4, 2));
  const mask = [
    [1, 0, 1],
    [0, 1, 0],
  ];
  const call = (p: Patches, normPix: boolean): number =>
    value(
      maskedReconstructionLoss(tf.tensor3d(p), tf.tensor3d(target), tf.tensor2d(mask), { normPix }),
    );

  it('matches the brute-force loss with and without normPix (off by default)', () => {
    expectClose(call(pred, false), reference(pred, target, mask, false), 1e-5, 1e-5);
    expectClose(call(pred, true), reference(pred, target, mask, true), 1e-5, 1e-5);
    expectClose(
      value(maskedReconstructionLoss(tf.tensor3d(pred), tf.tensor3d(target), tf.tensor2d(mask))),
      reference(pred, target, mask, false),
      1e-5,
      1e-5,
    );
  });

  it('ignores unmasked patches in value and gradient', () => {
    const changed = pred.map((rows, b) =>
      rows.map((patch, l) => (mask[b][l] === 0 ? patch.map((v) => v + 10) : patch)),
    );
    expect(call(changed, true)).toBe(call(pred, true));
    const [g] = tfGrads(
      (p) => maskedReconstructionLoss(p, tf.tensor3d(target), tf.tensor2d(mask)),
      [tf.tensor3d(pred)],
    );
    g.forEach((v, i) => {
      const patch = Math.floor(i / 4);
      if (mask[Math.floor(patch / 3)][patch % 3] === 0) expect(v === 0).toBe(true);
    });
  });

  it('has the brute-force gradient for pred', () => {
    for (const normPix of [false, true]) {
      const [g] = tfGrads(
        (p) => maskedReconstructionLoss(p, tf.tensor3d(target), tf.tensor2d(mask), { normPix }),
        [tf.tensor3d(pred)],
      );
      expectClose(
        g,
        numericGrad((x: Patches) => reference(x, target, mask, normPix), pred, [2, 3, 4]),
        1e-5,
        1e-3,
      );
    }
  });

  it('returns 0 with zero gradient when nothing is masked', () => {
    const none = [
      [0, 0, 0],
      [0, 0, 0],
    ];
    expect(
      value(maskedReconstructionLoss(tf.tensor3d(pred), tf.tensor3d(target), tf.tensor2d(none))),
    ).toBe(0);
    const [g] = tfGrads(
      (p) => maskedReconstructionLoss(p, tf.tensor3d(target), tf.tensor2d(none)),
      [tf.tensor3d(pred)],
    );
    expect(g.every((v) => v === 0)).toBe(true);
  });

  it('leaks no tensors and rejects bad input', () => {
    const p = tf.tensor3d(pred);
    const t = tf.tensor3d(target);
    const m = tf.tensor2d(mask);
    expectNoLeak(() => maskedReconstructionLoss(p, t, m, { normPix: true }));
    expect(() => maskedReconstructionLoss(p, t, tf.zeros([2, 4]))).toThrow(/mask/);
    expect(() => maskedReconstructionLoss(p, tf.zeros([2, 3, 5]), m)).toThrow(/same shape/);
    expect(() =>
      maskedReconstructionLoss(tf.zeros([2, 3, 1]), tf.zeros([2, 3, 1]), m, { normPix: true }),
    ).toThrow(/normPix/);
  });
});
