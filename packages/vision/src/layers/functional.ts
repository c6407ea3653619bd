// Internal tensor functions shared by the transformer layers. Every matmul on token features is a
// plain 2-D matmul on a [batch * tokens, dim] view (fast on wasm); only the two attention matmuls
// are batched, over [batch * heads, tokens, headDim].
import * as tf from '@tensorflow/tfjs';
import { gelu, layerNorm } from '@selfsup/core';

/**
 * Which GELU to use: `'none'` is the exact `0.5 x (1 + erf(x / sqrt 2))` of PyTorch's `nn.GELU()`
 * (timm, MAE); `'tanh'` is the tanh approximation (`nn.GELU(approximate='tanh')`, BERT, GPT-2).
 */
export type GeluApproximation = 'none' | 'tanh';

/**
 * GELU, exact or tanh-approximated: core's `gelu` (the exact one is a single fused kernel each
 * way on wasm with `@selfsup/native`).
 */
export function geluActivation(x: tf.Tensor, approximate: GeluApproximation): tf.Tensor {
  return gelu(x, { approximate });
}

/**
 * Layer normalization over the last axis (biased variance, as PyTorch's `nn.LayerNorm`): core's
 * `layerNorm` (one fused kernel each way on wasm with `@selfsup/native`). A missing gamma or
 * beta acts as ones or zeros.
 */
export function layerNormalize(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  epsilon: number,
): tf.Tensor {
  if (gamma != null && beta != null) return layerNorm(x, gamma, beta, epsilon);
  return tf.tidy(() => {
    const c = x.shape[x.rank - 1];
    return layerNorm(x, gamma ?? tf.ones([c]), beta ?? tf.zeros([c]), epsilon);
  });
}

/** `x @ kernel + bias` for a 2-D `x` [rows, in] and a kernel [in, out]. */
export function linear(x: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor2D {
  return tf.tidy(() => {
    const y = tf.matMul(x, kernel) as tf.Tensor2D;
    return bias == null ? y : tf.add<tf.Tensor2D>(y, bias);
  });
}

/** Weights of a multi-head self-attention: qkv as one [D, 3D] projection, then [D, D]. */
export interface AttentionWeights {
  /** [D, 3D]: columns 0..D-1 are the queries, D..2D-1 the keys, 2D..3D-1 the values. */
  qkvKernel: tf.Tensor;
  qkvBias: tf.Tensor | null;
  projKernel: tf.Tensor;
  projBias: tf.Tensor | null;
}

/**
 * Multi-head scaled dot-product self-attention of timm's `Attention`: qkv = x W + b, split into
 * `numHeads` heads of size D / numHeads (head h uses columns h*dh..(h+1)*dh-1 of q, k and v),
 * softmax(q k^T / sqrt(dh)) v, heads concatenated, output projection.
 */
export function selfAttention(x: tf.Tensor, w: AttentionWeights, numHeads: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, t, d] = x.shape;
    const dh = d / numHeads;
    const qkv = linear(tf.reshape(x, [b * t, d]), w.qkvKernel, w.qkvBias);
    const [q, k, v] = tf.split(qkv, 3, 1);
    const toHeads = (m: tf.Tensor): tf.Tensor3D =>
      tf.reshape(tf.transpose(tf.reshape(m, [b, t, numHeads, dh]), [0, 2, 1, 3]), [
        b * numHeads,
        t,
        dh,
      ]);
    // Scaling q (t * dh values) is cheaper than scaling the t * t scores.
    const qh = tf.mul(toHeads(q), 1 / Math.sqrt(dh)) as tf.Tensor3D;
    const attn = tf.softmax(tf.matMul(qh, toHeads(k), false, true));
    const out = tf.matMul(attn, toHeads(v));
    const merged = tf.reshape(tf.transpose(tf.reshape(out, [b, numHeads, t, dh]), [0, 2, 1, 3]), [
      b * t,
      d,
    ]) as tf.Tensor2D;
    return tf.reshape(linear(merged, w.projKernel, w.projBias), [b, t, d]) as tf.Tensor3D;
  });
}

/**
 * Stochastic depth (timm's `drop_path` with `scale_by_keep`): zeroes the whole residual branch of
 * a sample with probability `rate` and scales the kept ones by 1 / (1 - rate).
 */
export function dropPath(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate <= 0) return x;
  return tf.tidy(() => {
    const keep = 1 - rate;
    const shape = [x.shape[0], ...new Array<number>(x.rank - 1).fill(1)];
    const mask = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep));
    return tf.mul(x, tf.div(mask, keep));
  });
}
