import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, expectClose, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';

describe('wasm UnsortedSegmentSum kernel', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('sums rows with repeated ids and leaves unused segments at zero (hand-computed)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([
      [1, 2],
      [10, 20],
      [100, 200],
      [1000, 2000],
    ]);
    // Leave garbage where the output will likely be allocated: unused segments must be zeroed.
    tf.fill([4, 2], 7).dispose();
    const out = tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, 2], 'int32'), 4);
    expect(out.shape).toEqual([4, 2]);
    expect(Array.from(out.dataSync())).toEqual([10, 20, 0, 0, 1101, 2202, 0, 0]);
    tf.fill([5, 2], -3).dispose();
    const tail = tf.unsortedSegmentSum(x, tf.tensor1d([0, 1, 1, 0], 'int32'), 5);
    expect(Array.from(tail.dataSync())).toEqual([1001, 2002, 110, 220, 0, 0, 0, 0, 0, 0]);
    tf.dispose([x, out, tail]);
  });

  it('matches cpu on float32 and int32 data, rank-3 rows, many repeats', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => (i * 7) % 6);
    await expectWasmMatchesCpu(() => [
      tf.unsortedSegmentSum(data([40, 3, 5], 1), tf.tensor1d(ids, 'int32'), 9),
      tf.unsortedSegmentSum(
        tf.tensor1d(
          ids.map((v) => v * 3 - 4),
          'int32',
        ),
        tf.tensor1d(ids, 'int32'),
        6,
      ),
    ]);
  });

  it('tf.grad of an embedding lookup (gather) matches cpu, with repeated tokens', async () => {
    const tokens = [3, 1, 3, 3, 0, 7, 1, 3, 9, 9, 2, 3];
    await expectWasmMatchesCpu(() => {
      const table = data([10, 6], 2);
      const weights = data([12, 6], 3);
      const g = tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(t, tf.tensor1d(tokens, 'int32')), weights)),
      );
      return g(table);
    });
  });

  it('embedding gradient equals the per-token sum of upstream rows (hand check)', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const table = data([5, 3], 4);
      const ids = tf.tensor2d(
        [
          [1, 4],
          [1, 1],
        ],
        [2, 2],
        'int32',
      );
      const up = data([2, 2, 3], 5);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), up)))(table);
      const u = up.dataSync();
      const want = new Float32Array(15);
      [1, 4, 1, 1].forEach((id, i) => {
        for (let j = 0; j < 3; j++) want[id * 3 + j] += u[i * 3 + j];
      });
      expectClose(g.dataSync(), want, 1e-6);
    });
  });
});
