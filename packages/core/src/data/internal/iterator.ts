import type { Cursor } from '../cursor';
import type { DatasetIterator } from '../dataset';

export const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
});

export interface IteratorImpl<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  position(): Cursor;
  /** Releases what the stage holds (buffered elements, parent iterators). Called at most once. */
  close?(): Promise<void>;
}

/**
 * Wraps a stage implementation into a {@link DatasetIterator}: `return()` closes once, and
 * `next()` after closing (or after the end) returns done without touching the stage again.
 */
export function makeIterator<T>(impl: IteratorImpl<T>): DatasetIterator<T> {
  let closed = false;
  let ended = false;
  const it: DatasetIterator<T> = {
    async next() {
      if (closed || ended) return DONE;
      const r = await impl.next();
      if (r.done) ended = true;
      return r;
    },
    async return() {
      if (!closed) {
        closed = true;
        await impl.close?.();
      }
      return DONE;
    },
    position: () => impl.position(),
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
