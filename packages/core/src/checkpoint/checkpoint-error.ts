/**
 * A checkpoint folder that is missing, incomplete or corrupt (the message says which file and
 * what is wrong).
 *
 * @example
 * ```ts
 * try { await loadCheckpoint(dir); } catch (e) { if (e instanceof CheckpointError) console.error(e.message); }
 * ```
 */
export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly dir: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}
