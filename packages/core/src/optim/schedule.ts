/**
 * A learning-rate (or any hyperparameter) schedule: the value to use for the update with 0-based
 * index `step` (the optimizer's `iterations` before the update).
 *
 * @example
 * ```ts
 * const schedule: Schedule = warmupCosine({ baseLr: 1e-3, warmupSteps: 100, totalSteps: 1000 });
 * optimizer.learningRate = schedule(optimizer.iterations);
 * ```
 */
export type Schedule = (step: number) => number;

/** Throws unless `step` is a finite number >= 0 (shared by the schedules of this folder). */
export function checkStep(where: string, step: number): void {
  if (typeof step !== 'number' || !Number.isFinite(step) || step < 0) {
    throw new Error(`${where}: step must be a finite number >= 0, got ${step}`);
  }
}

/** Throws unless `value` is a finite number (>= 0 when `nonNegative`). */
export function checkNumber(where: string, name: string, value: number, nonNegative = true): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || (nonNegative && value < 0)) {
    throw new Error(
      `${where}: ${name} must be a finite number${nonNegative ? ' >= 0' : ''}, got ${value}`,
    );
  }
}
