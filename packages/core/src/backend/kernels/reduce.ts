/**
 * Sum and Mean over axes that are not the innermost, on the wasm heap. The stock kernels
 * transpose the reduced axes to the end first; batch-norm statistics (a mean over [N, H, W] of
 * an NHWC tensor) then took ~100 ms for [512, 28, 28, 32]. Viewing x as [outer, reduced, inner]
 * with the reduced axes contiguous, this adds rows into per-column float64 accumulators in one
 * pass over x. Other cases (innermost axes, non-contiguous axes, non-float32) use the stock
 * kernel. With `@selfsup/native`, the same view is summed in C++ on its threads, innermost axes
 * included. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels } from '../native-kernels';
import { allocTensor, attr, heapView, input, sizeOf, wasmBackend, type KernelArgs } from './_util';

function reduce(args: KernelArgs, original: tf.KernelFunc, mean: boolean): tf.TensorInfo {
  const x = input(args, 'x');
  const rank = x.shape.length;
  const axes = [
    ...new Set(
      // A null axis means every axis.
      tf.util.parseAxisParam(attr<number | number[]>(args, 'axis'), x.shape as number[]),
    ),
  ].sort((a, b) => a - b);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  const last = axes[axes.length - 1];
  const native = activeNativeKernels();
  // Native kernels also take the innermost axes (stock wasm sums those with a scalar loop).
  if (
    x.dtype !== 'float32' ||
    axes.length === 0 ||
    !contiguous ||
    (last === rank - 1 && native === undefined)
  ) {
    return original(args) as tf.TensorInfo;
  }
  const outer = sizeOf(x.shape.slice(0, axes[0]));
  const rows = sizeOf(x.shape.slice(axes[0], last + 1));
  const inner = sizeOf(x.shape.slice(last + 1));
  if (rows <= 1 || inner === 0 || outer === 0) return original(args) as tf.TensorInfo;
  const keepDims = attr<boolean | undefined>(args, 'keepDims') === true;
  const outShape = keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const backend = wasmBackend(args);
  const out = allocTensor(backend, outShape, 'float32');
  if (native !== undefined) {
    native.reduceSum({
      x: heapView(backend, x) as Float32Array,
      outer,
      rows,
      inner,
      scale: mean ? 1 / rows : 1,
      out: heapView(backend, out) as Float32Array,
    });
    return out;
  }
  // Views after the allocation: growing wasm memory detaches older views.
  const o = heapView(backend, out) as Float32Array;
  const xv = heapView(backend, x) as Float32Array;
  const acc = new Float64Array(inner);
  const scale = mean ? 1 / rows : 1;
  for (let p = 0; p < outer; p++) {
    acc.fill(0);
    let base = p * rows * inner;
    for (let r = 0; r < rows; r++, base += inner) {
      for (let c = 0; c < inner; c++) acc[c] += xv[base + c];
    }
    const ob = p * inner;
    for (let c = 0; c < inner; c++) o[ob + c] = acc[c] * scale;
  }
  return out;
}

export function makeSumKernel(original: tf.KernelFunc | undefined): tf.KernelFunc {
  if (original === undefined) throw new Error('Sum: the stock wasm kernel is not registered');
  return ((args: KernelArgs) => reduce(args, original, false)) as unknown as tf.KernelFunc;
}

export function makeMeanKernel(original: tf.KernelFunc | undefined): tf.KernelFunc {
  if (original === undefined) throw new Error('Mean: the stock wasm kernel is not registered');
  return ((args: KernelArgs) => reduce(args, original, true)) as unknown as tf.KernelFunc;
}

/**
 * Max over a contiguous set of axes on `@selfsup/native` (stock wasm: ~3 ns an element on the
 * last axis, ~90 ms for the [4096, 8000] logits of an MLM head; native ~25 ms). Without native,
 * or for other cases, the stock kernel.
 */
function reduceMax(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const native = activeNativeKernels();
  const x = input(args, 'x');
  if (native === undefined || x.dtype !== 'float32') return original(args) as tf.TensorInfo;
  const axes = [
    ...new Set(
      tf.util.parseAxisParam(
        attr<number | number[]>(args, 'reductionIndices'),
        x.shape as number[],
      ),
    ),
  ].sort((a, b) => a - b);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (axes.length === 0 || !contiguous) return original(args) as tf.TensorInfo;
  const last = axes[axes.length - 1];
  const outer = sizeOf(x.shape.slice(0, axes[0]));
  const rows = sizeOf(x.shape.slice(axes[0], last + 1));
  const inner = sizeOf(x.shape.slice(last + 1));
  if (rows < 1 || outer * inner === 0) return original(args) as tf.TensorInfo;
  const keepDims = attr<boolean | undefined>(args, 'keepDims') === true;
  const outShape = keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const backend = wasmBackend(args);
  const out = allocTensor(backend, outShape, 'float32');
  native.reduceMax({
    x: heapView(backend, x) as Float32Array,
    outer,
    rows,
    inner,
    out: heapView(backend, out) as Float32Array,
  });
  return out;
}

export function makeMaxKernel(original: tf.KernelFunc | undefined): tf.KernelFunc {
  if (original === undefined) throw new Error('Max: the stock wasm kernel is not registered');
  return ((args: KernelArgs) => reduceMax(args, original)) as unknown as tf.KernelFunc;
}
