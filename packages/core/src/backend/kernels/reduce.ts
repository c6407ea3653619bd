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
import {
  allocTensor,
  attr,
  heapF32,
  input,
  sizeOf,
  wasmBackend,
  withOriginal,
  type KernelArgs,
} from './_util';

/** x viewed as `[outer, rows, inner]`, `rows` spanning the reduced axes, and the output shape. */
interface ReductionView {
  outer: number;
  rows: number;
  inner: number;
  /** The reduced axes include the last one (inner is 1). */
  innermost: boolean;
  outShape: number[];
}

/**
 * The view of a reduction kernel's input, from its axis attribute (`axis` for Sum and Mean,
 * `reductionIndices` for Max; null means every axis); undefined unless the reduced axes are
 * contiguous.
 */
function reductionView(
  args: KernelArgs,
  x: tf.TensorInfo,
  axisAttr: string,
): ReductionView | undefined {
  const axes = [
    ...new Set(
      tf.util.parseAxisParam(attr<number | number[]>(args, axisAttr), x.shape as number[]),
    ),
  ].sort((a, b) => a - b);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (axes.length === 0 || !contiguous) return undefined;
  const last = axes[axes.length - 1];
  const keepDims = attr<boolean | undefined>(args, 'keepDims') === true;
  return {
    outer: sizeOf(x.shape.slice(0, axes[0])),
    rows: sizeOf(x.shape.slice(axes[0], last + 1)),
    inner: sizeOf(x.shape.slice(last + 1)),
    innermost: last === x.shape.length - 1,
    outShape: keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i)),
  };
}

function reduce(args: KernelArgs, original: tf.KernelFunc, mean: boolean): tf.TensorInfo {
  const x = input(args, 'x');
  const native = activeNativeKernels();
  const view = x.dtype === 'float32' ? reductionView(args, x, 'axis') : undefined;
  // Native kernels also take the innermost axes (stock wasm sums those with a scalar loop).
  if (
    view === undefined ||
    (view.innermost && native === undefined) ||
    view.rows <= 1 ||
    view.inner === 0 ||
    view.outer === 0
  ) {
    return original(args) as tf.TensorInfo;
  }
  const { outer, rows, inner, outShape } = view;
  const backend = wasmBackend(args);
  const out = allocTensor(backend, outShape, 'float32');
  if (native !== undefined) {
    native.reduceSum({
      x: heapF32(backend, x),
      outer,
      rows,
      inner,
      scale: mean ? 1 / rows : 1,
      out: heapF32(backend, out),
    });
    return out;
  }
  // Views after the allocation: growing wasm memory detaches older views.
  const o = heapF32(backend, out);
  const xv = heapF32(backend, x);
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

export const makeSumKernel = withOriginal('Sum', (args, original) => reduce(args, original, false));

export const makeMeanKernel = withOriginal('Mean', (args, original) =>
  reduce(args, original, true),
);

/**
 * Max over a contiguous set of axes on `@selfsup/native` (stock wasm: ~3 ns an element on the
 * last axis, ~90 ms for the [4096, 8000] logits of an MLM head; native ~25 ms). Without native,
 * or for other cases, the stock kernel.
 */
function reduceMax(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const native = activeNativeKernels();
  const x = input(args, 'x');
  const view =
    native !== undefined && x.dtype === 'float32'
      ? reductionView(args, x, 'reductionIndices')
      : undefined;
  if (native === undefined || view === undefined || view.rows < 1 || view.outer * view.inner === 0)
    return original(args) as tf.TensorInfo;
  const { outer, rows, inner, outShape } = view;
  const backend = wasmBackend(args);
  const out = allocTensor(backend, outShape, 'float32');
  native.reduceMax({
    x: heapF32(backend, x),
    outer,
    rows,
    inner,
    out: heapF32(backend, out),
  });
  return out;
}

export const makeMaxKernel = withOriginal('Max', reduceMax);
