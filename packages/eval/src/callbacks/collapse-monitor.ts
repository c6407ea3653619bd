import * as tf from '@tensorflow/tfjs';
import { effectiveRank } from '../diagnostics/effective-rank';
import { embeddingStd } from '../diagnostics/embedding-std';
import { runEncoder } from '../internal/run-encoder';
import type { Callback } from '@selfsup/core';
import type { StepContext, StepLogsLike } from './trainer-callback';

/** Options of {@link CollapseMonitor}. */
export interface CollapseMonitorOptions {
  /**
   * Key of this callback's state (its history) in Trainer checkpoints; must be unique among the
   * Trainer's callbacks. Default 'CollapseMonitor'.
   */
  name?: string;
  /** A fixed batch of inputs (at least 2, ideally >= the embedding dim); owned by the caller. */
  inputs: tf.Tensor;
  /** Check every this many steps. Default 100. */
  every?: number;
  /** Warn when `embeddingStd(...).ratio` (std x sqrt(dim); ~1 healthy, 0 collapsed) is below. Default 0.1. */
  minStdRatio?: number;
  /** Warn when the effective rank is below this fraction of `min(batch, dim)`. Default 0.05. */
  minRankFraction?: number;
  /** Where warnings go. Default: the Trainer's `ctx.log` when there is one, else `console.warn`. */
  warn?: (message: string) => void;
}

/** One check of {@link CollapseMonitor}. */
export interface CollapseCheck {
  step: number;
  /** Mean per-dimension std of the normalized embeddings. */
  std: number;
  /** `std * sqrt(dim)`. */
  stdRatio: number;
  /** RankMe effective rank of the batch's embeddings. */
  effectiveRank: number;
  /** Whether this check warned. */
  collapsed: boolean;
}

/**
 * Training callback that watches for representation collapse: every `every` steps it embeds a
 * fixed batch with the current encoder (inference mode) and computes {@link embeddingStd} and the
 * {@link effectiveRank}; it warns when either falls below its threshold (complete collapse drives
 * the std to 0, dimensional collapse drives the rank down). Results go to `history` and to the
 * step's `logs.metrics` as `embeddingStd` and `effectiveRank` (so the Trainer's `metrics.jsonl`
 * records them). A core `Callback`: pass it in the Trainer's `callbacks`.
 *
 * @example
 * ```ts
 * import { CollapseMonitor } from '@selfsup/eval';
 * const monitor = new CollapseMonitor({ inputs: probeBatch, every: 200 });
 * const trainer = new Trainer({ method, optimizer, data, callbacks: [monitor] });
 * // or in a hand-written loop:
 * monitor.onStepEnd(step, { metrics: {} }, { method: { encoder } });
 * monitor.history.at(-1)?.stdRatio;
 * ```
 */
export class CollapseMonitor implements Callback {
  readonly name: string;
  readonly history: CollapseCheck[] = [];
  private readonly options: Required<Omit<CollapseMonitorOptions, 'inputs' | 'warn' | 'name'>> &
    Pick<CollapseMonitorOptions, 'inputs' | 'warn'>;

  constructor(options: CollapseMonitorOptions) {
    if (options.inputs.shape[0] < 2) {
      throw new Error(
        `CollapseMonitor: inputs must hold at least 2 examples, got ${options.inputs.shape[0]}`,
      );
    }
    const { name, ...rest } = options;
    this.name = name ?? 'CollapseMonitor';
    this.options = { every: 100, minStdRatio: 0.1, minRankFraction: 0.05, ...rest };
    if (!Number.isInteger(this.options.every) || this.options.every <= 0) {
      throw new Error(
        `CollapseMonitor: every must be a positive integer, got ${this.options.every}`,
      );
    }
  }

  onStepEnd(step: number, logs: StepLogsLike, ctx: StepContext): void {
    if (step % this.options.every !== 0) return;
    const z = tf.tidy(() => {
      const out = runEncoder(ctx.method.encoder, this.options.inputs);
      return tf.reshape(out, [out.shape[0], -1]);
    });
    let check: CollapseCheck;
    try {
      const { std, ratio } = embeddingStd(z);
      const { rank } = effectiveRank(z);
      const minRank = this.options.minRankFraction * Math.min(z.shape[0], z.shape[1] as number);
      const collapsed = ratio < this.options.minStdRatio || rank < minRank;
      check = { step, std, stdRatio: ratio, effectiveRank: rank, collapsed };
      if (collapsed) {
        const warn = this.options.warn ?? ctx.log?.bind(ctx) ?? ((m: string) => console.warn(m));
        warn(
          `CollapseMonitor: possible collapse at step ${step}: embedding std ${std.toExponential(2)} ` +
            `(${ratio.toFixed(3)} x 1/sqrt(d); warn below ${this.options.minStdRatio}), effective rank ` +
            `${rank.toFixed(2)} (warn below ${minRank.toFixed(2)})`,
        );
      }
    } finally {
      z.dispose();
    }
    this.history.push(check);
    logs.metrics.embeddingStd = check.std;
    logs.metrics.effectiveRank = check.effectiveRank;
  }

  /** The history, for Trainer checkpoints. */
  state(): CollapseCheck[] {
    return this.history.map((h) => ({ ...h }));
  }

  /** Restores the history saved by {@link CollapseMonitor.state} (on resume). */
  loadState(state: unknown): void {
    if (!Array.isArray(state)) {
      throw new Error(
        `${this.name}.loadState: expected an array of checks, got ${JSON.stringify(state)}`,
      );
    }
    this.history.length = 0;
    this.history.push(...(state as CollapseCheck[]));
  }
}
