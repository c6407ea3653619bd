import * as tf from '@tensorflow/tfjs';
import { runEncoder } from '../internal/run-encoder';
import { toInt32Labels } from '../internal/to-labels';
import type { Encoder, FeatureSet, LabelledData, LabelsLike } from '../types';

/** One batch of a dataset: inputs with the examples along axis 0, and their labels. */
export interface LabelledBatch {
  x: tf.Tensor;
  y: LabelsLike;
}

/**
 * What {@link extractFeatures} reads: an (async) iterable of batches, or a whole split as one
 * `{ x, y }` (batched internally).
 */
export type FeatureDataset = Iterable<LabelledBatch> | AsyncIterable<LabelledBatch> | LabelledData;

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** Examples per forward pass when `dataset` is a whole `{ x, y }`. Default 256. */
  batchSize?: number;
  /**
   * Dispose each batch's `x` (and `y` if a tensor) once its features are read, for iterables that
   * create a fresh tensor per batch and hand over its ownership. Default false: batches belong to
   * the caller, and a whole `{ x, y }` is never disposed.
   */
  disposeBatches?: boolean;
}

/**
 * Runs a frozen encoder over a labelled dataset and returns the embeddings and labels as plain
 * arrays (a {@link FeatureSet}). No gradient is recorded (a Layers model runs through `predict`, in
 * inference mode) and no tensor outlives a batch. Encoder outputs of rank > 2 are flattened per
 * example.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { extractFeatures } from '@selfsup/eval';
 *
 * const encoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8 })] });
 * const x = tf.randomNormal([100, 4], 0, 1, 'float32', 1);
 * const { features, labels, dim, count } = await extractFeatures(
 *   encoder,
 *   { x, y: new Int32Array(100) },
 *   { batchSize: 32 },
 * );
 * // features: Float32Array of count x dim = 100 x 8
 * ```
 */
export async function extractFeatures(
  encoder: Encoder,
  dataset: FeatureDataset,
  options: ExtractFeaturesOptions = {},
): Promise<FeatureSet> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new Error(`extractFeatures: batchSize must be a positive integer, got ${batchSize}`);
  }
  const chunks: Float32Array[] = [];
  const labelChunks: Int32Array[] = [];
  let dim = -1;
  let count = 0;

  const consume = async (x: tf.Tensor, y: LabelsLike): Promise<void> => {
    const labels = toInt32Labels(y, 'extractFeatures');
    const n = x.shape[0];
    if (labels.length !== n) {
      throw new Error(`extractFeatures: batch has ${n} inputs but ${labels.length} labels`);
    }
    const out = tf.tidy(() => {
      const z = runEncoder(encoder, x);
      if (z.rank < 1 || z.shape[0] !== n) {
        throw new Error(
          `extractFeatures: encoder must return one row per input (${n}), got shape [${z.shape}]`,
        );
      }
      return tf.reshape(z, [n, -1]);
    });
    let values: Float32Array;
    try {
      values = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
    const d = n === 0 ? dim : values.length / n;
    if (dim === -1) dim = d;
    else if (d !== dim) {
      throw new Error(
        `extractFeatures: encoder output dim changed from ${dim} to ${d} between batches`,
      );
    }
    chunks.push(values);
    labelChunks.push(labels);
    count += n;
  };

  if (isLabelledData(dataset)) {
    const { x, y } = dataset;
    const n = x.shape[0];
    const labels = toInt32Labels(y, 'extractFeatures');
    if (labels.length !== n) {
      throw new Error(`extractFeatures: x has ${n} examples but y has ${labels.length} labels`);
    }
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const xb = tf.slice(x, [start], [size]);
      try {
        await consume(xb, labels.subarray(start, start + size));
      } finally {
        xb.dispose();
      }
    }
  } else {
    for await (const batch of dataset as AsyncIterable<LabelledBatch>) {
      try {
        await consume(batch.x, batch.y);
      } finally {
        if (options.disposeBatches) {
          batch.x.dispose();
          if (batch.y instanceof tf.Tensor) batch.y.dispose();
        }
      }
    }
  }

  if (dim === -1) dim = 0;
  const features = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  let offset = 0;
  chunks.forEach((chunk, i) => {
    features.set(chunk, offset * dim);
    labels.set(labelChunks[i], offset);
    offset += labelChunks[i].length;
  });
  return { features, labels, dim, count };
}

function isLabelledData(dataset: FeatureDataset): dataset is LabelledData {
  return (
    typeof dataset === 'object' &&
    dataset !== null &&
    'x' in dataset &&
    (dataset as LabelledData).x instanceof tf.Tensor
  );
}
