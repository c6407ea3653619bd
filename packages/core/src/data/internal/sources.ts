import { checkCursor, type Cursor } from '../cursor';
import { disposeElement } from '../dispose-element';
import { cloneElement } from './tensors';
import type { DatasetIterator, DatasetSource, RandomAccess } from '../dataset';
import { DONE, makeIterator } from './iterator';

/** Iterates a random-access dataset by index; the cursor is the next index (O(1) resume). */
export function openRandomAccess<T>(
  ra: RandomAccess<T>,
  epoch: number,
  cursor: Cursor | undefined,
): DatasetIterator<T> {
  const c = checkCursor<Cursor & { i: number }>(cursor, 'index', { sig: ra.signature });
  let i = c?.i ?? 0;
  return makeIterator({
    async next() {
      if (i >= ra.length) return DONE;
      const value = ra.get(i, epoch);
      i++;
      return { done: false, value };
    },
    position: () => ({ k: 'index', sig: ra.signature, i }),
  });
}

export function arraySource<T>(items: readonly T[]): DatasetSource<T> {
  const snapshot = items.slice();
  return {
    name: `fromArray(${snapshot.length})`,
    length: snapshot.length,
    randomAccess: {
      length: snapshot.length,
      signature: `array(${snapshot.length})`,
      // Tensors are cloned (cheap, shared data) so that the consumer can dispose what it gets
      // without destroying the array's tensors for the next epoch.
      get: (i) => cloneElement(snapshot[i]),
    },
  };
}

export function rangeSource(start: number, end: number, step: number): DatasetSource<number> {
  if (step === 0 || !Number.isFinite(step))
    throw new Error(`Dataset.range: step must be a finite non-zero number, got ${step}`);
  const length = Math.max(0, Math.ceil((end - start) / step));
  return {
    name: `range(${start}, ${end}, ${step})`,
    length,
    randomAccess: {
      length,
      signature: `range(${start},${end},${step})`,
      get: (i) => start + i * step,
    },
  };
}

export function generatorSource<T>(
  make: (epoch: number) => Iterable<T> | AsyncIterable<T>,
  name: string,
  length: number | undefined,
): DatasetSource<T> {
  return {
    name,
    length,
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { n: number }>(cursor, 'generator');
      let n = 0;
      let iterator: Iterator<T> | AsyncIterator<T> | undefined;
      const start = (): Iterator<T> | AsyncIterator<T> => {
        const iterable = make(epoch);
        const asyncIt = (iterable as AsyncIterable<T>)[Symbol.asyncIterator];
        return asyncIt ? asyncIt.call(iterable) : (iterable as Iterable<T>)[Symbol.iterator]();
      };
      return makeIterator({
        async next() {
          if (iterator === undefined) {
            iterator = start();
            // A generator has no random access: resuming replays it and drops what was consumed.
            const skip = c?.n ?? 0;
            while (n < skip) {
              const r = await iterator.next();
              if (r.done) return DONE;
              disposeElement(r.value);
              n++;
            }
          }
          const r = await iterator.next();
          if (r.done) return DONE;
          n++;
          return { done: false, value: r.value };
        },
        position: () => ({ k: 'generator', n: iterator === undefined ? (c?.n ?? 0) : n }),
        async close() {
          await iterator?.return?.();
        },
      });
    },
  };
}
