// Internal: an EMA copy of online networks (BYOL's target, MoCo's key / momentum encoder,
// DINO's teacher).
import type * as tf from '@tensorflow/tfjs';
import { cosineMomentum } from '@selfsup/core';
import { applyEma, emaPairs, frozenCopy } from './networks';

/** `[variable-key prefix of the copy, online model]`, e.g. `['target.encoder', encoder]`. */
export type OnlinePart = readonly [string, tf.LayersModel];

export class MomentumTarget {
  /** Frozen copies of the online models, in the same order. */
  readonly models: tf.LayersModel[];
  /** The copies under their keys, for the method's `allVariables()`. */
  readonly parts: Array<[string, tf.LayersModel]>;
  private readonly pairs: { target: tf.Variable[]; online: tf.Variable[] };

  /** Copies the online models (architecture and weights; `exclude`d variables are not averaged). */
  constructor(online: readonly OnlinePart[], exclude?: (v: tf.Variable) => boolean) {
    this.models = online.map(([, m]) => frozenCopy(m));
    this.parts = online.map(([key], i) => [key, this.models[i]]);
    this.pairs = emaPairs(
      online.map(([, m]) => m),
      this.models,
      exclude,
    );
  }

  /** `target <- m * target + (1 - m) * online` for every trainable weight. */
  update(momentum: number): void {
    applyEma(this.pairs, momentum);
  }

  dispose(): void {
    for (const m of this.models) m.dispose();
  }
}

/**
 * A {@link MomentumTarget} whose momentum rises from `baseMomentum` to 1 on the cosine schedule
 * (BYOL's tau, MoCo v3's m, DINO's teacher momentum), keeping the last value for the method's
 * metrics and saved state.
 */
export class CosineMomentumTarget extends MomentumTarget {
  /** The momentum of the last update (`baseMomentum` before the first). */
  momentum: number;

  constructor(
    private readonly method: string,
    online: readonly OnlinePart[],
    readonly baseMomentum: number,
  ) {
    super(online);
    this.momentum = baseMomentum;
  }

  /** `momentum = cosineMomentum(baseMomentum, step, totalSteps)`, then the EMA update. */
  step(step: number, totalSteps: number): void {
    this.momentum = cosineMomentum(this.baseMomentum, step, totalSteps);
    this.update(this.momentum);
  }

  /** Restores the last momentum from a saved method state's value. */
  restore(momentum: unknown): void {
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
      throw new Error(
        `${this.method}.loadState: expected a momentum in [0, 1], got ${String(momentum)}`,
      );
    }
    this.momentum = momentum;
  }
}
