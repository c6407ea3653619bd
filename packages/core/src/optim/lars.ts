import * as tf from '@tensorflow/tfjs';
import { excludeBiasAndNorm, type VariablePredicate } from './exclude-bias-and-norm';
import { SlottedOptimizer, type SlotVariables } from './slotted-optimizer';

/** Options of {@link LARS}. */
export interface LARSOptions {
  readonly learningRate: number;
  /** Momentum factor. Default 0.9 (what every SimCLR/BYOL recipe uses). */
  readonly momentum?: number;
  /** L2 penalty added to the gradient of non-excluded variables. Default 0. */
  readonly weightDecay?: number;
  /**
   * Trust coefficient η of the local learning rate. Default 0.001: the value of the LARS paper
   * (You et al., 2017) and the class default of solo-learn, lightly, Lightning Bolts, VISSL and
   * the SimCLR TF optimizer. solo-learn's BYOL/SimCLR/Barlow configs pass `eta_lars: 0.02`
   * together with `grad_clip_lars` (here `clipLr: true`); set both to reproduce them.
   */
  readonly trustCoefficient?: number;
  /** Added to the denominator of the trust ratio. Default 1e-8. */
  readonly epsilon?: number;
  /**
   * Variables that get neither weight decay nor the trust ratio (plain SGD momentum).
   * Default {@link excludeBiasAndNorm} (rank <= 1), i.e. solo-learn's `exclude_bias_n_norm_lars`.
   */
  readonly excludeFromWeightDecayAndAdaptation?: VariablePredicate;
  /**
   * Clip the local learning rate as solo-learn's `clip_lars_lr` (NVIDIA apex LARC's clip mode):
   * the trust ratio becomes `min(ratio / lr, 1)`, so the effective step size is
   * `min(η·‖p‖/(‖g‖ + wd·‖p‖ + ε), lr)`. Default false.
   */
  readonly clipLr?: boolean;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  readonly nesterov?: boolean;
  /** Dampening of the momentum buffer, as in SGD. Default 0. */
  readonly dampening?: number;
}

/**
 * LARS as in solo-learn's `solo/utils/lars.py` (itself Lightning Bolts', used for SimCLR, BYOL,
 * Barlow Twins, VICReg): per variable, with `g` the raw gradient,
 *
 * ```
 * if not excluded and ‖p‖ > 0 and ‖g‖ > 0:
 *   r ← η·‖p‖ / (‖g‖ + wd·‖p‖ + ε)          (clipLr: r ← min(r / lr, 1))
 *   d ← r · (g + wd·p)
 * else:
 *   d ← g                                    (no weight decay either, as in solo-learn)
 * b ← d on the first update, else b ← μ·b + (1 − dampening)·d
 * d ← d + μ·b (nesterov)  or  d ← b
 * p ← p − lr·d
 * ```
 *
 * The norms are Frobenius norms over the whole variable, computed on the device (no read-back).
 * Slots per variable: `momentumBuffer` (only when momentum ≠ 0).
 *
 * @example
 * ```ts
 * // SimCLR/BYOL-style: LARS with a warm-up cosine schedule set every step.
 * const opt = new LARS({ learningRate: 0, weightDecay: 1e-6, trustCoefficient: 0.02, clipLr: true });
 * const lr = warmupCosine({ baseLr: 0.3 * batchSize / 256, warmupSteps: 500, totalSteps: 10_000 });
 * opt.learningRate = lr(opt.iterations);
 * opt.applyGradients(grads, variables);
 * ```
 */
export class LARS extends SlottedOptimizer {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly trustCoefficient: number;
  readonly epsilon: number;
  readonly excludeFromWeightDecayAndAdaptation: VariablePredicate;
  readonly clipLr: boolean;
  readonly nesterov: boolean;
  readonly dampening: number;

  constructor(options: LARSOptions) {
    super('LARS', options.learningRate);
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay ?? 0;
    this.trustCoefficient = options.trustCoefficient ?? 0.001;
    this.epsilon = options.epsilon ?? 1e-8;
    this.excludeFromWeightDecayAndAdaptation =
      options.excludeFromWeightDecayAndAdaptation ?? excludeBiasAndNorm;
    this.clipLr = options.clipLr ?? false;
    this.nesterov = options.nesterov ?? false;
    this.dampening = options.dampening ?? 0;
    this.checkNonNegative({
      momentum: this.momentum,
      weightDecay: this.weightDecay,
      trustCoefficient: this.trustCoefficient,
      epsilon: this.epsilon,
      dampening: this.dampening,
    });
    this.checkNesterov(this.nesterov, this.momentum, this.dampening);
  }

  protected slotNames(): readonly string[] {
    return this.momentum !== 0 ? ['momentumBuffer'] : [];
  }

  protected updateVariable(p: tf.Variable, g: tf.Tensor, slots: SlotVariables): void {
    const lr = this.learningRate;
    const wd = this.weightDecay;
    let d = g;
    if (!this.excludeFromWeightDecayAndAdaptation(p)) {
      const pNorm = tf.sqrt(tf.sum(tf.mul(p, p)));
      const gNorm = tf.sqrt(tf.sum(tf.mul(g, g)));
      let ratio = tf.div(
        tf.mul(pNorm, this.trustCoefficient),
        tf.add(tf.add(gNorm, tf.mul(pNorm, wd)), this.epsilon),
      );
      if (this.clipLr) {
        // ratio / 0 is +inf in PyTorch, so min(., 1) = 1 when lr = 0.
        ratio = lr > 0 ? tf.minimum(tf.div(ratio, lr), 1) : tf.onesLike(ratio);
      }
      // Both branches as scalars selected on the device: no read-back of the norms.
      const adapt = tf.logicalAnd(tf.greater(pNorm, 0), tf.greater(gNorm, 0));
      const scale = tf.where(adapt, ratio, tf.onesLike(ratio));
      const decay = tf.where(adapt, tf.fill([], wd), tf.zerosLike(ratio));
      d = tf.mul(tf.add(g, tf.mul(p, decay)), scale);
    }
    d = this.applyMomentum(p, d, slots, this.momentum, this.dampening, this.nesterov);
    p.assign(tf.sub(p, tf.mul(d, lr)));
  }

  getConfig(): Record<string, unknown> {
    return {
      className: 'LARS',
      learningRate: this.learningRate,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
      trustCoefficient: this.trustCoefficient,
      epsilon: this.epsilon,
      excludeFromWeightDecayAndAdaptation:
        this.excludeFromWeightDecayAndAdaptation.name || 'custom',
      clipLr: this.clipLr,
      nesterov: this.nesterov,
      dampening: this.dampening,
    };
  }
}
