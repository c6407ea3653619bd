// Internal: an EMA copy of online networks (BYOL's target, MoCo's key / momentum encoder,
// DINO's teacher).
import type * as tf from '@tensorflow/tfjs';
import { cosineMomentum } from '@selfsup/core';
import { applyEma, emaPairs, frozenCopy } from './networks';

export class MomentumTarget {
  /** Frozen copies of the online models, in the same order. */
  readonly models: tf.LayersModel[];
  private readonly pairs: { target: tf.Variable[]; online: tf.Variable[] };

  /** Copies `online` (architecture and weights; `exclude`d online variables are not averaged). */
  constructor(online: readonly tf.LayersModel[], exclude?: (v: tf.Variable) => boolean) {
    this.models = online.map((m) => frozenCopy(m));
    this.pairs = emaPairs(online, this.models, exclude);
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
    online: readonly tf.LayersModel[],
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
