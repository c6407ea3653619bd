import { checkCursor, type Cursor } from '../cursor';
import type { Dataset, DatasetSource } from '../dataset';
import { disposeElement } from '../dispose-element';
import { DONE, makeIterator } from './iterator';

const checkCount = (op: string, n: number): void => {
  if (!(Number.isInteger(n) && n >= 0) && n !== Infinity) {
    throw new Error(`${op}: count must be a non-negative integer, got ${n}`);
  }
};

export function takeSource<T>(parent: Dataset<T>, count: number): DatasetSource<T> {
  checkCount('take', count);
  const name = `${parent.name}.take(${count})`;
  const pra = parent.randomAccess;
  if (pra) {
    const length = Math.min(count, pra.length);
    return {
      name,
      length,
      parents: [parent],
      randomAccess: {
        length,
        signature: `${pra.signature}|take(${count})`,
        get: (i, epoch) => pra.get(i, epoch),
      },
    };
  }
  return {
    name,
    length: parent.length === undefined ? undefined : Math.min(count, parent.length),
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { n: number; p: Cursor }>(cursor, 'take', { count });
      const it = parent.open(epoch, c?.p);
      let n = c?.n ?? 0;
      return makeIterator({
        async next() {
          if (n >= count) return DONE;
          const r = await it.next();
          if (r.done) return DONE;
          n++;
          return r;
        },
        position: () => ({ k: 'take', count, n, p: it.position() }),
        close: async () => {
          await it.return();
        },
      });
    },
  };
}

export function skipSource<T>(parent: Dataset<T>, count: number): DatasetSource<T> {
  checkCount('skip', count);
  const name = `${parent.name}.skip(${count})`;
  const pra = parent.randomAccess;
  if (pra) {
    const length = Math.max(0, pra.length - count);
    return {
      name,
      length,
      parents: [parent],
      randomAccess: {
        length,
        signature: `${pra.signature}|skip(${count})`,
        get: (i, epoch) => pra.get(i + count, epoch),
      },
    };
  }
  return {
    name,
    length: parent.length === undefined ? undefined : Math.max(0, parent.length - count),
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { n: number; p: Cursor }>(cursor, 'skip', { count });
      const it = parent.open(epoch, c?.p);
      let skipped = c?.n ?? 0;
      return makeIterator({
        async next() {
          while (skipped < count) {
            const r = await it.next();
            if (r.done) return DONE;
            disposeElement(r.value);
            skipped++;
          }
          return it.next();
        },
        position: () => ({ k: 'skip', count, n: skipped, p: it.position() }),
        close: async () => {
          await it.return();
        },
      });
    },
  };
}

export function shardSource<T>(
  parent: Dataset<T>,
  rank: number,
  worldSize: number,
): DatasetSource<T> {
  if (!Number.isInteger(worldSize) || worldSize < 1)
    throw new Error(`shard: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new Error(`shard: rank must be an integer in [0, ${worldSize - 1}], got ${rank}`);
  }
  const name = `${parent.name}.shard(${rank}, ${worldSize})`;
  const size = (len: number): number =>
    len === Infinity ? Infinity : Math.max(0, Math.ceil((len - rank) / worldSize));
  const pra = parent.randomAccess;
  if (pra) {
    const length = size(pra.length);
    return {
      name,
      length,
      parents: [parent],
      randomAccess: {
        length,
        signature: `${pra.signature}|shard(${rank},${worldSize})`,
        get: (i, epoch) => pra.get(i * worldSize + rank, epoch),
      },
    };
  }
  return {
    name,
    length: parent.length === undefined ? undefined : size(parent.length),
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<Cursor & { n: number; p: Cursor }>(cursor, 'shard', {
        rank,
        worldSize,
      });
      const it = parent.open(epoch, c?.p);
      let n = c?.n ?? 0;
      return makeIterator({
        async next() {
          for (;;) {
            const r = await it.next();
            if (r.done) return DONE;
            const index = n++;
            if (index % worldSize === rank) return r;
            disposeElement(r.value);
          }
        },
        position: () => ({ k: 'shard', rank, worldSize, n, p: it.position() }),
        close: async () => {
          await it.return();
        },
      });
    },
  };
}
