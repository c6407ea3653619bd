import { checkNumber, checkStep, type Schedule } from './schedule';

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** Peak value, reached at the end of the warm-up. */
  readonly baseLr: number;
  /** Length of the whole schedule in steps; from then on the value is `finalLr`. */
  readonly totalSteps: number;
  /** Length of the linear warm-up in steps (0: start the cosine at `baseLr`). */
  readonly warmupSteps: number;
  /** Value at step 0. Default 0. */
  readonly warmupStartLr?: number;
  /** Value at `totalSteps` (solo-learn's `eta_min`, MAE's `min_lr`). Default 0. */
  readonly finalLr?: number;
}

/**
 * Linear warm-up then half-cosine decay, in the closed form of MAE's `lr_sched.adjust_learning_rate`
 * (also solo-learn's `LinearWarmupCosineAnnealingLR`, up to its warm-up denominator):
 *
 * ```
 * s < W:      lr = start + (base − start) · s / W
 * W ≤ s < T:  lr = final + (base − final) · (1 + cos(π (s − W) / (T − W))) / 2
 * s ≥ T:      lr = final
 * ```
 *
 * Bolts/solo-learn divide the warm-up by `W − 1` (reaching `base` one step early and holding it
 * twice); this form is continuous at `W` and reaches `base` exactly there.
 *
 * @example
 * ```ts
 * const schedule = warmupCosine({ baseLr: 1.5e-4, warmupSteps: 40, totalSteps: 400, finalLr: 1e-6 });
 * optimizer.learningRate = schedule(optimizer.iterations);
 * ```
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const where = 'warmupCosine';
  const { baseLr, totalSteps, warmupSteps } = options;
  const warmupStartLr = options.warmupStartLr ?? 0;
  const finalLr = options.finalLr ?? 0;
  checkNumber(where, 'baseLr', baseLr);
  checkNumber(where, 'warmupStartLr', warmupStartLr);
  checkNumber(where, 'finalLr', finalLr);
  if (!Number.isInteger(totalSteps) || totalSteps <= 0) {
    throw new Error(`${where}: totalSteps must be an integer > 0, got ${totalSteps}`);
  }
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || warmupSteps > totalSteps) {
    throw new Error(
      `${where}: warmupSteps must be an integer in [0, totalSteps = ${totalSteps}], got ${warmupSteps}`,
    );
  }
  return (step: number) => {
    checkStep(where, step);
    if (step < warmupSteps) {
      return warmupStartLr + ((baseLr - warmupStartLr) * step) / warmupSteps;
    }
    if (step >= totalSteps) return finalLr;
    const progress = (step - warmupSteps) / (totalSteps - warmupSteps);
    return finalLr + ((baseLr - finalLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}
