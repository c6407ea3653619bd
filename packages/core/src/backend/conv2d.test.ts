import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { data, expectWasmMatchesCpu, runKernel } from './_test-utils';
import { initBackend } from './init-backend';

type Pad =
  'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

// [label, x shape NHWC, filter shape, strides, pad]
const CASES: Array<[string, number[], number[], [number, number], Pad]> = [
  ['3x3 same s1', [2, 7, 6, 3], [3, 3, 3, 4], [1, 1], 'same'],
  ['3x3 valid s1', [2, 7, 6, 3], [3, 3, 3, 4], [1, 1], 'valid'],
  ['3x3 same s2', [2, 9, 8, 3], [3, 3, 3, 5], [2, 2], 'same'],
  ['3x3 valid s2 odd', [1, 9, 7, 2], [3, 3, 2, 3], [2, 2], 'valid'],
  ['1x1 s2 (downsample shortcut)', [2, 8, 8, 4], [1, 1, 4, 6], [2, 2], 'valid'],
  ['5x2 s(3,1) same', [2, 11, 6, 2], [5, 2, 2, 3], [3, 1], 'same'],
  ['2x2 s3 (kernel < stride)', [1, 10, 10, 2], [2, 2, 2, 2], [3, 3], 'valid'],
  [
    'explicit pads',
    [2, 6, 7, 3],
    [3, 2, 3, 2],
    [2, 1],
    [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  ],
  ['7x7 s2 same (stem)', [1, 16, 16, 3], [7, 7, 3, 4], [2, 2], 'same'],
  [
    'padding wider than the stride reaches',
    [1, 2, 3, 2],
    [1, 1, 2, 2],
    [10, 10],
    [
      [0, 0],
      [5, 0],
      [0, 0],
      [0, 0],
    ],
  ],
];

describe('wasm conv2d gradient kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // Each case twice: as listed (small batch: dW by im2col) and with batch 33 and at least 5 input
  // channels (dW by the role-swapped conv).
  const both = CASES.flatMap(([label, xs, ws, strides, pad]) => {
    const cin = Math.max(5, xs[3]);
    return [
      [`${label}, im2col`, xs, ws, strides, pad],
      [`${label}, batch 33`, [33, xs[1], xs[2], cin], [ws[0], ws[1], cin, ws[3]], strides, pad],
    ] as Array<[string, number[], number[], [number, number], Pad]>;
  });
  for (const [label, xs, ws, strides, pad] of both) {
    it(`Conv2DBackpropFilter and Conv2DBackpropInput match cpu: ${label}`, async () => {
      await expectWasmMatchesCpu(() => {
        const x = data(xs, 1) as tf.Tensor4D;
        const w = data(ws, 2) as tf.Tensor4D;
        const y = tf.conv2d(x, w, strides, pad);
        const dy = data(y.shape, 3) as tf.Tensor4D;
        return [
          tf.conv2dTranspose(dy, w, xs as [number, number, number, number], strides, pad),
          runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides, pad, dataFormat: 'NHWC', filterShape: ws },
          ),
        ];
      });
    });
  }

  it('tf.grad of a conv2d (stride 2, same) matches cpu for input and filter', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([2, 9, 10, 3], 7) as tf.Tensor4D;
      const w = data([3, 3, 3, 5], 8) as tf.Tensor4D;
      const t = data([2, 5, 5, 5], 9);
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), t));
      return tf.grads(loss)([x, w]);
    });
  });

  it('tf.grad of a conv1d stack (strides 1 and 2, dilation in the forward-only layer) matches cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([3, 20, 4], 10) as tf.Tensor3D;
      const w1 = data([5, 4, 6], 11) as tf.Tensor3D;
      const w2 = data([3, 6, 8], 12) as tf.Tensor3D;
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const h = tf.relu(tf.conv1d(a as tf.Tensor3D, b as tf.Tensor3D, 1, 'same'));
        const y = tf.conv1d(h, c as tf.Tensor3D, 2, 'valid');
        return tf.sum(tf.mul(y, y));
      };
      return tf.grads(loss)([x, w1, w2]);
    }, 1e-3);
  });

  it('channels-first (NCHW) matches cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([2, 3, 7, 6], 4) as tf.Tensor4D;
      const dy = data([2, 4, 4, 3], 5) as tf.Tensor4D;
      const w = data([3, 3, 3, 4], 6) as tf.Tensor4D;
      return [
        runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] },
        ),
        runKernel(
          'Conv2DBackpropInput',
          { dy, filter: w },
          { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 7, 6] },
        ),
      ];
    });
  });
});
