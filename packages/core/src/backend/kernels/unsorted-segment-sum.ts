/**
 * UnsortedSegmentSum, missing on wasm. It is the gradient of `tf.gather` (so of every embedding
 * lookup). One pass over the rows on the wasm heap: `out[ids[i]] += x[i]`. Ids outside
 * `[0, numSegments)` are dropped, as the cpu kernel does. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { allocTensor, attr, input, heapView, sizeOf, wasmBackend, type KernelArgs } from './_util';

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const backend = wasmBackend(args);
  const x = input(args, 'x');
  const segmentIds = input(args, 'segmentIds');
  const numSegments = attr<number>(args, 'numSegments');
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(
      `UnsortedSegmentSum (selfsup wasm kernel): expected x of dtype float32 or int32, got ${x.dtype}`,
    );
  }
  if (segmentIds.dtype !== 'int32') {
    throw new Error(
      `UnsortedSegmentSum (selfsup wasm kernel): expected int32 segmentIds, got ${segmentIds.dtype}`,
    );
  }
  const idRank = segmentIds.shape.length;
  if (segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  const innerShape = x.shape.slice(idRank);
  const inner = sizeOf(innerShape);
  const rows = sizeOf(segmentIds.shape);
  const out = allocTensor(backend, [numSegments, ...innerShape], x.dtype);
  const o = heapView(backend, out) as Float32Array | Int32Array;
  const xv = heapView(backend, x) as Float32Array | Int32Array;
  const ids = heapView(backend, segmentIds) as Int32Array;
  const isInt = x.dtype === 'int32';
  // A segment's first row is copied, later ones added; segments no row reaches are zeroed at the
  // end, in runs. (A gather's gradient scatters a few rows into a large zero matrix: one write
  // per element instead of a zero fill plus a read-modify-write.)
  const seen = new Uint8Array(numSegments);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    if (seen[s] === 0) {
      seen[s] = 1;
      o.set(xv.subarray(src, src + inner), dst);
    } else if (isInt) {
      for (let j = 0; j < inner; j++) o[dst + j] = (o[dst + j] + xv[src + j]) | 0;
    } else {
      for (let j = 0; j < inner; j++) o[dst + j] += xv[src + j];
    }
  }
  for (let s0 = 0; s0 < numSegments;) {
    if (seen[s0] === 1) {
      s0++;
      continue;
    }
    let s1 = s0;
    while (s1 < numSegments && seen[s1] === 0) s1++;
    o.fill(0, s0 * inner, s1 * inner);
    s0 = s1;
  }
  return out;
}

export const unsortedSegmentSumKernel = unsortedSegmentSum as unknown as tf.KernelFunc;
