import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '@selfsup/core';
import type { Encoder, LabelledData } from '../types';
import {
  evaluateEncoder,
  type EvaluateEncoderOptions,
  type EvaluationRow,
} from './evaluate-encoder';

/** Options of {@link baselines}. */
export interface BaselinesOptions extends EvaluateEncoderOptions {
  train: LabelledData;
  test: LabelledData;
  /**
   * Builds a freshly initialized encoder of the architecture under test from a seed (pass it to
   * the layers' initializers). A Layers model it returns is disposed after use.
   */
  encoderFactory: (seed: number) => Encoder;
  /** A trained encoder to evaluate beside the baselines (not disposed). */
  encoder?: Encoder;
  /** Name of the trained encoder's row. Default 'encoder'. */
  encoderName?: string;
}

/** Result of {@link baselines}. */
export interface BaselinesResult {
  /** Probe / kNN on the raw inputs, flattened. */
  raw: EvaluationRow;
  /** Probe / kNN on a random-init encoder of the same architecture. */
  randomInit: EvaluationRow;
  /** The trained encoder, when given. */
  encoder?: EvaluationRow;
  /** The rows above in table order: raw, random init, encoder. */
  rows: EvaluationRow[];
}

const flatten: Encoder = (x) => tf.reshape(x, [x.shape[0], -1]);

/**
 * The reference points that give a pretrained encoder's numbers meaning, computed with the very
 * same functions ({@link evaluateEncoder}: feature extraction, {@link linearProbe},
 * {@link knnClassify}): the raw inputs flattened, and a randomly initialized encoder of the same
 * architecture (`encoderFactory(seed)`). An encoder that does not beat both learned nothing
 * useful. Give `encoder` to evaluate the trained one in the same table.
 *
 * @example
 * ```ts
 * import { baselines } from '@selfsup/eval';
 * import { createRng } from '@selfsup/core';
 *
 * const result = await baselines({
 *   train, test,
 *   encoderFactory: (seed) => buildEncoder(seed),
 *   encoder: pretrained,
 * }, createRng(0));
 * for (const row of result.rows) console.log(row.name, row.probe?.top1, row.knn?.top1);
 * ```
 */
export async function baselines(options: BaselinesOptions, rng?: Rng): Promise<BaselinesResult> {
  const r = resolveRng(rng);
  const { train, test, encoderFactory, encoder: trained, encoderName, ...evalOptions } = options;
  // One forked generator per row, so each row is reproducible on its own.
  const rawRng = r.fork();
  const initSeed = r.seed();
  const initRng = r.fork();
  const encoderRng = r.fork();
  const raw = await evaluateEncoder('raw input', flatten, train, test, evalOptions, rawRng);
  const random = encoderFactory(initSeed);
  let randomInit: EvaluationRow;
  try {
    randomInit = await evaluateEncoder(
      'random-init encoder',
      random,
      train,
      test,
      evalOptions,
      initRng,
    );
  } finally {
    if (random instanceof tf.LayersModel) random.dispose();
  }
  const rows = [raw, randomInit];
  let encoder: EvaluationRow | undefined;
  if (trained) {
    encoder = await evaluateEncoder(
      encoderName ?? 'encoder',
      trained,
      train,
      test,
      evalOptions,
      encoderRng,
    );
    rows.push(encoder);
  }
  return { raw, randomInit, encoder, rows };
}
