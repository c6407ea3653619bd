import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '@selfsup/core';
import { BatchNorm } from '../../layers/batch-norm';
import { normalInit } from '../../layers/init';
import { L2NormalizeLayer } from './l2-normalize-layer';
import { WeightNormDense } from './weight-norm-dense';

/**
 * Options of {@link dinoHead}.
 *
 * @example
 * ```ts
 * const o: DinoHeadOptions = { inputDim: 384, outputDim: 65536, normLastLayer: false };
 * ```
 */
export interface DinoHeadOptions {
  /** Encoder feature width. */
  inputDim: number;
  /** Number of prototypes K (the softmax width). Default 65536 (`--out_dim`). */
  outputDim?: number;
  /** Width of the hidden layers. Default 2048. */
  hiddenDim?: number;
  /** Width of the bottleneck before the L2 normalization. Default 256. */
  bottleneckDim?: number;
  /** Linear layers of the MLP (before the last layer). Default 3. */
  numLayers?: number;
  /** Batch norm after the hidden linear layers (`--use_bn_in_head`, for ResNets). Default false. */
  useBn?: boolean;
  /** Fix the norm of the last layer's weights to 1 (`--norm_last_layer`). Default true. */
  normLastLayer?: boolean;
  /** Model name and prefix of its layer names. Default `'dino_head'`. */
  name?: string;
}

/**
 * DINO's projection head (`DINOHead` in facebookresearch/dino `vision_transformer.py`): an MLP
 * (`numLayers` linear layers, GELU between them, optional batch norm) from the features to a
 * `bottleneckDim` vector, L2 normalization, then a weight-normalized bias-free linear layer to the
 * K prototype logits ({@link WeightNormDense}). The MLP's weights are drawn from N(0, 0.02) (timm's
 * `trunc_normal_(std=.02)`, whose +-2 bounds are 100 standard deviations away) with zero biases;
 * the last layer keeps `nn.Linear`'s default initialization and a norm of 1. Layer names follow the
 * official modules: `<name>.mlp.<i>`, `<name>.normalize`, `<name>.last_layer`.
 *
 * @example
 * ```ts
 * const head = dinoHead({ inputDim: 192, outputDim: 4096 }, createRng(0)); // ViT-Tiny features
 * ```
 */
export function dinoHead(options: DinoHeadOptions, rng?: Rng): tf.Sequential {
  const {
    inputDim,
    outputDim = 65536,
    hiddenDim = 2048,
    bottleneckDim = 256,
    numLayers = 3,
    useBn = false,
    normLastLayer = true,
  } = options;
  const name = options.name ?? 'dino_head';
  for (const [label, v] of [
    ['inputDim', inputDim],
    ['outputDim', outputDim],
    ['hiddenDim', hiddenDim],
    ['bottleneckDim', bottleneckDim],
    ['numLayers', numLayers],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new Error(`dinoHead: ${label} must be a positive integer, got ${String(v)}`);
  }
  const gen = resolveRng(rng);
  const layers: tf.layers.Layer[] = [];
  const at = (): string => `${name}.mlp.${layers.length}`;
  const linear = (units: number, inDim: number): void => {
    layers.push(
      tf.layers.dense({
        units,
        kernelInitializer: normalInit(0.02, gen.seed()),
        biasInitializer: 'zeros',
        name: at(),
        ...(layers.length === 0 ? { inputShape: [inDim] } : {}),
      }),
    );
  };
  if (numLayers === 1) {
    linear(bottleneckDim, inputDim);
  } else {
    let dim = inputDim;
    for (let i = 0; i < numLayers - 1; i++) {
      linear(hiddenDim, dim);
      if (useBn) layers.push(new BatchNorm({ name: at() }));
      layers.push(tf.layers.activation({ activation: 'gelu', name: at() }));
      dim = hiddenDim;
    }
    linear(bottleneckDim, dim);
  }
  layers.push(new L2NormalizeLayer({ name: `${name}.normalize` }));
  layers.push(
    new WeightNormDense({
      units: outputDim,
      fixedNorm: normLastLayer,
      seed: gen.seed(),
      name: `${name}.last_layer`,
    }),
  );
  return tf.sequential({ layers, name });
}
