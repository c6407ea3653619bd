import { checkNumber, checkStep, type Schedule } from './schedule';

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  /** Value reached at `step = warmupSteps` and kept afterwards. */
  readonly baseLr: number;
  /** Length of the ramp in steps (0: constant `baseLr`). */
  readonly warmupSteps: number;
  /** Value at step 0. Default 0. */
  readonly warmupStartLr?: number;
}

/**
 * Linear ramp from `warmupStartLr` at step 0 to `baseLr` at step `warmupSteps`, then constant:
 * `lr(s) = start + (base − start) · s / warmupSteps` for `s < warmupSteps`.
 *
 * @example
 * ```ts
 * const schedule = linearWarmup({ baseLr: 0.1, warmupSteps: 10 });
 * schedule(0);  // 0
 * schedule(5);  // 0.05
 * schedule(50); // 0.1
 * ```
 */
export function linearWarmup(options: LinearWarmupOptions): Schedule {
  const where = 'linearWarmup';
  const { baseLr, warmupSteps } = options;
  const warmupStartLr = options.warmupStartLr ?? 0;
  checkNumber(where, 'baseLr', baseLr);
  checkNumber(where, 'warmupStartLr', warmupStartLr);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new Error(`${where}: warmupSteps must be an integer >= 0, got ${warmupSteps}`);
  }
  return (step: number) => {
    checkStep(where, step);
    if (step >= warmupSteps) return baseLr;
    return warmupStartLr + ((baseLr - warmupStartLr) * step) / warmupSteps;
  };
}
