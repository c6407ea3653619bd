/**
 * MaxPoolGrad on the wasm heap. The stock kernel took ~370 ms for a 2x2 pool over
 * [512, 28, 28, 32]; this one finds each window's max position and scatters dy there in one pass
 * over x, with the channels innermost (contiguous in NHWC). Ties go to the first position in
 * window order (row by row), as tfjs's cpu kernel does. With `@selfsup/native` the same loop runs
 * in C++ over the images in parallel (~10x faster). Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels } from '../native-kernels';
import { nativeGeometry } from './native';
import { allocTensor, attr, heapF32, input, wasmBackend, type KernelArgs } from './_util';

function maxPoolGrad(args: KernelArgs, original: tf.KernelFunc | undefined): tf.TensorInfo {
  const dy = input(args, 'dy');
  const x = input(args, 'input');
  if (x.dtype !== 'float32' || x.shape.length !== 4) {
    if (original === undefined) throw new Error('MaxPoolGrad: expects a float32 NHWC input');
    return original(args) as tf.TensorInfo;
  }
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attr<[number, number] | number>(args, 'filterSize'),
    attr<[number, number] | number>(args, 'strides'),
    1,
    attr<'valid' | 'same' | number>(args, 'pad'),
    attr<'floor' | 'round' | 'ceil' | undefined>(args, 'dimRoundingMode'),
  );
  const backend = wasmBackend(args);
  const out = allocTensor(backend, x.shape, 'float32');
  const native = activeNativeKernels();
  if (native !== undefined) {
    native.maxPoolGrad(
      // A pool's info has outChannels = inChannels.
      nativeGeometry(info),
      heapF32(backend, x),
      heapF32(backend, dy),
      heapF32(backend, out),
    );
    return out;
  }
  // Views after the allocation: growing wasm memory detaches older views.
  const dx = heapF32(backend, out);
  const xv = heapF32(backend, x);
  const dyv = heapF32(backend, dy);
  dx.fill(0);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sH, strideWidth: sW, filterHeight: fH, filterWidth: fW } = info;
  const { dilationHeight: dH, dilationWidth: dW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  if (
    fH === 2 &&
    fW === 2 &&
    sH === 2 &&
    sW === 2 &&
    dH === 1 &&
    dW === 1 &&
    top === 0 &&
    left === 0
  ) {
    // The common 2x2/2 pool: four candidates per output, no bounds checks, no scratch arrays.
    const rowC = W * C;
    for (let b = 0; b < batchSize; b++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const p0 = ((b * H + 2 * oh) * W + 2 * ow) * C;
          const o = ((b * OH + oh) * OW + ow) * C;
          for (let c = 0; c < C; c++) {
            let at = p0 + c;
            let m = xv[at];
            const q1 = at + C;
            const q2 = at + rowC;
            const q3 = q2 + C;
            if (xv[q1] > m) {
              m = xv[q1];
              at = q1;
            }
            if (xv[q2] > m) {
              m = xv[q2];
              at = q2;
            }
            if (xv[q3] > m) at = q3;
            dx[at] += dyv[o + c];
          }
        }
      }
    }
    return out;
  }
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let b = 0; b < batchSize; b++) {
    const xb = b * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let i = 0; i < fH; i++) {
          const h = oh * sH - top + i * dH;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < fW; j++) {
            const w = ow * sW - left + j * dW;
            if (w < 0 || w >= W) continue;
            const base = xb + (h * W + w) * C;
            for (let c = 0; c < C; c++) {
              const v = xv[base + c];
              // NaN never wins a comparison; the first finite position is taken below then.
              if (v > best[c] || where[c] < 0) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const o = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += dyv[o + c];
      }
    }
  }
  return out;
}

export function makeMaxPoolGradKernel(original: tf.KernelFunc | undefined): tf.KernelFunc {
  return ((args: KernelArgs) => maxPoolGrad(args, original)) as unknown as tf.KernelFunc;
}
