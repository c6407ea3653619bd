/**
 * Transpose of large tensors on the wasm heap. The stock kernel walks the output in order and
 * reads the input with large strides: ~11-12 ns an element once the tensor outgrows the caches (a
 * [4096, 8000] matrix, which the backward pass of a vocabulary projection transposes, or the
 * [512, 28, 28, 32] activations a conv filter gradient transposes), against ~5 ns for mid-size
 * matrices and under 1 ns when contiguous runs stay together. This one merges axes that stay
 * adjacent and transposes 32 x 32 tiles between the input's and the output's innermost axes
 * (~4-6 ns an element at every size). It takes over only where it measured faster: tensors of at
 * least {@link LARGE_TRANSPOSE} elements whose innermost axis moves. A permutation that leaves
 * the data in order (only size-1 axes move) shares the input's buffer. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import {
  allocTensor,
  attr,
  heapView,
  input,
  sharedOutput,
  sizeOf,
  wasmBackend,
  withOriginal,
  type KernelArgs,
} from './_util';

type Heap = Float32Array | Int32Array | Uint8Array;

const TILE = 32;

/** Element count from which this kernel replaces the stock one (measured crossover ~4-8M). */
export const LARGE_TRANSPOSE = 1 << 23;

/** Drops size-1 axes and merges runs of axes that stay adjacent and in order under `perm`. */
export function simplifyTranspose(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  const keep = shape.map((d) => d !== 1);
  const kept: number[] = [];
  shape.forEach((_, i) => {
    if (keep[i]) kept.push(i);
  });
  const rank = new Map(kept.map((a, i) => [a, i]));
  const p = perm.filter((a) => keep[a]).map((a) => rank.get(a)!);
  const s = kept.map((a) => shape[a]);
  // Group consecutive output axes whose input axes are consecutive.
  const groups: number[][] = [];
  for (const a of p) {
    const g = groups[groups.length - 1];
    if (g !== undefined && g[g.length - 1] + 1 === a) g.push(a);
    else groups.push([a]);
  }
  const order = groups.map((g) => g[0]).sort((x, y) => x - y);
  return {
    shape: order.map((first) => {
      const g = groups.find((gr) => gr[0] === first)!;
      return g.reduce((acc, a) => acc * s[a], 1);
    }),
    perm: groups.map((g) => order.indexOf(g[0])),
  };
}

function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * shape[i + 1];
  return st;
}

/** Writes `src` (shape `shape`) transposed by `perm` into `dst`. */
export function transposeInto(src: Heap, dst: Heap, shape: number[], perm: number[]): void {
  const r = shape.length;
  if (r < 2 || perm[r - 1] === r - 1) {
    // The tiles pair the input's and the output's innermost axes, which must differ.
    throw new Error(`transposeInto: the innermost axis must move, got perm [${perm.join(', ')}]`);
  }
  const inSt = stridesOf(shape);
  const outShape = perm.map((a) => shape[a]);
  const outSt = stridesOf(outShape);
  // Output axis j holds the input's innermost axis; the output's innermost axis comes from input
  // axis a. Every other output axis is "outer": an odometer over them.
  const j = perm.indexOf(r - 1);
  const a = perm[r - 1];
  const outer = [...Array(r).keys()].filter((i) => i !== j && i !== r - 1);
  const count = outer.reduce((acc, i) => acc * outShape[i], 1);
  const idx = new Array<number>(outer.length).fill(0);
  const U = shape[r - 1]; // input-contiguous extent; output stride outSt[j]
  const V = shape[a]; // output-contiguous extent; input stride inSt[a]
  const oj = outSt[j];
  const ia = inSt[a];
  for (let q = 0; q < count; q++) {
    let si = 0;
    let di = 0;
    for (let k = 0; k < outer.length; k++) {
      si += idx[k] * inSt[perm[outer[k]]];
      di += idx[k] * outSt[outer[k]];
    }
    for (let u0 = 0; u0 < U; u0 += TILE) {
      const u1 = Math.min(u0 + TILE, U);
      for (let v0 = 0; v0 < V; v0 += TILE) {
        const v1 = Math.min(v0 + TILE, V);
        for (let u = u0; u < u1; u++) {
          const d = di + u * oj;
          const s = si + u;
          for (let v = v0; v < v1; v++) dst[d + v] = src[s + v * ia];
        }
      }
    }
    for (let k = outer.length - 1; k >= 0; k--) {
      if (++idx[k] < outShape[outer[k]]) break;
      idx[k] = 0;
    }
  }
}

function transpose(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const x = input(args, 'x');
  const perm = attr<number[]>(args, 'perm');
  if (x.dtype === 'string' || x.dtype === 'complex64') return original(args) as tf.TensorInfo;
  const s = simplifyTranspose(x.shape, perm);
  const r = s.perm.length;
  // Only size-1 axes move (or none: tf.gather's gradient transposes by the identity): the data
  // keeps its order, so the output shares the buffer, as Reshape does.
  if (s.perm.every((a, i) => a === i))
    return sharedOutput(
      args,
      x,
      perm.map((a) => x.shape[a]),
    );
  if (sizeOf(x.shape) < LARGE_TRANSPOSE) return original(args) as tf.TensorInfo;
  // Contiguous runs (innermost axis in place): the stock copy is faster.
  if (r <= 1 || s.perm[r - 1] === r - 1) return original(args) as tf.TensorInfo;
  const backend = wasmBackend(args);
  const out = allocTensor(
    backend,
    perm.map((a) => x.shape[a]),
    x.dtype,
  );
  // Views after the allocation: growing wasm memory detaches older views.
  transposeInto(heapView(backend, x), heapView(backend, out), s.shape, s.perm);
  return out;
}

export const makeTransposeKernel = withOriginal('Transpose', transpose);
