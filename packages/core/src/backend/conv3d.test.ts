import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { data, expectWasmMatchesCpu, runKernel } from './_test-utils';
import { initBackend } from './init-backend';

type Triple = [number, number, number];
// [label, x shape NDHWC, filter shape, strides, pad]
const CASES: Array<[string, number[], number[], Triple, 'same' | 'valid']> = [
  ['3x3x3 same s1', [2, 5, 6, 5, 2], [3, 3, 3, 2, 3], [1, 1, 1], 'same'],
  ['3x3x3 valid s1', [1, 5, 5, 6, 2], [3, 3, 3, 2, 2], [1, 1, 1], 'valid'],
  ['3x3x3 same s2', [2, 7, 6, 5, 2], [3, 3, 3, 2, 3], [2, 2, 2], 'same'],
  ['2x3x1 valid s(2,1,3)', [1, 7, 6, 8, 3], [2, 3, 1, 3, 2], [2, 1, 3], 'valid'],
  ['1x2x2 same s(1,2,2)', [2, 3, 6, 6, 2], [1, 2, 2, 2, 4], [1, 2, 2], 'same'],
];

describe('wasm conv3d kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [label, xs, ws, strides, pad] of CASES) {
    it(`Conv3D, Conv3DBackpropFilterV2 and Conv3DBackpropInputV2 match cpu: ${label}`, async () => {
      await expectWasmMatchesCpu(() => {
        const x = data(xs, 1) as tf.Tensor5D;
        const w = data(ws, 2) as tf.Tensor5D;
        const y = tf.conv3d(x, w, strides, pad);
        const dy = data(y.shape, 3) as tf.Tensor5D;
        return [
          y,
          runKernel('Conv3DBackpropFilterV2', { x, dy }, { strides, pad, filterShape: ws }),
          tf.conv3dTranspose(dy, w, xs as [number, number, number, number, number], strides, pad),
        ];
      });
    });
  }

  it('Conv3D with dilations matches cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([1, 7, 8, 6, 2], 4) as tf.Tensor5D;
      const w = data([2, 3, 2, 2, 3], 5) as tf.Tensor5D;
      return [
        tf.conv3d(x, w, 1, 'same', 'NDHWC', [2, 1, 2]),
        tf.conv3d(x, w, 1, 'valid', 'NDHWC', [3, 2, 1]),
      ];
    });
  });

  it('tf.grad of a two-layer conv3d matches cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([2, 6, 6, 6, 2], 6) as tf.Tensor5D;
      const w1 = data([3, 3, 3, 2, 4], 7) as tf.Tensor5D;
      const w2 = data([3, 3, 3, 4, 3], 8) as tf.Tensor5D;
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const h = tf.relu(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same'));
        const y = tf.conv3d(h, c as tf.Tensor5D, 2, 'same');
        return tf.sum(tf.mul(y, y));
      };
      return tf.grads(loss)([x, w1, w2]);
    }, 1e-3);
  });
});
