/**
 * Float64 reference helpers shared by the loss tests (not exported from the package).
 * @internal
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { Rng } from '../random/index';

export type Mat = number[][];

/** An `rows x cols` matrix of normal draws times `scale`. */
export function randMatrix(rng: Rng, rows: number, cols: number, scale = 1): Mat {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => rng.normal(0, scale)),
  );
}

/** A `[a, b, c]` nested array of normal draws times `scale`. */
export function rand3(rng: Rng, a: number, b: number, c: number, scale = 1): number[][][] {
  return Array.from({ length: a }, () => randMatrix(rng, b, c, scale));
}

/** Rounds every entry to float32, so the reference sees exactly the tensor's values. */
export function f32<T>(x: T): T {
  if (typeof x === 'number') return Math.fround(x) as T;
  return (x as unknown[]).map((v) => f32(v)) as T;
}

export function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: number[]): number {
  return Math.sqrt(dot(a, a));
}

/** `a / max(||a||, 1e-12)`, as PyTorch's `F.normalize`. */
export function normalize(a: number[]): number[] {
  const n = Math.max(norm(a), 1e-12);
  return a.map((v) => v / n);
}

export function cosine(a: number[], b: number[]): number {
  return dot(normalize(a), normalize(b));
}

export function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

export function softmax(xs: number[]): number[] {
  const lse = logSumExp(xs);
  return xs.map((x) => Math.exp(x - lse));
}

/** Flattens nested arrays of numbers. */
export function flat(x: unknown): number[] {
  if (typeof x === 'number') return [x];
  return (x as unknown[]).flatMap((v) => flat(v));
}

/** Rebuilds a nested array of `shape` from flat values (the inverse of {@link flat}). */
export function reshapeFlat(values: number[], shape: number[]): any {
  if (shape.length === 1) return values.slice(0, shape[0]);
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) =>
    reshapeFlat(values.slice(i * inner, (i + 1) * inner), shape.slice(1)),
  );
}

/**
 * Central finite differences of `f` (float64) with respect to every entry of `x`.
 * `f` receives a perturbed copy of the nested array.
 */
export function numericGrad<T>(f: (x: T) => number, x: T, shape: number[], h = 1e-6): number[] {
  const base = flat(x);
  return base.map((_, i) => {
    const plus = base.slice();
    const minus = base.slice();
    plus[i] += h;
    minus[i] -= h;
    return (f(reshapeFlat(plus, shape)) - f(reshapeFlat(minus, shape))) / (2 * h);
  });
}

/** Gradients of a scalar tfjs function with respect to each input, as flat arrays. */
export function tfGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): number[][] {
  const grads = tf.grads(f)(inputs);
  const out = grads.map((g) => Array.from(g.dataSync()));
  grads.forEach((g) => g.dispose());
  return out;
}

/** Asserts `|a - e| <= atol + rtol |e|` elementwise, naming the first failing index. */
export function expectClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  atol = 1e-5,
  rtol = 1e-4,
): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length).toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const ok = Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok) {
      expect.fail(`index ${i}: got ${a[i]}, expected ${e[i]} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** The value of a scalar loss, disposing it. */
export function value(loss: tf.Tensor): number {
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
}

/** Asserts that computing (and disposing) the result of `fn` leaves numTensors unchanged. */
export function expectNoLeak(fn: () => tf.Tensor | tf.Tensor[]): void {
  const before = tf.memory().numTensors;
  const out = fn();
  (Array.isArray(out) ? out : [out]).forEach((t) => t.dispose());
  expect(tf.memory().numTensors).toBe(before);
}
