import * as tf from '@tensorflow/tfjs';
import { forEachTensor } from './internal/tensors';

/**
 * Disposes every tensor inside a dataset element (a tensor, or arrays and plain records nesting
 * tensors); other values are left alone. This is how a consumer releases a batch it received
 * from a {@link Dataset}: every element a dataset yields belongs to its consumer.
 *
 * @example
 * ```ts
 * for await (const batch of dataset) {
 *   // ... use batch.image ...
 *   disposeElement(batch);
 * }
 * ```
 */
export function disposeElement(x: unknown): void {
  forEachTensor(x, (t) => {
    if (!t.isDisposed && !(t instanceof tf.Variable)) t.dispose();
  });
}
