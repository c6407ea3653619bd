import { listCheckpoints } from './list-checkpoints';
import { verifyCheckpoint } from './verify-checkpoint';

/**
 * The newest checkpoint of a run folder whose files all match their manifest, or null. A newer
 * checkpoint that fails verification (e.g. a disk error after the save) is skipped and passed to
 * `onInvalid`, so training resumes from the last good one.
 *
 * @example
 * ```ts
 * const dir = await latestCheckpoint('runs/a', { onInvalid: (d, why) => console.warn(d, why) });
 * ```
 */
export async function latestCheckpoint(
  runDir: string,
  options: { onInvalid?: (dir: string, reason: string) => void } = {},
): Promise<string | null> {
  const all = await listCheckpoints(runDir);
  for (let i = all.length - 1; i >= 0; i--) {
    try {
      await verifyCheckpoint(all[i].dir);
      return all[i].dir;
    } catch (e) {
      options.onInvalid?.(all[i].dir, (e as Error).message);
    }
  }
  return null;
}
