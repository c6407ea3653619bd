import * as tf from '@tensorflow/tfjs';
import { excludeBiasAndNorm, type VariablePredicate } from './exclude-bias-and-norm';
import { SlottedOptimizer, type SlotVariables } from './slotted-optimizer';

/** Options of {@link AdamW}; defaults are PyTorch's. */
export interface AdamWOptions {
  readonly learningRate: number;
  /** Decay of the first-moment average. Default 0.9. */
  readonly beta1?: number;
  /** Decay of the second-moment average. Default 0.999. */
  readonly beta2?: number;
  /** Added to the bias-corrected RMS in the denominator. Default 1e-8. */
  readonly epsilon?: number;
  /** Decoupled weight decay coefficient (`p -= lr * weightDecay * p`). Default 0.01. */
  readonly weightDecay?: number;
  /** Use the running maximum of the second moment (AMSGrad). Default false. */
  readonly amsgrad?: boolean;
  /** Variables that get no weight decay. Default {@link excludeBiasAndNorm} (rank <= 1). */
  readonly excludeFromWeightDecay?: VariablePredicate;
}

/**
 * AdamW with exactly `torch.optim.AdamW`'s update (per variable, `t` counting the updates that
 * variable received, as PyTorch's per-parameter `state['step']`):
 *
 * ```
 * p ← p · (1 − lr·wd)                  (skipped for excluded variables)
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * v̂max ← max(v̂max, v)                 (amsgrad only; the denominator then uses v̂max)
 * p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * ```
 *
 * One difference from PyTorch's defaults, as in lightly/solo-learn recipes: biases and
 * normalization parameters are excluded from weight decay unless `excludeFromWeightDecay` says
 * otherwise (pass `() => false` for PyTorch's decay-everything behaviour).
 *
 * Slots per variable: `m`, `v`, `vMax` (amsgrad only) and `step` (a scalar, the variable's `t`).
 *
 * @example
 * ```ts
 * const opt = new AdamW({ learningRate: 1e-3, weightDecay: 0.05 });
 * const { value, grads } = tf.variableGrads(() => loss(model));
 * opt.applyGradients(grads, model.trainableWeights.map((w) => w.read() as tf.Variable));
 * tf.dispose([value, grads]);
 * ```
 */
export class AdamW extends SlottedOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  readonly excludeFromWeightDecay: VariablePredicate;
  /** Mirror of each variable's `step` slot, so the bias corrections need no GPU read-back. */
  private readonly steps = new Map<string, number>();

  constructor(options: AdamWOptions) {
    super('AdamW', options.learningRate);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.amsgrad = options.amsgrad ?? false;
    this.excludeFromWeightDecay = options.excludeFromWeightDecay ?? excludeBiasAndNorm;
    for (const [name, beta] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(beta >= 0 && beta < 1)) {
        throw new Error(`AdamW: ${name} must be in [0, 1), got ${beta}`);
      }
    }
    if (!(this.epsilon >= 0) || !Number.isFinite(this.epsilon)) {
      throw new Error(`AdamW: epsilon must be a finite number >= 0, got ${this.epsilon}`);
    }
    if (!(this.weightDecay >= 0) || !Number.isFinite(this.weightDecay)) {
      throw new Error(`AdamW: weightDecay must be a finite number >= 0, got ${this.weightDecay}`);
    }
  }

  protected slotNames(): readonly string[] {
    return this.amsgrad ? ['m', 'v', 'vMax', 'step'] : ['m', 'v', 'step'];
  }

  protected override requiredSlots(): readonly string[] {
    // A state without `step` (e.g. written by another tool) falls back to `iterations`.
    return this.amsgrad ? ['m', 'v', 'vMax'] : ['m', 'v'];
  }

  protected override slotShape(name: string, variable: tf.Variable): readonly number[] {
    return name === 'step' ? [] : variable.shape;
  }

  protected override onSlotsRestored(variable: tf.Variable, slots: SlotVariables): void {
    if (slots.m === undefined) {
      this.steps.delete(variable.name);
      return;
    }
    const step = slots.step !== undefined ? slots.step.dataSync()[0] : this.iterations;
    this.steps.set(variable.name, step);
    if (slots.step === undefined) tf.tidy(() => this.createSlot(variable, 'step', tf.scalar(step)));
  }

  protected override onDispose(): void {
    this.steps.clear();
  }

  protected updateVariable(p: tf.Variable, g: tf.Tensor, slots: SlotVariables): void {
    const lr = this.learningRate;
    const m = slots.m ?? this.createSlot(p, 'm', tf.zerosLike(p));
    const v = slots.v ?? this.createSlot(p, 'v', tf.zerosLike(p));
    const stepSlot = slots.step ?? this.createSlot(p, 'step', tf.scalar(0));
    const step = (this.steps.get(p.name) ?? 0) + 1;

    const decayed =
      this.weightDecay !== 0 && !this.excludeFromWeightDecay(p)
        ? tf.mul(p, 1 - lr * this.weightDecay)
        : p;
    const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.mul(g, g), 1 - this.beta2));
    let second: tf.Tensor = vNew;
    if (this.amsgrad) {
      const vMax = slots.vMax ?? this.createSlot(p, 'vMax', tf.zerosLike(p));
      second = tf.maximum(vMax, vNew);
      vMax.assign(second);
    }
    const biasCorrection1 = 1 - this.beta1 ** step;
    const biasCorrection2Sqrt = Math.sqrt(1 - this.beta2 ** step);
    const denom = tf.add(tf.div(tf.sqrt(second), biasCorrection2Sqrt), this.epsilon);
    const update = tf.mul(tf.div(mNew, denom), lr / biasCorrection1);
    m.assign(mNew);
    v.assign(vNew);
    p.assign(tf.sub(decayed, update));
    stepSlot.assign(tf.scalar(step));
    this.steps.set(p.name, step);
  }

  getConfig(): Record<string, unknown> {
    return {
      className: 'AdamW',
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      amsgrad: this.amsgrad,
      excludeFromWeightDecay: this.excludeFromWeightDecay.name || 'custom',
    };
  }
}
