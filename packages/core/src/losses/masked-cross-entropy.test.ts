import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { maskedCrossEntropy } from './masked-cross-entropy';
import {
  expectClose,
  expectNoLeak,
  f32,
  logSumExp,
  numericGrad,
  rand3,
  tfGrads,
  value,
} from './test-helpers';

type Logits = number[][][];

/** Mean of -log softmax(logits)[label] over positions whose label is not ignoreIndex. */
function reference(logits: Logits, labels: number[][], ignoreIndex = -100): number {
  let sum = 0;
  let count = 0;
  for (let b = 0; b < logits.length; b++) {
    for (let l = 0; l < logits[b].length; l++) {
      const y = labels[b][l];
      if (y === ignoreIndex) continue;
      sum += logSumExp(logits[b][l]) - logits[b][l][y];
      count++;
    }
  }
  return sum / count;
}

describe('maskedCrossEntropy', () => {
  const rng = createRng(7);
  const logits = f32(rand3(rng, 2, 3, 5, 2));
  const labels = [
    [4, -100, 0],
    [-100, 2, 2],
  ];

  it('matches the brute-force mean over non-ignored positions', () => {
    const got = value(
      maskedCrossEntropy(tf.tensor3d(logits), tf.tensor2d(labels, undefined, 'int32')),
    );
    expectClose(got, reference(logits, labels), 1e-5, 1e-5);
  });

  it('honours a custom ignoreIndex and accepts any leading shape', () => {
    const custom = labels.map((row) => row.map((y) => (y === -100 ? 7 : y)));
    const got = value(
      maskedCrossEntropy(tf.tensor3d(logits), tf.tensor2d(custom, undefined, 'int32'), {
        ignoreIndex: 7,
      }),
    );
    expectClose(got, reference(logits, custom, 7), 1e-5, 1e-5);
    const flatLogits = tf.tensor2d(logits.flat());
    const flatLabels = tf.tensor1d(labels.flat(), 'int32');
    expectClose(
      value(maskedCrossEntropy(flatLogits, flatLabels)),
      reference(logits, labels),
      1e-5,
      1e-5,
    );
  });

  it('has the brute-force gradient', () => {
    const [g] = tfGrads(
      (x) => maskedCrossEntropy(x, tf.tensor2d(labels, undefined, 'int32')),
      [tf.tensor3d(logits)],
    );
    expectClose(
      g,
      numericGrad((x: Logits) => reference(x, labels), logits, [2, 3, 5]),
      1e-5,
      1e-3,
    );
  });

  it('has the brute-force gradient when every position is scored', () => {
    const all = labels.map((row) => row.map((v, i) => (v < 0 ? i + 1 : v)));
    const [g] = tfGrads(
      (x) => maskedCrossEntropy(x, tf.tensor2d(all, undefined, 'int32')),
      [tf.tensor3d(logits)],
    );
    expectClose(
      g,
      numericGrad((x: Logits) => reference(x, all), logits, [2, 3, 5]),
      1e-5,
      1e-3,
    );
  });

  it('returns 0 with zero gradient when every position is ignored', () => {
    const ignored = tf.fill([2, 3], -100, 'int32');
    expect(value(maskedCrossEntropy(tf.tensor3d(logits), ignored))).toBe(0);
    const [g] = tfGrads((x) => maskedCrossEntropy(x, ignored), [tf.tensor3d(logits)]);
    expect(g.every((v) => v === 0)).toBe(true);
  });

  it('is stable for large logits and -Infinity logits outside the target', () => {
    const big = logits.map((r) => r.map((v) => v.map((x) => x * 1000)));
    const got = value(
      maskedCrossEntropy(tf.tensor3d(big), tf.tensor2d(labels, undefined, 'int32')),
    );
    expectClose(got, reference(big, labels), 1e-2, 1e-5);
    const withInf = logits.map((r) => r.map((v) => [...v.slice(0, 4), -Infinity]));
    const safeLabels = labels.map((row) => row.map((y) => (y === 4 ? 3 : y)));
    const lossInf = value(
      maskedCrossEntropy(tf.tensor3d(withInf), tf.tensor2d(safeLabels, undefined, 'int32')),
    );
    expectClose(lossInf, reference(withInf, safeLabels), 1e-5, 1e-5);
    const [g] = tfGrads(
      (x) => maskedCrossEntropy(x, tf.tensor2d(safeLabels, undefined, 'int32')),
      [tf.tensor3d(withInf)],
    );
    expect(g.every(Number.isFinite)).toBe(true);
  });

  it('leaks no tensors and rejects bad labels', () => {
    const x = tf.tensor3d(logits);
    const y = tf.tensor2d(labels, undefined, 'int32');
    expectNoLeak(() => maskedCrossEntropy(x, y));
    expect(() =>
      maskedCrossEntropy(
        x,
        tf.tensor2d(
          [
            [5, 0, 0],
            [0, 0, 0],
          ],
          undefined,
          'int32',
        ),
      ),
    ).toThrow(/\[0, 5\)/);
    expect(() =>
      maskedCrossEntropy(
        x,
        tf.tensor2d(
          [
            [-1, 0, 0],
            [0, 0, 0],
          ],
          undefined,
          'int32',
        ),
      ),
    ).toThrow(/got -1/);
    expect(() => maskedCrossEntropy(x, tf.zeros([2, 4], 'int32'))).toThrow(
      /labels must have shape \[2, 3\]/,
    );
  });
});

describe('maskedCrossEntropy on wasm', () => {
  it('matches the cpu loss and gradient, -Infinity logits included', async () => {
    const { initBackend } = await import('../backend/init-backend');
    const { runOn, expectClose: close } = await import('../backend/_test-utils');
    await initBackend('wasm');
    const rng = createRng(3);
    const raw = f32(rand3(rng, 3, 4, 50, 3)).map((r, b) =>
      r.map((v, l) => (b === 1 && l === 2 ? v.map((x, i) => (i % 7 === 0 ? -Infinity : x)) : v)),
    );
    const labels = [
      [1, 49, -100, 3],
      [-100, 0, 8, 22],
      [5, -100, -100, 40],
    ];
    const f = () => {
      const x = tf.tensor3d(raw);
      const y = tf.tensor2d(labels, undefined, 'int32');
      const loss = maskedCrossEntropy(x, y);
      const grad = tf.grad((z: tf.Tensor) => maskedCrossEntropy(z, y))(x);
      return [loss, grad];
    };
    const want = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    close(got[0], want[0], 1e-5, 1e-5);
    close(got[1], want[1], 1e-4, 1e-4);
    expect(Number.isFinite(got[0][0])).toBe(true);
    expect(got[1].every(Number.isFinite)).toBe(true);
    await tf.setBackend('cpu');
  });
});
