import * as tf from '@tensorflow/tfjs';
import { minimizeLbfgs, type LbfgsOptions, type LbfgsResult } from './minimize-lbfgs';

/** Result of {@link fitSoftmaxRegression}. */
export interface SoftmaxRegressionFit {
  /** Row-major `dim x numClasses` weights. */
  weights: Float32Array;
  bias: Float32Array;
  /** Parameters in the optimizer's layout (weights then bias), for warm starts. */
  params: Float64Array;
  /** The optimizer's report (final loss includes the weight-decay term). */
  optimization: Omit<LbfgsResult, 'x'>;
}

/**
 * Fits multinomial logistic regression on (already standardized) features by full-batch L-BFGS,
 * minimizing `mean cross-entropy + weightDecay / 2 * ||W||^2` (the bias is not decayed). The
 * gradient is written out (`X' (softmax - onehot) / n + weightDecay W`) rather than taken with
 * autodiff, and `X'` is materialized once so both products are plain 2-D matMuls (the fast path
 * on wasm). Loss and gradient come from tfjs in float32 (per-example losses summed in float64);
 * the optimizer works in float64.
 *
 * @example
 * ```ts
 * const fit = fitSoftmaxRegression(z, count, dim, labels, 10, 1e-4);
 * fit.optimization.stopReason; // 'loss-change' when converged
 * ```
 */
export function fitSoftmaxRegression(
  features: Float32Array,
  count: number,
  dim: number,
  labels: Int32Array,
  numClasses: number,
  weightDecay: number,
  init?: Float64Array,
  lbfgs: LbfgsOptions = {},
): SoftmaxRegressionFit {
  if (!(weightDecay >= 0)) {
    throw new Error(`fitSoftmaxRegression: weightDecay must be >= 0, got ${weightDecay}`);
  }
  const nW = dim * numClasses;
  const nParams = nW + numClasses;
  if (init && init.length !== nParams) {
    throw new Error(`fitSoftmaxRegression: init has ${init.length} values, expected ${nParams}`);
  }
  const x = tf.tensor2d(features, [count, dim]);
  const xt = tf.tidy(() => tf.transpose(x));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat());
  const wBuf = new Float32Array(nW);
  const bBuf = new Float32Array(numClasses);
  try {
    const lossAndGradient = (p: Float64Array) => {
      for (let i = 0; i < nW; i++) wBuf[i] = p[i];
      for (let c = 0; c < numClasses; c++) bBuf[c] = p[nW + c];
      const [ce, gW, gb] = tf.tidy(() => {
        const w = tf.tensor2d(wBuf, [dim, numClasses]);
        const logits = tf.add(tf.matMul(x, w), tf.tensor1d(bBuf));
        const logp = tf.logSoftmax(logits);
        // Per-example losses, summed in float64 below: a float32 sum over many examples is too
        // noisy for the line search and the stopping test.
        const perExample = tf.neg(tf.sum(tf.mul(y, logp), 1));
        const g = tf.div(tf.sub(tf.exp(logp), y), count);
        return [perExample, tf.matMul(xt, g), tf.sum(g, 0)];
      });
      const losses = ce.dataSync();
      let lossValue = 0;
      for (let i = 0; i < count; i++) lossValue += losses[i];
      lossValue /= count;
      const gWv = gW.dataSync();
      const gbv = gb.dataSync();
      ce.dispose();
      gW.dispose();
      gb.dispose();
      const grad = new Float64Array(nParams);
      let reg = 0;
      for (let i = 0; i < nW; i++) {
        reg += p[i] * p[i];
        grad[i] = gWv[i] + weightDecay * p[i];
      }
      for (let c = 0; c < numClasses; c++) grad[nW + c] = gbv[c];
      return { loss: lossValue + 0.5 * weightDecay * reg, grad };
    };
    const result = minimizeLbfgs(lossAndGradient, init ?? new Float64Array(nParams), lbfgs);
    const { x: params, ...optimization } = result;
    return {
      weights: Float32Array.from(params.subarray(0, nW)),
      bias: Float32Array.from(params.subarray(nW)),
      params,
      optimization,
    };
  } finally {
    x.dispose();
    xt.dispose();
    y.dispose();
  }
}
