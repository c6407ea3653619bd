import { checkNumber, checkStep, type Schedule } from './schedule';

/**
 * A schedule that always returns `lr`.
 *
 * @example
 * ```ts
 * const schedule = constantSchedule(3e-4);
 * schedule(0) === schedule(10_000); // true
 * ```
 */
export function constantSchedule(lr: number): Schedule {
  checkNumber('constantSchedule', 'lr', lr);
  return (step: number) => {
    checkStep('constantSchedule', step);
    return lr;
  };
}
