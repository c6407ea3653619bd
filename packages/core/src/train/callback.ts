import type { Dataset } from '../data/dataset';
import type { DataProblem } from '../data/data-report';
import type { Optimizer } from '../optim/optimizer';
import type { SSLMethod } from './ssl-method';

/**
 * What callbacks receive after each optimizer step.
 *
 * @example
 * ```ts
 * onStepEnd(step, logs) { if (logs.loss < 0.1) console.log(`step ${step}: ${logs.metrics.align}`); }
 * ```
 */
export interface StepLogs {
  /** Optimizer steps completed (1 after the first update). */
  step: number;
  /** 0-based epoch the step belongs to. */
  epoch: number;
  /** Mean loss over the step's micro-batches. */
  loss: number;
  /** Learning rate used for this step. */
  lr: number;
  /** Global L2 norm of the (averaged) gradients, before clipping. */
  gradNorm: number;
  /** Samples in this step (all micro-batches). */
  samples: number;
  /** Throughput over the last steps (a moving window). */
  samplesPerSecond: number;
  /** Seconds of training so far, across resumed sessions. */
  elapsed: number;
  /** The method's named metrics (means over micro-batches). Callbacks may add their own. */
  metrics: Record<string, number>;
}

/**
 * What callbacks receive at the end of each epoch. Callbacks that evaluate (kNN accuracy,
 * collapse monitors) add their results to `metrics`; callbacks after them (early stopping, the
 * metrics log) see them.
 *
 * @example
 * ```ts
 * onEpochEnd(epoch, logs) { logs.metrics.knnTop1 = await knnAccuracy(ctx.method.encoder, ...); }
 * ```
 */
export interface EpochLogs {
  epoch: number;
  /** Optimizer steps completed at the end of the epoch. */
  step: number;
  /** Mean loss over the epoch's micro-batches. */
  loss: number;
  /** Means of the method's metrics over the epoch, plus whatever callbacks add. */
  metrics: Record<string, number>;
  /** Samples seen in the epoch. */
  samples: number;
  /** Samples the data pipeline skipped (unreadable) during this epoch, with path and reason. */
  skipped: DataProblem[];
}

/**
 * How a run ended, returned by `Trainer.fit()` and passed to `onTrainEnd`.
 *
 * @example
 * ```ts
 * const { steps, finalLoss, samplesPerSecond, seconds } = await trainer.fit();
 * ```
 */
export interface FitSummary {
  /** Optimizer steps completed (including those before a resume). */
  steps: number;
  /** Epochs completed. */
  epochs: number;
  /** Loss of the last step (NaN if no step ran). */
  finalLoss: number;
  /** Samples per second of this session. */
  samplesPerSecond: number;
  /** Wall-clock seconds of this session. */
  seconds: number;
  /** Samples processed in this session. */
  samples: number;
  /** `'completed'` (epochs or steps reached) or `'stopped'` (a callback asked). */
  status: 'completed' | 'stopped';
  /** Why a callback stopped the run. */
  stopReason?: string;
  /** Checkpoint the run resumed from, or null. */
  resumedFrom: string | null;
  /** Newest checkpoint written, or null. */
  lastCheckpoint: string | null;
  /** Samples skipped by the data pipeline over the whole run (this session). */
  skippedSamples: number;
}

/**
 * The view of a running Trainer that callbacks get: the method (its encoder for evaluation),
 * the optimizer, counters, and controls.
 *
 * @example
 * ```ts
 * onEpochEnd(epoch, logs, ctx) {
 *   if (logs.metrics.knnTop1 > 0.9) ctx.stop('good enough');
 * }
 * ```
 */
export interface TrainerContext<Batch = unknown> {
  readonly method: SSLMethod<Batch>;
  readonly optimizer: Optimizer;
  readonly data: Dataset<Batch>;
  readonly runDir: string | undefined;
  /** Optimizer steps completed. */
  readonly step: number;
  /** Current 0-based epoch. */
  readonly epoch: number;
  /** Total optimizer steps planned, when known. */
  readonly totalSteps: number | undefined;
  /** Epochs planned, when given. */
  readonly totalEpochs: number | undefined;
  readonly resumedFrom: string | null;
  readonly lastCheckpoint: string | null;
  /** Asks the Trainer to stop after the current step (or epoch end) completes. */
  stop(reason: string): void;
  readonly stopRequested: boolean;
  /** Writes a line to the Trainer's log (stderr by default). */
  log(message: string): void;
  /** Writes a checkpoint of the current state now (needs a runDir); returns its folder. */
  saveCheckpoint(): Promise<string>;
}

/**
 * Hooks into a training run. Every hook may be async; the Trainer awaits them in the order of
 * its `callbacks` list (user callbacks first, then the built-in metrics log, progress bar and
 * checkpointing). A callback with a `name` and `state()`/`loadState()` has its state saved in
 * checkpoints and restored on resume (early stopping's counters, for example).
 *
 * @example
 * ```ts
 * const printer: Callback = {
 *   onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch}: loss ${logs.loss.toFixed(4)}`),
 * };
 * ```
 */
export interface Callback<Batch = unknown> {
  /** Key of this callback's state in checkpoints (must be unique among callbacks). */
  readonly name?: string;
  onTrainBegin?(ctx: TrainerContext<Batch>): void | Promise<void>;
  onStepEnd?(step: number, logs: StepLogs, ctx: TrainerContext<Batch>): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainerContext<Batch>): void | Promise<void>;
  onTrainEnd?(summary: FitSummary, ctx: TrainerContext<Batch>): void | Promise<void>;
  /** Called instead of `onTrainEnd` when the run fails (e.g. a non-finite loss). */
  onTrainError?(error: unknown, ctx: TrainerContext<Batch>): void | Promise<void>;
  /** JSON state to checkpoint. */
  state?(): unknown;
  loadState?(state: unknown): void;
}
