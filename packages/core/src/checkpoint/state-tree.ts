import * as tf from '@tensorflow/tfjs';

/**
 * Non-trainable state of a method as a tree of plain values and tensors (queues, pointers,
 * codebooks, counters), as `SSLMethod.state()` returns it and checkpoints store it.
 *
 * @example
 * ```ts
 * const s: StateTree = { queue: queueTensor, pointer: 128, temperatures: [0.1, 0.04] };
 * ```
 */
export type StateTree =
  | tf.Tensor
  | number
  | string
  | boolean
  | null
  | readonly StateTree[]
  | { readonly [key: string]: StateTree };
