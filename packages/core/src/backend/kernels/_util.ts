/**
 * Shared helpers for the wasm training kernels. Internal to src/backend.
 *
 * How the kernels manage memory: a kernelFunc may return a `tf.Tensor` instead of a bare
 * TensorInfo, and the engine then uses that tensor as the op's output as is (engine.js,
 * runKernelFunc: `if (outInfo.rank != null) return outInfo`). So each kernel computes inside
 * `tf.tidy` with ordinary tf ops (which dispatch to the wasm kernels; the tape is off while a
 * kernel runs, so nothing is recorded for gradients) and returns the tidy's result: intermediates
 * are freed, the output is tracked by the caller's scope exactly like a stock kernel's output.
 * Kernels that touch the wasm heap directly allocate with `backend.makeOutput` and wrap the
 * TensorInfo with `engine().makeTensorFromTensorInfo`, which takes over its single reference.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm that the kernels use. */
export interface WasmBackendLike extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The argument of a kernelFunc. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The wasm backend passed to a kernelFunc, with the methods the kernels need checked. */
export function wasmBackend(args: KernelArgs): WasmBackendLike {
  const b = args.backend as Partial<WasmBackendLike>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') {
    throw new Error(
      'selfsup wasm kernel: expected the tfjs wasm backend (makeOutput, typedArrayFromHeap)',
    );
  }
  return b as WasmBackendLike;
}

/**
 * A kernel input as a Tensor usable with tf ops. The engine passes Tensors; a bare TensorInfo (a
 * kernel called directly by another kernel) gets a new reference so that disposing the wrapper
 * leaves the caller's data alive.
 */
export function asTensor(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/** A new uninitialized tensor on the wasm heap, tracked by the current tidy scope. */
export function allocTensor(
  backend: WasmBackendLike,
  shape: number[],
  dtype: tf.DataType,
): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, dtype), backend);
}

/**
 * A view of a tensor's data on the wasm heap. Take views only after the last allocation: growing
 * wasm memory replaces the heap buffer and detaches older views.
 */
export function heapView(
  backend: WasmBackendLike,
  t: tf.TensorInfo,
): Float32Array | Int32Array | Uint8Array {
  return backend.typedArrayFromHeap(t);
}

/** {@link heapView} of a float32 tensor (the same rule: take it after the last allocation). */
export function heapF32(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/**
 * x's buffer under one more reference, as a kernel output of `shape` (x's by default): what
 * Identity, a same-dtype Cast and an order-keeping Transpose return. Tensors are immutable in
 * tfjs, so sharing is safe; each tensor frees its reference on disposal.
 */
export function sharedOutput(
  args: KernelArgs,
  x: tf.TensorInfo,
  shape: number[] = x.shape.slice(),
): tf.TensorInfo {
  (args.backend as tf.KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/**
 * A kernel maker for a stock kernel that selfsup's `f` replaces, handing `f` the stock kernel
 * for the cases it leaves to it.
 */
export function withOriginal(
  name: string,
  f: (args: KernelArgs, original: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[],
): (original: tf.KernelFunc | undefined) => tf.KernelFunc {
  return (original) => {
    if (original === undefined) throw new Error(`${name}: the stock wasm kernel is not registered`);
    return ((args: KernelArgs) => f(args, original)) as unknown as tf.KernelFunc;
  };
}

/** A kernel input by name (the engine always passes the ones the op declares). */
export function input(args: KernelArgs, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`selfsup wasm kernel: input '${name}' is missing`);
  return t;
}

/** A kernel attribute, typed by the caller (attrs are validated by the op that set them). */
export function attr<T>(args: KernelArgs, name: string): T {
  return (args.attrs ?? {})[name] as unknown as T;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * `x[from : from + len]` along `axis`, reading zeros outside `[0, size)`: one crop and/or one pad,
 * which is how the kernels express conv padding without the slow strided slice.
 */
export function windowAxis(x: tf.Tensor, axis: number, from: number, len: number): tf.Tensor {
  const size = x.shape[axis];
  if (from === 0 && len === size) return x;
  const lo = Math.max(from, 0);
  const hi = Math.min(from + len, size);
  if (hi <= lo) {
    const shape = x.shape.slice();
    shape[axis] = len;
    return tf.zeros(shape, x.dtype);
  }
  let y = x;
  if (lo > 0 || hi < size) {
    const begin = x.shape.map(() => 0);
    const sz = x.shape.slice();
    begin[axis] = lo;
    sz[axis] = hi - lo;
    y = tf.slice(x, begin, sz);
  }
  const before = lo - from;
  const after = from + len - hi;
  if (before > 0 || after > 0) {
    const pads = x.shape.map((): [number, number] => [0, 0]);
    pads[axis] = [before, after];
    y = tf.pad(y, pads);
  }
  return y;
}

/** Every `step`-th index along `axis`, starting at 0, `count` of them (a gather, not a strided slice). */
export function everyNth(x: tf.Tensor, axis: number, step: number, count: number): tf.Tensor {
  if (step === 1 && count === x.shape[axis]) return x;
  if (step === 1) return windowAxis(x, axis, 0, count);
  const idx = new Int32Array(count);
  for (let i = 0; i < count; i++) idx[i] = i * step;
  return tf.gather(x, tf.tensor1d(idx, 'int32'), axis);
}

/**
 * How one spatial axis of a transposed (backprop-input) convolution splits into `stride` phases.
 * Output position `i = r + stride * m` of phase `r` receives `sum_j dy[from + m + j * dilation] *
 * w[taps[j]]`: a stride-1 correlation over a window of dy with a sub-kernel, so each phase is a
 * plain forward conv and no multiply is wasted on inserted zeros.
 */
export interface AxisPhase {
  /** Phase offset: this phase produces positions r, r + stride, r + 2 stride, ... */
  r: number;
  /** Number of positions this phase produces: ceil((inSize - r) / stride). */
  m: number;
  /** Kernel tap indices, in the order the stride-1 correlation visits them (may be empty). */
  taps: number[];
  /** Start of the dy window (may be negative: zeros are read there). */
  from: number;
  /** Length of the dy window: m + (taps.length - 1) * dilation. */
  len: number;
  /** Dilation of the sub-kernel in the correlation. */
  dilation: number;
}

export function axisPhases(
  inSize: number,
  k: number,
  stride: number,
  dilation: number,
  padBefore: number,
): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let r = 0; r < stride; r++) {
    const m = r < inSize ? Math.ceil((inSize - r) / stride) : 0;
    const withC: Array<[number, number]> = [];
    for (let t = 0; t < k; t++) {
      const num = r + padBefore - t * dilation;
      if (((num % stride) + stride) % stride === 0) withC.push([num / stride, t]);
    }
    withC.sort((a, b) => a[0] - b[0]);
    const taps = withC.map((e) => e[1]);
    const step = withC.length > 1 ? withC[1][0] - withC[0][0] : 1;
    for (let j = 2; j < withC.length; j++) {
      if (withC[j][0] - withC[j - 1][0] !== step)
        throw new Error('axisPhases: taps are not evenly spaced');
    }
    const from = withC.length > 0 ? withC[0][0] : 0;
    phases.push({ r, m, taps, from, len: m + Math.max(taps.length - 1, 0) * step, dilation: step });
  }
  return phases;
}

/**
 * Reassembles phase outputs into the full result. `parts[p]` has shape
 * `[B, m_1(r_1), ..., m_n(r_n), C]` for the phase with per-axis offsets `r` given by
 * `phaseIndex(p)`; the result is `[B, inSizes..., C]` with position `r_a + stride_a * m_a` on
 * each axis `a`. Done on the heap: one row copy per output pixel.
 */
export function interleavePhases(
  backend: WasmBackendLike,
  parts: Array<{ r: number[]; t: tf.Tensor | null }>,
  batch: number,
  inSizes: number[],
  strides: number[],
  channels: number,
): tf.Tensor {
  const n = inSizes.length;
  const out = allocTensor(backend, [batch, ...inSizes, channels], 'float32');
  const o = heapView(backend, out) as Float32Array;
  // Zero-fill only if some phase is absent (no taps): its positions receive no gradient.
  if (parts.some((p) => p.t === null)) o.fill(0);
  const outStrides = new Array<number>(n).fill(0);
  let acc = channels;
  for (let a = n - 1; a >= 0; a--) {
    outStrides[a] = acc;
    acc *= inSizes[a];
  }
  const outBatchStride = acc;
  for (const part of parts) {
    if (part.t === null) continue;
    const src = heapView(backend, part.t) as Float32Array;
    const ms = part.t.shape.slice(1, 1 + n);
    const count = sizeOf(ms);
    if (count === 0) continue;
    const idx = new Array<number>(n).fill(0);
    let s = 0;
    for (let b = 0; b < batch; b++) {
      idx.fill(0);
      for (let q = 0; q < count; q++) {
        let off = b * outBatchStride;
        for (let a = 0; a < n; a++) off += (part.r[a] + strides[a] * idx[a]) * outStrides[a];
        if (channels === 1) o[off] = src[s];
        else o.set(src.subarray(s, s + channels), off);
        s += channels;
        for (let a = n - 1; a >= 0; a--) {
          if (++idx[a] < ms[a]) break;
          idx[a] = 0;
        }
      }
    }
  }
  return out;
}
