import type * as tf from '@tensorflow/tfjs';

/**
 * The contract every selfsup optimizer (AdamW, LARS, SGD) follows, and what the Trainer and the
 * checkpoint code rely on.
 *
 * Gradients arrive keyed by `variable.name` (what `tf.variableGrads` returns). Optimizer state is
 * read and written per variable, in the order of a variable list, so that a checkpoint does not
 * depend on tfjs's auto-generated variable names (which differ from one process to the next).
 */
export interface Optimizer {
  /** Learning rate used by the next `applyGradients`; the Trainer sets it from the schedule. */
  learningRate: number;
  /** Number of updates applied so far. */
  readonly iterations: number;
  /** Applies one update. `gradients[v.name]` is the gradient of `v` (missing: `v` is skipped). */
  applyGradients(gradients: tf.NamedTensorMap, variables: readonly tf.Variable[]): void;
  /**
   * Slot tensors of each variable (e.g. `{ m, v }` for AdamW), in the order of `variables`; an
   * empty object for a variable without state yet. The tensors stay owned by the optimizer.
   */
  getSlots(variables: readonly tf.Variable[]): Record<string, tf.Tensor>[];
  /** Restores slots (copied) and the iteration count, as saved by `getSlots` and `iterations`. */
  setSlots(
    variables: readonly tf.Variable[],
    slots: Record<string, tf.Tensor>[],
    iterations: number,
  ): void;
  /** Hyperparameters as plain JSON (for checkpoints and run configs). */
  getConfig(): Record<string, unknown>;
  /** Frees every slot tensor. */
  dispose(): void;
}
