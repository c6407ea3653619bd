/**
 * Conv2DBackpropFilter (missing on wasm) and Conv2DBackpropInput (~2.5 GFLOP/s on wasm), written
 * as forward convolutions that XNNPACK runs fast. conv1d is conv2d with a height of 1, so both
 * also serve conv1d. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DInfo, type Conv2DGeometry } from './_conv-info';
import { selectTaps, transposedConv } from './_transposed-conv';
import {
  allocTensor,
  asTensor,
  attr,
  heapF32,
  input,
  wasmBackend,
  type KernelArgs,
  type WasmBackendLike,
} from './_util';

export type { Conv2DGeometry } from './_conv-info';

/**
 * Below this batch, or with at most {@link IM2COL_MAX_IN_CHANNELS} input channels, dW goes
 * through {@link filterGradIm2col}: the role-swapped conv of {@link filterGrad2d} reduces over the
 * batch as its channel axis, and XNNPACK runs convs with few channels slowly (a conv1d of batch 8
 * in a wav2vec-style feature encoder: ~7 GFLOP/s; a first layer on 1-channel images: ~1).
 */
export const IM2COL_MAX_BATCH = 32;
export const IM2COL_MAX_IN_CHANNELS = 4;

/**
 * dW of a 2-D convolution: `[kH, kW, Cin, Cout]` from x `[B, H, W, Cin]` and dy
 * `[B, OH, OW, Cout]`. Written as one forward conv with the roles swapped: x transposed to
 * `[Cin, H, W, B]` (the batch becomes the reduced channel axis) convolved with dy transposed to
 * `[OH, OW, B, Cout]` as the filter, whose dilation is the original stride and whose stride is the
 * original dilation. `dyT` may be passed pre-transposed when several calls share dy.
 * (Measured against an im2col + one plain product per batch chunk: this was as fast or faster
 * except with 3 input channels, and needs no heap code.)
 * Call inside `tf.tidy`.
 */
export function filterGrad2d(
  x: tf.Tensor,
  dy: tf.Tensor,
  g: Conv2DGeometry,
  dyT?: tf.Tensor,
): tf.Tensor {
  const [, inH, inW] = x.shape;
  const [, outH, outW] = dy.shape;
  // Extent of x (padded) that the taps read; the padding goes to the conv as explicit padding,
  // and rows/columns past the extent (possible with 'valid' and a stride) are cropped.
  const needH = (g.kH - 1) * g.dH + (outH - 1) * g.sH + 1;
  const needW = (g.kW - 1) * g.dW + (outW - 1) * g.sW + 1;
  const keepH = Math.min(inH, needH - g.top);
  const keepW = Math.min(inW, needW - g.left);
  if (keepH <= 0 || keepW <= 0) {
    // Every tap reads padding only (huge explicit padding with a stride): no gradient.
    return tf.zeros([g.kH, g.kW, (x.shape as number[])[3], (dy.shape as number[])[3]]);
  }
  const xc = keepH < inH || keepW < inW ? tf.slice(x, [0, 0, 0, 0], [-1, keepH, keepW, -1]) : x;
  const xT = tf.transpose(xc, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, H, W, B]
  const filter = (dyT ?? tf.transpose(dy, [1, 2, 0, 3])) as tf.Tensor4D; // [OH, OW, B, Cout]
  const pads: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [g.top, needH - g.top - keepH],
    [g.left, needW - g.left - keepW],
    [0, 0],
  ];
  const r = tf.conv2d(xT, filter, [g.dH, g.dW], pads, 'NHWC', [g.sH, g.sW]); // [Cin, kH, kW, Cout]
  return tf.transpose(r, [1, 2, 0, 3]);
}

/**
 * dW of a 2-D convolution as one matrix product: the patches of x, `[B * OH * OW, kH * kW * Cin]`
 * (built on the heap, zeros where a tap reads padding), transposed against dy
 * `[B * OH * OW, Cout]`. Call inside `tf.tidy`.
 */
export function filterGradIm2col(
  backend: WasmBackendLike,
  x: tf.Tensor,
  dy: tf.Tensor,
  g: Conv2DGeometry,
): tf.Tensor {
  const [batch, inH, inW, cin] = x.shape as number[];
  const [, outH, outW, cout] = dy.shape as number[];
  const rowLen = g.kH * g.kW * cin;
  const rows = batch * outH * outW;
  const cols = allocTensor(backend, [rows, rowLen], 'float32');
  // Views after the allocation: growing wasm memory detaches older views.
  const dst = heapF32(backend, cols);
  const src = heapF32(backend, x);
  let d = 0;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.sH - g.top + kh * g.dH;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.sW - g.left + kw * g.dW;
            if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) {
              dst.fill(0, d, d + cin);
            } else {
              const s = ((b * inH + ih) * inW + iw) * cin;
              if (cin >= 16) dst.set(src.subarray(s, s + cin), d);
              else for (let c = 0; c < cin; c++) dst[d + c] = src[s + c];
            }
            d += cin;
          }
        }
      }
    }
  }
  const dW = tf.matMul(cols, tf.reshape(dy, [rows, cout]), true, false);
  return tf.reshape(dW, [g.kH, g.kW, cin, cout]);
}

/**
 * dx of a 2-D convolution: `[B, inH, inW, Cin]` from dy `[B, OH, OW, Cout]` and the filter
 * `[kH, kW, Cin, Cout]`. Call inside `tf.tidy`.
 */
export function inputGrad2d(
  args: KernelArgs,
  dy: tf.Tensor,
  filter: tf.Tensor,
  inH: number,
  inW: number,
  g: Conv2DGeometry,
): tf.Tensor {
  const wT = tf.transpose(filter, [0, 1, 3, 2]); // [kH, kW, Cout, Cin]: dy's channels are the input now
  return transposedConv(
    wasmBackend(args),
    dy,
    [
      { inSize: inH, k: g.kH, stride: g.sH, dilation: g.dH, padBefore: g.top },
      { inSize: inW, k: g.kW, stride: g.sW, dilation: g.dW, padBefore: g.left },
    ],
    (filter.shape as number[])[2],
    (crop, pads, taps, dil) =>
      tf.conv2d(
        crop as tf.Tensor4D,
        selectTaps(wT, taps) as tf.Tensor4D,
        1,
        [[0, 0], pads[0], pads[1], [0, 0]],
        'NHWC',
        [dil[0], dil[1]],
      ),
  );
}

function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const x = input(args, 'x');
  const dy = input(args, 'dy');
  const { g, channelsFirst } = conv2DInfo(args, x.shape, attr<number[]>(args, 'filterShape'));
  return tf.tidy(() => {
    let xt = asTensor(x, args.backend as tf.KernelBackend);
    let dyt = asTensor(dy, args.backend as tf.KernelBackend);
    if (channelsFirst) {
      xt = tf.transpose(xt, [0, 2, 3, 1]);
      dyt = tf.transpose(dyt, [0, 2, 3, 1]);
    }
    const [batch, , , cin] = xt.shape as number[];
    if (batch < IM2COL_MAX_BATCH || cin <= IM2COL_MAX_IN_CHANNELS) {
      return filterGradIm2col(wasmBackend(args), xt, dyt, g);
    }
    return filterGrad2d(xt, dyt, g);
  });
}

function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const dy = input(args, 'dy');
  const filter = input(args, 'filter');
  const { info, g, channelsFirst } = conv2DInfo(
    args,
    attr<number[]>(args, 'inputShape'),
    filter.shape,
  );
  return tf.tidy(() => {
    let dyt = asTensor(dy, args.backend as tf.KernelBackend);
    if (channelsFirst) dyt = tf.transpose(dyt, [0, 2, 3, 1]);
    const w = asTensor(filter, args.backend as tf.KernelBackend);
    const dx = inputGrad2d(args, dyt, w, info.inHeight, info.inWidth, g);
    return channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

export const conv2DBackpropFilterKernel: tf.KernelFunc =
  conv2DBackpropFilter as unknown as tf.KernelFunc;
export const conv2DBackpropInputKernel: tf.KernelFunc =
  conv2DBackpropInput as unknown as tf.KernelFunc;
