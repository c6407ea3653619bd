import * as tf from '@tensorflow/tfjs';
import { SlottedOptimizer, type SlotVariables } from './slotted-optimizer';

/** Options of {@link SGD}; defaults are PyTorch's. */
export interface SGDOptions {
  readonly learningRate: number;
  /** Momentum factor. Default 0 (plain SGD, no slot). */
  readonly momentum?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient (`g + weightDecay · p`), on every variable. Default 0. */
  readonly weightDecay?: number;
  /** Dampening of the gradient added to the momentum buffer. Default 0. */
  readonly dampening?: number;
}

/**
 * Stochastic gradient descent with exactly `torch.optim.SGD`'s update:
 *
 * ```
 * d ← g + wd·p
 * b ← d                            on a variable's first update (no dampening), else
 * b ← μ·b + (1 − dampening)·d
 * d ← d + μ·b  (nesterov)   or   d ← b
 * p ← p − lr·d
 * ```
 *
 * Slots per variable: `momentumBuffer` (only when momentum ≠ 0). Weight decay applies to every
 * variable, as in PyTorch; use {@link LARS} or {@link AdamW} for exclusion rules.
 *
 * @example
 * ```ts
 * const opt = new SGD({ learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true });
 * const { value, grads } = tf.variableGrads(() => loss(params));
 * opt.applyGradients(grads, params);
 * tf.dispose([value, grads]);
 * ```
 */
export class SGD extends SlottedOptimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly dampening: number;

  constructor(options: SGDOptions) {
    super('SGD', options.learningRate);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    this.dampening = options.dampening ?? 0;
    this.checkNonNegative({
      momentum: this.momentum,
      weightDecay: this.weightDecay,
      dampening: this.dampening,
    });
    this.checkNesterov(this.nesterov, this.momentum, this.dampening);
  }

  protected slotNames(): readonly string[] {
    return this.momentum !== 0 ? ['momentumBuffer'] : [];
  }

  protected updateVariable(p: tf.Variable, g: tf.Tensor, slots: SlotVariables): void {
    let d = this.weightDecay !== 0 ? tf.add(g, tf.mul(p, this.weightDecay)) : g;
    d = this.applyMomentum(p, d, slots, this.momentum, this.dampening, this.nesterov);
    p.assign(tf.sub(p, tf.mul(d, this.learningRate)));
  }

  getConfig(): Record<string, unknown> {
    return {
      className: 'SGD',
      learningRate: this.learningRate,
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
      dampening: this.dampening,
    };
  }
}
