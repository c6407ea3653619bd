/**
 * DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput, both missing on
 * wasm. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { selectTaps, transposedConv } from './_transposed-conv';
import {
  allocTensor,
  asTensor,
  attr,
  input,
  heapView,
  wasmBackend,
  type KernelArgs,
} from './_util';

function depthwiseInfo(args: KernelArgs, xShape: number[], filterShape: number[]) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attr<number | [number, number]>(args, 'strides'),
    attr<number | [number, number] | undefined>(args, 'dilations') ?? 1,
    attr<'valid' | 'same' | number>(args, 'pad'),
    attr<'floor' | 'round' | 'ceil' | undefined>(args, 'dimRoundingMode'),
    true,
  );
}

/**
 * dW `[kH, kW, C, M]`: per tap and channel a dot product over batch and output positions. No
 * XNNPACK op computes a per-channel correlation, and the tf-op alternatives (a strided slice,
 * multiply and reduce per tap) move more memory than this single pass over x and dy on the heap,
 * which accumulates in float64.
 */
function depthwiseBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = wasmBackend(args);
  const x = input(args, 'x');
  const dy = input(args, 'dy');
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(
      `DepthwiseConv2dNativeBackpropFilter (selfsup wasm kernel): expected float32 x and dy, got ${x.dtype} and ${dy.dtype}`,
    );
  }
  const filterShape = attr<number[]>(args, 'filterShape');
  const info = depthwiseInfo(args, x.shape, filterShape);
  const [batch, inH, inW, chans] = x.shape;
  const [, outH, outW] = dy.shape;
  const [kH, kW, , mult] = filterShape;
  const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW } = info;
  const { top, left } = info.padInfo;
  const out = allocTensor(backend, filterShape, 'float32');
  const xv = heapView(backend, x) as Float32Array;
  const dyv = heapView(backend, dy) as Float32Array;
  const acc = new Float64Array(kH * kW * chans * mult);
  const cm = chans * mult;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH + kh * dH - top;
        if (ih < 0 || ih >= inH) continue;
        for (let ow = 0; ow < outW; ow++) {
          const dyOff = ((b * outH + oh) * outW + ow) * cm;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * sW + kw * dW - left;
            if (iw < 0 || iw >= inW) continue;
            const xOff = ((b * inH + ih) * inW + iw) * chans;
            const aOff = (kh * kW + kw) * cm;
            if (mult === 1) {
              for (let c = 0; c < chans; c++) acc[aOff + c] += xv[xOff + c] * dyv[dyOff + c];
            } else {
              for (let c = 0; c < chans; c++) {
                const xc = xv[xOff + c];
                const base = c * mult;
                for (let m = 0; m < mult; m++) acc[aOff + base + m] += xc * dyv[dyOff + base + m];
              }
            }
          }
        }
      }
    }
  }
  (heapView(backend, out) as Float32Array).set(acc);
  return out;
}

/**
 * dx `[B, H, W, C]`: a transposed depthwise conv, by stride phases, each a stride-1 depthwise
 * conv (XNNPACK) of dy with the flipped sub-kernel; channel multipliers > 1 are summed after.
 */
function depthwiseBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = wasmBackend(args);
  const dy = input(args, 'dy');
  const filter = input(args, 'filter');
  const inputShape = attr<number[]>(args, 'inputShape');
  const info = depthwiseInfo(args, inputShape, filter.shape);
  const [kH, kW, chans, mult] = filter.shape;
  return tf.tidy(() => {
    const w = asTensor(filter, backend);
    const dyt = asTensor(dy, backend);
    return transposedConv(
      backend,
      dyt,
      [
        {
          inSize: info.inHeight,
          k: kH,
          stride: info.strideHeight,
          dilation: info.dilationHeight,
          padBefore: info.padInfo.top,
        },
        {
          inSize: info.inWidth,
          k: kW,
          stride: info.strideWidth,
          dilation: info.dilationWidth,
          padBefore: info.padInfo.left,
        },
      ],
      chans,
      (crop, pads, taps, dil) => {
        const sub = selectTaps(w, taps);
        const [nh, nw] = sub.shape as number[];
        const flat = tf.reshape(sub, [nh, nw, chans * mult, 1]) as tf.Tensor4D;
        const y = tf.depthwiseConv2d(
          crop as tf.Tensor4D,
          flat,
          1,
          [[0, 0], pads[0], pads[1], [0, 0]],
          'NHWC',
          [dil[0], dil[1]],
        );
        if (mult === 1) return y;
        const [b, h, wd] = y.shape;
        return tf.sum(tf.reshape(y, [b, h, wd, chans, mult]), 4);
      },
    );
  });
}

export const depthwiseBackpropFilterKernel = depthwiseBackpropFilter as unknown as tf.KernelFunc;
export const depthwiseBackpropInputKernel = depthwiseBackpropInput as unknown as tf.KernelFunc;
