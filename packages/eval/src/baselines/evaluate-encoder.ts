import type { Rng } from '@selfsup/core';
import { extractFeatures } from '../features/extract-features';
import { knnClassify, type KnnOptions, type KnnResult } from '../knn/knn-classify';
import {
  linearProbe,
  type LinearProbeOptions,
  type LinearProbeResult,
} from '../probe/linear-probe';
import type { Encoder, LabelledData } from '../types';

/** Options of {@link evaluateEncoder}. */
export interface EvaluateEncoderOptions {
  /** Linear-probe options; `false` skips the probe. */
  probe?: LinearProbeOptions | false;
  /** kNN options; `false` skips kNN. */
  knn?: KnnOptions | false;
  /** Examples per forward pass of feature extraction. Default 256. */
  batchSize?: number;
}

/** Probe and kNN results of one encoder (a row of the report's results table). */
export interface EvaluationRow {
  name: string;
  /** Feature dimension. */
  dim: number;
  probe?: LinearProbeResult;
  knn?: KnnResult;
}

/**
 * Extracts train and test features with `encoder` and runs {@link linearProbe} and
 * {@link knnClassify} on them: the one path every number in a results table goes through, for a
 * pretrained encoder and for its baselines alike.
 *
 * @example
 * ```ts
 * import { evaluateEncoder } from '@selfsup/eval';
 * import { createRng } from '@selfsup/core';
 *
 * const row = await evaluateEncoder('SimCLR', encoder, train, test, {}, createRng(0));
 * console.log(row.probe?.top1, row.knn?.top1);
 * ```
 */
export async function evaluateEncoder(
  name: string,
  encoder: Encoder,
  train: LabelledData,
  test: LabelledData,
  options: EvaluateEncoderOptions = {},
  rng?: Rng,
): Promise<EvaluationRow> {
  const batchSize = options.batchSize ?? 256;
  const trainFeatures = await extractFeatures(encoder, train, { batchSize });
  const testFeatures = await extractFeatures(encoder, test, { batchSize });
  const row: EvaluationRow = { name, dim: trainFeatures.dim };
  if (options.knn !== false) {
    row.knn = await knnClassify(trainFeatures, testFeatures, options.knn ?? {});
  }
  if (options.probe !== false) {
    row.probe = await linearProbe(trainFeatures, testFeatures, options.probe ?? {}, rng);
  }
  return row;
}
