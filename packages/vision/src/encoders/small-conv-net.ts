import * as tf from '@tensorflow/tfjs';
import { resolveRng, type Rng } from '@selfsup/core';
import { BatchNorm } from '../layers/batch-norm';
import { Conv2d } from '../layers/conv2d';

/** Options of {@link smallConvNet}. */
export interface SmallConvNetOptions {
  /** Image shape [height, width, channels], e.g. [28, 28, 1] for MNIST. */
  inputShape: [number, number, number];
  /** Output channels of each block. Default [32, 64, 128, 256]. */
  widths?: number[];
  /**
   * Max-pool after the last block too. Default false: the last block feeds the global average
   * pool directly (on 28 x 28 inputs the spatial sizes are 28 -> 14 -> 7 -> 3, and a fourth pool
   * would keep only the top-left 2 x 2 of the 3 x 3 map; on 32 x 32 it is 32 -> 16 -> 8 -> 4).
   */
  poolLastBlock?: boolean;
  /** Model name and prefix of its layer names. Default `'small_conv_net'`. */
  name?: string;
}

/**
 * The small "Conv-4" encoder of the MNIST demo and the benchmarks: per block a 3x3 conv (same
 * padding, no bias), batch norm, ReLU and a 2x2 max-pool (stride 2), then global average pooling
 * to a feature vector [B, widths.at(-1)]. Convs are initialized as torchvision's
 * (`kaiming_normal_`, fan_out, ReLU gain), batch norms with gamma 1, beta 0; all kernels are drawn
 * from seeds of `rng`.
 *
 * Layers are named `<name>.blocks.<i>.conv|bn|pool` (the batch norm applies the relu) and
 * `<name>.avgpool`.
 *
 * @param options - See {@link SmallConvNetOptions}.
 * @param rng - Generator of the initialization seeds; defaults to the global one.
 *
 * @example
 * ```ts
 * const encoder = smallConvNet({ inputShape: [28, 28, 1] }, createRng(0));
 * const features = encoder.predict(tf.zeros([8, 28, 28, 1])) as tf.Tensor; // [8, 256]
 * encoderFeatureDim(encoder); // 256
 * ```
 */
export function smallConvNet(options: SmallConvNetOptions, rng?: Rng): tf.LayersModel {
  const { inputShape, widths = [32, 64, 128, 256], poolLastBlock = false } = options;
  const name = options.name ?? 'small_conv_net';
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 3 ||
    !inputShape.every((v) => Number.isInteger(v) && v > 0)
  ) {
    throw new Error(
      `smallConvNet: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`,
    );
  }
  if (widths.length === 0 || !widths.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(
      `smallConvNet: widths must be a non-empty list of positive integers, got ${JSON.stringify(widths)}`,
    );
  }
  const pools = poolLastBlock ? widths.length : widths.length - 1;
  const minSide = Math.min(inputShape[0], inputShape[1]);
  if (minSide >> pools < 1) {
    throw new Error(
      `smallConvNet: ${pools} 2x2 max-pools need images of at least ${2 ** pools} px, got ${inputShape[0]}x${inputShape[1]}`,
    );
  }
  const gen = resolveRng(rng);
  const input = tf.input({ shape: inputShape, name: `${name}.input` });
  let x: tf.SymbolicTensor = input;
  widths.forEach((width, i) => {
    const prefix = `${name}.blocks.${i}`;
    // selfsup's Conv2d rather than tfjs-layers': no input gradient for the first layer.
    x = new Conv2d({
      filters: width,
      kernelSize: 3,
      padding: 1,
      useBias: false,
      init: 'kaimingNormalFanOut',
      seed: gen.seed(),
      name: `${prefix}.conv`,
    }).apply(x) as tf.SymbolicTensor;
    // The relu fused into the batch norm: one pass each way, one activation less to keep.
    x = new BatchNorm({ name: `${prefix}.bn`, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    if (i < pools) {
      x = tf.layers
        .maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: `${prefix}.pool` })
        .apply(x) as tf.SymbolicTensor;
    }
  });
  const features = tf.layers
    .globalAveragePooling2d({ name: `${name}.avgpool` })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: features, name });
}
