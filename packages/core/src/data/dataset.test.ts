import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import {
  Dataset,
  DataPositionError,
  disposeElement,
  type Cursor,
  type DatasetIterator,
} from './index';

/** Converts an element to plain JSON values (tensors to nested arrays) for comparisons. */
function plain(x: unknown): unknown {
  if (x instanceof tf.Tensor) return { shape: x.shape, values: Array.from(x.dataSync()) };
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, plain(v)]),
    );
  }
  return x;
}

async function drain<T>(it: DatasetIterator<T>, limit = Infinity): Promise<unknown[]> {
  const out: unknown[] = [];
  while (out.length < limit) {
    const r = await it.next();
    if (r.done) break;
    out.push(plain(r.value));
    disposeElement(r.value);
  }
  return out;
}

/** Checks that stopping after k elements and resuming from the JSON cursor continues identically. */
async function expectResumable<T>(
  make: () => Dataset<T>,
  epoch: number,
  ks: number[],
): Promise<unknown[]> {
  const reference = await drain(make().open(epoch));
  for (const k of ks) {
    const first = make().open(epoch);
    const head = await drain(first, k);
    const cursor = JSON.parse(JSON.stringify(first.position())) as Cursor;
    await first.return();
    const tail = await drain(make().open(epoch, cursor));
    expect([...head, ...tail], `resume after ${k} elements`).toEqual(reference);
  }
  return reference;
}

describe('Dataset basics', () => {
  it('range, map, filter, take, skip, toArray', async () => {
    expect(await Dataset.range(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(await Dataset.range(2, 11, 3).toArray()).toEqual([2, 5, 8]);
    const ds = Dataset.range(20)
      .map((x) => x * 2)
      .filter((x) => x % 3 === 0)
      .skip(1)
      .take(3);
    expect(await ds.toArray()).toEqual([6, 12, 18]);
  });

  it('batches tensors by stacking and records field by field, with a smaller last batch', async () => {
    const items = Array.from({ length: 5 }, (_, i) => ({
      x: tf.fill([2], i),
      label: i,
      name: `n${i}`,
    }));
    const batches = await Dataset.fromArray(items).batch(2).toArray();
    expect(batches.map((b) => b.x.shape)).toEqual([
      [2, 2],
      [2, 2],
      [1, 2],
    ]);
    expect(Array.from(batches[1].x.dataSync())).toEqual([2, 2, 3, 3]);
    expect(batches[2].label).toEqual([4]);
    expect(batches[0].name).toEqual(['n0', 'n1']);
    batches.forEach(disposeElement);
    const dropped = await Dataset.fromArray(items).batch(2, { dropRemainder: true }).toArray();
    expect(dropped).toHaveLength(2);
    dropped.forEach(disposeElement);
    items.forEach(disposeElement);
  });

  it('a wrongly shaped element fails the batch with an error naming the expected shape', async () => {
    const items = [tf.zeros([28, 28, 1]), tf.zeros([28, 28, 1]), tf.zeros([28, 28, 3])];
    const before = tf.memory().numTensors;
    await expect(
      Dataset.fromGenerator(() => items.map((t) => t.clone()))
        .batch(3)
        .toArray(),
    ).rejects.toThrow(/element 2 of the batch has shape \[28, 28, 3\].*expected \[28, 28, 1\]/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      Dataset.fromArray([{ image: tf.zeros([4, 4, 1]) }])
        .batch(1, { shapes: { image: [null, 28, 28, 1] } })
        .toArray(),
    ).rejects.toThrow(/field 'image' has batch shape \[1, 4, 4, 1\], expected \[any, 28, 28, 1\]/);
    tf.dispose(items);
  });

  it('full shuffle: a permutation per epoch, seeded, different across epochs', async () => {
    const a = Dataset.range(50).shuffle(undefined, createRng(3));
    const e0 = await a.toArray(0);
    const e1 = await a.toArray(1);
    expect([...e0].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(e0).not.toEqual(e1);
    expect(await Dataset.range(50).shuffle(undefined, createRng(3)).toArray(0)).toEqual(e0);
    expect(await Dataset.range(50).shuffle(undefined, createRng(4)).toArray(0)).not.toEqual(e0);
  });

  it('buffered shuffle: a permutation that mixes beyond the identity', async () => {
    const stream = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 100; i++) yield i;
    });
    const out = await stream.shuffle(10, createRng(5)).toArray();
    expect([...out].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(out).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    // A buffer of 10 cannot emit element i before position i - 9.
    out.forEach((v, pos) => expect(v).toBeLessThanOrEqual(pos + 9));
    expect(() => stream.shuffle()).toThrow(/give a bufferSize/);
  });

  it('shard partitions an epoch between workers', async () => {
    const base = () => Dataset.range(23).shuffle(undefined, createRng(9));
    const parts = await Promise.all([0, 1, 2].map((r) => base().shard(r, 3).toArray()));
    expect(parts.map((p) => p.length)).toEqual([8, 8, 7]);
    expect(parts.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    const streamed = await Dataset.fromGenerator(() => [0, 1, 2, 3, 4, 5, 6])
      .shard(1, 3)
      .toArray();
    expect(streamed).toEqual([1, 4]);
  });

  it('repeat gives each pass its own shuffle', async () => {
    const ds = Dataset.range(6).shuffle(undefined, createRng(1)).repeat(3);
    const out = await ds.toArray();
    expect(out).toHaveLength(18);
    const passes = [out.slice(0, 6), out.slice(6, 12), out.slice(12)];
    passes.forEach((p) => expect([...p].sort()).toEqual([0, 1, 2, 3, 4, 5]));
    expect(new Set(passes.map((p) => p.join())).size).toBeGreaterThan(1);
    const endless = Dataset.fromGenerator(() => [1, 2])
      .repeat()
      .take(5);
    expect(await endless.toArray()).toEqual([1, 2, 1, 2, 1]);
    await expect(
      Dataset.fromGenerator(() => [])
        .repeat()
        .take(1)
        .toArray(),
    ).rejects.toThrow(/is empty/);
  });

  it('random-access and streaming versions of a pipeline give the same elements', async () => {
    const values = Array.from({ length: 11 }, (_, i) => i);
    const f = (x: number, ctx: { rng: { float(): number } }) => x + ctx.rng.float();
    const ra = Dataset.fromArray(values).map(f, createRng(2)).batch(3).take(3);
    const streamed = Dataset.fromGenerator(() => values)
      .map(f, createRng(2))
      .batch(3)
      .take(3);
    expect(ra.randomAccess).toBeDefined();
    expect(streamed.randomAccess).toBeUndefined();
    expect(await ra.toArray(4)).toEqual(await streamed.toArray(4));
  });

  it('map frees its intermediates and the inputs it does not return', async () => {
    const items = [tf.ones([3]), tf.ones([3])];
    const before = tf.memory().numTensors;
    const out = await Dataset.fromArray(items)
      .map((x) => tf.add(tf.mul(x, 2), 1))
      .toArray();
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(Array.from(out[0].dataSync())).toEqual([3, 3, 3]);
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    // The array's own tensors survive the consumer's disposal (cloned per element).
    expect(Array.from(items[1].dataSync())).toEqual([1, 1, 1]);
    tf.dispose(items);
  });

  it('mapAsync keeps order with concurrency', async () => {
    const delays = [30, 5, 20, 1, 10, 0, 15];
    const out = await Dataset.fromArray(delays)
      .mapAsync(
        (d, { index }) => new Promise<number>((resolve) => setTimeout(() => resolve(index), d)),
        {
          concurrency: 4,
        },
      )
      .toArray();
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('mapAsync skips failing elements, reports them, and fails an epoch with none readable', async () => {
    const files = ['a.png', 'bad1.png', 'b.png', 'bad2.png'].map((path) => ({ path }));
    const ds = Dataset.fromArray(files).mapAsync(
      async (f) => {
        if (f.path.startsWith('bad')) throw new Error(`corrupt ${f.path}`);
        return f.path;
      },
      { onError: 'skip', name: 'decode' },
    );
    expect(await ds.toArray()).toEqual(['a.png', 'b.png']);
    const report = ds.batch(2).report();
    expect(report.skipped).toBe(2);
    expect(report.problems.map((p) => [p.source, p.reason, p.stage])).toEqual([
      ['bad1.png', 'corrupt bad1.png', 'decode'],
      ['bad2.png', 'corrupt bad2.png', 'decode'],
    ]);
    await ds.toArray(); // the same epoch again: counted once
    expect(ds.report().skipped).toBe(2);
    const none = Dataset.fromArray([{ path: 'x' }, { path: 'y' }]).mapAsync(
      async () => {
        throw new Error('not an image');
      },
      { onError: 'skip', name: 'imageFolder(/tmp/x)' },
    );
    await expect(none.toArray()).rejects.toThrow(
      /imageFolder\(\/tmp\/x\): no readable sample in epoch 0: all 2 failed[\s\S]*x: not an image/,
    );
    const strict = Dataset.fromArray(files).mapAsync(async (f) => {
      if (f.path === 'bad1.png') throw new Error('boom');
      return f;
    });
    await expect(strict.toArray()).rejects.toThrow(/failed on bad1.png: boom/);
  });

  it('prefetch reads ahead of the consumer', async () => {
    let produced = 0;
    const ds = Dataset.fromGenerator(async function* () {
      for (let i = 0; i < 10; i++) {
        produced++;
        yield i;
      }
    }).prefetch(4);
    const it = ds.open();
    expect((await it.next()).value).toBe(0);
    // Polled rather than one fixed sleep: a loaded machine may take longer to fill the buffer.
    for (let waited = 0; produced < 5 && waited < 2000; waited += 5) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(produced).toBe(5); // one consumed + four buffered, and no more
    expect(await drain(it)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('errors upstream of prefetch reach the consumer', async () => {
    const ds = Dataset.fromGenerator(async function* () {
      yield 1;
      throw new Error('disk gone');
    }).prefetch(2);
    await expect(ds.toArray()).rejects.toThrow('disk gone');
  });
});

describe('Dataset positions and resume', () => {
  const augment = (x: tf.Tensor, ctx: { rng: { float(): number } }) => tf.add(x, ctx.rng.float());

  it('resumes random-access pipelines exactly', async () => {
    const make = () =>
      Dataset.fromArray(Array.from({ length: 17 }, (_, i) => tf.fill([2], i)))
        .shuffle(undefined, createRng(11))
        .map(augment, createRng(12))
        .batch(4)
        .repeat(2);
    await expectResumable(make, 3, [0, 1, 3, 5, 9]);
  });

  it('resumes streaming pipelines exactly (buffered shuffle, mapAsync, filter, shard, prefetch, twoViews)', async () => {
    const make = () =>
      Dataset.fromGenerator((epoch) =>
        Array.from({ length: 40 }, (_, i) => ({ id: i + 100 * epoch, path: `f${i}` })),
      )
        .shuffle(7, createRng(21))
        .mapAsync(
          async (r, ctx) => {
            await new Promise((res) => setTimeout(res, ctx.index % 3));
            if (r.id % 11 === 5) throw new Error('unreadable');
            return { image: tf.fill([2, 2, 1], r.id), id: r.id };
          },
          { concurrency: 3, onError: 'skip' },
          createRng(22),
        )
        .filter((r) => r.id % 4 !== 1)
        .shard(0, 2)
        .batch(3)
        .twoViews((x, rng) => tf.add(x, rng!.float()) as tf.Tensor4D, createRng(23))
        .prefetch(2);
    const before = tf.memory().numTensors;
    const ref = await expectResumable(make, 1, [0, 1, 2, 3]);
    expect(ref.length).toBeGreaterThan(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a position saved at the end of an epoch resumes to an empty remainder', async () => {
    const ds = Dataset.range(3).shuffle(undefined, createRng(0));
    const it = ds.open(0);
    await drain(it);
    expect(await ds.open(0, it.position()).next()).toEqual({ done: true, value: undefined });
  });

  it('rejects a position from another pipeline or other seeds', async () => {
    const it = Dataset.range(10).shuffle(5, createRng(1)).open(0);
    await it.next();
    const cursor = it.position();
    // range has random access, so shuffle(5) < length is buffered: same pipeline, other seed.
    expect(() => Dataset.range(10).shuffle(5, createRng(2)).open(0, cursor)).toThrow(
      DataPositionError,
    );
    expect(() =>
      Dataset.range(10)
        .map((x) => x)
        .open(0, cursor),
    ).toThrow(/expected a 'index' stage|expected a 'map' stage/);
    const ra = Dataset.range(10).shuffle(undefined, createRng(1)).open(0);
    await ra.next();
    expect(() => Dataset.range(10).shuffle(undefined, createRng(2)).open(0, ra.position())).toThrow(
      /sig/,
    );
  });

  it('closing an iterator early disposes what the stages buffered', async () => {
    const before = tf.memory().numTensors;
    const it = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 50; i++) yield tf.scalar(i);
    })
      .shuffle(10, createRng(0))
      .prefetch(5)
      .open(0);
    const first = await it.next();
    disposeElement(first.value);
    await new Promise((r) => setTimeout(r, 5));
    await it.return();
    expect(tf.memory().numTensors).toBe(before);
  });
});
