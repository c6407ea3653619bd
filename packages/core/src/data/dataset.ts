import { resolveRng, type Rng } from '../random/index';
import type { Batched, ShapeSpec } from './collate';
import type { Cursor } from './cursor';
import type { DataReport, DataReporter } from './data-report';
import { batchSource } from './internal/batch';
import { filterSource } from './internal/filter';
import { mapSource } from './internal/map';
import { mapAsyncSource } from './internal/map-async';
import { prefetchSource } from './internal/prefetch';
import { repeatSource } from './internal/repeat';
import { bufferedShuffleSource, permutationSource } from './internal/shuffle';
import { shardSource, skipSource, takeSource } from './internal/slicing';
import { arraySource, generatorSource, openRandomAccess, rangeSource } from './internal/sources';
import { multiCrop, type MultiCropOptions } from './multi-crop';
import { twoViews, type ImageTransform, type Views } from './two-views';

/**
 * The seed of a map stage: drawn (from `rng`, else the global generator) only when the function
 * declares the context parameter, through which alone it can reach randomness. A function of the
 * element alone gets none, so rebuilding a deterministic pipeline never trips the seed check of a
 * saved position, and building it does not advance the global generator.
 */
function stageSeed(fn: (...args: never[]) => unknown, rng: Rng | undefined): number | null {
  return fn.length >= 2 ? resolveRng(rng).nextUint32() : null;
}

/**
 * An iterator over one epoch of a {@link Dataset} that can tell where it stands.
 *
 * @example
 * ```ts
 * const it = dataset.open(0);
 * const first = await it.next();
 * const saved = it.position();   // JSON: store it in a checkpoint
 * await it.return();             // frees what the pipeline buffered
 * ```
 */
export interface DatasetIterator<T> extends AsyncIterableIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  /** Stops the iterator and disposes the tensors its stages buffered (shuffle, prefetch). */
  return(): Promise<IteratorResult<T, undefined>>;
  /**
   * Position after the last element `next()` returned: `dataset.open(epoch, position)` yields
   * the same elements this iterator would have yielded next.
   */
  position(): Cursor;
}

/**
 * What an element function gets besides the element: the epoch, the element's index in the
 * stage's input stream, and a generator seeded from (stage seed, epoch, index). Draw every random
 * number of an element function from `rng`: that is what makes a resumed pipeline reproduce the
 * same augmentations without replaying the epoch.
 *
 * @example
 * ```ts
 * dataset.map((x, { rng }) => (rng.bernoulli(0.5) ? tf.reverse(x, 1) : x));
 * ```
 */
export interface ElementContext {
  readonly epoch: number;
  readonly index: number;
  readonly rng: Rng;
}

/**
 * Element access by index for datasets whose elements can be computed independently (arrays,
 * ranges, and maps, shuffles, batches, takes, skips, shards and finite repeats of those). Their
 * shuffle needs no buffer and their cursor is just an index.
 *
 * @example
 * ```ts
 * const ra = Dataset.range(10).randomAccess!;
 * ra.get(3, 0); // 3
 * ```
 */
export interface RandomAccess<T> {
  readonly length: number;
  /** Element `index` of `epoch`, owned by the caller. */
  get(index: number, epoch: number): T;
  /** Identifies the chain of stages; checked when a saved index is applied. */
  readonly signature: string;
}

/**
 * How a {@link Dataset} produces its elements: either by index (`randomAccess`) or as a stream
 * (`open`). Write one to add a custom source with {@link Dataset.from}; its cursors must be JSON
 * and `open(epoch, cursor)` must continue exactly after the element at which `cursor` was taken.
 *
 * @example
 * ```ts
 * const squares = Dataset.from<number>({
 *   name: 'squares',
 *   randomAccess: { length: 5, signature: 'squares(5)', get: (i) => i * i },
 * });
 * ```
 */
export interface DatasetSource<T> {
  readonly name: string;
  /** Elements per epoch when known (an upper bound when a stage may skip unreadable samples). */
  readonly length?: number;
  readonly randomAccess?: RandomAccess<T>;
  open?(epoch: number, cursor: Cursor | undefined): DatasetIterator<T>;
  /** Upstream datasets, whose reports this one includes. */
  readonly parents?: readonly Dataset<any>[];
  readonly reporter?: DataReporter;
}

/**
 * Options of {@link Dataset.mapAsync}.
 *
 * @example
 * ```ts
 * const o: MapAsyncOptions<{ path: string }> = { concurrency: 4, onError: 'skip' };
 * ```
 */
export interface MapAsyncOptions<T> {
  /** Calls in flight at once (default 1). Results keep the input order. */
  concurrency?: number;
  /** `'skip'`: drop and report an element whose call throws; `'throw'` (default): fail. */
  onError?: 'throw' | 'skip';
  /** Names an element in reports and errors (default: its `path` field, else its index). */
  describe?: (x: T, index: number) => string;
  /** Stage name used in reports and errors. */
  name?: string;
}

/**
 * Options of {@link Dataset.batch}.
 *
 * @example
 * ```ts
 * const o: BatchOptions = { dropRemainder: true, shapes: { image: [null, 28, 28, 1] } };
 * ```
 */
export interface BatchOptions {
  /** Drop the last, smaller batch of an epoch (default false). */
  dropRemainder?: boolean;
  /** Expected batch shapes per field path (`''` for tensor elements), `null` for any size. */
  shapes?: Readonly<Record<string, ShapeSpec>>;
}

/**
 * A seeded, resumable, epoch-aware data pipeline: an async iterable of elements, built from a
 * source with chainable stages.
 *
 * **Epochs and positions.** `open(epoch, cursor?)` iterates one epoch. Every random stage is
 * seeded when built (from the `rng` argument, else the global generator) and derives its draws
 * from (seed, epoch[, element index]), so the same pipeline gives the same elements in every
 * process. `iterator.position()` is a JSON cursor; `open(epoch, cursor)` continues exactly after
 * it, without replaying the epoch (see each stage for what it stores). Resume therefore requires
 * the pipeline to be rebuilt with the same stages and seeds; a mismatch throws a
 * {@link DataPositionError}.
 *
 * **Who owns tensors.** Every element a dataset yields belongs to its consumer, who disposes it
 * (`disposeElement(batch)`; the Trainer does this after each step). Stages dispose what they drop:
 * filtered, skipped and other shards' elements, inputs of `map`/`mapAsync` that the function does
 * not pass through, elements consumed by `batch`, and buffered elements when an iterator is
 * closed with `return()` (a `for await` loop left early closes it). Tensors held by
 * `Dataset.fromArray` are cloned for each consumer (cheap: shared data) and stay valid.
 *
 * **Bad samples.** `mapAsync(..., { onError: 'skip' })` (used by the file loaders) drops samples
 * that fail to decode and reports them in {@link Dataset.report}; an epoch with no readable
 * sample throws.
 *
 * @example
 * ```ts
 * const train = Dataset.fromArray(samples)
 *   .shuffle(undefined, createRng(1))
 *   .batch(128, { dropRemainder: true })
 *   .twoViews(augment, createRng(2))
 *   .prefetch(2);
 * for await (const { views: [a, b] } of train) {
 *   // ...
 *   tf.dispose([a, b]);
 * }
 * ```
 */
export class Dataset<T> implements AsyncIterable<T> {
  constructor(protected readonly source: DatasetSource<T>) {
    if (!source.randomAccess && !source.open) {
      throw new Error(`Dataset ${source.name}: a source needs randomAccess or open()`);
    }
  }

  /**
   * A dataset from a custom source.
   *
   * @example
   * ```ts
   * const ds = Dataset.from<number>({ name: 'ones', randomAccess: { length: 3, signature: 'ones', get: () => 1 } });
   * ```
   */
  static from<T>(source: DatasetSource<T>): Dataset<T> {
    return new Dataset(source);
  }

  /**
   * The items of an array, in order (random access: `shuffle()` needs no buffer). Tensors in it
   * are cloned for the consumer, so the array stays usable across epochs.
   *
   * @example
   * ```ts
   * const ds = Dataset.fromArray([{ x: 1 }, { x: 2 }]);
   * ```
   */
  static fromArray<T>(items: readonly T[]): Dataset<T> {
    return new Dataset(arraySource(items));
  }

  /**
   * The numbers `start, start + step, ...` below `end` (or `0..start-1` with one argument).
   *
   * @example
   * ```ts
   * await Dataset.range(3).toArray(); // [0, 1, 2]
   * ```
   */
  static range(start: number, end?: number, step = 1): Dataset<number> {
    return end === undefined
      ? new Dataset(rangeSource(0, start, step))
      : new Dataset(rangeSource(start, end, step));
  }

  /**
   * A dataset from a (sync or async) generator function called once per epoch. Generators have
   * no random access: resuming replays the generator up to the saved position (so make it
   * deterministic in `epoch`, and cheap, e.g. yield paths and decode in `mapAsync`).
   *
   * @example
   * ```ts
   * const ds = Dataset.fromGenerator(function* () { yield* [1, 2, 3]; });
   * ```
   */
  static fromGenerator<T>(
    make: (epoch: number) => Iterable<T> | AsyncIterable<T>,
    options: { name?: string; length?: number } = {},
  ): Dataset<T> {
    return new Dataset(generatorSource(make, options.name ?? 'fromGenerator', options.length));
  }

  /** Name used in errors and reports. */
  get name(): string {
    return this.source.name;
  }

  /**
   * Elements per epoch when known in advance (`Infinity` for an endless repeat, an upper bound
   * when unreadable samples may be skipped), else `undefined`.
   */
  get length(): number | undefined {
    return this.source.randomAccess?.length ?? this.source.length;
  }

  /** Index access, when every stage allows it. */
  get randomAccess(): RandomAccess<T> | undefined {
    return this.source.randomAccess;
  }

  /**
   * Iterates epoch `epoch`, from its start or from a saved `cursor`.
   *
   * @example
   * ```ts
   * const it = ds.open(2, savedCursor);
   * for await (const x of it) { ... }
   * ```
   */
  open(epoch = 0, cursor: Cursor | null = null): DatasetIterator<T> {
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new Error(`Dataset.open: epoch must be a non-negative integer, got ${epoch}`);
    const ra = this.source.randomAccess;
    if (ra) return openRandomAccess(ra, epoch, cursor ?? undefined);
    return this.source.open!(epoch, cursor ?? undefined);
  }

  /** Iterates epoch 0. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.open(0);
  }

  /**
   * Every element of one epoch, in an array (the caller owns their tensors).
   *
   * @example
   * ```ts
   * const xs = await Dataset.range(5).map((x) => x * 2).toArray(); // [0, 2, 4, 6, 8]
   * ```
   */
  async toArray(epoch = 0): Promise<T[]> {
    const out: T[] = [];
    for await (const x of this.open(epoch)) out.push(x);
    return out;
  }

  /**
   * Samples skipped so far by this dataset and every stage upstream, with path and reason.
   *
   * @example
   * ```ts
   * const { skipped, problems } = ds.report();
   * ```
   */
  report(): DataReport {
    const seen = new Set<DataReporter>();
    const problems: DataReport['problems'] = [];
    const visit = (ds: Dataset<unknown>): void => {
      const r = ds.source.reporter;
      if (r && !seen.has(r)) {
        seen.add(r);
        problems.push(...r.report().problems);
      }
      for (const p of ds.source.parents ?? []) visit(p);
    };
    visit(this as Dataset<unknown>);
    return { skipped: problems.length, problems };
  }

  /**
   * Applies a synchronous function to each element. It runs in its own tfjs scope (intermediate
   * tensors are freed) and the input's tensors it does not return are disposed. Draw random
   * numbers from `ctx.rng` (the stage is seeded, from `rng` or the global generator, only if `fn`
   * declares the `ctx` parameter). Keeps random access.
   *
   * @example
   * ```ts
   * const scaled = ds.map(({ image, label }) => ({ image: tf.div(image, 255), label }));
   * ```
   */
  map<U>(fn: (x: T, ctx: ElementContext) => U, rng?: Rng): Dataset<U> {
    return new Dataset(mapSource(this, fn, stageSeed(fn, rng)));
  }

  /**
   * Applies an asynchronous function (file reads, decoding) with up to `concurrency` calls in
   * flight, results in order. The input's tensors it does not return are disposed; it must free
   * its own intermediates (no scope can span an `await`). With `onError: 'skip'` a failing
   * element is dropped and reported.
   *
   * @example
   * ```ts
   * const decoded = Dataset.fromArray(paths).mapAsync((p) => decode(p), { concurrency: 4, onError: 'skip' });
   * ```
   */
  mapAsync<U>(
    fn: (x: T, ctx: ElementContext) => Promise<U> | U,
    options: MapAsyncOptions<T> = {},
    rng?: Rng,
  ): Dataset<U> {
    return new Dataset(mapAsyncSource(this, fn, options, stageSeed(fn, rng)));
  }

  /**
   * Keeps the elements for which `keep` returns true (the others are disposed).
   *
   * @example
   * ```ts
   * const evens = Dataset.range(10).filter((x) => x % 2 === 0);
   * ```
   */
  filter(keep: (x: T, index: number) => boolean): Dataset<T> {
    return new Dataset(filterSource(this, keep));
  }

  /**
   * Shuffles, differently each epoch. Without `bufferSize` (or with one at least the dataset's
   * length) on a random-access dataset: a full permutation of indices (no buffer, O(1) resume).
   * Otherwise a buffered shuffle (as tf.data): holds `bufferSize` elements and emits a random
   * one; its saved position lists where each buffered element came from, so resuming re-reads
   * only those.
   *
   * @example
   * ```ts
   * Dataset.fromArray(items).shuffle(undefined, createRng(0)); // full shuffle
   * Dataset.fromGenerator(stream).shuffle(1000, createRng(0)); // buffered
   * ```
   */
  shuffle(bufferSize?: number, rng?: Rng): Dataset<T> {
    const seed = resolveRng(rng).nextUint32();
    const ra = this.source.randomAccess;
    if (ra && (bufferSize === undefined || bufferSize >= ra.length))
      return new Dataset(permutationSource(this, seed));
    if (bufferSize === undefined) {
      throw new Error(
        `shuffle: ${this.name} has no random access (it streams), so give a bufferSize, e.g. shuffle(1024)`,
      );
    }
    return new Dataset(bufferedShuffleSource(this, bufferSize, seed));
  }

  /**
   * Groups consecutive elements into batches: tensors are stacked along a new first axis (all
   * must share one shape; the error names the expected shape), records and tuples are batched
   * field by field, other values become arrays. See {@link collate}.
   *
   * @example
   * ```ts
   * const batches = samples.batch(64, { dropRemainder: true }); // { image: Tensor4D, label: number[] }
   * ```
   */
  batch(size: number, options: BatchOptions = {}): Dataset<Batched<T>> {
    return new Dataset(batchSource(this, size, options));
  }

  /**
   * Reads up to `bufferSize` elements ahead of the consumer, so asynchronous work upstream
   * (file reads, decoding) overlaps with the consumer's computation.
   *
   * @example
   * ```ts
   * const fast = decoded.batch(128).prefetch(2);
   * ```
   */
  prefetch(bufferSize = 2): Dataset<T> {
    return new Dataset(prefetchSource(this, bufferSize));
  }

  /**
   * The first `count` elements of each epoch.
   *
   * @example
   * ```ts
   * const small = ds.take(100);
   * ```
   */
  take(count: number): Dataset<T> {
    return new Dataset(takeSource(this, count));
  }

  /**
   * Each epoch without its first `count` elements.
   *
   * @example
   * ```ts
   * const rest = ds.skip(100);
   * ```
   */
  skip(count: number): Dataset<T> {
    return new Dataset(skipSource(this, count));
  }

  /**
   * `count` passes (default: endless) per epoch; each pass is read as its own epoch of the
   * parent, so shuffles and augmentations differ between passes.
   *
   * @example
   * ```ts
   * const stream = ds.repeat(); // train by steps
   * ```
   */
  repeat(count = Infinity): Dataset<T> {
    return new Dataset(repeatSource(this, count));
  }

  /**
   * Elements `rank, rank + worldSize, ...` of each epoch: one worker's share. Shard after the
   * shuffle (same seed on every worker) so that the shards partition the epoch.
   *
   * @example
   * ```ts
   * const mine = ds.shuffle(undefined, createRng(7)).shard(rank, worldSize);
   * ```
   */
  shard(rank: number, worldSize: number): Dataset<T> {
    return new Dataset(shardSource(this, rank, worldSize));
  }

  /**
   * Two augmented views of each batch of images (a Tensor4D or a record with an `image`
   * Tensor4D): `{ views: [a, b], ...otherFields }`. See {@link twoViews}.
   *
   * @example
   * ```ts
   * const pairs = ds.batch(256).twoViews(augment);
   * ```
   */
  twoViews(
    augment: ImageTransform | readonly [ImageTransform, ImageTransform],
    rng?: Rng,
  ): Dataset<Views<T>> {
    return this.map(twoViews<T>(augment), rng);
  }

  /**
   * Multi-crop views of each batch of images: globals first, then locals. See {@link multiCrop}.
   *
   * @example
   * ```ts
   * const crops = ds.batch(64).multiCrop({ global: { size: 32, scale: [0.4, 1] }, local: { size: 16, scale: [0.05, 0.4], count: 4 } });
   * ```
   */
  multiCrop(options: MultiCropOptions, rng?: Rng): Dataset<Views<T>> {
    return this.map(multiCrop<T>(options), rng);
  }
}
