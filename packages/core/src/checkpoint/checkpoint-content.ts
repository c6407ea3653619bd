import type * as tf from '@tensorflow/tfjs';
import type { StateTree } from './state-tree';

/**
 * Optimizer state in a checkpoint: the iteration count, the hyperparameters, and the slot
 * tensors (e.g. `m`, `v`) of each variable, keyed by the variable's stable key.
 *
 * @example
 * ```ts
 * const o: OptimizerSnapshot = { iterations: 100, config: { name: 'AdamW' }, slots: { 'online/0': { m, v } } };
 * ```
 */
export interface OptimizerSnapshot {
  iterations: number;
  config: Record<string, unknown>;
  slots: Record<string, Record<string, tf.Tensor>>;
}

/**
 * Everything a checkpoint holds. Tensors are read, not disposed, by {@link saveCheckpoint}.
 *
 * @example
 * ```ts
 * const content: CheckpointContent = {
 *   step: 1000, epoch: 3, encoder: method.encoder,
 *   variables: method.namedVariables(),
 *   trainer: { data: { epoch: 3, cursor }, rng: rng.state() },
 * };
 * ```
 */
export interface CheckpointContent {
  /** Optimizer steps done. */
  step: number;
  /** Current epoch (0-based). */
  epoch: number;
  /** The part kept after pretraining, saved as a plain tfjs layers model in `encoder/`. */
  encoder?: tf.LayersModel;
  /** Every variable of the method (online and target networks, heads) under stable keys. */
  variables: Record<string, tf.Tensor>;
  optimizer?: OptimizerSnapshot;
  /** Non-trainable method state (queues, codebooks, counters). */
  methodState?: StateTree;
  /** JSON: data position, RNG states, configuration, callback states, counters. */
  trainer: Record<string, unknown>;
}

/**
 * A checkpoint read back by {@link loadCheckpoint}. Its tensors belong to the caller: call
 * `dispose()` when done (after assigning them to variables).
 *
 * @example
 * ```ts
 * const ckpt = await loadCheckpoint('runs/a');
 * for (const [key, v] of Object.entries(method.namedVariables())) v.assign(ckpt.variables[key]);
 * ckpt.dispose();
 * ```
 */
export interface LoadedCheckpoint {
  /** The checkpoint folder. */
  dir: string;
  step: number;
  epoch: number;
  createdAt: string;
  variables: Record<string, tf.Tensor>;
  optimizer?: OptimizerSnapshot;
  methodState?: StateTree;
  trainer: Record<string, unknown>;
  /** Whether the folder holds an exported encoder (`encoder/model.json`). */
  hasEncoder: boolean;
  /** Disposes every tensor of the checkpoint. */
  dispose(): void;
}

/**
 * `manifest.json` of a checkpoint folder, written last: the folder is complete exactly when it
 * has one, and every other file must match its size and SHA-256 here.
 *
 * @example
 * ```ts
 * const m: CheckpointManifest = await verifyCheckpoint(dir);
 * m.files['variables.bin'].bytes;
 * ```
 */
export interface CheckpointManifest {
  format: 'selfsup-checkpoint';
  version: number;
  step: number;
  epoch: number;
  createdAt: string;
  /** Every other file of the folder (relative path, '/' separated) with its size and SHA-256. */
  files: Record<string, { bytes: number; sha256: string }>;
}
