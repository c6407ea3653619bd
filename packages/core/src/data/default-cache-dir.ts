import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The cache folder of selfsup: `$SELFSUP_CACHE`, else `$XDG_CACHE_HOME/selfsup`, else
 * `~/.cache/selfsup`.
 *
 * @example
 * ```ts
 * const dir = defaultCacheDir(); // e.g. /home/me/.cache/selfsup
 * ```
 */
export function defaultCacheDir(): string {
  if (process.env.SELFSUP_CACHE) return process.env.SELFSUP_CACHE;
  if (process.env.XDG_CACHE_HOME) return path.join(process.env.XDG_CACHE_HOME, 'selfsup');
  return path.join(os.homedir(), '.cache', 'selfsup');
}
