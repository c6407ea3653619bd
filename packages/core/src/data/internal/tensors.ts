import * as tf from '@tensorflow/tfjs';

/**
 * Calls `visit` on every tensor inside `x` (a tensor, or arrays and plain objects nesting
 * tensors). Typed arrays, strings and other leaves are not walked into, which keeps this cheap on
 * samples holding large `Float32Array`s (unlike `tf.dispose`, which walks every typed-array index).
 */
export function forEachTensor(x: unknown, visit: (t: tf.Tensor) => void): void {
  if (x === null || typeof x !== 'object') return;
  if (x instanceof tf.Tensor) {
    visit(x);
    return;
  }
  if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) return;
  if (Array.isArray(x)) {
    for (const item of x) forEachTensor(item, visit);
    return;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return; // class instances are opaque leaves
  for (const key of Object.keys(x)) forEachTensor((x as Record<string, unknown>)[key], visit);
}

/** Deep copy of an element's structure in which every tensor is `tf.clone`d (shares data, cheap). */
export function cloneElement<T>(x: T): T {
  if (x === null || typeof x !== 'object') return x;
  if (x instanceof tf.Tensor) return tf.clone(x) as unknown as T;
  if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) return x;
  if (Array.isArray(x)) return x.map((item) => cloneElement(item)) as unknown as T;
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return x;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(x)) out[key] = cloneElement((x as Record<string, unknown>)[key]);
  return out as T;
}

/** Disposes the tensors of `input` that do not appear (by identity) in `output`. */
export function disposeUnshared(input: unknown, output: unknown): void {
  const kept = new Set<tf.Tensor>();
  forEachTensor(output, (t) => kept.add(t));
  forEachTensor(input, (t) => {
    if (!kept.has(t) && !t.isDisposed && !(t instanceof tf.Variable)) t.dispose();
  });
}
