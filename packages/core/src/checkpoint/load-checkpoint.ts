import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { LoadedCheckpoint, OptimizerSnapshot } from './checkpoint-content';
import { CheckpointError } from './checkpoint-error';
import { CHECKPOINTS, MANIFEST } from './internal/layout';
import { decodeTensors, type TensorSpec } from './internal/tensor-bin';
import { unflattenTree } from './internal/tree';
import { latestCheckpoint } from './latest-checkpoint';
import { verifyCheckpoint } from './verify-checkpoint';
import type { StateTree } from './state-tree';

/**
 * Resolves a checkpoint folder, or a run folder to its newest valid checkpoint. Throws a
 * {@link CheckpointError} when there is none.
 *
 * @example
 * ```ts
 * const dir = await resolveCheckpoint('runs/a'); // runs/a/checkpoints/step-000000500
 * ```
 */
export async function resolveCheckpoint(target: string): Promise<string> {
  if (await fs.stat(path.join(target, MANIFEST)).catch(() => null)) return target;
  if (await fs.stat(path.join(target, CHECKPOINTS)).catch(() => null)) {
    const reasons: string[] = [];
    const latest = await latestCheckpoint(target, { onInvalid: (_d, r) => reasons.push(r) });
    if (latest) return latest;
    throw new CheckpointError(
      `no complete checkpoint in ${path.join(target, CHECKPOINTS)}${reasons.length ? `: ${reasons.join('; ')}` : ''}`,
      target,
    );
  }
  throw new CheckpointError(
    `${target} is neither a checkpoint folder (no ${MANIFEST}) nor a run folder (no ${CHECKPOINTS}/)`,
    target,
  );
}

async function readJson<T>(dir: string, rel: string): Promise<T> {
  const file = path.join(dir, rel);
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    throw new CheckpointError(
      `checkpoint ${dir}: cannot read ${rel}: ${(e as Error).message}`,
      dir,
    );
  }
}

/**
 * Reads a checkpoint (a checkpoint folder, or a run folder: its newest valid checkpoint),
 * after verifying every file against the manifest. The tensors belong to the caller.
 *
 * @example
 * ```ts
 * const ckpt = await loadCheckpoint('runs/a');
 * console.log(ckpt.step, Object.keys(ckpt.variables));
 * ckpt.dispose();
 * ```
 */
export async function loadCheckpoint(target: string): Promise<LoadedCheckpoint> {
  const dir = await resolveCheckpoint(target);
  const manifest = await verifyCheckpoint(dir);
  const owned: tf.Tensor[] = [];
  const bin = async (rel: string): Promise<Uint8Array> =>
    new Uint8Array(await fs.readFile(path.join(dir, rel)));
  try {
    const vj = await readJson<{ tensors: (TensorSpec & { key: string })[] }>(dir, 'variables.json');
    const vt = decodeTensors(
      vj.tensors,
      await bin('variables.bin'),
      path.join(dir, 'variables.bin'),
    );
    owned.push(...vt);
    const variables = Object.fromEntries(vj.tensors.map((s, i) => [s.key, vt[i]]));

    let optimizer: OptimizerSnapshot | undefined;
    if (manifest.files['optimizer.json']) {
      const oj = await readJson<{
        iterations: number;
        config: Record<string, unknown>;
        slots: (TensorSpec & { variable: string; slot: string })[];
      }>(dir, 'optimizer.json');
      const ot = decodeTensors(
        oj.slots,
        await bin('optimizer.bin'),
        path.join(dir, 'optimizer.bin'),
      );
      owned.push(...ot);
      const slots: Record<string, Record<string, tf.Tensor>> = {};
      oj.slots.forEach((s, i) => {
        (slots[s.variable] ??= {})[s.slot] = ot[i];
      });
      optimizer = { iterations: oj.iterations, config: oj.config, slots };
    }

    let methodState: StateTree | undefined;
    if (manifest.files['state.json']) {
      const sj = await readJson<{ tree: unknown; tensors: TensorSpec[] }>(dir, 'state.json');
      const st = decodeTensors(sj.tensors, await bin('state.bin'), path.join(dir, 'state.bin'));
      owned.push(...st);
      methodState = unflattenTree(sj.tree, st);
    }

    const trainer = await readJson<Record<string, unknown>>(dir, 'trainer.json');
    return {
      dir,
      step: manifest.step,
      epoch: manifest.epoch,
      createdAt: manifest.createdAt,
      variables,
      optimizer,
      methodState,
      trainer,
      hasEncoder: manifest.files['encoder/model.json'] !== undefined,
      dispose: () => tf.dispose(owned),
    };
  } catch (e) {
    tf.dispose(owned);
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`checkpoint ${dir}: ${(e as Error).message}`, dir);
  }
}
