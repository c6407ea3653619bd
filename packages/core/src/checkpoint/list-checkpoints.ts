import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINTS, MANIFEST, STEP_DIR, readManifest } from './internal/layout';

/**
 * A complete checkpoint found in a run folder.
 *
 * @example
 * ```ts
 * const [oldest] = await listCheckpoints('runs/a'); // { dir, step, epoch, createdAt }
 * ```
 */
export interface CheckpointInfo {
  dir: string;
  step: number;
  epoch: number;
  createdAt: string;
}

/**
 * The complete checkpoints of a run folder (`runDir/checkpoints/step-*` with a readable
 * manifest), oldest first. Temporary folders of interrupted saves are never listed. File
 * contents are not verified here (see {@link verifyCheckpoint}).
 *
 * @example
 * ```ts
 * for (const c of await listCheckpoints('runs/a')) console.log(c.step, c.dir);
 * ```
 */
export async function listCheckpoints(runDir: string): Promise<CheckpointInfo[]> {
  const root = path.join(runDir, CHECKPOINTS);
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const out: CheckpointInfo[] = [];
  for (const name of names) {
    if (!STEP_DIR.test(name)) continue;
    const dir = path.join(root, name);
    if (!(await fs.stat(path.join(dir, MANIFEST)).catch(() => null))) continue;
    try {
      const m = await readManifest(dir);
      out.push({ dir, step: m.step, epoch: m.epoch, createdAt: m.createdAt });
    } catch {
      // an unreadable manifest: not a usable checkpoint
    }
  }
  return out.sort((a, b) => a.step - b.step);
}
