import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CheckpointManifest } from '../checkpoint-content';

export const FORMAT = 'selfsup-checkpoint';
export const VERSION = 1;
export const CHECKPOINTS = 'checkpoints';
export const MANIFEST = 'manifest.json';
export const STEP_DIR = /^step-(\d+)$/;

export type Manifest = CheckpointManifest;

export const stepDirName = (step: number): string => `step-${String(step).padStart(9, '0')}`;

export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new Error(
      `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): not a complete checkpoint`,
    );
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (m?.format !== FORMAT)
    throw new Error(`${file}: format is ${JSON.stringify(m?.format)}, expected '${FORMAT}'`);
  if (m.version !== VERSION)
    throw new Error(
      `${file}: version ${m.version} is not supported (this selfsup reads version ${VERSION})`,
    );
  if (!Number.isInteger(m.step) || !Number.isInteger(m.epoch) || typeof m.files !== 'object') {
    throw new Error(`${file}: malformed manifest`);
  }
  return m;
}
