// Internal: an EMA copy of online networks (BYOL's target, MoCo's key / momentum encoder,
// DINO's teacher).
import type * as tf from '@tensorflow/tfjs';
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
