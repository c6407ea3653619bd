/**
 * BYOL's EMA momentum schedule (Grill et al., 2020, sec. 3.2):
 * `τ(k) = 1 − (1 − τ_base) · (cos(π k / K) + 1) / 2`, rising from `base` at step 0 to 1 at step
 * `total`. Steps beyond `total` are clamped (the value stays 1).
 *
 * @example
 * ```ts
 * const tau = cosineMomentum(0.996, trainer.step, totalSteps);
 * emaUpdate(targetWeights, onlineWeights, tau);
 * ```
 */
export function cosineMomentum(base: number, step: number, total: number): number {
  if (typeof base !== 'number' || !(base >= 0 && base <= 1)) {
    throw new Error(`cosineMomentum: base must be in [0, 1], got ${base}`);
  }
  if (!Number.isFinite(total) || total <= 0) {
    throw new Error(`cosineMomentum: total must be a finite number > 0, got ${total}`);
  }
  if (!Number.isFinite(step) || step < 0) {
    throw new Error(`cosineMomentum: step must be a finite number >= 0, got ${step}`);
  }
  const k = Math.min(step, total);
  return 1 - ((1 - base) * (Math.cos((Math.PI * k) / total) + 1)) / 2;
}
