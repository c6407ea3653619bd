/**
 * Exit codes of the `selfsup` command: 0 success, 1 failure during a run, 2 bad usage or
 * configuration, 130 interrupted (Ctrl-C; the run folder holds a checkpoint to resume from).
 *
 * @example
 * ```ts
 * process.exitCode = EXIT.usage;
 * ```
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/**
 * An error the CLI reports as one clear message (no stack trace) with its exit code: bad usage
 * and bad configs exit 2, failures during a run exit 1. `hint` says what to do next.
 *
 * @example
 * ```ts
 * throw new CliError('unknown method "simclrr"', EXIT.usage, 'run `selfsup pretrain --help` to list the methods');
 * ```
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Bad usage or configuration (exit code 2).
 *
 * @example
 * ```ts
 * throw usageError('--steps: expected a positive integer, received "ten"', 'see `selfsup pretrain --help`');
 * ```
 */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT.usage, hint);
}
