import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '@selfsup/core';
import { buildMlpHead, type LastBatchNorm } from './mlp-head';

/** Options of {@link predictionHead}. */
export interface PredictionHeadOptions {
  /** Projection width (the predictor's input and, usually, output). */
  inputDim: number;
  /** Bottleneck width. */
  hiddenDim: number;
  /** Output width; equals the projection width in BYOL, SimSiam and MoCo v3. */
  outputDim: number;
  /** Batch norm after the last linear layer (MoCo v3: `{ center: false, scale: false }`). Default false. */
  lastBatchNorm?: LastBatchNorm;
  /** Model name and prefix of its layer names. Default `'prediction_head'`. */
  name?: string;
}

/**
 * The predictor of asymmetric methods: Linear (no bias) -> BatchNorm -> ReLU -> Linear, as a
 * `tf.Sequential` [B, inputDim] -> [B, outputDim], initialized as PyTorch's `nn.Linear` default
 * from seeds of `rng`. BYOL: 256 -> 4096 -> 256; SimSiam: 2048 -> 512 -> 2048; MoCo v3:
 * 256 -> 4096 -> 256 with `lastBatchNorm: { center: false, scale: false }` and no last bias.
 *
 * @param options - See {@link PredictionHeadOptions}.
 * @param rng - Generator of the initialization seeds; defaults to the global one.
 *
 * @example
 * ```ts
 * const predictor = predictionHead({ inputDim: 256, hiddenDim: 4096, outputDim: 256 }, rng);
 * const p = predictor.apply(z, { training: true }) as tf.Tensor; // [B, 256]
 * ```
 */
export function predictionHead(options: PredictionHeadOptions, rng?: Rng): tf.Sequential {
  return buildMlpHead(
    {
      inputDim: options.inputDim,
      hiddenDim: options.hiddenDim,
      outputDim: options.outputDim,
      numLayers: 2,
      batchNorm: true,
      lastBatchNorm: options.lastBatchNorm ?? false,
      name: options.name ?? 'prediction_head',
    },
    rng,
    'predictionHead',
  );
}
