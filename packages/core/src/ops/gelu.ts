import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels } from '../backend/native-kernels';

/**
 * The kernels the exact {@link gelu} runs where the backend has them and `@selfsup/native` is
 * active: selfsup registers them on wasm. `SelfsupGelu`: input `x`; `SelfsupGeluGrad`: inputs
 * `dy` and `x`, output dx.
 */
export const GELU_KERNEL = 'SelfsupGelu';
/** See {@link GELU_KERNEL}. */
export const GELU_GRAD_KERNEL = 'SelfsupGeluGrad';

/** Options of {@link gelu}. */
export interface GeluOptions {
  /**
   * `'tanh'` (the default): the tanh approximation
   * `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))` of BERT, GPT-2 and PyTorch's
   * `nn.GELU(approximate='tanh')`. `'none'`: the exact `0.5 x (1 + erf(x / sqrt 2))` of PyTorch's
   * `nn.GELU()` (timm, MAE, wav2vec 2.0).
   */
  approximate?: 'tanh' | 'none';
}

/**
 * GELU (tfjs-core has no `gelu` op), tanh-approximated by default or exact with
 * `{ approximate: 'none' }`. Written with `x * x * x` rather than `tf.pow`, which is slow on wasm.
 *
 * The exact form on wasm with `@selfsup/native` active (float32) is one fused kernel forward and
 * one backward (`dy * (Phi(x) + x phi(x))`), where the composed ops run ~5 passes each way; the
 * erf is A&S 7.1.26 (absolute error below 2e-7, as tfjs's own `erf`). Everywhere else (cpu,
 * tfjs-node, wasm without native, other dtypes) it computes exactly the composed
 * `0.5 x (1 + erf(x / sqrt 2))` and its autodiff gradient. Second-order gradients are not supported
 * on the fused path (its backward is a kernel without a gradient of its own).
 *
 * @param x Input, any shape.
 * @param options `approximate`: `'tanh'` (default) or `'none'` (exact, erf).
 *
 * @example
 * ```ts
 * const y = gelu(tf.tensor1d([-1, 0, 1])); // tanh approximation: [-0.1588, 0, 0.8412]
 * const exact = gelu(tf.tensor1d([-1, 0, 1]), { approximate: 'none' }); // [-0.1587, 0, 0.8413]
 * ```
 */
export function gelu<T extends tf.Tensor>(x: T, options: GeluOptions = {}): T {
  const approximate = options.approximate ?? 'tanh';
  if (approximate === 'tanh') return geluTanh(x);
  if (approximate !== 'none') {
    throw new Error(`gelu: expected approximate 'tanh' or 'none', got '${String(approximate)}'`);
  }
  const fused =
    x.dtype === 'float32' &&
    x.size > 0 &&
    tf.getBackend() === 'wasm' &&
    activeNativeKernels() !== undefined &&
    tf.getKernel(GELU_KERNEL, 'wasm') !== undefined &&
    tf.getKernel(GELU_GRAD_KERNEL, 'wasm') !== undefined;
  if (!fused) {
    return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    save([input]);
    return {
      value: tf.engine().runKernel(GELU_KERNEL, { x: input }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(GELU_GRAD_KERNEL, {
          dy: dy.dtype === 'float32' ? dy : tf.cast(dy, 'float32'),
          x: saved[0],
        }) as tf.Tensor,
    };
  });
  return op(x) as T;
}

function geluTanh<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const cube = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}
