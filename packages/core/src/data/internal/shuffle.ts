import { createRng, type Rng, type RngState } from '../../random/index';
import { checkCursor, type Cursor } from '../cursor';
import type { Dataset, DatasetIterator, DatasetSource } from '../dataset';
import { disposeElement } from '../dispose-element';
import { DONE, makeIterator } from './iterator';
import { mixSeed } from './seed';

interface ShuffleCursor extends Cursor {
  r: RngState;
  p: Cursor;
  d: boolean;
  b: Cursor[];
}

/**
 * Full shuffle of a random-access dataset: a fresh permutation per epoch from (seed, epoch).
 * O(1) memory per element and O(1) resume.
 */
export function permutationSource<T>(parent: Dataset<T>, seed: number): DatasetSource<T> {
  const pra = parent.randomAccess!;
  let cached: { epoch: number; perm: Int32Array } | undefined;
  const permutation = (epoch: number): Int32Array => {
    if (cached?.epoch !== epoch) {
      cached = { epoch, perm: createRng(mixSeed(seed, epoch)).permutation(pra.length) };
    }
    return cached.perm;
  };
  return {
    name: `${parent.name}.shuffle()`,
    length: pra.length,
    parents: [parent],
    randomAccess: {
      length: pra.length,
      signature: `${pra.signature}|shuffle(${seed})`,
      get: (i, epoch) => pra.get(permutation(epoch)[i], epoch),
    },
  };
}

/**
 * Buffered shuffle (as tf.data): keeps `size` elements, emits a random one, refills. Its cursor
 * stores, for each buffered element, the parent cursor just before it, so a resumed stream
 * re-reads exactly the elements that were in the buffer (one short parent read each) instead of
 * replaying the epoch.
 */
export function bufferedShuffleSource<T>(
  parent: Dataset<T>,
  size: number,
  seed: number,
): DatasetSource<T> {
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`shuffle: bufferSize must be a positive integer, got ${size}`);
  }
  return {
    name: `${parent.name}.shuffle(${size})`,
    length: parent.length,
    parents: [parent],
    open(epoch, cursor) {
      const c = checkCursor<ShuffleCursor>(cursor, 'shuffle', { s: seed, size });
      const rng: Rng = createRng(mixSeed(seed, epoch));
      if (c) rng.setState(c.r);
      const it: DatasetIterator<T> = parent.open(epoch, c?.p);
      let parentDone = c?.d ?? false;
      const buffer: { value: T; before: Cursor }[] = [];
      let restored = c === undefined;

      const restore = async (): Promise<void> => {
        for (const before of c!.b) {
          const one = parent.open(epoch, before);
          try {
            const r = await one.next();
            if (r.done) {
              throw new Error(
                'shuffle: could not re-read a buffered element: the parent dataset changed since the position was saved',
              );
            }
            buffer.push({ value: r.value, before });
          } finally {
            await one.return();
          }
        }
        restored = true;
      };

      return makeIterator({
        async next() {
          if (!restored) await restore();
          while (!parentDone && buffer.length < size) {
            const before = it.position();
            const r = await it.next();
            if (r.done) parentDone = true;
            else buffer.push({ value: r.value, before });
          }
          if (buffer.length === 0) return DONE;
          const j = rng.int(buffer.length);
          const out = buffer[j];
          buffer[j] = buffer[buffer.length - 1];
          buffer.pop();
          return { done: false, value: out.value };
        },
        position: () => ({
          k: 'shuffle',
          s: seed,
          size,
          r: rng.state(),
          p: it.position(),
          d: parentDone,
          b: restored ? buffer.map((e) => e.before) : c!.b,
        }),
        async close() {
          for (const e of buffer.splice(0)) disposeElement(e.value);
          await it.return();
        },
      });
    },
  };
}
