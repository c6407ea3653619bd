import { appendFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Callback, EpochLogs, StepLogs, TrainerContext } from './callback';

/**
 * Writes `metrics.jsonl` in the run folder: one JSON object per line, `{"type":"step", step,
 * epoch, loss, lr, gradNorm, samplesPerSecond, time, ...metrics}` every `every` steps and
 * `{"type":"epoch", epoch, step, loss, samples, skipped, problems, ...metrics}` at each epoch end
 * (`problems` lists the unreadable samples the data pipeline skipped, with path and reason).
 * `time` is seconds since the start of the run, across resumes. Added by the Trainer when it has
 * a `runDir`. On resume the file is cut back to what it held at the checkpoint, so lines are
 * never duplicated.
 *
 * @example
 * ```ts
 * // each line of runs/a/metrics.jsonl:
 * // {"type":"step","step":10,"epoch":0,"loss":5.21,"lr":0.001,"gradNorm":1.7,"samplesPerSecond":812,"time":3.2}
 * const rows = (await fs.readFile('runs/a/metrics.jsonl', 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
 * ```
 */
export class MetricsLogger implements Callback {
  readonly name = 'MetricsLogger';
  private lines = 0;
  private restoredLines: number | undefined;
  private file: string | undefined;
  private readonly every: number;

  constructor(options: { every?: number } = {}) {
    this.every = options.every ?? 1;
  }

  async onTrainBegin(ctx: TrainerContext): Promise<void> {
    if (ctx.runDir === undefined) return;
    this.file = path.join(ctx.runDir, 'metrics.jsonl');
    if (this.restoredLines !== undefined) {
      // Resumed: drop what was logged after the checkpoint (it will be logged again).
      const text = await fs.readFile(this.file, 'utf8').catch(() => '');
      const kept = text
        .split('\n')
        .filter((l) => l.length > 0)
        .slice(0, this.restoredLines);
      const tmp = `${this.file}.tmp`;
      await fs.writeFile(tmp, kept.map((l) => `${l}\n`).join(''));
      await fs.rename(tmp, this.file);
      this.lines = kept.length;
      this.restoredLines = undefined;
    } else if (ctx.resumedFrom === null) {
      await fs.writeFile(this.file, '');
      this.lines = 0;
    }
  }

  private write(record: Record<string, unknown>): void {
    if (this.file === undefined) return;
    appendFileSync(this.file, `${JSON.stringify(record)}\n`);
    this.lines++;
  }

  onStepEnd(step: number, logs: StepLogs): void {
    if (step % this.every !== 0) return;
    this.write({
      type: 'step',
      step,
      epoch: logs.epoch,
      loss: logs.loss,
      lr: logs.lr,
      gradNorm: logs.gradNorm,
      samplesPerSecond: logs.samplesPerSecond,
      time: logs.elapsed,
      ...logs.metrics,
    });
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    this.write({
      type: 'epoch',
      epoch,
      step: logs.step,
      loss: logs.loss,
      samples: logs.samples,
      skipped: logs.skipped.length,
      problems: logs.skipped.slice(0, 100).map((p) => ({ source: p.source, reason: p.reason })),
      ...logs.metrics,
    });
  }

  state(): unknown {
    return { lines: this.lines };
  }

  loadState(state: unknown): void {
    const lines = (state as { lines?: unknown })?.lines;
    if (typeof lines === 'number') this.restoredLines = lines;
  }
}
