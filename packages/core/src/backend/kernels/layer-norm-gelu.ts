/**
 * selfsup's fused LayerNorm and exact-GELU kernels on wasm (see ops/layer-norm.ts and
 * ops/gelu.ts): each forward and each backward is one `@selfsup/native` call on the wasm heap
 * instead of ~10 (LayerNorm forward), ~20 (its backward) or ~5 (GELU) tfjs kernels, each a full
 * pass. The `...ViaOps` versions compute the same with tf ops, for calls that reach these kernels
 * while the native kernels are off. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernelsLike } from '../native-kernels';
import { asTensor, attr, heapF32, input, sizeOf, wasmBackend, type KernelArgs } from './_util';

function float32(...ts: tf.TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

/** [rows, channels] of x normalized over its last axis; undefined for a scalar or no elements. */
function rowsAndChannels(x: tf.TensorInfo): [number, number] | undefined {
  const channels = x.shape[x.shape.length - 1];
  if (x.shape.length === 0 || !(channels > 0) || sizeOf(x.shape) === 0) return undefined;
  return [sizeOf(x.shape) / channels, channels];
}

/**
 * `SelfsupLayerNorm` (inputs x, gamma, beta; attr epsilon) on the native pool: outputs
 * `[y, mean, invStd]`, the statistics shaped as x without its last axis.
 */
export function nativeLayerNorm(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo[] | undefined {
  const x = input(args, 'x');
  const gamma = input(args, 'gamma');
  const beta = input(args, 'beta');
  const size = rowsAndChannels(x);
  if (size === undefined || !float32(x, gamma, beta)) return undefined;
  const [rows, channels] = size;
  const backend = wasmBackend(args);
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput(x.shape.slice(0, -1), 'float32');
  const invStd = backend.makeOutput(x.shape.slice(0, -1), 'float32');
  const view = (t: tf.TensorInfo) => heapF32(backend, t); // after the allocations
  native.layerNormForward({
    x: view(x),
    gamma: view(gamma),
    beta: view(beta),
    epsilon: attr<number>(args, 'epsilon'),
    y: view(y),
    mean: view(mean),
    invStd: view(invStd),
    rows,
    channels,
  });
  return [y, mean, invStd];
}

/** `SelfsupLayerNorm` with tf ops: the formulas of the composed op (see ops/layer-norm.ts). */
export function layerNormViaOps(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as tf.KernelBackend;
  const epsilon = attr<number>(args, 'epsilon');
  return tf.tidy(() => {
    const x = asTensor(input(args, 'x'), backend);
    const axis = x.rank - 1;
    const mean = tf.mean(x, axis, true);
    const centered = tf.sub(x, mean);
    const invStd = tf.rsqrt(tf.add(tf.mean(tf.mul(centered, centered), axis, true), epsilon));
    const y = tf.add(
      tf.mul(tf.mul(centered, invStd), asTensor(input(args, 'gamma'), backend)),
      asTensor(input(args, 'beta'), backend),
    );
    const statShape = x.shape.slice(0, -1);
    return [y, tf.reshape(mean, statShape), tf.reshape(invStd, statShape)];
  });
}

/**
 * `SelfsupLayerNormGrad` (inputs dy, x, mean, invStd, gamma, the last three from the forward) on
 * the native pool: outputs `[dx, dgamma, dbeta]`.
 */
export function nativeLayerNormGrad(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo[] | undefined {
  const dy = input(args, 'dy');
  const x = input(args, 'x');
  const mean = input(args, 'mean');
  const invStd = input(args, 'invStd');
  const gamma = input(args, 'gamma');
  const size = rowsAndChannels(x);
  if (size === undefined || !float32(dy, x, mean, invStd, gamma)) return undefined;
  const [rows, channels] = size;
  const backend = wasmBackend(args);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dgamma = backend.makeOutput([channels], 'float32');
  const dbeta = backend.makeOutput([channels], 'float32');
  const view = (t: tf.TensorInfo) => heapF32(backend, t);
  native.layerNormBackward({
    dy: view(dy),
    x: view(x),
    mean: view(mean),
    invStd: view(invStd),
    gamma: view(gamma),
    dx: view(dx),
    dgamma: view(dgamma),
    dbeta: view(dbeta),
    rows,
    channels,
  });
  return [dx, dgamma, dbeta];
}

/**
 * `SelfsupLayerNormGrad` with tf ops, in closed form from the saved statistics:
 * `dx = invStd * (g - mean(g) - xhat * mean(g * xhat))` with `g = gamma * dy` (row means),
 * `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)` (sums over rows).
 */
export function layerNormGradViaOps(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as tf.KernelBackend;
  return tf.tidy(() => {
    const x = asTensor(input(args, 'x'), backend);
    const channels = x.shape[x.rank - 1];
    const rows = x.size / channels;
    const as2d = (name: string, cols: number) =>
      tf.reshape(asTensor(input(args, name), backend), [rows, cols]);
    const dy = as2d('dy', channels);
    const invStd = as2d('invStd', 1);
    const xhat = tf.mul(tf.sub(tf.reshape(x, [rows, channels]), as2d('mean', 1)), invStd);
    const g = tf.mul(dy, asTensor(input(args, 'gamma'), backend));
    const dx = tf.mul(
      invStd,
      tf.sub(tf.sub(g, tf.mean(g, 1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), 1, true))),
    );
    return [tf.reshape(dx, x.shape), tf.sum(tf.mul(dy, xhat), 0), tf.sum(dy, 0)];
  });
}

/** `SelfsupGelu` (input x): the exact GELU on the native pool. */
export function nativeGelu(native: NativeKernelsLike, args: KernelArgs): tf.TensorInfo | undefined {
  const x = input(args, 'x');
  if (!float32(x) || sizeOf(x.shape) === 0) return undefined;
  const backend = wasmBackend(args);
  const y = backend.makeOutput(x.shape, 'float32');
  native.geluForward(heapF32(backend, x), heapF32(backend, y));
  return y;
}

/** `SelfsupGelu` with tf ops: `0.5 x (1 + erf(x / sqrt 2))`, as the composed op. */
export function geluViaOps(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as tf.KernelBackend;
  return tf.tidy(() => {
    const x = asTensor(input(args, 'x'), backend);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  });
}

/** `SelfsupGeluGrad` (inputs dy, x) on the native pool. */
export function nativeGeluGrad(
  native: NativeKernelsLike,
  args: KernelArgs,
): tf.TensorInfo | undefined {
  const dy = input(args, 'dy');
  const x = input(args, 'x');
  if (!float32(dy, x) || sizeOf(x.shape) === 0 || sizeOf(dy.shape) !== sizeOf(x.shape))
    return undefined;
  const backend = wasmBackend(args);
  const dx = backend.makeOutput(x.shape, 'float32');
  native.geluBackward(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, dx));
  return dx;
}

/** `SelfsupGeluGrad` with tf ops: `dy * (0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi))`. */
export function geluGradViaOps(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as tf.KernelBackend;
  return tf.tidy(() => {
    const x = asTensor(input(args, 'x'), backend);
    const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = tf.mul(tf.exp(tf.mul(tf.mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return tf.mul(asTensor(input(args, 'dy'), backend), tf.add(cdf, tf.mul(x, pdf)));
  });
}
