import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '../ops/index';
import { resolveRng, type Rng } from '../random/index';

/** Options of {@link MemoryQueue}. */
export interface MemoryQueueOptions {
  /** Number of keys held (MoCo's K, e.g. 65536; 4096 for small datasets). */
  readonly size: number;
  /** Dimension of each key. */
  readonly dim: number;
  /**
   * Initial content: `'random-normalized'` (MoCo: standard normal rows scaled to unit norm, the
   * default) or `'zeros'`.
   */
  readonly initialize?: 'random-normalized' | 'zeros';
}

/** Serializable state of a {@link MemoryQueue}. */
export interface MemoryQueueState {
  /** The `[size, dim]` content, rows in storage order. */
  readonly queue: tf.Tensor2D;
  /** Row the next key is written to (the oldest key once the queue is full). */
  readonly pointer: number;
  /** Number of rows holding real keys (at most `size`). */
  readonly filled: number;
}

/**
 * A fixed-size FIFO of keys stored as a ring buffer, as MoCo's negative queue: `enqueue` writes
 * new keys at the pointer (overwriting the oldest), wrapping around the end, and advances it.
 * Unlike MoCo's, the batch size need not divide `size`; a batch longer than the queue keeps only
 * its newest `size` keys (as if enqueued one by one). Rows are keys (`[size, dim]`, MoCo stores
 * the transpose).
 *
 * @example
 * ```ts
 * const queue = new MemoryQueue({ size: 4096, dim: 128 }, createRng(0));
 * const logitsNeg = tf.matMul(q, queue.get(), false, true);  // [batch, 4096]
 * queue.enqueue(k);                                          // after the loss, keys detached
 * ```
 */
export class MemoryQueue {
  readonly size: number;
  readonly dim: number;
  private readonly queue: tf.Variable<tf.Rank.R2>;
  private ptr = 0;
  private count = 0;
  private disposed = false;

  /** `rng` draws the random initialization (default: the global generator). */
  constructor(options: MemoryQueueOptions, rng?: Rng) {
    const { size, dim } = options;
    const initialize = options.initialize ?? 'random-normalized';
    if (!Number.isInteger(size) || size <= 0) {
      throw new Error(`MemoryQueue: size must be an integer > 0, got ${size}`);
    }
    if (!Number.isInteger(dim) || dim <= 0) {
      throw new Error(`MemoryQueue: dim must be an integer > 0, got ${dim}`);
    }
    if (initialize !== 'random-normalized' && initialize !== 'zeros') {
      throw new Error(
        `MemoryQueue: initialize must be 'random-normalized' or 'zeros', got ${String(initialize)}`,
      );
    }
    this.size = size;
    this.dim = dim;
    this.queue = tf.tidy(() => {
      const initial =
        initialize === 'zeros'
          ? tf.zeros([size, dim])
          : l2Normalize(tf.randomNormal([size, dim], 0, 1, 'float32', resolveRng(rng).seed()), 1);
      return tf.variable(initial as tf.Tensor2D, false);
    });
  }

  /** Row the next key goes to; once the queue is full, the row of the oldest key. */
  get pointer(): number {
    return this.ptr;
  }

  /** Number of rows holding enqueued keys (the rest still hold the initialization). */
  get filled(): number {
    return this.count;
  }

  /**
   * The `[size, dim]` queue. Owned by the queue (do not dispose it); it is updated in place by the
   * next `enqueue`/`loadState`, so clone it to keep a snapshot.
   */
  get(): tf.Tensor2D {
    this.checkAlive('get');
    return this.queue;
  }

  /** Appends `keys` (`[n, dim]`), dropping the `n` oldest keys. The caller keeps `keys`. */
  enqueue(keys: tf.Tensor2D): void {
    this.checkAlive('enqueue');
    if (keys.rank !== 2 || keys.shape[1] !== this.dim) {
      throw new Error(
        `MemoryQueue.enqueue: expected keys of shape [n, ${this.dim}], got [${keys.shape.join(', ')}]`,
      );
    }
    const n = keys.shape[0];
    if (n === 0) return;
    const m = Math.min(n, this.size);
    // Keys that survive are the last m; the first of them lands where one-by-one writes would put it.
    const start = (this.ptr + n - m) % this.size;
    tf.tidy(() => {
      const kept = m === n ? keys : tf.slice(keys, [n - m, 0], [m, this.dim]);
      const cast = kept.dtype === 'float32' ? kept : tf.cast(kept, 'float32');
      const pieces: tf.Tensor2D[] = [];
      const rows = (t: tf.Tensor2D, from: number, to: number): void => {
        if (to > from) pieces.push(tf.slice(t, [from, 0], [to - from, this.dim]));
      };
      if (start + m <= this.size) {
        rows(this.queue, 0, start);
        pieces.push(cast);
        rows(this.queue, start + m, this.size);
      } else {
        const head = this.size - start; // keys written at the end, the rest wrap to row 0
        rows(cast, head, m);
        rows(this.queue, m - head, start);
        rows(cast, 0, head);
      }
      this.queue.assign(pieces.length === 1 ? pieces[0] : tf.concat(pieces, 0));
    });
    this.ptr = (this.ptr + n) % this.size;
    this.count = Math.min(this.size, this.count + n);
  }

  /** A copy of the state for checkpoints; the caller owns (and disposes) `queue`. */
  state(): MemoryQueueState {
    this.checkAlive('state');
    return { queue: tf.clone(this.queue), pointer: this.ptr, filled: this.count };
  }

  /** Restores a state saved by {@link MemoryQueue.state} (copied; the caller keeps `state.queue`). */
  loadState(state: MemoryQueueState): void {
    this.checkAlive('loadState');
    const { queue, pointer, filled } = state;
    if (
      queue == null ||
      queue.rank !== 2 ||
      queue.shape[0] !== this.size ||
      queue.shape[1] !== this.dim
    ) {
      throw new Error(
        `MemoryQueue.loadState: expected a queue of shape [${this.size}, ${this.dim}], got ` +
          `${queue == null ? String(queue) : `[${queue.shape.join(', ')}]`}`,
      );
    }
    if (!Number.isInteger(pointer) || pointer < 0 || pointer >= this.size) {
      throw new Error(
        `MemoryQueue.loadState: pointer must be an integer in [0, ${this.size}), got ${pointer}`,
      );
    }
    if (!Number.isInteger(filled) || filled < 0 || filled > this.size) {
      throw new Error(
        `MemoryQueue.loadState: filled must be an integer in [0, ${this.size}], got ${filled}`,
      );
    }
    tf.tidy(() => this.queue.assign(queue.dtype === 'float32' ? queue : tf.cast(queue, 'float32')));
    this.ptr = pointer;
    this.count = filled;
  }

  /** Frees the queue tensor; the queue cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.queue.dispose();
    this.disposed = true;
  }

  private checkAlive(method: string): void {
    if (this.disposed) throw new Error(`MemoryQueue.${method}: the queue was disposed`);
  }
}
