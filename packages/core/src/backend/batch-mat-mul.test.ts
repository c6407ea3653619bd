import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { data, expectClose, expectWasmMatchesCpu, runOn } from './_test-utils';
import { initBackend } from './init-backend';

const shapeOf = (batch: number[], rows: number, cols: number, transposed: boolean) =>
  transposed ? [...batch, cols, rows] : [...batch, rows, cols];

// [label, a batch dims, b batch dims, M, K, N]; every case runs with all four transpose flags.
// 64 x 32 x 64 = 131072 multiply-adds per item takes the per-item path; 4 x 5 x 3 the stock one.
const CASES: Array<[string, number[], number[], number, number, number]> = [
  ['2-D', [], [], 7, 5, 6],
  ['2-D larger', [], [], 70, 33, 45],
  ['2-D few columns (transposeA: result transposed)', [], [], 70, 33, 5],
  ['2-D thin inner (both: operands transposed)', [], [], 64, 4, 64],
  ['batched small items (stock path)', [3], [3], 4, 5, 3],
  ['batched large items (per-item path)', [2], [2], 64, 32, 64],
  ['rank 4 large items', [2, 2], [2, 2], 40, 48, 36],
  ['batch against one matrix', [2, 3], [], 6, 5, 4],
  ['one matrix against a batch', [], [4], 6, 5, 4],
];

// The cpu kernel (like stock wasm) only broadcasts a batch of 1; general broadcasting is checked
// against cpu on explicitly broadcast operands.
const BROADCAST: Array<[string, number[], number[], number, number, number]> = [
  ['broadcast batch [2,1] x [1,3]', [2, 1], [1, 3], 5, 4, 3],
  ['broadcast batch [2,1] x [1,3] large items', [2, 1], [1, 3], 48, 40, 36],
  ['broadcast batch [3] x [2,1]', [3], [2, 1], 48, 40, 36],
];

describe('wasm BatchMatMul kernel', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [label, ab, bb, m, k, n] of CASES) {
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`matches cpu: ${label}, transposeA=${tA}, transposeB=${tB}`, async () => {
        await expectWasmMatchesCpu(() => {
          const a = data(shapeOf(ab, m, k, tA), 1);
          const b = data(shapeOf(bb, k, n, tB), 2);
          return tf.matMul(a, b, tA, tB);
        });
      });
    }
  }

  for (const [label, ab, bb, m, k, n] of BROADCAST) {
    for (const [tA, tB] of [
      [false, false],
      [true, true],
    ] as const) {
      it(`matches cpu on broadcast operands: ${label}, transposeA=${tA}, transposeB=${tB}`, async () => {
        const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(ab, bb);
        const a = () => data(shapeOf(ab, m, k, tA), 1);
        const b = () => data(shapeOf(bb, k, n, tB), 2);
        const want = await runOn('cpu', () =>
          tf.matMul(
            tf.broadcastTo(a(), shapeOf(outBatch, m, k, tA)),
            tf.broadcastTo(b(), shapeOf(outBatch, k, n, tB)),
            tA,
            tB,
          ),
        );
        const got = await runOn('wasm', () => tf.matMul(a(), b(), tA, tB));
        expectClose(got[0], want[0]);
      });
    }
  }

  it('gradients of dense and attention products match cpu', async () => {
    await expectWasmMatchesCpu(
      () => {
        const x = data([48, 40], 3);
        const w = data([40, 36], 4);
        const q = data([2, 2, 40, 24], 5);
        const kk = data([2, 2, 40, 24], 6);
        const loss = (xa: tf.Tensor, wa: tf.Tensor, qa: tf.Tensor, ka: tf.Tensor) => {
          const dense = tf.matMul(xa, wa);
          const scores = tf.matMul(qa, ka, false, true); // [2, 2, 40, 40]
          const out = tf.matMul(tf.softmax(scores), ka); // [2, 2, 40, 24]
          return tf.add(tf.sum(tf.mul(dense, dense)), tf.sum(tf.mul(out, out)));
        };
        return tf.grads(loss)([x, w, q, kk]);
      },
      1e-3,
      1e-3,
    );
  });
});
