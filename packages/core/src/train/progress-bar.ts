import cliProgress from 'cli-progress';
import { formatDuration } from './internal/format-duration';
import type { Callback, EpochLogs, FitSummary, StepLogs, TrainerContext } from './callback';

/**
 * Options of {@link ProgressBar}.
 *
 * @example
 * ```ts
 * const o: ProgressBarOptions = { every: 100 };
 * ```
 */
export interface ProgressBarOptions {
  /** Where to write (default `process.stdout`). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Plain mode: print a line every `every` steps (default 50; 0: print nothing). */
  every?: number;
  /** Force plain lines (true) or the bar (false); default: plain when the stream is not a TTY or `CI` is set. */
  plain?: boolean;
  /** Environment to read `CI` from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

const fmtLoss = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));
const fmtLr = (v: number): string => v.toExponential(2);

/**
 * Terminal progress: a cli-progress bar with loss, learning rate, samples/s and ETA on a TTY;
 * when the stream is not a TTY (logs, pipes) or the `CI` environment variable is set, a plain
 * line every `every` steps instead (or nothing with `every: 0`). The Trainer adds one unless
 * `progress: false`.
 *
 * @example
 * ```ts
 * new Trainer({ ..., progress: { every: 100 } });
 * ```
 */
export class ProgressBar implements Callback {
  private bar: cliProgress.SingleBar | undefined;
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly plain: boolean;
  private readonly every: number;
  private startStep = 0;
  private startTime = 0;

  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    const env = options.env ?? process.env;
    const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
    this.plain = options.plain ?? (!this.stream.isTTY || ci);
    this.every = options.every ?? 50;
  }

  private eta(step: number, total: number | undefined): number {
    if (total === undefined) return NaN;
    const done = step - this.startStep;
    const secs = (performance.now() - this.startTime) / 1000;
    return done > 0 ? ((total - step) * secs) / done : NaN;
  }

  onTrainBegin(ctx: TrainerContext): void {
    this.startStep = ctx.step;
    this.startTime = performance.now();
    if (this.plain) return;
    const total = ctx.totalSteps;
    const format =
      total !== undefined
        ? 'epoch {epoch} {bar} {value}/{total} | loss {loss} | lr {lr} | {sps} samples/s | ETA {etaText}'
        : 'epoch {epoch} | step {value} | loss {loss} | lr {lr} | {sps} samples/s';
    this.bar = new cliProgress.SingleBar(
      {
        format,
        stream: this.stream as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total ?? 0, ctx.step, {
      epoch: ctx.epoch,
      loss: '-',
      lr: '-',
      sps: '-',
      etaText: '?',
    });
  }

  onStepEnd(step: number, logs: StepLogs, ctx: TrainerContext): void {
    const total = ctx.totalSteps;
    const eta = formatDuration(this.eta(step, total));
    if (this.bar) {
      this.bar.update(step, {
        epoch: logs.epoch,
        loss: fmtLoss(logs.loss),
        lr: fmtLr(logs.lr),
        sps: logs.samplesPerSecond.toFixed(1),
        etaText: eta,
      });
      return;
    }
    if (this.every > 0 && step % this.every === 0) {
      this.stream.write(
        `step ${step}${total !== undefined ? `/${total}` : ''} | epoch ${logs.epoch} | loss ${fmtLoss(logs.loss)} | ` +
          `lr ${fmtLr(logs.lr)} | ${logs.samplesPerSecond.toFixed(1)} samples/s` +
          (total !== undefined ? ` | ETA ${eta}` : '') +
          '\n',
      );
    }
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    if (this.bar || this.every === 0) return;
    const extra = Object.entries(logs.metrics)
      .map(([k, v]) => ` | ${k} ${Number.isFinite(v) ? v.toPrecision(4) : v}`)
      .join('');
    this.stream.write(
      `epoch ${epoch} done | step ${logs.step} | mean loss ${fmtLoss(logs.loss)}${extra}\n`,
    );
  }

  onTrainEnd(summary: FitSummary): void {
    this.stopBar();
    if (this.every > 0 || !this.plain) {
      this.stream.write(
        `${summary.status === 'stopped' ? `stopped (${summary.stopReason})` : 'done'}: ${summary.steps} steps, ` +
          `final loss ${fmtLoss(summary.finalLoss)}, ${summary.samplesPerSecond.toFixed(1)} samples/s, ${formatDuration(summary.seconds)}\n`,
      );
    }
  }

  onTrainError(): void {
    this.stopBar();
  }

  private stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
  }
}
