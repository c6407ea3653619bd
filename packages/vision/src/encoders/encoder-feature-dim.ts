import type * as tf from '@tensorflow/tfjs';

/**
 * The feature width D of an encoder model whose output is [B, D] (every encoder of this package).
 *
 * @example
 * ```ts
 * encoderFeatureDim(resnet({ depth: 50, inputShape: [224, 224, 3] })); // 2048
 * ```
 */
export function encoderFeatureDim(model: tf.LayersModel): number {
  if (model.outputs.length !== 1) {
    throw new Error(
      `encoderFeatureDim: expected a model with one output, '${model.name}' has ${model.outputs.length}`,
    );
  }
  const shape = model.outputs[0].shape;
  const dim = shape[1];
  if (shape.length !== 2 || dim == null) {
    throw new Error(
      `encoderFeatureDim: expected an output [batch, dim], '${model.name}' outputs [${shape.join(', ')}]`,
    );
  }
  return dim;
}
