import type * as tf from '@tensorflow/tfjs';

/**
 * The part of core's `TrainerContext` the evaluation callbacks use: the encoder being trained and,
 * optionally, the Trainer's log. A hand-written loop can pass `{ method: { encoder } }`.
 *
 * @example
 * ```ts
 * const ctx: StepContext = { method: { encoder } };
 * ```
 */
export interface StepContext {
  method: { encoder: tf.LayersModel };
  log?(message: string): void;
}

/**
 * The part of core's `StepLogs` the evaluation callbacks use: the step's named metrics, to which
 * they add their results (the Trainer's metrics log, which runs after user callbacks, then
 * records them in `metrics.jsonl`).
 *
 * @example
 * ```ts
 * const logs: StepLogsLike = { metrics: {} };
 * await knnMonitor.onStepEnd(step, logs, { method: { encoder } });
 * logs.metrics.knnTop1;
 * ```
 */
export interface StepLogsLike {
  metrics: Record<string, number>;
}
