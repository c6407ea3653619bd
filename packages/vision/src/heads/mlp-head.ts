// Internal: the Linear-BN-ReLU ... Linear[-BN] stack behind projectionHead and predictionHead.
import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '@selfsup/core';
import { BatchNorm } from '../layers/batch-norm';
import { torchDefaultInit } from '../layers/init';

/**
 * Batch norm after the last linear layer: `false` (none), `true` (affine: gamma and beta), or
 * which affine parameters to keep, e.g. `{ center: false }` (SimCLR: gamma only) or
 * `{ center: false, scale: false }` (MoCo v3, SimSiam: PyTorch's `affine=False`).
 */
export type LastBatchNorm = boolean | { center?: boolean; scale?: boolean };

export interface MlpHeadSpec {
  inputDim: number;
  hiddenDim: number;
  outputDim: number;
  numLayers: number;
  batchNorm: boolean;
  lastBatchNorm: LastBatchNorm;
  lastBias?: boolean;
  name: string;
}

export function buildMlpHead(
  spec: MlpHeadSpec,
  rng: Rng | undefined,
  caller: string,
): tf.Sequential {
  const { inputDim, hiddenDim, outputDim, numLayers, batchNorm, lastBatchNorm, name } = spec;
  for (const [label, v] of [
    ['inputDim', inputDim],
    ['hiddenDim', hiddenDim],
    ['outputDim', outputDim],
    ['numLayers', numLayers],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new Error(`${caller}: ${label} must be a positive integer, got ${v}`);
    }
  }
  const lastBn =
    lastBatchNorm === false
      ? null
      : lastBatchNorm === true
        ? { center: true, scale: true }
        : { center: lastBatchNorm.center ?? true, scale: lastBatchNorm.scale ?? true };
  // A bias right before a batch norm is redundant (the BN shift absorbs it).
  const lastBias = spec.lastBias ?? lastBn == null;
  const gen = resolveRng(rng);
  const layers: tf.layers.Layer[] = [];
  const at = (): string => `${name}.layers.${layers.length}`;
  const linear = (inDim: number, outDim: number, useBias: boolean): void => {
    layers.push(
      tf.layers.dense({
        units: outDim,
        useBias,
        // PyTorch's nn.Linear default init (kaiming_uniform_(a=sqrt(5))): U(+-1/sqrt(fan_in)).
        kernelInitializer: torchDefaultInit(inDim, gen.seed()),
        biasInitializer: useBias ? torchDefaultInit(inDim, gen.seed()) : undefined,
        name: at(),
        ...(layers.length === 0 ? { inputShape: [inDim] } : {}),
      }),
    );
  };
  let dim = inputDim;
  for (let i = 0; i < numLayers - 1; i++) {
    linear(dim, hiddenDim, !batchNorm);
    if (batchNorm) layers.push(new BatchNorm({ name: at() }));
    layers.push(tf.layers.reLU({ name: at() }));
    dim = hiddenDim;
  }
  linear(dim, outputDim, lastBias);
  if (lastBn != null) layers.push(new BatchNorm({ ...lastBn, name: at() }));
  return tf.sequential({ layers, name });
}
