import type * as tf from '@tensorflow/tfjs';

/**
 * Features of `count` examples as one row-major `count x dim` matrix, with their integer labels.
 * Plain typed arrays rather than tensors, so that every evaluation after feature extraction is
 * independent of the tfjs backend and of tensor lifetimes.
 *
 * @example
 * ```ts
 * const set: FeatureSet = {
 *   features: new Float32Array([0, 1, 1, 0]),
 *   labels: new Int32Array([0, 1]),
 *   dim: 2,
 *   count: 2,
 * };
 * ```
 */
export interface FeatureSet {
  /** Row-major `count x dim` matrix: row `i` is `features.subarray(i * dim, (i + 1) * dim)`. */
  features: Float32Array;
  /** Class index of each row, in `[0, numClasses)`. */
  labels: Int32Array;
  /** Feature dimension (columns). */
  dim: number;
  /** Number of examples (rows). */
  count: number;
}

/**
 * Labels of a batch: class indices as a rank-1 tensor or array, or one-hot / probability rows as
 * a rank-2 tensor (reduced with argMax).
 *
 * @example
 * ```ts
 * const a: LabelsLike = [0, 2, 1];
 * const b: LabelsLike = tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3);
 * ```
 */
export type LabelsLike = tf.Tensor | Int32Array | ArrayLike<number>;

/**
 * What an evaluation runs: a Layers model (run with `predict`, so in inference mode) or any
 * function from a batch of inputs to a batch of embeddings. Outputs of rank > 2 are flattened
 * per example.
 *
 * @example
 * ```ts
 * const flatten: Encoder = (x) => tf.reshape(x, [x.shape[0], -1]);
 * ```
 */
export type Encoder = tf.LayersModel | ((x: tf.Tensor) => tf.Tensor);

/**
 * A labelled split held as whole arrays: inputs `x` with the examples along axis 0 and their
 * labels `y`.
 *
 * @example
 * ```ts
 * const split: LabelledData = { x: tf.zeros([100, 28, 28, 1]), y: new Int32Array(100) };
 * ```
 */
export interface LabelledData {
  x: tf.Tensor;
  y: LabelsLike;
}

/**
 * Embeddings given to the diagnostics: a rank-2 tensor, a {@link FeatureSet} (or any
 * `{ features, dim }`), or an array of rows.
 *
 * @example
 * ```ts
 * const e: EmbeddingInput = { features: new Float32Array(6), dim: 3 };
 * ```
 */
export type EmbeddingInput = tf.Tensor | { features: ArrayLike<number>; dim: number } | number[][];

/**
 * Top-1 and top-5 accuracy, as fractions in [0, 1].
 *
 * @example
 * ```ts
 * const acc: TopKAccuracy = { top1: 0.91, top5: 0.99 };
 * ```
 */
export interface TopKAccuracy {
  top1: number;
  top5: number;
}
