import type { Callback, EpochLogs, StepLogs, TrainerContext } from './callback';

/**
 * Options of {@link EarlyStopping}.
 *
 * @example
 * ```ts
 * const o: EarlyStoppingOptions = { monitor: 'knnTop1', mode: 'max', patience: 5 };
 * ```
 */
export interface EarlyStoppingOptions {
  /** `'loss'`, `'gradNorm'`, or a metric name (the method's, or one a callback adds). Default 'loss'. */
  monitor?: string;
  /** Whether lower (`'min'`, default) or higher (`'max'`) is better. */
  mode?: 'min' | 'max';
  /** Checks without improvement before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Check at each epoch end (default) or every `every` steps. */
  on?: 'epoch' | 'step';
  every?: number;
  /** Throw when the monitored value is missing from the logs (default true); false: skip the check. */
  strict?: boolean;
  /** Key of the state in checkpoints (default 'EarlyStopping'). */
  name?: string;
}

/**
 * Stops training when a monitored value has not improved for `patience` checks (as Keras and
 * Lightning). Its counters are saved in checkpoints, so a resumed run stops where the
 * uninterrupted one would have.
 *
 * @example
 * ```ts
 * new Trainer({ ..., callbacks: [new EarlyStopping({ monitor: 'loss', patience: 3, minDelta: 1e-3 })] });
 * ```
 */
export class EarlyStopping implements Callback {
  readonly name: string;
  private best: number | null = null;
  private bestAt = -1;
  private wait = 0;
  private readonly o: Required<Omit<EarlyStoppingOptions, 'name'>>;

  constructor(options: EarlyStoppingOptions = {}) {
    this.name = options.name ?? 'EarlyStopping';
    this.o = {
      monitor: options.monitor ?? 'loss',
      mode: options.mode ?? 'min',
      patience: options.patience ?? 5,
      minDelta: options.minDelta ?? 0,
      on: options.on ?? 'epoch',
      every: options.every ?? 1,
      strict: options.strict ?? true,
    };
    if (!(Number.isInteger(this.o.patience) && this.o.patience >= 0))
      throw new Error(`EarlyStopping: patience must be an integer >= 0, got ${this.o.patience}`);
    if (!(this.o.minDelta >= 0))
      throw new Error(`EarlyStopping: minDelta must be >= 0, got ${this.o.minDelta}`);
    if (this.o.mode !== 'min' && this.o.mode !== 'max')
      throw new Error(`EarlyStopping: mode must be 'min' or 'max', got ${String(this.o.mode)}`);
  }

  private value(logs: StepLogs | EpochLogs): number | undefined {
    const top = (logs as unknown as Record<string, unknown>)[this.o.monitor];
    if (typeof top === 'number') return top;
    const m = logs.metrics[this.o.monitor];
    if (typeof m === 'number') return m;
    if (this.o.strict) {
      const available = [
        ...Object.keys(logs).filter(
          (k) => typeof (logs as unknown as Record<string, unknown>)[k] === 'number',
        ),
        ...Object.keys(logs.metrics),
      ];
      throw new Error(
        `EarlyStopping: '${this.o.monitor}' is not in the logs (available: ${available.join(', ')}); set strict: false to skip checks where it is missing`,
      );
    }
    return undefined;
  }

  private check(where: string, at: number, logs: StepLogs | EpochLogs, ctx: TrainerContext): void {
    const v = this.value(logs);
    if (v === undefined) return;
    const improved =
      this.best === null ||
      (this.o.mode === 'min' ? v < this.best - this.o.minDelta : v > this.best + this.o.minDelta);
    if (improved) {
      this.best = v;
      this.bestAt = at;
      this.wait = 0;
      return;
    }
    this.wait++;
    if (this.wait >= this.o.patience) {
      ctx.stop(
        `early stopping: ${this.o.monitor} did not improve for ${this.wait} ${where} checks (best ${this.best} at ${where} ${this.bestAt})`,
      );
    }
  }

  onStepEnd(step: number, logs: StepLogs, ctx: TrainerContext): void {
    if (this.o.on === 'step' && step % this.o.every === 0) this.check('step', step, logs, ctx);
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainerContext): void {
    if (this.o.on === 'epoch') this.check('epoch', epoch, logs, ctx);
  }

  /** Best value seen so far (null before the first check). */
  get bestValue(): number | null {
    return this.best;
  }

  state(): unknown {
    return { best: this.best, bestAt: this.bestAt, wait: this.wait };
  }

  loadState(state: unknown): void {
    const s = state as { best: number | null; bestAt: number; wait: number };
    this.best = s.best;
    this.bestAt = s.bestAt;
    this.wait = s.wait;
  }
}
