import type { Callback, FitSummary, TrainerContext } from './callback';

/**
 * Saves a checkpoint every `every` steps and when training ends (if the last step was not just
 * saved), through `ctx.saveCheckpoint()`. The Trainer adds one when given `checkpointEvery`;
 * add more for other schedules (e.g. `{ every: 1000, onEpochEnd: true }`).
 *
 * @example
 * ```ts
 * new Trainer({ ..., runDir: 'runs/a', callbacks: [new ModelCheckpoint({ every: 500, onEpochEnd: true })] });
 * ```
 */
export class ModelCheckpoint implements Callback {
  private lastSaved = -1;

  constructor(
    private readonly options: { every?: number; onEpochEnd?: boolean; atEnd?: boolean } = {},
  ) {
    if (options.every !== undefined && !(Number.isInteger(options.every) && options.every > 0)) {
      throw new Error(`ModelCheckpoint: every must be a positive integer, got ${options.every}`);
    }
  }

  private async save(ctx: TrainerContext): Promise<void> {
    if (this.lastSaved === ctx.step) return;
    await ctx.saveCheckpoint();
    this.lastSaved = ctx.step;
  }

  onTrainBegin(ctx: TrainerContext): void {
    // A resumed run starts from a saved step: no need to save it again at once.
    if (ctx.resumedFrom !== null) this.lastSaved = ctx.step;
  }

  async onStepEnd(step: number, _logs: unknown, ctx: TrainerContext): Promise<void> {
    if (this.options.every !== undefined && step % this.options.every === 0) await this.save(ctx);
  }

  async onEpochEnd(_epoch: number, _logs: unknown, ctx: TrainerContext): Promise<void> {
    if (this.options.onEpochEnd) await this.save(ctx);
  }

  async onTrainEnd(_summary: FitSummary, ctx: TrainerContext): Promise<void> {
    if (this.options.atEnd !== false && ctx.step > 0) await this.save(ctx);
  }
}
