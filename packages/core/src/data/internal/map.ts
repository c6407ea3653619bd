import { checkCursor, type Cursor } from '../cursor';
import type { Dataset, DatasetSource, ElementContext } from '../dataset';
import { disposeElement } from '../dispose-element';
import { disposeUnshared } from './tensors';
import { elementContext, runScoped } from './context';
import { DONE, makeIterator } from './iterator';

/**
 * Synchronous map. Element `i` of epoch `e` gets an rng derived from (seed, e, i), so its result
 * does not depend on how the stream was consumed, and a resumed stream needs no replay.
 */
export function mapSource<T, U>(
  parent: Dataset<T>,
  fn: (x: T, ctx: ElementContext) => U,
  seed: number | null,
): DatasetSource<U> {
  const name = `${parent.name}.map()`;
  const apply = (x: T, epoch: number, index: number): U => {
    let out: U;
    try {
      out = runScoped(() => fn(x, elementContext(seed ?? 0, epoch, index)), 'map');
    } catch (e) {
      disposeElement(x);
      throw e;
    }
    disposeUnshared(x, out);
    return out;
  };
  const pra = parent.randomAccess;
  if (pra) {
    return {
      name,
      length: pra.length,
      parents: [parent],
      randomAccess: {
        length: pra.length,
        signature: `${pra.signature}|map(${seed ?? '-'})`,
        get: (i, epoch) => apply(pra.get(i, epoch), epoch, i),
      },
    };
  }
  return {
    name,
    length: parent.length,
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { n: number; p: Cursor }>(cursor, 'map', { s: seed });
      const it = parent.open(epoch, c?.p);
      let n = c?.n ?? 0;
      return makeIterator({
        async next() {
          const r = await it.next();
          if (r.done) return DONE;
          const value = apply(r.value, epoch, n);
          n++;
          return { done: false, value };
        },
        position: () => ({ k: 'map', s: seed, n, p: it.position() }),
        close: async () => {
          await it.return();
        },
      });
    },
  };
}
