import * as tf from '@tensorflow/tfjs';
import { singleShape, singleTensor, type Kwargs, type LayerArgs, type Shape } from './types';

/** How {@link TokenPooling} reduces tokens to one vector. */
export type TokenPoolingMode = 'cls' | 'mean';

/** Options of {@link TokenPooling}. */
export interface TokenPoolingArgs extends LayerArgs {
  /** `'cls'`: the first token; `'mean'`: the mean of the tokens after the prefix. */
  mode: TokenPoolingMode;
  /** Tokens before the patch tokens (1 for a class token, 0 without). Default 1. */
  numPrefixTokens?: number;
}

/**
 * Reduces tokens [B, T, D] to [B, D]: the class token (`'cls'`, token 0) or the mean of the patch
 * tokens (`'mean'`, tokens `numPrefixTokens..T-1`, as timm's `global_pool='avg'` and MAE's
 * `global_pool`, which leave the class token out).
 *
 * @example
 * ```ts
 * const pool = new TokenPooling({ mode: 'mean', numPrefixTokens: 1 });
 * const v = pool.apply(tf.randomNormal([2, 197, 192])) as tf.Tensor; // [2, 192]
 * ```
 */
export class TokenPooling extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'SelfsupTokenPooling';
  readonly mode: TokenPoolingMode;
  readonly numPrefixTokens: number;

  constructor(args: TokenPoolingArgs) {
    super(args);
    this.mode = args.mode;
    this.numPrefixTokens = args.numPrefixTokens ?? 1;
    if (this.mode !== 'cls' && this.mode !== 'mean') {
      throw new Error(`TokenPooling: mode must be 'cls' or 'mean', got ${String(this.mode)}`);
    }
    if (!Number.isInteger(this.numPrefixTokens) || this.numPrefixTokens < 0) {
      throw new Error(
        `TokenPooling: numPrefixTokens must be a non-negative integer, got ${this.numPrefixTokens}`,
      );
    }
    if (this.mode === 'cls' && this.numPrefixTokens === 0) {
      throw new Error(`TokenPooling: mode 'cls' needs a class token (numPrefixTokens >= 1)`);
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape, 'TokenPooling');
    this.checkShape(shape);
    return [shape[0], shape[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs, 'TokenPooling');
      this.checkShape(x.shape);
      const [b, t, d] = x.shape;
      if (this.mode === 'cls') return tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, d]), [b, d]);
      const p = this.numPrefixTokens;
      return tf.mean(p === 0 ? x : tf.slice(x, [0, p, 0], [b, t - p, d]), 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode, numPrefixTokens: this.numPrefixTokens };
  }

  private checkShape(shape: Shape): void {
    const t = shape[1];
    if (shape.length !== 3 || t == null || t <= this.numPrefixTokens) {
      throw new Error(
        `TokenPooling: expected tokens [batch, length > ${this.numPrefixTokens}, dim], got [${shape.join(', ')}]`,
      );
    }
  }
}
tf.serialization.registerClass(TokenPooling);
