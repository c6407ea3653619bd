import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { data, expectClose, expectWasmMatchesCpu, runKernel } from './_test-utils';
import { initBackend } from './init-backend';

// [label, x shape, filter shape [kH, kW, C, M], strides, dilations, pad]
const CASES: Array<
  [string, number[], number[], [number, number], [number, number], 'same' | 'valid']
> = [
  ['3x3 same s1', [2, 6, 7, 3], [3, 3, 3, 1], [1, 1], [1, 1], 'same'],
  ['3x3 same s2', [2, 9, 8, 4], [3, 3, 4, 1], [2, 2], [1, 1], 'same'],
  ['5x3 valid s(2,1) multiplier 2', [1, 11, 7, 3], [5, 3, 3, 2], [2, 1], [1, 1], 'valid'],
  ['1x1 s3', [1, 7, 7, 3], [1, 1, 3, 1], [3, 3], [1, 1], 'valid'],
];

// The cpu kernels ignore dilations in the depthwise gradients (tfjs's own gradient rejects
// them), so dilated cases are checked against brute-force loops over the definition.
const DILATED: Array<
  [string, number[], number[], [number, number], [number, number], 'same' | 'valid']
> = [
  ['3x3 same dilation 2', [2, 9, 9, 2], [3, 3, 2, 1], [1, 1], [2, 2], 'same'],
  ['2x2 valid dilation (2,3) multiplier 3', [1, 8, 9, 2], [2, 2, 2, 3], [1, 1], [2, 3], 'valid'],
];

/** dW and dx of y[b,oh,ow,c*M+m] = sum_taps x[b, oh*s+kh*d-top, ow*s+kw*d-left, c] w[kh,kw,c,m]. */
function bruteForce(
  x: Float32Array,
  xs: number[],
  w: Float32Array,
  ws: number[],
  dy: Float32Array,
  dys: number[],
  strides: [number, number],
  dil: [number, number],
  top: number,
  left: number,
): [Float64Array, Float64Array] {
  const [B, H, W, C] = xs;
  const [KH, KW, , M] = ws;
  const [, OH, OW] = dys;
  const dw = new Float64Array(w.length);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let kh = 0; kh < KH; kh++)
          for (let kw = 0; kw < KW; kw++) {
            const ih = oh * strides[0] + kh * dil[0] - top;
            const iw = ow * strides[1] + kw * dil[1] - left;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++)
              for (let m = 0; m < M; m++) {
                const g = dy[((b * OH + oh) * OW + ow) * C * M + c * M + m];
                const xi = ((b * H + ih) * W + iw) * C + c;
                const wi = ((kh * KW + kw) * C + c) * M + m;
                dw[wi] += x[xi] * g;
                dx[xi] += w[wi] * g;
              }
          }
  return [dw, dx];
}

describe('wasm depthwise conv gradient kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [label, xs, ws, strides, dilations, pad] of CASES) {
    it(`DepthwiseConv2dNativeBackpropFilter and ...Input match cpu: ${label}`, async () => {
      await expectWasmMatchesCpu(() => {
        const x = data(xs, 1) as tf.Tensor4D;
        const w = data(ws, 2) as tf.Tensor4D;
        const y = tf.depthwiseConv2d(x, w, strides, pad, 'NHWC', dilations);
        const dy = data(y.shape, 3);
        const attrs = { strides, pad, dilations };
        return [
          runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x, dy },
            { ...attrs, filterShape: ws },
          ),
          runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy, filter: w },
            { ...attrs, inputShape: xs },
          ),
        ];
      });
    });
  }

  for (const [label, xs, ws, strides, dilations, pad] of DILATED) {
    it(`DepthwiseConv2dNativeBackpropFilter and ...Input match brute force: ${label}`, async () => {
      await tf.setBackend('wasm');
      tf.tidy(() => {
        const x = data(xs, 1) as tf.Tensor4D;
        const w = data(ws, 2) as tf.Tensor4D;
        const y = tf.depthwiseConv2d(x, w, strides, pad, 'NHWC', dilations);
        const dy = data(y.shape, 3);
        const info = tf.backend_util.computeConv2DInfo(
          xs as [number, number, number, number],
          ws as [number, number, number, number],
          strides,
          dilations,
          pad,
          undefined,
          true,
        );
        const [wantDw, wantDx] = bruteForce(
          x.dataSync() as Float32Array,
          xs,
          w.dataSync() as Float32Array,
          ws,
          dy.dataSync() as Float32Array,
          dy.shape,
          strides,
          dilations,
          info.padInfo.top,
          info.padInfo.left,
        );
        const attrs = { strides, pad, dilations };
        const dw = runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          { ...attrs, filterShape: ws },
        );
        const dx = runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter: w },
          { ...attrs, inputShape: xs },
        );
        expectClose(dw.dataSync(), wantDw);
        expectClose(dx.dataSync(), wantDx);
      });
    });
  }

  it('tf.grad of a depthwise + pointwise block matches cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([2, 8, 8, 4], 4) as tf.Tensor4D;
      const dw = data([3, 3, 4, 2], 5) as tf.Tensor4D;
      const pw = data([1, 1, 8, 6], 6) as tf.Tensor4D;
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const y = tf.separableConv2d(
          a as tf.Tensor4D,
          b as tf.Tensor4D,
          c as tf.Tensor4D,
          2,
          'same',
        );
        return tf.sum(tf.mul(y, y));
      };
      return tf.grads(loss)([x, dw, pw]);
    }, 1e-3);
  });
});
