import { checkCursor, type Cursor } from '../cursor';
import type { Dataset, DatasetSource } from '../dataset';
import { disposeElement } from '../dispose-element';
import { DONE, makeIterator } from './iterator';

/** Keeps the elements for which `keep` is true; dropped elements are disposed. */
export function filterSource<T>(
  parent: Dataset<T>,
  keep: (x: T, index: number) => boolean,
): DatasetSource<T> {
  return {
    name: `${parent.name}.filter()`,
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { n: number; p: Cursor }>(cursor, 'filter');
      const it = parent.open(epoch, c?.p);
      let n = c?.n ?? 0;
      return makeIterator({
        async next() {
          for (;;) {
            const r = await it.next();
            if (r.done) return DONE;
            const index = n++;
            let ok: boolean;
            try {
              ok = keep(r.value, index);
            } catch (e) {
              disposeElement(r.value);
              throw e;
            }
            if (ok) return r;
            disposeElement(r.value);
          }
        },
        position: () => ({ k: 'filter', n, p: it.position() }),
        close: async () => {
          await it.return();
        },
      });
    },
  };
}
