import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from './checkpoint-error';
import type { CheckpointManifest as Manifest } from './checkpoint-content';
import { readManifest } from './internal/layout';

/**
 * Checks a checkpoint folder against its manifest: every listed file exists with the listed size
 * and SHA-256. Throws a {@link CheckpointError} naming the first bad file; returns the manifest.
 *
 * @example
 * ```ts
 * await verifyCheckpoint('runs/a/checkpoints/step-000001000');
 * ```
 */
export async function verifyCheckpoint(dir: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = await readManifest(dir);
  } catch (e) {
    throw new CheckpointError(`checkpoint ${dir}: ${(e as Error).message}`, dir);
  }
  for (const [rel, expected] of Object.entries(manifest.files)) {
    const file = path.join(dir, ...rel.split('/'));
    const stat = await fs.stat(file).catch(() => null);
    if (!stat) throw new CheckpointError(`checkpoint ${dir}: ${rel} is missing`, dir);
    if (stat.size !== expected.bytes) {
      throw new CheckpointError(
        `checkpoint ${dir}: ${rel} has ${stat.size} bytes, the manifest says ${expected.bytes}`,
        dir,
      );
    }
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const actual = hash.digest('hex');
    if (actual !== expected.sha256) {
      throw new CheckpointError(
        `checkpoint ${dir}: ${rel} is corrupt (SHA-256 ${actual}, expected ${expected.sha256})`,
        dir,
      );
    }
  }
  return manifest;
}
