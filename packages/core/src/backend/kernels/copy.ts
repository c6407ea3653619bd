/**
 * Tile, Slice, SplitV, Unpack and GatherV2 on the wasm heap. The stock Slice (which SplitV and Unpack call)
 * starts with `backend.readSync(x)`, a copy of the whole input, for every slice: unstacking 256
 * items copies the tensor 256 times. The stock Tile computes each element's source index in C++
 * (330 ms to tile a 64-vector 65536 times), and the stock GatherV2 element by element (231 ms to
 * take 646 rows of a [4096, 8000] matrix). These copy contiguous runs with TypedArray.set /
 * copyWithin straight from the heap. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import {
  allocTensor,
  attr,
  heapView,
  input,
  sizeOf,
  wasmBackend,
  type KernelArgs,
  type WasmBackendLike,
  withOriginal,
} from './_util';

type Heap = Float32Array | Int32Array | Uint8Array;

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Copies `x[begin : begin + size]` into `dst` at `dstOffset` (row-major, contiguous). */
function copyBlock(
  src: Heap,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: Heap,
  dstOffset: number,
): void {
  const n = shape.length;
  if (sizeOf(size) === 0) return;
  if (n === 0) {
    dst[dstOffset] = src[0];
    return;
  }
  const st = strides(shape);
  // Trailing axes taken whole are contiguous with the last partial one: copy them as one run.
  let inner = n - 1;
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) inner--;
  const run = size[inner] * st[inner];
  const outer = size.slice(0, inner);
  const count = sizeOf(outer);
  const idx = new Array<number>(inner).fill(0);
  let d = dstOffset;
  for (let q = 0; q < count; q++) {
    let s = begin[inner] * st[inner];
    for (let a = 0; a < inner; a++) s += (begin[a] + idx[a]) * st[a];
    if (run === 1) dst[d] = src[s];
    else dst.set(src.subarray(s, s + run), d);
    d += run;
    for (let a = inner - 1; a >= 0; a--) {
      if (++idx[a] < outer[a]) break;
      idx[a] = 0;
    }
  }
}

function sliceInfo(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.Tensor {
  const out = allocTensor(backend, size, x.dtype);
  copyBlock(heapView(backend, x), x.shape, begin, size, heapView(backend, out), 0);
  return out;
}

function slice(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const x = input(args, 'x');
  if (x.dtype === 'string') return original(args) as tf.TensorInfo;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as tf.Tensor,
    attr<number | number[]>(args, 'begin'),
    attr<number | number[] | undefined>(args, 'size'),
  );
  return sliceInfo(wasmBackend(args), x, begin, size);
}

function splitV(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo[] {
  const x = input(args, 'x');
  if (x.dtype === 'string') return original(args) as tf.TensorInfo[];
  const axis = tf.util.parseAxisParam(attr<number>(args, 'axis'), x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(
    x as tf.Tensor,
    attr<number | number[]>(args, 'numOrSizeSplits'),
    axis,
  );
  const backend = wasmBackend(args);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const out = sliceInfo(backend, x, begin, size);
    begin[axis] += s;
    return out;
  });
}

function unpack(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo[] {
  const value = input(args, 'value');
  if (value.dtype === 'string') return original(args) as tf.TensorInfo[];
  let axis = attr<number>(args, 'axis');
  if (axis < 0) axis += value.shape.length;
  const backend = wasmBackend(args);
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array<number>(value.shape.length).fill(0);
  const size = value.shape.slice();
  size[axis] = 1;
  const outs: tf.Tensor[] = [];
  for (let i = 0; i < value.shape[axis]; i++) {
    begin[axis] = i;
    const out = allocTensor(backend, outShape, value.dtype);
    copyBlock(heapView(backend, value), value.shape, begin, size, heapView(backend, out), 0);
    outs.push(out);
  }
  return outs;
}

/**
 * Tile: x's rows are placed at their first-repeat positions, then each axis, innermost first, is
 * replicated by doubling `copyWithin` runs.
 */
function tile(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const x = input(args, 'x');
  const reps = attr<number[]>(args, 'reps');
  const n = x.shape.length;
  if (x.dtype === 'string' || n === 0 || reps.length !== n) return original(args) as tf.TensorInfo;
  const backend = wasmBackend(args);
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = allocTensor(backend, outShape, x.dtype);
  if (sizeOf(outShape) === 0) return out;
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  const os = strides(outShape);
  const xs = x.shape;
  // Place x: each of its last-axis rows at rep index 0 of every axis.
  const rowLen = xs[n - 1];
  const rows = sizeOf(xs.slice(0, -1));
  const idx = new Array<number>(n - 1).fill(0);
  for (let q = 0; q < rows; q++) {
    let d = 0;
    for (let a = 0; a < n - 1; a++) d += idx[a] * os[a];
    if (rowLen === 1) dst[d] = src[q];
    else dst.set(src.subarray(q * rowLen, (q + 1) * rowLen), d);
    for (let a = n - 2; a >= 0; a--) {
      if (++idx[a] < xs[a]) break;
      idx[a] = 0;
    }
  }
  // Replicate axis a (innermost first) inside every block of the axes before it.
  for (let a = n - 1; a >= 0; a--) {
    if (reps[a] === 1) continue;
    const filled = xs[a] * os[a];
    const total = outShape[a] * os[a];
    const prefixCount = sizeOf(xs.slice(0, a));
    const pidx = new Array<number>(a).fill(0);
    for (let q = 0; q < prefixCount; q++) {
      let base = 0;
      for (let j = 0; j < a; j++) base += pidx[j] * os[j];
      let have = filled;
      while (have < total) {
        const c = Math.min(have, total - have);
        dst.copyWithin(base + have, base, base + c);
        have += c;
      }
      for (let j = a - 1; j >= 0; j--) {
        if (++pidx[j] < xs[j]) break;
        pidx[j] = 0;
      }
    }
  }
  return out;
}

/** `x[..., indices, ...]` along `axis` (batchDims 0): one run of the trailing axes per index. */
function gather(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const x = input(args, 'x');
  const indices = input(args, 'indices');
  const batchDims = attr<number | undefined>(args, 'batchDims') ?? 0;
  if (x.dtype === 'string' || indices.dtype !== 'int32' || batchDims !== 0) {
    return original(args) as tf.TensorInfo;
  }
  const axis = tf.util.parseAxisParam(attr<number>(args, 'axis'), x.shape)[0];
  const outer = sizeOf(x.shape.slice(0, axis));
  const dim = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const backend = wasmBackend(args);
  const idx = heapView(backend, indices) as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= dim) {
      throw new Error(`GatherV2: the index value ${idx[i]} is not in [0, ${dim - 1}]`);
    }
  }
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = allocTensor(backend, shape, x.dtype);
  // Views after the allocation (growing the heap detaches older ones).
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  const at = heapView(backend, indices) as Int32Array;
  let d = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * dim * inner;
    for (let i = 0; i < at.length; i++) {
      const s = base + at[i] * inner;
      if (inner === 1) dst[d] = src[s];
      else dst.set(src.subarray(s, s + inner), d);
      d += inner;
    }
  }
  return out;
}

export const makeSliceKernel = withOriginal('Slice', slice);
export const makeSplitVKernel = withOriginal('SplitV', splitV);
export const makeUnpackKernel = withOriginal('Unpack', unpack);
export const makeTileKernel = withOriginal('Tile', tile);
export const makeGatherKernel = withOriginal('GatherV2', gather);
