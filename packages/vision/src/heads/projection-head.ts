import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '@selfsup/core';
import { buildMlpHead, type LastBatchNorm } from './mlp-head';

export type { LastBatchNorm } from './mlp-head';

/** Options of {@link projectionHead}. */
export interface ProjectionHeadOptions {
  /** Encoder feature width. */
  inputDim: number;
  /** Width of the hidden layers. */
  hiddenDim: number;
  /** Output (embedding) width. */
  outputDim: number;
  /** Linear layers, 2 or 3 in the methods below (1 is a single linear map). Default 2. */
  numLayers?: number;
  /** Batch norm after each hidden linear layer. Default true. */
  batchNorm?: boolean;
  /** Batch norm after the last linear layer; see {@link LastBatchNorm}. Default false. */
  lastBatchNorm?: LastBatchNorm;
  /** Bias on the last linear layer. Default: true without a last batch norm, else false. */
  lastBias?: boolean;
  /** Model name and prefix of its layer names. Default `'projection_head'`. */
  name?: string;
}

/**
 * The MLP projection head of joint-embedding methods: `numLayers - 1` times
 * Linear -> BatchNorm -> ReLU, then a Linear and optionally a last BatchNorm, as a
 * `tf.Sequential` from [B, inputDim] to [B, outputDim]. Linear layers that feed a batch norm have
 * no bias. Weights are initialized as PyTorch's `nn.Linear` default, from seeds of `rng`; batch
 * norms use PyTorch's momentum 0.1 and epsilon 1e-5. Layers are named
 * `<name>.layers.<i>` in `nn.Sequential` order (Linear, BN, ReLU, ...).
 *
 * The methods differ in the details (their reference code):
 * - SimCLR v1 / v2 (google-research/simclr): 2 / 3 layers (2048 -> 128 on ResNet-50), last BN
 *   without beta: `{ numLayers: 2, lastBatchNorm: { center: false } }`.
 * - MoCo v2: no batch norm, `{ hiddenDim: 2048, outputDim: 128, batchNorm: false }`.
 * - MoCo v3: 3 layers, 4096 -> 256, last BN without affine parameters:
 *   `{ numLayers: 3, lastBatchNorm: { center: false, scale: false } }`.
 * - BYOL: 2 layers, 4096 -> 256, no last BN: the defaults.
 * - SimSiam: 3 layers, 2048 -> 2048, last BN without affine parameters, like MoCo v3.
 * - Barlow Twins (8192-8192-8192) and VICReg (8192-8192-8192 "expander"): 3 layers, last Linear
 *   without bias and no last BN (Barlow Twins' loss applies its own affine-free BN):
 *   `{ numLayers: 3, lastBias: false }`.
 *
 * @param options - See {@link ProjectionHeadOptions}.
 * @param rng - Generator of the initialization seeds; defaults to the global one.
 *
 * @example
 * ```ts
 * // BYOL projector on ResNet-18 features.
 * const projector = projectionHead({ inputDim: 512, hiddenDim: 4096, outputDim: 256 }, rng);
 * const z = projector.apply(features, { training: true }) as tf.Tensor; // [B, 256]
 * ```
 */
export function projectionHead(options: ProjectionHeadOptions, rng?: Rng): tf.Sequential {
  return buildMlpHead(
    {
      inputDim: options.inputDim,
      hiddenDim: options.hiddenDim,
      outputDim: options.outputDim,
      numLayers: options.numLayers ?? 2,
      batchNorm: options.batchNorm ?? true,
      lastBatchNorm: options.lastBatchNorm ?? false,
      lastBias: options.lastBias,
      name: options.name ?? 'projection_head',
    },
    rng,
    'projectionHead',
  );
}
