import { checkCursor, type Cursor } from '../cursor';
import { collate, type Batched } from '../collate';
import type { BatchOptions, Dataset, DatasetSource } from '../dataset';
import { disposeElement } from '../dispose-element';
import { DONE, makeIterator } from './iterator';

function stack<T>(items: T[], options: BatchOptions): Batched<T> {
  try {
    return collate(items, options.shapes);
  } finally {
    for (const item of items) disposeElement(item);
  }
}

export function batchSource<T>(
  parent: Dataset<T>,
  size: number,
  options: BatchOptions,
): DatasetSource<Batched<T>> {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`batch: size must be a positive integer, got ${size}`);
  const drop = options.dropRemainder ?? false;
  const name = `${parent.name}.batch(${size})`;
  const len = parent.length;
  const length =
    len === undefined
      ? undefined
      : len === Infinity
        ? Infinity
        : drop
          ? Math.floor(len / size)
          : Math.ceil(len / size);
  const pra = parent.randomAccess;
  if (pra) {
    const raLength = drop ? Math.floor(pra.length / size) : Math.ceil(pra.length / size);
    return {
      name,
      length: raLength,
      parents: [parent],
      randomAccess: {
        length: raLength,
        signature: `${pra.signature}|batch(${size},${drop})`,
        get: (i, epoch) => {
          const items: T[] = [];
          for (let j = i * size; j < Math.min((i + 1) * size, pra.length); j++)
            items.push(pra.get(j, epoch));
          return stack(items, options);
        },
      },
    };
  }
  return {
    name,
    length,
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { p: Cursor }>(cursor, 'batch', { size, drop });
      const it = parent.open(epoch, c?.p);
      return makeIterator({
        async next() {
          const items: T[] = [];
          try {
            while (items.length < size) {
              const r = await it.next();
              if (r.done) break;
              items.push(r.value);
            }
          } catch (e) {
            for (const item of items) disposeElement(item);
            throw e;
          }
          if (items.length === 0 || (drop && items.length < size)) {
            for (const item of items) disposeElement(item);
            return DONE;
          }
          return { done: false, value: stack(items, options) };
        },
        position: () => ({ k: 'batch', size, drop, p: it.position() }),
        close: async () => {
          await it.return();
        },
      });
    },
  };
}
