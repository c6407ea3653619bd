import * as tf from '@tensorflow/tfjs';

/**
 * The type of a batch of elements of type `T`: tensors gain a leading batch axis, records and
 * tuples are batched field by field, every other value (numbers, strings, typed arrays) becomes
 * an array.
 *
 * @example
 * ```ts
 * type B = Batched<{ image: tf.Tensor3D; label: number }>; // { image: tf.Tensor4D; label: number[] }
 * ```
 */
export type Batched<T> = T extends tf.Tensor
  ? T extends tf.Scalar
    ? tf.Tensor1D
    : T extends tf.Tensor1D
      ? tf.Tensor2D
      : T extends tf.Tensor2D
        ? tf.Tensor3D
        : T extends tf.Tensor3D
          ? tf.Tensor4D
          : T extends tf.Tensor4D
            ? tf.Tensor5D
            : tf.Tensor
  : T extends ArrayBufferView
    ? T[]
    : T extends readonly unknown[]
      ? T extends readonly tf.Tensor[]
        ? { [K in keyof T]: Batched<T[K]> }
        : T[]
      : T extends (...args: never[]) => unknown
        ? T[]
        : T extends object
          ? { [K in keyof T]: Batched<T[K]> }
          : T[];

/**
 * Expected shapes checked by {@link collate}: `null` entries match any size.
 *
 * @example
 * ```ts
 * const imageBatch: ShapeSpec = [null, 28, 28, 1];
 * ```
 */
export type ShapeSpec = readonly (number | null)[];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x) || ArrayBuffer.isView(x))
    return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function containsTensor(x: unknown): boolean {
  if (x instanceof tf.Tensor) return true;
  if (Array.isArray(x)) return x.some(containsTensor);
  if (isPlainObject(x)) return Object.values(x).some(containsTensor);
  return false;
}

const fmt = (shape: readonly (number | null)[]): string =>
  `[${shape.map((d) => (d === null ? 'any' : d)).join(', ')}]`;

function shapeMatches(shape: readonly number[], spec: ShapeSpec): boolean {
  return shape.length === spec.length && spec.every((d, i) => d === null || d === shape[i]);
}

/**
 * Stacks a list of elements into one batch (see {@link Batched}). Tensors must all have the
 * same shape and dtype; the error names the field, the offending element and the expected shape.
 * `shapes` optionally gives the expected shape of the stacked batch, per field path (`''` for a
 * tensor element, `'image'`, `'views.0'`), checked after stacking. The inputs are not disposed.
 *
 * @example
 * ```ts
 * const b = collate([{ x: tf.zeros([2]), y: 1 }, { x: tf.ones([2]), y: 0 }]);
 * b.x.shape; // [2, 2]
 * b.y;       // [1, 0]
 * ```
 */
export function collate<T>(
  items: readonly T[],
  shapes?: Readonly<Record<string, ShapeSpec>>,
): Batched<T> {
  if (items.length === 0) throw new Error('collate: cannot batch an empty list of elements');
  const created: tf.Tensor[] = [];
  try {
    return collateAt(items as readonly unknown[], '', shapes ?? {}, created) as Batched<T>;
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
}

function collateAt(
  items: readonly unknown[],
  path: string,
  shapes: Readonly<Record<string, ShapeSpec>>,
  created: tf.Tensor[],
): unknown {
  const where = path === '' ? 'the elements' : `field '${path}'`;
  const first = items[0];
  if (first instanceof tf.Tensor) {
    for (let i = 0; i < items.length; i++) {
      const t = items[i];
      if (!(t instanceof tf.Tensor)) {
        throw new Error(`batch: ${where}: element ${i} is not a tensor but element 0 is`);
      }
      if (t.isDisposed) throw new Error(`batch: ${where}: element ${i} is a disposed tensor`);
      if (t.dtype !== first.dtype || !shapeMatches(t.shape, first.shape)) {
        throw new Error(
          `batch: cannot stack ${where}: element ${i} of the batch has shape ${fmt(t.shape)} (${t.dtype}), ` +
            `expected ${fmt(first.shape)} (${first.dtype}), the shape of the batch's first element. ` +
            'Every element of a batch must have the same shape: resize, crop or pad before batching.',
        );
      }
    }
    const stacked = tf.stack(items as tf.Tensor[]);
    created.push(stacked);
    const spec = shapes[path];
    if (spec !== undefined && !shapeMatches(stacked.shape, spec)) {
      throw new Error(
        `batch: ${where} has batch shape ${fmt(stacked.shape)}, expected ${fmt(spec)}`,
      );
    }
    return stacked;
  }
  if (Array.isArray(first) && containsTensor(first)) {
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (!Array.isArray(it) || it.length !== first.length) {
        throw new Error(
          `batch: ${where}: element ${i} is not an array of length ${first.length} like element 0`,
        );
      }
    }
    return first.map((_, j) =>
      collateAt(
        items.map((it) => (it as unknown[])[j]),
        path === '' ? String(j) : `${path}.${j}`,
        shapes,
        created,
      ),
    );
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (!isPlainObject(it))
        throw new Error(`batch: ${where}: element ${i} is not a record like element 0`);
      const missing = keys.filter((k) => !(k in it));
      if (missing.length > 0) {
        throw new Error(
          `batch: ${where}: element ${i} lacks field(s) ${missing.join(', ')} that element 0 has`,
        );
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      out[key] = collateAt(
        items.map((it) => (it as Record<string, unknown>)[key]),
        path === '' ? key : `${path}.${key}`,
        shapes,
        created,
      );
    }
    return out;
  }
  for (let i = 1; i < items.length; i++) {
    if (items[i] instanceof tf.Tensor) {
      throw new Error(`batch: ${where}: element ${i} is a tensor but element 0 is not`);
    }
  }
  return [...items];
}
