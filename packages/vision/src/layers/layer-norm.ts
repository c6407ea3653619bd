import * as tf from '@tensorflow/tfjs';
import { layerNormalize } from './functional';
import {
  singleShape,
  singleTensor,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './types';

/** Options of {@link LayerNorm}. */
export interface LayerNormArgs extends LayerArgs {
  /** Added to the variance before the square root. Default 1e-5 (PyTorch); ViTs use 1e-6. */
  epsilon?: number;
}

/**
 * Layer normalization over the last axis, as PyTorch's `nn.LayerNorm(dim)`: biased variance,
 * learned `gamma` (ones) and `beta` (zeros). Unlike `tf.layers.layerNormalization`, it broadcasts
 * instead of tiling the statistics, which keeps its gradient cheap on wasm.
 *
 * @example
 * ```ts
 * const norm = new LayerNorm({ epsilon: 1e-6, name: 'norm' });
 * const y = norm.apply(tf.randomNormal([2, 5, 8])) as tf.Tensor; // [2, 5, 8]
 * ```
 */
export class LayerNorm extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupLayerNorm';
  readonly epsilon: number;
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    if (!(this.epsilon > 0)) throw new Error(`LayerNorm: epsilon must be > 0, got ${this.epsilon}`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, 'LayerNorm');
    const dim = shape[shape.length - 1];
    if (dim == null) {
      throw new Error(`LayerNorm: the last axis must be known, got [${shape.join(', ')}]`);
    }
    this.gamma = this.addWeight('gamma', [dim], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = singleTensor(inputs, 'LayerNorm');
    return layerNormalize(x, this.gamma!.read(), this.beta!.read(), this.epsilon);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);
