import * as tf from '@tensorflow/tfjs';
import { activeNativeKernels } from '../backend/native-kernels';

/**
 * The kernels {@link layerNorm} runs where the backend has them and `@selfsup/native` is active:
 * selfsup registers them on wasm. `SelfsupLayerNorm`: inputs `x`, `gamma`, `beta`, attribute
 * `epsilon`, outputs `[y, mean, invStd]` (statistics shaped as x without its last axis).
 * `SelfsupLayerNormGrad`: inputs `dy`, `x`, `mean`, `invStd`, `gamma`, outputs
 * `[dx, dgamma, dbeta]`.
 */
export const LAYER_NORM_KERNEL = 'SelfsupLayerNorm';
/** See {@link LAYER_NORM_KERNEL}. */
export const LAYER_NORM_GRAD_KERNEL = 'SelfsupLayerNormGrad';

/**
 * Layer normalization over the last axis, as PyTorch's `nn.LayerNorm(C)`:
 * `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with each row's mean and biased
 * variance over its C channels.
 *
 * On wasm with `@selfsup/native` active (float32), the forward pass is one fused kernel (one read
 * of x, one write of y; statistics accurate under a large common offset) and so is the backward
 * pass (dx, dgamma and dbeta together), where the composed ops run ~10 and ~20 full passes plus
 * the casts of `tf.mean`'s gradient. Everywhere else (cpu, tfjs-node, wasm without native, other
 * dtypes) it computes exactly the composed ops it replaces, `centered = x - mean(x)`,
 * `variance = mean(centered * centered)`, `centered * rsqrt(variance + epsilon) * gamma + beta`,
 * with their autodiff gradients. Gradients reach x, gamma and beta (variables included, e.g. a
 * layer's weights under `optimizer.minimize`). Second-order gradients are not supported on the
 * fused path (its backward is a kernel without a gradient of its own).
 *
 * @param x Input, rank >= 1, normalized over its last axis (size C).
 * @param gamma Scale, shape `[C]`.
 * @param beta Offset, shape `[C]`.
 * @param epsilon Added to the variance before the square root. Default 1e-5 (PyTorch).
 * @returns A tensor shaped like x.
 *
 * @example
 * ```ts
 * const x = tf.tensor2d([[1, 2, 3], [10, 20, 30]]);
 * const y = layerNorm(x, tf.ones([3]), tf.zeros([3])); // each row: [-1.2247, 0, 1.2247]
 * const { grads } = tf.variableGrads(() => tf.sum(tf.square(layerNorm(x, gamma, beta, 1e-6))));
 * ```
 */
export function layerNorm<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = 1e-5,
): T {
  if (x.rank < 1) throw new Error('layerNorm: expected x of rank >= 1, got a scalar');
  const c = x.shape[x.rank - 1];
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t.rank !== 1 || t.shape[0] !== c) {
      throw new Error(
        `layerNorm: expected ${name} of shape [${c}] (the last axis of x [${x.shape}]), got [${t.shape}]`,
      );
    }
  }
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new Error(`layerNorm: expected a finite epsilon > 0, got ${epsilon}`);
  }
  const fused =
    x.size > 0 &&
    [x, gamma, beta].every((t) => t.dtype === 'float32') &&
    tf.getBackend() === 'wasm' &&
    activeNativeKernels() !== undefined &&
    tf.getKernel(LAYER_NORM_KERNEL, 'wasm') !== undefined &&
    tf.getKernel(LAYER_NORM_GRAD_KERNEL, 'wasm') !== undefined;
  if (!fused) return composedLayerNorm(x, gamma, beta, epsilon);

  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, invStd] = tf
      .engine()
      .runKernel(LAYER_NORM_KERNEL, { x: xIn, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
    save([xIn, mean, invStd, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, m, is, gm] = saved;
        return tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, {
          dy: dy.dtype === 'float32' ? dy : tf.cast(dy, 'float32'),
          x: xs,
          mean: m,
          invStd: is,
          gamma: gm,
        }) as tf.Tensor[];
      },
    };
  });
  return op(x, gamma, beta) as T;
}

/** The composed ops (and their autodiff gradient), as vision's LayerNorm ran them before. */
function composedLayerNorm<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): T {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const centered = tf.sub(x, tf.mean(x, axis, true));
    const variance = tf.mean(tf.mul(centered, centered), axis, true);
    const y = tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(y, gamma), beta) as T;
  });
}
