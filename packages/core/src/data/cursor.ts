/**
 * A JSON-serializable position inside one epoch of a {@link Dataset}: each pipeline stage writes
 * its own state (kind `k`, counters, seeds) and nests its parent's cursor. Opening the dataset
 * again with the cursor continues right after the last element that was returned.
 *
 * @example
 * ```ts
 * const it = dataset.open(0);
 * await it.next();
 * const cursor: Cursor = it.position();
 * const again = dataset.open(0, cursor); // yields the second element first
 * ```
 */
export interface Cursor {
  /** Stage kind, checked on resume so that a cursor cannot be applied to another pipeline. */
  readonly k: string;
  readonly [field: string]: unknown;
}

/**
 * Where a consumer stands in a dataset across epochs: the epoch and the cursor inside it
 * (`null`: at the start of the epoch). The Trainer stores it in every checkpoint.
 *
 * @example
 * ```ts
 * const pos: DataPosition = { epoch: 3, cursor: iterator.position() };
 * const resumed = dataset.open(pos.epoch, pos.cursor);
 * ```
 */
export interface DataPosition {
  epoch: number;
  cursor: Cursor | null;
}

/**
 * Thrown when a saved position does not fit the pipeline it is applied to (another stage order,
 * other seeds or parameters).
 *
 * @example
 * ```ts
 * try {
 *   dataset.open(0, savedCursor);
 * } catch (e) {
 *   if (e instanceof DataPositionError) console.error('rebuild the pipeline as it was:', e.message);
 * }
 * ```
 */
export class DataPositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataPositionError';
  }
}

/**
 * Checks that `cursor` was written by a stage of kind `kind` with the same parameters, and
 * returns it typed (or `undefined` at the start of an epoch). For custom stages and sources.
 *
 * @example
 * ```ts
 * open(epoch, cursor) {
 *   const c = checkCursor<Cursor & { n: number }>(cursor, 'mySource', { version: 2 });
 *   let n = c?.n ?? 0;
 *   // ...
 * }
 * ```
 */
export function checkCursor<C extends Cursor>(
  cursor: Cursor | null | undefined,
  kind: string,
  params: Record<string, unknown> = {},
): C | undefined {
  if (cursor == null) return undefined;
  if (typeof cursor !== 'object' || cursor.k !== kind) {
    throw new DataPositionError(
      `data position does not match the pipeline: expected a '${kind}' stage here, found ${
        typeof cursor === 'object' ? `'${String(cursor.k)}'` : JSON.stringify(cursor)
      }. Rebuild the dataset with the same stages, in the same order, as when the position was saved.`,
    );
  }
  for (const [name, value] of Object.entries(params)) {
    if (cursor[name] !== value) {
      throw new DataPositionError(
        `data position does not match the pipeline: the '${kind}' stage has ${name} = ${JSON.stringify(
          value,
        )}, but the position was saved with ${name} = ${JSON.stringify(cursor[name])}. ` +
          `Rebuild the dataset with the same parameters and seeds (pass an explicit rng, e.g. createRng(seed)).`,
      );
    }
  }
  return cursor as C;
}
