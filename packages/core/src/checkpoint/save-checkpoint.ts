import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '../data/internal/fs-utils';
import type { CheckpointContent } from './checkpoint-content';
import { processAlive, sha256, writeDurable, type FileRecord } from './internal/files';
import {
  CHECKPOINTS,
  FORMAT,
  MANIFEST,
  VERSION,
  stepDirName,
  type Manifest,
} from './internal/layout';
import { encodeTensors } from './internal/tensor-bin';
import { flattenTree } from './internal/tree';
import { listCheckpoints } from './list-checkpoints';
import { nodeFileSystem } from './node-file-system';

/**
 * Options of {@link saveCheckpoint}.
 *
 * @example
 * ```ts
 * const o: SaveCheckpointOptions = { keep: 3 };
 * ```
 */
export interface SaveCheckpointOptions {
  /** Keep only the newest `keep` complete checkpoints (default: keep all). */
  keep?: number;
  /**
   * Called with the temporary folder once every file is written and synced, just before the
   * rename that publishes it (used by tests to interrupt a save; can also inspect or copy it).
   */
  beforeCommit?: (tmpDir: string) => void | Promise<void>;
}

const randomTag = (): string => Math.floor(Math.random() * 2 ** 32).toString(36);

/** Removes what interrupted saves of dead processes left behind (`.tmp-*`, `.trash-*`). */
async function cleanLeftovers(checkpoints: string): Promise<void> {
  for (const name of await fs.readdir(checkpoints).catch(() => [] as string[])) {
    const m = /^\.(tmp|trash)-.*-p(\d+)-[a-z0-9]+$/.exec(name);
    if (m && (Number(m[2]) === process.pid ? m[1] === 'trash' : !processAlive(Number(m[2])))) {
      await fs.rm(path.join(checkpoints, name), { recursive: true, force: true });
    }
  }
}

/**
 * Writes a checkpoint into `runDir/checkpoints/step-<step>/` atomically: every file goes into a
 * temporary folder, is fsynced, the manifest (sizes and SHA-256 of every file) is written last,
 * and one `rename` publishes the folder. A crash at any point leaves either the previous
 * checkpoints untouched plus a `.tmp-*` folder that readers ignore, or the complete new one.
 * Then only the newest `keep` checkpoints are kept. The format is described in
 * `README-checkpoints.md`.
 *
 * @example
 * ```ts
 * const dir = await saveCheckpoint('runs/simclr', {
 *   step, epoch, encoder: method.encoder, variables: method.namedVariables(), trainer: { note: 'manual' },
 * }, { keep: 3 });
 * ```
 */
export async function saveCheckpoint(
  runDir: string,
  content: CheckpointContent,
  options: SaveCheckpointOptions = {},
): Promise<string> {
  if (!Number.isInteger(content.step) || content.step < 0)
    throw new Error(`saveCheckpoint: step must be a non-negative integer, got ${content.step}`);
  const checkpoints = path.join(runDir, CHECKPOINTS);
  await fs.mkdir(checkpoints, { recursive: true });
  await cleanLeftovers(checkpoints);
  const name = stepDirName(content.step);
  const tmp = path.join(checkpoints, `.tmp-${name}-p${process.pid}-${randomTag()}`);
  await fs.mkdir(tmp);
  const files: Record<string, FileRecord> = {};
  let final: string | undefined;
  let trash: string | undefined;
  const put = async (rel: string, data: Uint8Array | string): Promise<void> => {
    files[rel] = await writeDurable(path.join(tmp, rel), data);
  };
  try {
    // Variables, sorted by key so that the files do not depend on insertion order.
    const keys = Object.keys(content.variables).sort();
    const vars = await encodeTensors(
      keys.map((k) => content.variables[k]),
      (i) => `variable '${keys[i]}'`,
    );
    await put('variables.bin', vars.data);
    await put(
      'variables.json',
      JSON.stringify({ tensors: keys.map((key, i) => ({ key, ...vars.specs[i] })) }),
    );

    if (content.optimizer) {
      const entries: { variable: string; slot: string }[] = [];
      const tensors = [];
      for (const variable of Object.keys(content.optimizer.slots).sort()) {
        const slots = content.optimizer.slots[variable];
        for (const slot of Object.keys(slots).sort()) {
          entries.push({ variable, slot });
          tensors.push(slots[slot]);
        }
      }
      const enc = await encodeTensors(
        tensors,
        (i) => `optimizer slot '${entries[i].slot}' of '${entries[i].variable}'`,
      );
      await put('optimizer.bin', enc.data);
      await put(
        'optimizer.json',
        JSON.stringify({
          iterations: content.optimizer.iterations,
          config: content.optimizer.config,
          slots: entries.map((e, i) => ({ ...e, ...enc.specs[i] })),
        }),
      );
    }

    if (content.methodState !== undefined) {
      const { json, tensors } = flattenTree(content.methodState, 'method state');
      const enc = await encodeTensors(tensors, (i) => `method state tensor ${i}`);
      await put('state.bin', enc.data);
      await put('state.json', JSON.stringify({ tree: json, tensors: enc.specs }));
    }

    await put('trainer.json', JSON.stringify(content.trainer, null, 1));

    if (content.encoder) {
      const encoderDir = path.join(tmp, 'encoder');
      await content.encoder.save(nodeFileSystem(encoderDir));
      for (const f of ['model.json', 'weights.bin']) {
        const data = await fs.readFile(path.join(encoderDir, f));
        files[`encoder/${f}`] = { bytes: data.length, sha256: sha256(data) };
      }
      await fsyncDir(encoderDir);
    }

    const manifest: Manifest = {
      format: FORMAT,
      version: VERSION,
      step: content.step,
      epoch: content.epoch,
      createdAt: new Date().toISOString(),
      files,
    };
    await writeDurable(path.join(tmp, MANIFEST), JSON.stringify(manifest, null, 1));
    await fsyncDir(tmp);
    await options.beforeCommit?.(tmp);

    final = path.join(checkpoints, name);
    if (await fs.stat(final).catch(() => null)) {
      // Re-saving a step (after a resume): move the old folder aside first, since rename cannot
      // replace a non-empty directory. Older steps stay valid meanwhile.
      trash = path.join(checkpoints, `.trash-${name}-p${process.pid}-${randomTag()}`);
      await fs.rename(final, trash);
    }
    await fs.rename(tmp, final);
    await fsyncDir(checkpoints);
    if (trash) await fs.rm(trash, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (trash && final && !(await fs.stat(final).catch(() => null)))
      await fs.rename(trash, final).catch(() => undefined);
    throw e;
  }

  if (options.keep !== undefined) {
    if (!Number.isInteger(options.keep) || options.keep < 1)
      throw new Error(`saveCheckpoint: keep must be a positive integer, got ${options.keep}`);
    const complete = await listCheckpoints(runDir);
    for (const old of complete.slice(0, Math.max(0, complete.length - options.keep))) {
      // Rename first so that a half-deleted folder never looks like a checkpoint.
      const doomed = path.join(
        checkpoints,
        `.trash-${path.basename(old.dir)}-p${process.pid}-${randomTag()}`,
      );
      await fs.rename(old.dir, doomed);
      await fs.rm(doomed, { recursive: true, force: true });
    }
  }
  return path.join(checkpoints, name);
}
