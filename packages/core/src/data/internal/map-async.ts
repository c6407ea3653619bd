import { checkCursor, type Cursor } from '../cursor';
import { DataReporter } from '../data-report';
import type { Dataset, DatasetSource, ElementContext, MapAsyncOptions } from '../dataset';
import { disposeElement } from '../dispose-element';
import { disposeUnshared } from './tensors';
import { elementContext } from './context';
import { DONE, makeIterator } from './iterator';

type Outcome<U> = { ok: true; value: U } | { ok: false; error: unknown };

interface Pending<U> {
  index: number;
  source: string;
  /** Parent cursor right after the element this slot was pulled from. */
  after: Cursor;
  outcome: Promise<Outcome<U>>;
}

interface MapAsyncCursor extends Cursor {
  n: number;
  ok: number;
  bad: number;
  p: Cursor;
}

const describeDefault = (x: unknown, index: number): string => {
  if (x !== null && typeof x === 'object' && typeof (x as { path?: unknown }).path === 'string') {
    return (x as { path: string }).path;
  }
  return `element ${index}`;
};

const reasonOf = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0];

/**
 * Asynchronous map with up to `concurrency` calls in flight (results stay in order). With
 * `onError: 'skip'`, a failing element is dropped and reported; an epoch in which every element
 * failed throws.
 */
export function mapAsyncSource<T, U>(
  parent: Dataset<T>,
  fn: (x: T, ctx: ElementContext) => Promise<U> | U,
  options: MapAsyncOptions<T>,
  seed: number | null,
): DatasetSource<U> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`mapAsync: concurrency must be a positive integer, got ${concurrency}`);
  }
  const onError = options.onError ?? 'throw';
  const stage = options.name ?? `${parent.name}.mapAsync()`;
  const describe = options.describe ?? describeDefault;
  const reporter = new DataReporter();
  return {
    name: stage,
    length: parent.length,
    parents: [parent],
    reporter,
    open(epoch, cursor) {
      const c = checkCursor<MapAsyncCursor>(cursor, 'mapAsync', { s: seed });
      const it = parent.open(epoch, c?.p);
      let pulled = c?.n ?? 0;
      let delivered = {
        n: c?.n ?? 0,
        ok: c?.ok ?? 0,
        bad: c?.bad ?? 0,
        after: c?.p ?? it.position(),
      };
      let parentDone = false;
      const pending: Pending<U>[] = [];

      const start = (x: T, index: number): Promise<Outcome<U>> =>
        (async (): Promise<Outcome<U>> => {
          try {
            const value = await fn(x, elementContext(seed ?? 0, epoch, index));
            disposeUnshared(x, value);
            return { ok: true, value };
          } catch (error) {
            disposeElement(x);
            return { ok: false, error };
          }
        })();

      const fill = async (): Promise<void> => {
        while (!parentDone && pending.length < concurrency) {
          const r = await it.next();
          if (r.done) {
            parentDone = true;
            break;
          }
          const index = pulled++;
          const source = describe(r.value, index);
          pending.push({ index, source, after: it.position(), outcome: start(r.value, index) });
        }
      };

      return makeIterator({
        async next() {
          for (;;) {
            await fill();
            const slot = pending.shift();
            if (slot === undefined) {
              if (delivered.ok === 0 && delivered.bad > 0) {
                const first = reporter
                  .report()
                  .problems.filter((p) => p.epoch === epoch)
                  .slice(0, 5)
                  .map((p) => `${p.source}: ${p.reason}`);
                throw new Error(
                  `${stage}: no readable sample in epoch ${epoch}: all ${delivered.bad} failed. First errors:\n  ${first.join('\n  ')}`,
                );
              }
              return DONE;
            }
            const outcome = await slot.outcome;
            if (outcome.ok) {
              delivered = {
                n: slot.index + 1,
                ok: delivered.ok + 1,
                bad: delivered.bad,
                after: slot.after,
              };
              return { done: false, value: outcome.value };
            }
            if (onError === 'throw') {
              const reason = reasonOf(outcome.error);
              throw new Error(`${stage}: failed on ${slot.source}: ${reason}`, {
                cause: outcome.error,
              });
            }
            reporter.add({ source: slot.source, reason: reasonOf(outcome.error), stage, epoch });
            delivered = {
              n: slot.index + 1,
              ok: delivered.ok,
              bad: delivered.bad + 1,
              after: slot.after,
            };
          }
        },
        position: () => ({
          k: 'mapAsync',
          s: seed,
          n: delivered.n,
          ok: delivered.ok,
          bad: delivered.bad,
          p: delivered.after,
        }),
        async close() {
          const slots = pending.splice(0);
          for (const slot of slots) {
            const outcome = await slot.outcome;
            if (outcome.ok) disposeElement(outcome.value);
          }
          await it.return();
        },
      });
    },
  };
}
