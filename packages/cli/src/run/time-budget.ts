import type { Callback, StepLogs } from '@selfsup/core';
import { formatDuration } from './format';

/** Options of {@link TimeBudget}. */
export interface TimeBudgetOptions {
  /** Seconds available, counted from `startedAt`. */
  seconds: number;
  /** `performance.now()` when the command started (loading, building and measuring count). */
  startedAt: number;
  /** Peak learning rate, reached after `warmupSteps` steps. */
  peakLr: number;
  warmupSteps: number;
  /** Learning rate at the end of the budget. */
  finalLr: number;
  /** Plain progress line every this many steps (0: none). */
  every: number;
  write: (line: string) => void;
}

/**
 * A run bounded by wall-clock time rather than steps, for a machine whose speed is not known in
 * advance (shared cores, another backend): the learning rate warms up over the first steps, then
 * follows a half-cosine over the fraction of the budget spent, so it has decayed when the time is
 * up whatever the speed; the run stops when the budget is spent; progress lines give the ETA from
 * the clock. The budget counts the training time of earlier sessions of a resumed run.
 *
 * @example
 * ```ts
 * const budget = new TimeBudget({ seconds: 300, startedAt, peakLr: 2e-3, warmupSteps: 20, finalLr: 2e-4, every: 25, write });
 * new Trainer({ ..., schedule: budget.schedule, callbacks: [budget], progress: false });
 * ```
 */
export class TimeBudget implements Callback {
  private setup = 0;
  private trained = 0;
  private began = 0;

  constructor(private readonly options: TimeBudgetOptions) {}

  /** Seconds counted against the budget so far. */
  spent(): number {
    const running = this.began > 0 ? (performance.now() - this.began) / 1000 : 0;
    return this.setup + this.trained + running;
  }

  /** The learning rate of a step: linear warm-up, then a cosine over the budget's time. */
  readonly schedule = (step: number): number => {
    const { peakLr, warmupSteps, finalLr, seconds } = this.options;
    if (step < warmupSteps) return (peakLr * (step + 1)) / warmupSteps;
    const frac = Math.min(1, this.spent() / seconds);
    return finalLr + ((peakLr - finalLr) * (1 + Math.cos(Math.PI * frac))) / 2;
  };

  onTrainBegin(): void {
    this.setup = (performance.now() - this.options.startedAt) / 1000;
    this.began = performance.now();
  }

  onStepEnd(step: number, logs: StepLogs, ctx: { stop(reason: string): void }): void {
    // logs.elapsed: training seconds across sessions (a resumed run's earlier sessions included).
    this.trained = logs.elapsed;
    this.began = performance.now();
    const spent = this.spent();
    const { seconds, every } = this.options;
    if (every > 0 && step % every === 0) {
      this.options.write(
        `step ${step} | epoch ${logs.epoch} | loss ${logs.loss.toFixed(4)} | lr ${logs.lr.toExponential(2)} | ` +
          `${logs.samplesPerSecond.toFixed(1)} samples/s | ${formatDuration(spent)} of ${formatDuration(seconds)} | ETA ${formatDuration(Math.max(0, seconds - spent))}`,
      );
    }
    if (spent >= seconds) ctx.stop(`time budget of ${formatDuration(seconds)} spent`);
  }
}
