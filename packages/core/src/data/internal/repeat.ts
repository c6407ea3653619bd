import { checkCursor, type Cursor } from '../cursor';
import type { Dataset, DatasetIterator, DatasetSource } from '../dataset';
import { DONE, makeIterator } from './iterator';

/**
 * The epoch under which pass `pass` of outer epoch `epoch` reads its parent: distinct for every
 * (epoch, pass), so shuffles and augmentations differ from pass to pass.
 */
const childEpoch = (epoch: number, pass: number, count: number): number =>
  count === Infinity ? epoch * 4294967296 + pass : epoch * count + pass;

export function repeatSource<T>(parent: Dataset<T>, count: number): DatasetSource<T> {
  if (!(count === Infinity || (Number.isInteger(count) && count >= 0))) {
    throw new Error(`repeat: count must be a non-negative integer or Infinity, got ${count}`);
  }
  const name = `${parent.name}.repeat(${count === Infinity ? '' : count})`;
  const pra = parent.randomAccess;
  if (pra && count !== Infinity) {
    const length = pra.length * count;
    return {
      name,
      length,
      parents: [parent],
      randomAccess: {
        length,
        signature: `${pra.signature}|repeat(${count})`,
        get: (i, epoch) =>
          pra.get(i % pra.length, childEpoch(epoch, Math.floor(i / pra.length), count)),
      },
    };
  }
  const len = parent.length;
  return {
    name,
    length: len === undefined ? undefined : len === 0 ? 0 : len * count,
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { pass: number; p: Cursor }>(cursor, 'repeat', {
        count: count === Infinity ? -1 : count,
      });
      let pass = c?.pass ?? 0;
      let it: DatasetIterator<T> | undefined =
        pass < count ? parent.open(childEpoch(epoch, pass, count), c?.p ?? undefined) : undefined;
      let fresh = c?.p == null;
      let yielded = false;
      return makeIterator({
        async next() {
          while (it !== undefined) {
            const r = await it.next();
            if (!r.done) {
              yielded = true;
              return r;
            }
            await it.return();
            if (fresh && !yielded && count === Infinity) {
              throw new Error(
                `repeat: ${parent.name} is empty; repeating it forever would never yield an element`,
              );
            }
            pass++;
            fresh = true;
            yielded = false;
            it = pass < count ? parent.open(childEpoch(epoch, pass, count), undefined) : undefined;
          }
          return DONE;
        },
        position: () => ({
          k: 'repeat',
          count: count === Infinity ? -1 : count,
          pass,
          p: it?.position() ?? null,
        }),
        close: async () => {
          await it?.return();
        },
      });
    },
  };
}
