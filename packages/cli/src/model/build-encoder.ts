import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '@selfsup/core';
import { resnet, smallConvNet, vit, type ResNetDepth } from '@selfsup/vision';
import type { EncoderConfig } from '../config/schema';

/**
 * Builds the encoder a config names, for images of `inputShape` ([height, width, channels]).
 * Defaults: smallConvNet widths [32, 64, 128, 256]; resnet depth 18 with the CIFAR stem for
 * images up to 64 px; vit tiny with 4 px patches.
 *
 * @example
 * ```ts
 * const encoder = buildEncoder({ name: 'smallConvNet' }, [28, 28, 1], createRng(0));
 * ```
 */
export function buildEncoder(
  config: EncoderConfig,
  inputShape: [number, number, number],
  rng: Rng,
): tf.LayersModel {
  switch (config.name) {
    case 'smallConvNet':
      return smallConvNet({ inputShape, widths: config.widths }, rng);
    case 'resnet':
      return resnet(
        {
          depth: (config.depth ?? 18) as ResNetDepth,
          inputShape,
          cifarStem: config.cifarStem ?? Math.max(inputShape[0], inputShape[1]) <= 64,
          widthMultiplier: config.widthMultiplier,
        },
        rng,
      );
    case 'vit': {
      const patchSize = config.patchSize ?? 4;
      if (inputShape[0] % patchSize !== 0 || inputShape[1] % patchSize !== 0) {
        throw new Error(
          `config.encoder.patchSize: ${patchSize} does not divide the ${inputShape[0]}x${inputShape[1]} images (set data.imageSize or encoder.patchSize)`,
        );
      }
      return vit(
        {
          size: config.size ?? 'tiny',
          embedDim: config.embedDim,
          depth: config.depthBlocks,
          numHeads: config.numHeads,
          imageSize: [inputShape[0], inputShape[1]],
          patchSize,
          channels: inputShape[2],
        },
        rng,
      );
    }
  }
}
