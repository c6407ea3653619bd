/**
 * Matrix products and convolutions computed by `@selfsup/native` directly on the wasm heap: the
 * inputs are read and the output written in place, through views of the heap's memory, so no
 * data is copied. Each function returns undefined for a case it leaves to the wasm path (other
 * dtypes, channels-first data, empty tensors, mixed batch broadcasting). Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeConvGeometry, NativeKernelsLike } from '../native-kernels';
import {
  asTensor,
  attr,
  heapF32,
  input,
  sizeOf,
  wasmBackend,
  type KernelArgs,
  type WasmBackendLike,
} from './_util';
import { conv2DInfo } from './_conv-info';

/**
 * `op(a) op(b)` over broadcast batch dimensions, as `BatchMatMul` defines it; undefined for cases
 * left to the wasm path.
 */
export function nativeBatchMatMul(
  native: NativeKernelsLike,
  backend: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transA: boolean,
  transB: boolean,
): tf.TensorInfo | undefined {
  const aR = a.shape.length;
  const bR = b.shape.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || aR < 2 || bR < 2) return undefined;
  const m = transA ? a.shape[aR - 1] : a.shape[aR - 2];
  const k = transA ? a.shape[aR - 2] : a.shape[aR - 1];
  const kB = transB ? b.shape[bR - 1] : b.shape[bR - 2];
  const n = transB ? b.shape[bR - 2] : b.shape[bR - 1];
  if (k !== kB || k === 0) return undefined;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  const na = sizeOf(aBatch);
  const nb = sizeOf(bBatch);
  const nOut = sizeOf(outBatch);
  if (m * n * nOut === 0) return undefined;
  if ((na !== nOut && na !== 1) || (nb !== nOut && nb !== 1)) return undefined;
  const out = backend.makeOutput([...outBatch, m, n], 'float32');
  const av = heapF32(backend, a);
  const bv = heapF32(backend, b);
  const cv = heapF32(backend, out);
  if (nb === 1 && !transA) {
    // Every item of a against one matrix: one tall product over all their rows.
    native.matMul({ a: { data: av }, b: { data: bv }, c: { data: cv }, m: na * m, n, k, transB });
  } else {
    native.matMul({
      a: { data: av },
      b: { data: bv },
      c: { data: cv },
      m,
      n,
      k,
      transA,
      transB,
      batch: nOut,
      strides: { a: na === 1 ? 0 : m * k, b: nb === 1 ? 0 : k * n, c: m * n },
    });
  }
  return out;
}

/** `BatchMatMul` on the native kernels (see {@link nativeBatchMatMul}). */
export function nativeBatchMatMulKernel(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo | undefined {
  return nativeBatchMatMul(
    native,
    wasmBackend(args),
    input(args, 'a'),
    input(args, 'b'),
    attr<boolean | undefined>(args, 'transposeA') === true,
    attr<boolean | undefined>(args, 'transposeB') === true,
  );
}

/** The geometry `@selfsup/native` takes, from tfjs's conv or pool info (channels last). */
export function nativeGeometry(info: tf.backend_util.Conv2DInfo): NativeConvGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

function allFloat32(...ts: tf.TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32' && sizeOf(t.shape) > 0);
}

/** `Conv2D` (and the convolution of `FusedConv2D`). */
export function nativeConv2D(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo | undefined {
  const x = input(args, 'x');
  const filter = input(args, 'filter');
  const { info, channelsFirst } = conv2DInfo(args, x.shape, filter.shape);
  if (channelsFirst || !allFloat32(x, filter) || sizeOf(info.outShape) === 0) return undefined;
  const backend = wasmBackend(args);
  const y = backend.makeOutput(info.outShape, 'float32');
  native.conv2d(
    nativeGeometry(info),
    heapF32(backend, x),
    heapF32(backend, filter),
    heapF32(backend, y),
  );
  return y;
}

/** `Conv2DBackpropInput`. */
export function nativeConv2DBackpropInput(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo | undefined {
  const dy = input(args, 'dy');
  const filter = input(args, 'filter');
  const inputShape = attr<number[]>(args, 'inputShape');
  const { info, channelsFirst } = conv2DInfo(args, inputShape, filter.shape);
  if (channelsFirst || !allFloat32(dy, filter) || sizeOf(inputShape) === 0) return undefined;
  const backend = wasmBackend(args);
  const dx = backend.makeOutput(inputShape, 'float32');
  native.conv2dBackpropInput(
    nativeGeometry(info),
    heapF32(backend, dy),
    heapF32(backend, filter),
    heapF32(backend, dx),
  );
  return dx;
}

/** `Conv2DBackpropFilter`. */
export function nativeConv2DBackpropFilter(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo | undefined {
  const x = input(args, 'x');
  const dy = input(args, 'dy');
  const filterShape = attr<number[]>(args, 'filterShape');
  const { info, channelsFirst } = conv2DInfo(args, x.shape, filterShape);
  if (channelsFirst || !allFloat32(x, dy) || sizeOf(filterShape) === 0) return undefined;
  const backend = wasmBackend(args);
  const dw = backend.makeOutput(filterShape, 'float32');
  native.conv2dBackpropFilter(
    nativeGeometry(info),
    heapF32(backend, x),
    heapF32(backend, dy),
    heapF32(backend, dw),
  );
  return dw;
}

/** A fused op's activation, as tfjs's fused ops define them. Call inside `tf.tidy`. */
function activate(x: tf.Tensor, args: KernelArgs): tf.Tensor {
  const activation = attr<string | undefined>(args, 'activation') ?? 'linear';
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return tf.elu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, attr<number | undefined>(args, 'leakyreluAlpha') ?? 0.2);
    case 'prelu':
      return tf.prelu(
        x,
        asTensor(input(args, 'preluActivationWeights'), args.backend as tf.KernelBackend),
      );
    default:
      throw new Error(`selfsup native kernel: unknown fused activation '${activation}'`);
  }
}

/** `product()`, plus the fused op's bias if any, through its activation; intermediates freed. */
function withBiasAndActivation(args: KernelArgs, product: () => tf.Tensor): tf.Tensor {
  const backend = args.backend as tf.KernelBackend;
  return tf.tidy(() => {
    let y = product();
    const bias = args.inputs.bias;
    if (bias != null) y = tf.add(y, asTensor(bias, backend));
    return activate(y, args);
  });
}

/** A bare kernel output as a tensor (taking over its reference), for use inside a tidy. */
function wrapOutput(args: KernelArgs, out: tf.TensorInfo): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(out, args.backend as tf.KernelBackend);
}

/** `FusedConv2D`: the convolution natively, then bias and activation with tf ops. */
export function nativeFusedConv2D(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo | undefined {
  const y = nativeConv2D(native, args);
  return y === undefined ? undefined : withBiasAndActivation(args, () => wrapOutput(args, y));
}

/** `_FusedMatMul`: the product natively, then bias and activation with tf ops. */
export function nativeFusedMatMul(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo | undefined {
  const out = nativeBatchMatMulKernel(native, args);
  return out === undefined ? undefined : withBiasAndActivation(args, () => wrapOutput(args, out));
}

/**
 * `_FusedMatMul` without native kernels, for what stock wasm gets wrong: with a transposed operand
 * its fused kernel returns wrong values (measured: off by up to 1.5 on a [20, 33] x [17, 33]^T
 * product), so such products go through selfsup's BatchMatMul, then bias and activation.
 */
export function fusedMatMulViaOps(args: KernelArgs): tf.TensorInfo | undefined {
  const a = input(args, 'a');
  const b = input(args, 'b');
  const transA = attr<boolean | undefined>(args, 'transposeA') === true;
  const transB = attr<boolean | undefined>(args, 'transposeB') === true;
  if (!transA && !transB && a.shape.length === 2 && b.shape.length === 2) return undefined;
  const backend = args.backend as tf.KernelBackend;
  return withBiasAndActivation(args, () =>
    tf.matMul(asTensor(a, backend), asTensor(b, backend), transA, transB),
  );
}

/**
 * Below this many elements the stock kernel is kept: a native call costs a few microseconds, and
 * wasm's scalar loop (~9 ns an element for exp) is already that fast on small tensors.
 */
export const NATIVE_UNARY_MIN_SIZE = 4096;

/**
 * `Exp` or `Erf` on the native pool (stock wasm runs them as scalar loops, ~9 and ~15 ns an
 * element; native: ~1.5 and ~3 on 2 threads, vectorized).
 */
export function nativeUnary(
  fn: 'exp' | 'erf' | 'relu',
  minSize = NATIVE_UNARY_MIN_SIZE,
): (native: NativeKernelsLike, args: KernelArgs) => tf.TensorInfo | undefined {
  return (native, args) => {
    const x = input(args, 'x');
    if (x.dtype !== 'float32' || sizeOf(x.shape) < minSize) return undefined;
    const backend = wasmBackend(args);
    const y = backend.makeOutput(x.shape, 'float32');
    native.unary(fn, heapF32(backend, x), heapF32(backend, y));
    return y;
  };
}

type Broadcast = 'full' | 'row' | 'column' | 'scalar';

/** How two broadcast operands map onto their output viewed as `[outer, inner]`. */
export interface BinaryPlan {
  outShape: number[];
  outer: number;
  inner: number;
  a: Broadcast;
  b: Broadcast;
}

/**
 * Splits the broadcast output of `a` and `b` into `[outer, inner]` at an axis where each operand
 * is full, a row, a column or a scalar; undefined when no split works (e.g. [2, 1, 3] * [1, 4, 1]).
 * Prefers the split with the most outer rows that still keeps rows long, so that threads share
 * the work and the inner loops vectorize.
 */
export function planBinary(
  aShape: number[],
  bShape: number[],
  outShape = tf.broadcast_util.assertAndGetBroadcastShape(aShape, bShape),
): BinaryPlan | undefined {
  const r = outShape.length;
  const pad = (s: number[]) => [...new Array<number>(r - s.length).fill(1), ...s];
  const [ap, bp] = [pad(aShape), pad(bShape)];
  const modeAt = (x: number[], k: number): Broadcast | undefined => {
    const same = (from: number, to: number) =>
      x.slice(from, to).every((d, i) => d === outShape[from + i]);
    const ones = (from: number, to: number) => x.slice(from, to).every((d) => d === 1);
    if (same(0, k) && same(k, r)) return 'full';
    if (ones(0, k) && same(k, r)) return 'row';
    if (same(0, k) && ones(k, r)) return 'column';
    if (ones(0, k) && ones(k, r)) return 'scalar';
    return undefined;
  };
  let best: BinaryPlan | undefined;
  for (let k = 0; k <= r; k++) {
    const a = modeAt(ap, k);
    const b = modeAt(bp, k);
    if (a === undefined || b === undefined) continue;
    const outer = sizeOf(outShape.slice(0, k));
    const inner = sizeOf(outShape.slice(k));
    const plan = { outShape, outer, inner, a, b };
    if (best === undefined) best = plan;
    else if (inner >= 64 && outer > best.outer) best = plan;
  }
  return best;
}

/** Outputs below this size stay on the stock kernel (XNNPACK; a native call costs microseconds). */
export const NATIVE_BINARY_MIN_SIZE = 1 << 14;

/** `Add`, `Sub` or `Multiply` of float32 tensors on the native pool. */
export function nativeBinary(
  op: 'add' | 'sub' | 'mul' | 'reluGrad',
): (native: NativeKernelsLike, args: KernelArgs) => tf.TensorInfo | undefined {
  return (native, args) => {
    const a = input(args, 'a');
    const b = input(args, 'b');
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    // Most calls are small: the size check comes before the search for a split.
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (sizeOf(outShape) < NATIVE_BINARY_MIN_SIZE) return undefined;
    const plan = planBinary(a.shape, b.shape, outShape);
    if (plan === undefined) return undefined;
    const backend = wasmBackend(args);
    const out = backend.makeOutput(plan.outShape, 'float32');
    native.binary({
      op,
      a: heapF32(backend, a),
      aBroadcast: plan.a,
      b: heapF32(backend, b),
      bBroadcast: plan.b,
      outer: plan.outer,
      inner: plan.inner,
      out: heapF32(backend, out),
    });
    return out;
  };
}

/**
 * The relu gradient (inputs `a` = dy, `b` = x) without native kernels, or for what they leave
 * (small tensors): `dy * step(x)`, one pass fewer than tfjs's `dy * cast(step(x))`.
 */
export function reluGradViaOps(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as tf.KernelBackend;
  return tf.tidy(() =>
    tf.mul(asTensor(input(args, 'a'), backend), tf.step(asTensor(input(args, 'b'), backend))),
  );
}
