/**
 * Where the CLI writes: `out` for results (stdout), `err` for diagnostics (stderr), and the
 * stream the training progress bar draws on. Tests pass their own to capture the output.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const io: CliIO = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
 * ```
 */
export interface CliIO {
  /** One line of results (a newline is added). */
  out(line: string): void;
  /** One line of diagnostics (a newline is added). */
  err(line: string): void;
  /** Stream for the progress bar (default process.stderr). */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Environment (default process.env): `CI` makes the progress bar print plain lines. */
  env?: Record<string, string | undefined>;
}

/**
 * The process's own streams.
 *
 * @example
 * ```ts
 * await main(process.argv.slice(2), processIO());
 * ```
 */
export function processIO(): CliIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progressStream: process.stderr,
    env: process.env,
  };
}
