import * as tf from '@tensorflow/tfjs';

/**
 * What one training step of a method returns: the scalar loss to minimize and named metrics to log.
 * Metrics may be scalar tensors (read after the step) or plain numbers.
 *
 * @example
 * ```ts
 * return { loss: tf.add(align, uniform) as tf.Scalar, metrics: { align, uniform, temperature: 0.1 } };
 * ```
 */
export interface StepOutput {
  loss: tf.Scalar;
  metrics?: Record<string, tf.Scalar | number>;
}

/**
 * Plain-JSON or tensor leaves of a method's non-trainable state (EMA targets, queues, codebooks).
 *
 * @example
 * ```ts
 * state(): MethodState { return { queue: this.queue, pointer: this.pointer, rng: [...this.rng.state().s] }; }
 * ```
 */
export type MethodState = Record<string, tf.Tensor | number | string | boolean | number[] | null>;

/**
 * The contract between a self-supervised method (SimCLR, MoCo, BYOL, MAE, BERT MLM, wav2vec 2.0,
 * CLIP, ...) and the {@link Trainer}. Methods own their networks and losses; the Trainer owns the
 * loop, the optimizer, gradients, clipping, checkpoints and callbacks (solo-learn's split).
 *
 * Variables are returned with STABLE keys (e.g. `online.encoder/conv1/kernel`), the same in every
 * process for the same configuration: tfjs's own variable names gain suffixes (`_1`, `_2`) that
 * depend on what was built before, so checkpoints never use them. {@link modelVariables} makes
 * such keys for a tf.LayersModel.
 *
 * Step protocol, per optimizer step:
 * 1. `loss(batch, step)` is called inside `tf.variableGrads` (inside `tf.tidy`): it runs the
 *    forward pass and returns the loss. Anything it must hand to `afterStep` (MoCo keys, DINO
 *    teacher outputs) it keeps with `tf.keep` and disposes in `afterStep`.
 * 2. The optimizer applies the gradients of `trainableVariables()`.
 * 3. `afterStep(step, totalSteps)` updates what is not trained by gradients: EMA targets,
 *    queues, centers.
 *
 * @example
 * ```ts
 * class MyMethod implements SSLMethod<tf.Tensor4D> {
 *   readonly name = 'my-method';
 *   constructor(readonly encoder: tf.LayersModel, private projector: tf.LayersModel) {}
 *   trainableVariables() {
 *     return { ...modelVariables(this.encoder, 'encoder', true), ...modelVariables(this.projector, 'projector', true) };
 *   }
 *   allVariables() {
 *     return { ...modelVariables(this.encoder, 'encoder'), ...modelVariables(this.projector, 'projector') };
 *   }
 *   loss(images: tf.Tensor4D) {
 *     const z = this.projector.apply(this.encoder.apply(images, { training: true }), { training: true }) as tf.Tensor2D;
 *     return { loss: tf.mean(tf.square(z)) as tf.Scalar };
 *   }
 *   config() { return {}; }
 * }
 * ```
 */
export interface SSLMethod<Batch = unknown> {
  /** Method name, e.g. 'simclr'. */
  readonly name: string;
  /** The network kept after pretraining (exported as a plain tfjs layers model). */
  readonly encoder: tf.LayersModel;
  /** Variables trained by gradients, with stable keys. */
  trainableVariables(): Record<string, tf.Variable>;
  /**
   * Every variable a checkpoint must hold (trainable ones, batch-norm statistics, target networks,
   * heads), with stable keys.
   */
  allVariables(): Record<string, tf.Variable>;
  /** Forward pass and loss of one batch. Called inside `tf.variableGrads`. */
  loss(batch: Batch, step: number): StepOutput;
  /** Updates after the optimizer step (EMA, queues, centers). */
  afterStep?(step: number, totalSteps: number): void;
  /** Non-trainable state that is not a variable (queue pointers, centers as tensors, counters). */
  state?(): MethodState;
  /** Restores what {@link SSLMethod.state} returned (tensors are copied). */
  loadState?(state: MethodState): void;
  /** The method's hyperparameters as JSON (stored with checkpoints and run configs). */
  config(): Record<string, unknown>;
  /** Frees every tensor the method owns beyond its models' weights. */
  dispose?(): void;
}

/**
 * Stable keys for a layers model's variables: `${prefix}/${originalName}` (tfjs's `originalName`
 * is the weight's name before uniquification). Keys that still collide get an index suffix.
 *
 * @example
 * ```ts
 * const vars = modelVariables(encoder, 'online.encoder', true); // trainable only
 * Object.keys(vars)[0]; // 'online.encoder/conv1/kernel'
 * ```
 */
export function modelVariables(
  model: tf.LayersModel,
  prefix: string,
  trainableOnly = false,
): Record<string, tf.Variable> {
  const weights = trainableOnly ? model.trainableWeights : model.weights;
  const out: Record<string, tf.Variable> = {};
  for (const weight of weights) {
    let key = `${prefix}/${weight.originalName}`;
    for (let i = 1; key in out; i++) key = `${prefix}/${weight.originalName}#${i}`;
    out[key] = weight.read() as tf.Variable;
  }
  return out;
}
