// Internal: MoCo's shuffle-BN on one device. The batch is cut into `splits` sub-batches and every
// sub-batch goes through the networks on its own, so each batch-norm layer normalizes with that
// sub-batch's statistics, as on `splits` GPUs (the official MoCo CIFAR-10 demo's SplitBatchNorm).
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { BatchNorm } from '../../layers/batch-norm';
import { forward } from './networks';

/** Every selfsup BatchNorm layer of `model`, nested models included. */
export function batchNormLayers(model: tf.LayersModel): BatchNorm[] {
  const out: BatchNorm[] = [];
  const visit = (layers: tf.layers.Layer[]): void => {
    for (const l of layers) {
      if (l instanceof BatchNorm) out.push(l);
      else if (l instanceof tf.LayersModel) visit(l.layers);
    }
  };
  visit(model.layers);
  return out;
}

/** Sizes of `splits` contiguous sub-batches of `n` rows, as even as possible. */
export function splitSizes(n: number, splits: number): number[] {
  const base = Math.floor(n / splits);
  return Array.from({ length: splits }, (_, i) => base + (i < n % splits ? 1 : 0));
}

/**
 * `forward(models, x)` with batch norm over `splits` contiguous sub-batches. Each sub-batch updates
 * the running statistics once; the momentum of every BatchNorm is lowered for the call to
 * `1 - (1 - m)^(1 / splits)`, so that one step still keeps `(1 - m)` of the old running value, as
 * SplitBatchNorm's single update with the mean of the sub-batch statistics does.
 */
export function forwardInSplits(
  models: readonly tf.LayersModel[],
  x: tf.Tensor,
  splits: number,
): tf.Tensor2D {
  if (splits <= 1) return forward(models, x);
  const layers = models.flatMap(batchNormLayers);
  const saved = layers.map((l) => l.momentum);
  // `momentum` is read at each call; it is restored below (BatchNorm declares it readonly for users).
  layers.forEach(
    (l) => ((l as { momentum: number }).momentum = 1 - Math.pow(1 - l.momentum, 1 / splits)),
  );
  try {
    return tf.tidy(() => {
      const chunks = tf.split(x, splitSizes(x.shape[0], splits), 0);
      return tf.concat(
        chunks.map((c) => forward(models, c)),
        0,
      ) as tf.Tensor2D;
    });
  } finally {
    layers.forEach((l, i) => ((l as { momentum: number }).momentum = saved[i]));
  }
}

/**
 * The key shuffle of step `step`: a permutation of `n` drawn from `(seed, step)` only, so a resumed
 * run repeats it without saving a generator state.
 */
export function keyPermutation(seed: number, step: number, n: number): Int32Array {
  return createRng((seed + Math.imul(step + 1, 0x9e3779b1)) >>> 0).permutation(n);
}
