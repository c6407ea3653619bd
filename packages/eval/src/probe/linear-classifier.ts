import * as tf from '@tensorflow/tfjs';
import { scoreAccuracy } from '../internal/score-accuracy';
import { toMatrix } from '../internal/to-matrix';
import type { EmbeddingInput, FeatureSet, TopKAccuracy } from '../types';
import type { Standardization } from './fit-standardizer';
import { standardize } from './standardize';

/** Plain-data form of a {@link LinearClassifier} (what `toJSON` returns). */
export interface LinearClassifierJSON {
  dim: number;
  numClasses: number;
  /** Row-major `dim x numClasses`. */
  weights: number[];
  bias: number[];
  mean: number[];
  scale: number[];
}

/** Accuracy, mean cross-entropy and predictions of a classifier on a labelled set. */
export interface ClassifierEvaluation extends TopKAccuracy {
  /** Mean cross-entropy (nats). */
  loss: number;
  /** Predicted class per example. */
  predictions: Int32Array;
}

const ROWS_PER_MATMUL = 4096;

/**
 * A fitted linear classifier on standardized features:
 * `logits = ((x - mean) / scale) W + b`, with `W` of shape `dim x numClasses` (row-major).
 * Returned by {@link linearProbe}; self-contained, so it can be saved with `toJSON` and applied
 * to new features.
 *
 * @example
 * ```ts
 * const { classifier } = await linearProbe(train, test);
 * const predicted = classifier.predict(test);          // Int32Array of classes
 * const { top1 } = classifier.evaluate(test);          // same top-1 as the probe reported
 * const restored = LinearClassifier.fromJSON(JSON.parse(JSON.stringify(classifier)));
 * ```
 */
export class LinearClassifier {
  readonly dim: number;
  readonly numClasses: number;
  /** Row-major `dim x numClasses`. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly standardization: Standardization;

  constructor(weights: Float32Array, bias: Float32Array, standardization: Standardization) {
    const dim = standardization.mean.length;
    const numClasses = bias.length;
    if (weights.length !== dim * numClasses || standardization.scale.length !== dim) {
      throw new Error(
        `LinearClassifier: expected weights of ${dim} x ${numClasses} and scale of ${dim}, ` +
          `got ${weights.length} weights and ${standardization.scale.length} scales`,
      );
    }
    this.dim = dim;
    this.numClasses = numClasses;
    this.weights = weights;
    this.bias = bias;
    this.standardization = standardization;
  }

  /** Row-major `count x numClasses` logits of raw (unstandardized) features. */
  logits(features: EmbeddingInput | Float32Array): Float32Array {
    const m =
      features instanceof Float32Array
        ? toMatrix({ features, dim: this.dim }, 'LinearClassifier.logits')
        : toMatrix(features, 'LinearClassifier.logits');
    if (m.cols !== this.dim) {
      throw new Error(
        `LinearClassifier.logits: expected features of dim ${this.dim}, got ${m.cols}`,
      );
    }
    const z = standardize(m.data, this.standardization);
    const out = new Float32Array(m.rows * this.numClasses);
    const w = tf.tensor2d(this.weights, [this.dim, this.numClasses]);
    const b = tf.tensor1d(this.bias);
    try {
      for (let start = 0; start < m.rows; start += ROWS_PER_MATMUL) {
        const rows = Math.min(ROWS_PER_MATMUL, m.rows - start);
        const chunk = tf.tidy(() => {
          const x = tf.tensor2d(z.subarray(start * this.dim, (start + rows) * this.dim), [
            rows,
            this.dim,
          ]);
          return tf.add(tf.matMul(x, w), b);
        });
        out.set(chunk.dataSync(), start * this.numClasses);
        chunk.dispose();
      }
    } finally {
      w.dispose();
      b.dispose();
    }
    return out;
  }

  /** Predicted class (argmax of the logits, lowest index among ties) of each row. */
  predict(features: EmbeddingInput | Float32Array): Int32Array {
    const logits = this.logits(features);
    const n = logits.length / this.numClasses;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < this.numClasses; c++) {
        if (logits[i * this.numClasses + c] > logits[i * this.numClasses + best]) best = c;
      }
      out[i] = best;
    }
    return out;
  }

  /** Top-1, top-5, mean cross-entropy and predictions on a labelled feature set. */
  evaluate(set: FeatureSet): ClassifierEvaluation {
    const logits = this.logits(set);
    const acc = scoreAccuracy(logits, set.labels, this.numClasses);
    let loss = 0;
    const C = this.numClasses;
    for (let i = 0; i < set.count; i++) {
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, logits[i * C + c]);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(logits[i * C + c] - max);
      const y = set.labels[i];
      loss += y < C ? max + Math.log(sum) - logits[i * C + y] : Infinity;
    }
    return { ...acc, loss: set.count ? loss / set.count : 0 };
  }

  /** Plain arrays, for `JSON.stringify`. */
  toJSON(): LinearClassifierJSON {
    return {
      dim: this.dim,
      numClasses: this.numClasses,
      weights: Array.from(this.weights),
      bias: Array.from(this.bias),
      mean: Array.from(this.standardization.mean),
      scale: Array.from(this.standardization.scale),
    };
  }

  /** Rebuilds a classifier saved with `toJSON`. */
  static fromJSON(json: LinearClassifierJSON): LinearClassifier {
    return new LinearClassifier(Float32Array.from(json.weights), Float32Array.from(json.bias), {
      mean: Float32Array.from(json.mean),
      scale: Float32Array.from(json.scale),
    });
  }
}
