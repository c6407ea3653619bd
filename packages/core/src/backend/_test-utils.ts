/**
 * Helpers for the backend tests: run the same computation on cpu and on wasm (with selfsup's
 * kernels) and compare. Internal to the tests of src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { nativeKernelsStatus, useNativeKernels } from './native-kernels';

/** Runs `f` on `backend` and returns its outputs as plain arrays (all tensors disposed). */
export async function runOn(
  backend: 'cpu' | 'wasm',
  f: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  // Tensors leave the tidy and are read after it: a tidy walks whatever it returns element by
  // element, which fails on arrays of millions of numbers.
  const outs = tf.tidy(() => {
    const out = f();
    return Array.isArray(out) ? out : [out];
  });
  const values = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return values;
}

/** Asserts same length and |a - b| <= atol + rtol * |b| elementwise, reporting the worst element. */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  atol = 1e-4,
  rtol = 1e-4,
): void {
  expect(got.length).toBe(want.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
    if (!(excess <= worstExcess)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `element ${worst}: got ${got[worst]}, want ${want[worst]} (atol ${atol}, rtol ${rtol})`,
    );
  }
}

/**
 * Same computation on cpu and on wasm; every output compared. Where `@selfsup/native` is
 * installed, wasm runs twice: with the native kernels and with the wasm-only ones.
 */
export async function expectWasmMatchesCpu(
  f: () => tf.Tensor | tf.Tensor[],
  atol = 1e-4,
  rtol = 1e-4,
): Promise<void> {
  const want = await runOn('cpu', f);
  const { available, active } = nativeKernelsStatus();
  try {
    for (const native of available ? [true, false] : [undefined]) {
      if (native !== undefined) useNativeKernels(native);
      const got = await runOn('wasm', f);
      expect(got.length).toBe(want.length);
      try {
        got.forEach((g, i) => expectClose(g, want[i], atol, rtol));
      } catch (e) {
        if (native !== undefined)
          (e as Error).message =
            `with the native kernels ${native ? 'on' : 'off'}: ${(e as Error).message}`;
        throw e;
      }
    }
  } finally {
    if (available) useNativeKernels(active);
  }
}

/** Deterministic data in [-1, 1) (no tfjs RNG involved, so identical on both backends). */
export function data(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return tf.tensor(v, shape);
}

/** Runs a kernel by name on the active backend (for kernels tfjs exposes no op for). */
export function runKernel(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: object,
): tf.Tensor {
  return tf
    .engine()
    .runKernel(name, inputs, attrs as Record<string, unknown> as never) as tf.Tensor;
}

/** The kernels `f` runs, in order (every `engine.runKernel` call, nested ones included). */
export function kernelsOf(f: () => void): string[] {
  const kernels: string[] = [];
  const engine = tf.engine() as unknown as {
    runKernel: (name: string, ...r: unknown[]) => unknown;
  };
  const run = engine.runKernel.bind(engine);
  engine.runKernel = (name: string, ...rest: unknown[]) => {
    kernels.push(name);
    return run(name, ...rest);
  };
  try {
    f();
  } finally {
    engine.runKernel = run;
  }
  return kernels;
}
