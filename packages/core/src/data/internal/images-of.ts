import * as tf from '@tensorflow/tfjs';

/** The images of an element: the element itself, or its `image` field. */
export function imagesOf(
  x: unknown,
  op: string,
): { images: tf.Tensor4D; rest: Record<string, unknown> } {
  if (x instanceof tf.Tensor) {
    if (x.rank !== 4)
      throw new Error(
        `${op}: expected a batch of images of shape [batch, height, width, channels], got shape [${x.shape.join(', ')}]`,
      );
    return { images: x as tf.Tensor4D, rest: {} };
  }
  if (
    x !== null &&
    typeof x === 'object' &&
    (x as { image?: unknown }).image instanceof tf.Tensor
  ) {
    const { image, ...rest } = x as { image: tf.Tensor };
    if (image.rank !== 4) {
      throw new Error(
        `${op}: expected 'image' of shape [batch, height, width, channels], got shape [${image.shape.join(', ')}]; batch the dataset before ${op}`,
      );
    }
    return { images: image as tf.Tensor4D, rest };
  }
  throw new Error(`${op}: expected a Tensor4D batch or a record with an 'image' Tensor4D field`);
}
