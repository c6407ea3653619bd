import * as tf from '@tensorflow/tfjs';

/** Result of {@link clipByGlobalNorm}. */
export interface ClippedGradients {
  /** The rescaled gradients, same keys; new tensors owned by the caller. */
  readonly grads: tf.NamedTensorMap;
  /** L2 norm of all gradients together, before clipping. */
  readonly globalNorm: number;
}

/**
 * Rescales gradients so that their joint L2 norm is at most `maxNorm`, as
 * `torch.nn.utils.clip_grad_norm_`: `scale = min(1, maxNorm / (norm + 1e-6))`, applied to every
 * gradient. The inputs are left untouched (dispose them yourself); the outputs are new tensors.
 * As in PyTorch (`error_if_nonfinite=False`), a non-finite norm is not an error: it is returned
 * and propagates into the gradients.
 *
 * @example
 * ```ts
 * const { value, grads } = tf.variableGrads(lossFn);
 * const clipped = clipByGlobalNorm(grads, 3.0);
 * optimizer.applyGradients(clipped.grads, variables);
 * tf.dispose([value, grads, clipped.grads]);
 * ```
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): ClippedGradients {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm < 0) {
    throw new Error(`clipByGlobalNorm: maxNorm must be a finite number >= 0, got ${maxNorm}`);
  }
  const names = Object.keys(grads);
  if (names.length === 0) return { grads: {}, globalNorm: 0 };
  let globalNorm = 0;
  const clipped = tf.tidy(() => {
    const squares = names.map((name) => tf.sum(tf.square(grads[name])));
    globalNorm = Math.sqrt(tf.addN(squares).dataSync()[0]);
    const scale = Math.min(1, maxNorm / (globalNorm + 1e-6));
    const out: tf.NamedTensorMap = {};
    for (const name of names)
      out[name] = scale === 1 ? tf.clone(grads[name]) : tf.mul(grads[name], scale);
    return out;
  });
  return { grads: clipped, globalNorm };
}
