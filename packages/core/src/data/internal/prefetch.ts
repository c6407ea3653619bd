import { checkCursor, type Cursor } from '../cursor';
import type { Dataset, DatasetSource } from '../dataset';
import { disposeElement } from '../dispose-element';
import { DONE, makeIterator } from './iterator';

type Item<T> = { result: IteratorResult<T, undefined>; after: Cursor } | { error: unknown };

/**
 * Reads up to `size` elements ahead of the consumer. Node runs JavaScript on one thread, so what
 * overlaps with a training step is the asynchronous work the parent starts (file reads, image
 * decoding in libuv's thread pool, `mapAsync` with concurrency), not synchronous JS.
 */
export function prefetchSource<T>(parent: Dataset<T>, size: number): DatasetSource<T> {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`prefetch: bufferSize must be a positive integer, got ${size}`);
  return {
    name: `${parent.name}.prefetch(${size})`,
    length: parent.length,
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { p: Cursor }>(cursor, 'prefetch');
      const it = parent.open(epoch, c?.p);
      let position = c?.p ?? it.position();
      const queue: Item<T>[] = [];
      let ended = false;
      let closed = false;
      let pumping = false;
      let pumpTask: Promise<void> = Promise.resolve();
      let wake: (() => void) | undefined;
      const notify = (): void => {
        const w = wake;
        wake = undefined;
        w?.();
      };

      const pump = (): void => {
        if (pumping || ended || closed) return;
        pumping = true;
        pumpTask = (async () => {
          try {
            while (!ended && !closed && queue.length < size) {
              let item: Item<T>;
              try {
                const result = await it.next();
                item = { result, after: it.position() };
                if (result.done) ended = true;
              } catch (error) {
                item = { error };
                ended = true;
              }
              if (closed) {
                if ('result' in item && !item.result.done) disposeElement(item.result.value);
                break;
              }
              queue.push(item);
              notify();
            }
          } finally {
            pumping = false;
            notify();
          }
        })();
      };

      pump();
      return makeIterator({
        async next() {
          while (queue.length === 0) {
            if (closed || (ended && !pumping)) return DONE;
            pump();
            if (queue.length > 0 || !pumping) continue;
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
          const item = queue.shift()!;
          pump();
          if ('error' in item) throw item.error;
          if (item.result.done) return DONE;
          position = item.after;
          return item.result;
        },
        position: () => ({ k: 'prefetch', p: position }),
        async close() {
          closed = true;
          await pumpTask;
          for (const item of queue.splice(0)) {
            if ('result' in item && !item.result.done) disposeElement(item.result.value);
          }
          await it.return();
        },
      });
    },
  };
}
