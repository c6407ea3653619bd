import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '@selfsup/core';
import {
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type Shape,
} from '../../layers/types';

/**
 * A layer that L2-normalizes each row: `x / max(||x||, 1e-12)` (PyTorch's `F.normalize`), as
 * DINO's head does between its MLP and its last layer. No weights.
 *
 * @example
 * ```ts
 * const unit = new L2NormalizeLayer({ name: 'dino_head.normalize' }).apply(x) as tf.Tensor;
 * ```
 */
export class L2NormalizeLayer extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupL2Normalize';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, 'L2NormalizeLayer');
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return l2Normalize(singleTensor(inputs, 'L2NormalizeLayer'), -1);
  }
}
tf.serialization.registerClass(L2NormalizeLayer);
