import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from './checkpoint-error';
import { resolveCheckpoint } from './load-checkpoint';
import { nodeFileSystem } from './node-file-system';
import { verifyCheckpoint } from './verify-checkpoint';

/**
 * Loads the encoder exported in a checkpoint (a checkpoint folder, or a run folder: its newest
 * valid checkpoint) as a tfjs LayersModel, on any backend.
 *
 * @example
 * ```ts
 * const encoder = await loadEncoder('runs/simclr');
 * const features = encoder.predict(images) as tf.Tensor;
 * ```
 */
export async function loadEncoder(target: string): Promise<tf.LayersModel> {
  const dir = await resolveCheckpoint(target);
  const manifest = await verifyCheckpoint(dir);
  if (!manifest.files['encoder/model.json'])
    throw new CheckpointError(`checkpoint ${dir} holds no encoder`, dir);
  return tf.loadLayersModel(nodeFileSystem(path.join(dir, 'encoder')));
}
