import type { LabelledData } from '../types';
import { extractFeatures } from '../features/extract-features';
import { knnClassify } from '../knn/knn-classify';
import type { Callback } from '@selfsup/core';
import type { StepContext, StepLogsLike } from './trainer-callback';

/** Options of {@link KnnMonitor}. */
export interface KnnMonitorOptions {
  /**
   * Key of this callback's state (its history) in Trainer checkpoints; must be unique among the
   * Trainer's callbacks. Default 'KnnMonitor'.
   */
  name?: string;
  /** Labelled examples forming the kNN memory bank (a subset of the training split). */
  train: LabelledData;
  /** Held-out labelled examples classified against it. */
  test: LabelledData;
  /** Evaluate every this many steps. Default 500. */
  every?: number;
  /** Neighbours. Default 20. */
  k?: number;
  /** Vote temperature. Default 0.07. */
  temperature?: number;
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
  /** Where the one-line summary goes. Default: the Trainer's `ctx.log` when there is one, else `console.log`. */
  log?: (message: string) => void;
}

/** One evaluation of {@link KnnMonitor}. */
export interface KnnCheck {
  step: number;
  top1: number;
  top5: number;
}

/**
 * Training callback that tracks kNN accuracy on a held-out subset (the usual online measure of
 * self-supervised progress): every `every` steps it extracts features of `train` and `test` with
 * the current encoder (inference mode, no gradients) and runs {@link knnClassify}. Results go to
 * `history`, to the step's `logs.metrics` as `knnTop1` / `knnTop5` (so the Trainer's
 * `metrics.jsonl` records them), and to `log`. A core `Callback`: pass it in the Trainer's
 * `callbacks`.
 *
 * @example
 * ```ts
 * import { KnnMonitor } from '@selfsup/eval';
 * const knn = new KnnMonitor({ train: bankSubset, test: heldOut, every: 500 });
 * const trainer = new Trainer({ method, optimizer, data, callbacks: [knn] });
 * // or in a hand-written loop:
 * await knn.onStepEnd(step, { metrics: {} }, { method: { encoder } });
 * ```
 */
export class KnnMonitor implements Callback {
  readonly name: string;
  readonly history: KnnCheck[] = [];
  private readonly options: Required<Omit<KnnMonitorOptions, 'train' | 'test' | 'log' | 'name'>> &
    Pick<KnnMonitorOptions, 'train' | 'test' | 'log'>;

  constructor(options: KnnMonitorOptions) {
    const { name, ...rest } = options;
    this.name = name ?? 'KnnMonitor';
    this.options = { every: 500, k: 20, temperature: 0.07, batchSize: 256, ...rest };
    if (!Number.isInteger(this.options.every) || this.options.every <= 0) {
      throw new Error(`KnnMonitor: every must be a positive integer, got ${this.options.every}`);
    }
  }

  async onStepEnd(step: number, logs: StepLogsLike, ctx: StepContext): Promise<void> {
    if (step % this.options.every !== 0) return;
    const { encoder } = ctx.method;
    const { batchSize, k, temperature } = this.options;
    const train = await extractFeatures(encoder, this.options.train, { batchSize });
    const test = await extractFeatures(encoder, this.options.test, { batchSize });
    const { top1, top5 } = await knnClassify(train, test, { k, temperature });
    this.history.push({ step, top1, top5 });
    logs.metrics.knnTop1 = top1;
    logs.metrics.knnTop5 = top5;
    const log = this.options.log ?? ctx.log?.bind(ctx) ?? ((m: string) => console.log(m));
    log(
      `step ${step}: kNN (k=${k}) top-1 ${(100 * top1).toFixed(2)}%, top-5 ${(100 * top5).toFixed(2)}%`,
    );
  }

  /** The history, for Trainer checkpoints. */
  state(): KnnCheck[] {
    return this.history.map((h) => ({ ...h }));
  }

  /** Restores the history saved by {@link KnnMonitor.state} (on resume). */
  loadState(state: unknown): void {
    if (!Array.isArray(state)) {
      throw new Error(
        `${this.name}.loadState: expected an array of checks, got ${JSON.stringify(state)}`,
      );
    }
    this.history.length = 0;
    this.history.push(...(state as KnnCheck[]));
  }
}
