// Internal type aliases for writing tfjs-layers custom layers against the `@tensorflow/tfjs`
// bundle (which does not re-export `LayerArgs` or `Kwargs` by name).
import * as tf from '@tensorflow/tfjs';

/** Constructor arguments of `tf.layers.Layer` (name, inputShape, trainable, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Keyword arguments a layer's `call` receives (`training`, `mask`). */
export type Kwargs = Parameters<tf.layers.Layer['call']>[1];

/** A layer's weight variable (`tf.LayerVariable`). */
export type LayerVariable = tf.LayerVariable;

/** A symbolic shape with a free batch dimension. */
export type Shape = (number | null)[];

/** The single input of a one-input layer, whether tfjs passes it bare or in a list. */
export function singleTensor(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) {
      throw new Error(`${layer}: expected exactly one input tensor, got ${inputs.length}`);
    }
    return inputs[0];
  }
  return inputs;
}

/** The single input shape of a one-input layer. */
export function singleShape(inputShape: Shape | Shape[], layer: string): Shape {
  if (Array.isArray(inputShape[0])) {
    const shapes = inputShape as Shape[];
    if (shapes.length !== 1) {
      throw new Error(`${layer}: expected exactly one input shape, got ${shapes.length}`);
    }
    return shapes[0];
  }
  return inputShape as Shape;
}

/** True when the layer is called in training mode (`model.apply(x, { training: true })`). */
export function isTraining(kwargs: Kwargs | undefined): boolean {
  return kwargs?.['training'] === true;
}

/** Checks tokens [batch, length, dim] with dim divisible by the heads; returns dim. */
export function checkTokens(
  shape: Shape,
  numHeads: number,
  layer = 'MultiHeadSelfAttention',
): number {
  const d = shape[2];
  if (shape.length !== 3 || d == null || d % numHeads !== 0) {
    throw new Error(
      `${layer}: expected tokens [batch, length, dim] with dim divisible by numHeads ${numHeads}, ` +
        `got [${shape.join(', ')}]`,
    );
  }
  return d;
}
